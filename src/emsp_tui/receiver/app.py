"""The receiver's ASGI app: routes, and a guard so that no request can crash the server."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..ocpi import status
from . import credentials, versions
from .context import VERSION, ReceiverContext
from .responses import ocpi_error

log = logging.getLogger(__name__)


class _Guard(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        try:
            return await call_next(request)
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            return ocpi_error(request, status.SERVER_ERROR, "Internal error", 500)


def create_receiver_app(ctx: ReceiverContext) -> Starlette:
    routes = [
        Route("/ocpi/versions", versions.versions, methods=["GET"]),
        Route(f"/ocpi/{VERSION}", versions.details, methods=["GET"]),
        Route(
            f"/ocpi/{VERSION}/credentials",
            credentials.credentials,
            methods=["GET", "POST", "PUT", "DELETE"],
        ),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(_Guard)])
    app.state.ctx = ctx
    return app
