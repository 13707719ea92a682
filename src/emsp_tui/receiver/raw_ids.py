"""Object ids with ``/`` in URLs (a CiString may hold one): what we accept we must serve back.

We send such an id percent-encoded (``a%2Fb``, see ``quote_id``), but servers decode the path
before routing, so ``/cdrs/DE/VOL/a%2Fb`` would be routed as four segments and 404. This
middleware routes on the raw path instead, with every escape decoded except ``%2F`` and
``%25``; the ``ocpi_id`` path convertor decodes those two inside one segment. Every other URL
routes exactly as before.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from starlette.convertors import Convertor, register_url_convertor
from starlette.types import ASGIApp, Receive, Scope, Send

_KEPT = re.compile(r"(%2[fF]|%25)")


def quote_id(value: str) -> str:
    """One URL path segment for an id (``/`` and ``%`` included)."""
    return quote(value, safe="")


def routing_path(scope: Scope) -> str:
    """The path to route on: decoded except ``%2F`` and ``%25`` (upper case)."""
    raw = scope.get("raw_path")
    if not raw:  # an ASGI server that does not say: the decoded path, '%' kept literal
        return str(scope["path"]).replace("%", "%25")
    pieces = _KEPT.split(bytes(raw).split(b"?", 1)[0].decode("latin-1"))
    return "".join(
        piece.upper() if i % 2 else unquote(piece, errors="replace")
        for i, piece in enumerate(pieces)
    )


class IdConvertor(Convertor[str]):
    regex = "[^/]+"

    def convert(self, value: str) -> str:
        return _KEPT.sub(lambda m: "/" if m.group(0) == "%2F" else "%", value)

    def to_string(self, value: str) -> str:
        return quote_id(value)


register_url_convertor("ocpi_id", IdConvertor())


class RawIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "path": routing_path(scope)}
        await self.app(scope, receive, send)
