"""A scripted OCPI peer behind ``httpx.MockTransport`` for the client and registration tests."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from emsp_tui.ocpi.auth import decode_token_header
from emsp_tui.ocpi.client import OcpiClient
from emsp_tui.ocpi.exchange import Exchange

TOKEN = "c0ffee-token-42"
TOKEN_B64 = "YzBmZmVlLXRva2VuLTQy"
TIMESTAMP = "2025-03-01T12:00:00Z"

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


def envelope(data: Any = None, code: int = 1000, message: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status_code": code, "timestamp": TIMESTAMP}
    if data is not None:
        body["data"] = data
    if message is not None:
        body["status_message"] = message
    return body


def ocpi(
    data: Any = None,
    code: int = 1000,
    message: str | None = None,
    *,
    http: int = 200,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return httpx.Response(http, json=envelope(data, code, message), headers=headers)


def token_of(request: httpx.Request) -> str | None:
    """The credentials token a request presented."""
    return decode_token_header(request.headers.get("authorization"))


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


class Sleeps(list[float]):
    """Stands in for asyncio.sleep: records the delays, never waits."""

    async def __call__(self, delay: float) -> None:
        self.append(delay)


@dataclass
class Peer:
    """Records every request, answers with ``handler``; builds clients bound to it."""

    handler: Handler
    requests: list[httpx.Request] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    sleeps: Sleeps = field(default_factory=Sleeps)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        result = self.handler(request)
        if not isinstance(result, httpx.Response):
            result = await result
        return result

    def client(self, token: str = TOKEN, **kwargs: Any) -> OcpiClient:
        kwargs.setdefault("sleep", self.sleeps)
        kwargs.setdefault("rand", lambda: 0.0)
        kwargs.setdefault("on_exchange", self.exchanges.append)
        return OcpiClient(token, transport=httpx.MockTransport(self._handle), **kwargs)

    def records_text(self) -> str:
        """Every exchange record as one string, to search for leaked secrets."""
        return "\n".join(repr(e) for e in self.exchanges)
