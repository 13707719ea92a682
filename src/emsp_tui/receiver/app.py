"""The receiver's ASGI app: routes, a guard so that no request can crash the server, and the
OCPI message log of every request (outermost, so it sees the guard's answers too)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..ocpi import status
from ..services.our_party import MODULES, PATHS
from . import cdrs, commands, credentials, locations, sessions, tokens, versions
from .context import VERSION, ReceiverContext
from .responses import ocpi_error
from .traffic import TrafficLog

log = logging.getLogger(__name__)

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]  # wrong ones get an OCPI 405


class _Guard(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        try:
            return await call_next(request)
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            return ocpi_error(request, status.SERVER_ERROR, "Internal error", 500)


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
    return [
        *_routes(tok, tokens.token_list),
        *_routes(f"{tok}/{{uid}}/authorize", tokens.authorize_token),
        *_routes(f"{ses}/{{country_code}}/{{party_id}}/{{session_id}}", sessions.session_object),
        *_routes(cdr, cdrs.post_cdr),
        *_routes(f"{cdr}/{{country_code}}/{{party_id}}/{{cdr_id}}", cdrs.get_cdr),
        *_routes(f"{loc}/{{country_code}}/{{party_id}}/{{location_id}}", locations.location_object),
        *_routes(
            f"{loc}/{{country_code}}/{{party_id}}/{{location_id}}/{{evse_uid}}",
            locations.location_object,
        ),
        *_routes(
            f"{loc}/{{country_code}}/{{party_id}}/{{location_id}}/{{evse_uid}}/{{connector_id}}",
            locations.location_object,
        ),
        *_routes(f"{cmd}/{{command}}/{{uid}}", commands.command_result),
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
    app = Starlette(routes=routes, middleware=[Middleware(TrafficLog, ctx=ctx), Middleware(_Guard)])
    app.state.ctx = ctx
    return app
