"""A record of every HTTP exchange (the OCPI message log), with secrets taken out.

Secrets are the credentials tokens: the one the client presents (in ``Authorization``, and
anywhere a peer echoes it) and every ``"token": "<string>"`` field of a body, which in OCPI 2.2.1
is only ever the Credentials token (driver Tokens are objects, so ``"token": {...}`` stays).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

REDACTED = "<redacted>"
_TOKEN_FIELD = re.compile(r'("token"\s*:\s*)"(?:[^"\\]|\\.)*"')
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its response (or its failure), safe to store and show."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int | None  # None: no response (transport error)
    response_headers: dict[str, str]
    response_body: str | None
    duration: float  # seconds
    started_at: datetime
    request_id: str
    correlation_id: str
    attempt: int  # 1 for the first try, 2+ for retries
    error: str | None  # the OcpiError the exchange raised, one line

    @property
    def ok(self) -> bool:
        return self.error is None


ExchangeCallback = Callable[[Exchange], None]


class Scrubber:
    """Takes known secrets out of text; builds :class:`Exchange` records."""

    def __init__(self, body_limit: int = 256_000) -> None:
        self.body_limit = body_limit
        self._secrets: list[str] = []

    def add_secret(self, secret: str) -> None:
        if not secret:
            return
        encoded = base64.b64encode(secret.encode("utf-8")).decode("ascii")
        for value in (secret, encoded):
            if value not in self._secrets:
                self._secrets.append(value)
        self._secrets.sort(key=len, reverse=True)  # longest first: no half-replaced secrets

    def text(self, value: str) -> str:
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def body(self, content: bytes) -> str | None:
        if not content:
            return None
        text = self.text(_TOKEN_FIELD.sub(rf'\1"{REDACTED}"', content.decode("utf-8", "replace")))
        if len(text) > self.body_limit:
            text = text[: self.body_limit] + f"… [{len(text) - self.body_limit} more characters]"
        return text

    def headers(self, headers: httpx.Headers) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in headers.multi_items():
            if name.lower() in _SECRET_HEADERS:
                value = f"{value.split(' ', 1)[0]} {REDACTED}" if " " in value else REDACTED
            else:
                value = self.text(value)
            out[name] = f"{out[name]}, {value}" if name in out else value
        return out

    def exchange(
        self,
        request: httpx.Request,
        response: httpx.Response | None,
        duration: float,
        started_at: datetime,
        attempt: int,
        error: str | None,
    ) -> Exchange:
        return Exchange(
            method=request.method,
            url=self.text(str(request.url)),
            request_headers=self.headers(request.headers),
            request_body=self.body(request.content),
            status=response.status_code if response is not None else None,
            response_headers=self.headers(response.headers) if response is not None else {},
            response_body=self.body(response.content) if response is not None else None,
            duration=duration,
            started_at=started_at,
            request_id=request.headers.get("x-request-id", ""),
            correlation_id=request.headers.get("x-correlation-id", ""),
            attempt=attempt,
            error=self.text(error) if error else None,
        )
