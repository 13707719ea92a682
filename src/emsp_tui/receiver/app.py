"""The receiver's ASGI app: routes, a guard so that no request can crash the server, and the
OCPI message log of every request (outermost, so it sees the guard's answers too).

Layers, outside in: message log, guard, a non-ASCII Authorization refused (auth_header.py),
body limits (body_limit.py), routing on raw ids (raw_ids.py), Starlette's exception handling
(unknown URL or method: an OCPI envelope), routes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..ocpi import status
from ..services.our_party import MODULES, PATHS
from . import cdrs, commands, credentials, locations, sessions, tokens, versions
from .auth_header import AsciiAuthorization
from .body_limit import BodyLimit
from .context import VERSION, ReceiverContext
from .log_text import loggable
from .raw_ids import RawIds
from .responses import ocpi_error
from .traffic import TrafficLog

log = logging.getLogger(__name__)

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]  # wrong ones get an OCPI 405


class _Guard(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        try:
            return await call_next(request)
        except Exception as err:
            # One line per request; the traceback only when debugging (a flood of bad requests
            # must not flood the log).
            log.error(
                "unhandled error on %s %s: %s: %s",
                request.method,
                loggable(request.url.path),
                type(err).__name__,
                loggable(err, 200),
            )
            log.debug("traceback of that error", exc_info=True)
            return ocpi_error(request, status.SERVER_ERROR, "Internal error", 500)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (no such URL) and 405 (method not routed) as OCPI envelopes."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"No OCPI endpoint at {loggable(request.url.path)}"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed here"
    else:
        message = exc.detail
    log.warning("refused %s %s: %s", request.method, loggable(request.url.path), message)
    response = ocpi_error(request, status.CLIENT_ERROR, message, exc.status_code)
    response.headers.update(exc.headers or {})
    return response


def _routes(path: str, endpoint: Callable[[Request], Awaitable[Response]]) -> list[Route]:
    """The path with and without a trailing slash (spec pitfall 11: peers differ)."""
    return [
        Route(path, endpoint, methods=ALL_METHODS),
        Route(f"{path}/", endpoint, methods=ALL_METHODS),
    ]


def functional_routes() -> list[Route]:
    base = f"/ocpi/{VERSION}"
    tok, ses, cdr, loc, cmd = (
        f"{base}/{PATHS[m]}" for m in ("tokens", "sessions", "cdrs", "locations", "commands")
    )
    # Every id a path convertor that takes an encoded '/' (raw_ids.py).
    cc, pid, uid, sid, cid, lid, evse, conn, kind = (
        f"{{{name}:ocpi_id}}"
        for name in (
            "country_code",
            "party_id",
            "uid",
            "session_id",
            "cdr_id",
            "location_id",
            "evse_uid",
            "connector_id",
            "command",
        )
    )
    return [
        *_routes(tok, tokens.token_list),
        *_routes(f"{tok}/{uid}/authorize", tokens.authorize_token),
        *_routes(f"{ses}/{cc}/{pid}/{sid}", sessions.session_object),
        *_routes(cdr, cdrs.post_cdr),
        *_routes(f"{cdr}/{cc}/{pid}/{cid}", cdrs.get_cdr),
        *_routes(f"{loc}/{cc}/{pid}/{lid}", locations.location_object),
        *_routes(f"{loc}/{cc}/{pid}/{lid}/{evse}", locations.location_object),
        *_routes(f"{loc}/{cc}/{pid}/{lid}/{evse}/{conn}", locations.location_object),
        *_routes(f"{cmd}/{kind}/{uid}", commands.command_result),
    ]


def create_receiver_app(ctx: ReceiverContext) -> Starlette:
    if not ctx.modules:  # advertised in our version details (versions.py)
        ctx.modules = list(MODULES)
    routes = [
        Route("/ocpi/versions", versions.versions, methods=["GET"]),
        Route(f"/ocpi/{VERSION}", versions.details, methods=["GET"]),
        Route(
            f"/ocpi/{VERSION}/credentials",
            credentials.credentials,
            methods=["GET", "POST", "PUT", "DELETE"],
        ),
        *functional_routes(),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(TrafficLog, ctx=ctx),
            Middleware(_Guard),
            Middleware(AsciiAuthorization),
            Middleware(BodyLimit),
            Middleware(RawIds),
        ],
        exception_handlers={404: _http_error, 405: _http_error},
    )
    app.state.ctx = ctx
    return app
