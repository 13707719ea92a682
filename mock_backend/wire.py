"""OCPI on the wire: the Authorization header, the envelope, JSON encoding, replies.

Handlers return a `Reply` (OCPI status + data + HTTP status + extra headers); the edge turns it
into bytes. Keeping replies as values lets the hub forward a CPO's reply in-process unchanged.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from .clock import iso_utc

SUCCESS = 1000
CLIENT_ERROR = 2000
INVALID_PARAMETERS = 2001
NOT_ENOUGH_INFORMATION = 2002
UNKNOWN_LOCATION = 2003
UNKNOWN_TOKEN = 2004
SERVER_ERROR = 3000
CLIENT_API_ERROR = 3001
UNSUPPORTED_VERSION = 3002
NO_MATCHING_ENDPOINTS = 3003
HUB_ERROR = 4000
UNKNOWN_RECEIVER = 4001
HUB_TIMEOUT = 4002
HUB_CONNECTION_PROBLEM = 4003

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def dumps(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


class RawJson(str):
    """An object already encoded as JSON text (generated locations): embedded as is."""

    __slots__ = ()


def as_object(item: Any) -> Any:
    """A page item as Python data (RawJson is parsed)."""
    return json.loads(item) if isinstance(item, RawJson) else item


def _encode_list(items: list[Any]) -> str:
    return "[" + ",".join(i if isinstance(i, RawJson) else _ENCODER.encode(i) for i in items) + "]"


def new_token() -> str:
    """A credentials token: 43 URL-safe characters (printable ASCII, no spaces)."""
    return secrets.token_urlsafe(32)


def encode_authorization(token: str) -> str:
    return "Token " + base64.b64encode(token.encode("utf-8")).decode("ascii")


def token_candidates(header: str | None) -> list[str]:
    """Possible credentials tokens in an Authorization header: base64-decoded first, then raw
    (many 2.1.1/2.2 peers send the token unencoded; spec 1.1)."""
    if not header:
        return []
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "token" or not value.strip():
        return []
    value = value.strip()
    found = []
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
        if decoded and all("!" <= ch <= "~" for ch in decoded):
            found.append(decoded)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    found.append(value)
    return found


@dataclass
class Reply:
    """An OCPI answer before serialisation."""

    status_code: int = SUCCESS
    data: Any = None
    message: str | None = None
    http_status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # a ready-made body (faults, non-OCPI answers); wins over the rest
    media_type: str = "application/json"

    @property
    def ok(self) -> bool:
        return 1000 <= self.status_code <= 1999 and self.body is None

    def encode(self) -> bytes:
        if self.body is not None:
            return self.body
        envelope: dict[str, Any] = {}
        if self.data is not None:
            envelope["data"] = None  # placeholder: keeps `data` first, filled in below
        envelope["status_code"] = self.status_code
        if self.message:
            envelope["status_message"] = self.message
        envelope["timestamp"] = iso_utc(round(time.time(), 3))
        if self.data is None:
            return dumps(envelope)
        del envelope["data"]
        data = (
            _encode_list(self.data) if isinstance(self.data, list) else _ENCODER.encode(self.data)
        )
        rest = _ENCODER.encode(envelope)
        return ('{"data":' + data + "," + rest[1:]).encode("utf-8")


def ok(data: Any = None, http_status: int = 200, **headers: str) -> Reply:
    return Reply(SUCCESS, data, "Success", http_status, dict(headers))


def error(code: int, message: str, http_status: int = 400) -> Reply:
    return Reply(code, None, message, http_status)


def unauthorized(message: str = "Unknown or missing credentials token") -> Reply:
    return Reply(CLIENT_ERROR, None, message, 401)
