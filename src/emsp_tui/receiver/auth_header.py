"""ASGI middleware: an ``Authorization`` header that is not ASCII is answered 401 at once.

A credentials token is printable ASCII (spec 1.1), and so is its base64; such a header cannot
name a partner. Decoding it crashed the token lookup (``base64.b64decode`` of non-ASCII text
raises ValueError, which ``ocpi.auth.token_candidates`` does not catch): a 500 on every URL.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from .log_text import loggable
from .responses import unauthorized

log = logging.getLogger(__name__)


class AsciiAuthorization:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and any(
            name.lower() == b"authorization" and not value.isascii()
            for name, value in scope["headers"]
        ):
            path = loggable(scope.get("path", "?"))
            log.warning("refused %s %s: Authorization header is not ASCII", scope["method"], path)
            await unauthorized(Request(scope))(scope, receive, send)
            return
        await self.app(scope, receive, send)
