"""ASGI middleware: a body over ``MAX_BODY_BYTES`` or nested deeper than ``MAX_JSON_DEPTH`` is
refused before any handler sees it (credentials included), with one log line and nothing read
further or written.

* Over the size (HTTP 413, OCPI 2001): a declared ``Content-Length`` is refused before a byte
  of the body is read; a chunked body is counted as it arrives and refused as soon as it passes
  the limit. The spec lists no status for this transport-level refusal; 413 is HTTP's own.
* Too deep (HTTP 400, OCPI 2001): checked on the bytes (limits.too_deep), before any parser
  could recurse into it.
The body read here is handed on to the app unchanged.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..ocpi import status
from .limits import MAX_BODY_BYTES, MAX_JSON_DEPTH, too_deep
from .log_text import loggable
from .responses import ocpi_error

log = logging.getLogger(__name__)


def _content_length(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            return bytes(value)
    return None


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            why = f"Content-Length {declared[:20].decode('latin-1')}"
            await self._refuse(scope, receive, send, why, 413)
            return
        chunks: list[bytes] = []
        size = 0
        early: list[Message] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                early.append(message)  # the client left: the app sees it after the body
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send, f"over {size} bytes, chunked", 413)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        raw = b"".join(chunks)
        if raw and too_deep(raw):
            why = f"the body nests deeper than {MAX_JSON_DEPTH} levels or is not JSON"
            await self._refuse(scope, receive, send, why, 400)
            return
        replay: list[Message] = [{"type": "http.request", "body": raw, "more_body": False}, *early]

        async def replayed() -> Message:
            return replay.pop(0) if replay else await receive()

        await self.app(scope, replayed, send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, why: str, http_status: int
    ) -> None:
        method, path = scope.get("method", "?"), loggable(scope.get("path", "?"))
        if http_status == 413:
            message = f"The body is larger than {self.max_bytes} bytes"
            log.warning("refused %s %s: body too large (%s)", method, path, why)
        else:
            message = why[0].upper() + why[1:]
            log.warning("refused %s %s: %s", method, path, why)
        response = ocpi_error(Request(scope), status.INVALID_PARAMETERS, message, http_status)
        await response(scope, receive, send)
