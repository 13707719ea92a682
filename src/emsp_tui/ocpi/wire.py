"""Request bodies out, response envelopes in (spec 1.3/1.4): the client's pure wire logic."""

from __future__ import annotations

import email.utils
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import orjson
from pydantic import BaseModel, ValidationError

from .errors import (
    OcpiError,
    OcpiHttpError,
    OcpiProtocolError,
    OcpiUnauthorizedError,
    error_for,
    one_line,
)
from .models import OcpiModel
from .status import SUCCESS, is_success
from .types import format_datetime, parse_datetime

M = TypeVar("M", bound=BaseModel)
Scrub = Callable[[str], str]

_TAG = re.compile(r"<[^>]*>")


def new_id() -> str:
    """A fresh X-Request-ID / X-Correlation-ID."""
    return str(uuid.uuid4())


def join_url(base: str, *parts: str) -> str:
    """``base/part/part``: one slash between parts whatever the base ends with (pitfall 11);
    each part is percent-encoded, so a uid with ``/`` or spaces stays one path segment."""
    return "/".join([base.rstrip("/"), *(quote(str(p), safe="") for p in parts)])


@dataclass(frozen=True)
class Routing:
    """The OCPI routing headers of functional modules (spec 10); ``to_*`` None = open routing
    (the hub picks the receiver). Values are CiStrings: sent upper case."""

    from_country_code: str
    from_party_id: str
    to_country_code: str | None = None
    to_party_id: str | None = None

    def headers(self) -> dict[str, str]:
        out = {
            "OCPI-from-country-code": self.from_country_code.upper(),
            "OCPI-from-party-id": self.from_party_id.upper(),
        }
        if self.to_country_code and self.to_party_id:
            out["OCPI-to-country-code"] = self.to_country_code.upper()
            out["OCPI-to-party-id"] = self.to_party_id.upper()
        return out


def validation_summary(err: ValidationError, limit: int = 3) -> str:
    """``field.path: message; ...`` for the first few errors (never the offending values)."""
    parts = [
        f"{'.'.join(str(p) for p in e['loc']) or '(object)'}: {e['msg']}"
        for e in err.errors(include_url=False, include_input=False)[:limit]
    ]
    more = err.error_count() - limit
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode_body(body: Any) -> bytes | None:
    """JSON bytes for a request body: models as ``to_ocpi()`` (absent fields omitted)."""
    if body is None:
        return None
    if isinstance(body, OcpiModel):
        return body.to_ocpi_json()
    if isinstance(body, BaseModel):
        return body.model_dump_json(exclude_none=True).encode()
    return json.dumps(body, separators=(",", ":"), default=_json_default).encode()


@dataclass(frozen=True)
class OcpiReply:
    """A successful OCPI response, unwrapped (``status_code`` 1000-1999)."""

    data: Any
    status_code: int
    status_message: str | None
    timestamp: datetime | None
    http_status: int
    headers: httpx.Headers
    method: str
    url: str
    request_id: str
    correlation_id: str
    body: bytes | None = None  # raw requests: the body, envelope not yet read (``data`` None)

    def protocol_error(self, message: str) -> OcpiProtocolError:
        return OcpiProtocolError(
            message,
            http_status=self.http_status,
            url=self.url,
            method=self.method,
            request_id=self.request_id,
            correlation_id=self.correlation_id,
        )

    def parse(self, model: type[M]) -> M:
        """``data`` validated as ``model``; OcpiProtocolError (no values quoted) if it is not."""
        try:
            return model.model_validate(self.data)
        except ValidationError as err:
            raise self.protocol_error(
                f"invalid {model.__name__}: {validation_summary(err)}"
            ) from None


@dataclass(frozen=True)
class _Envelope:
    data: Any
    status_code: int
    status_message: str | None
    timestamp: datetime | None


def parse_envelope(content: bytes) -> _Envelope | str:
    """The envelope in a body, or why there is none."""
    if not content.strip():
        return "empty body"
    try:
        # orjson: several times faster than json on the large pages a full sync reads.
        body = orjson.loads(content)
    except (ValueError, RecursionError):
        return "body is not JSON"
    if not isinstance(body, dict) or "status_code" not in body:
        return "JSON body without an OCPI envelope (no status_code)"
    code = body["status_code"]
    if isinstance(code, str) and code.strip().isdigit():
        code = int(code)  # seen in the field: "1000"
    if isinstance(code, bool) or not isinstance(code, int):
        return "status_code is not an integer"
    message = body.get("status_message")
    timestamp = None
    if isinstance(body.get("timestamp"), str):
        try:
            timestamp = parse_datetime(body["timestamp"])
        except ValueError:
            timestamp = None  # lenient: the code is what matters
    return _Envelope(
        body.get("data"), code, message if isinstance(message, str) else None, timestamp
    )


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _body_snippet(response: httpx.Response, scrub: Scrub) -> str:
    text = response.content[:2000].decode("utf-8", "replace")
    if "html" in response.headers.get("content-type", "") or text.lstrip().startswith("<"):
        text = _TAG.sub(" ", text)
    return one_line(scrub(text), 120)


def interpret(
    response: httpx.Response,
    method: str,
    url: str,
    request_id: str,
    correlation_id: str,
    scrub: Scrub,
) -> OcpiReply:
    """The success reply, or raise the OcpiError the response means.

    An envelope decides even on HTTP 4xx/5xx (2001 with HTTP 400 is an InvalidParametersError);
    401/403 are always OcpiUnauthorizedError. A 204, or an empty body on a non-GET 2xx, counts as
    success without data (peers differ on what they answer to a push, pitfall 7).
    """
    http = response.status_code
    ctx: dict[str, Any] = {
        "http_status": http,
        "url": url,
        "method": method,
        "request_id": request_id,
        "correlation_id": correlation_id,
    }
    if http in (429, 503):
        ctx["retry_after"] = retry_after_seconds(response.headers.get("retry-after"))
    found = parse_envelope(response.content)
    env = found if isinstance(found, _Envelope) else None
    message = scrub(env.status_message) if env and env.status_message else None
    if http in (401, 403):
        raise OcpiUnauthorizedError(
            None if env else _body_snippet(response, scrub) or None,
            status_code=env.status_code if env else None,
            status_message=message,
            **ctx,
        )
    if env is not None:
        if not is_success(env.status_code):
            raise error_for(env.status_code, message, **ctx)
        if not 200 <= http < 300:
            raise OcpiHttpError(
                "success envelope with an HTTP error status",
                status_code=env.status_code,
                status_message=message,
                **ctx,
            )
        return OcpiReply(
            env.data,
            env.status_code,
            message,
            env.timestamp,
            http,
            response.headers,
            method,
            url,
            request_id,
            correlation_id,
        )
    if 200 <= http < 300:
        if http == 204 or (method != "GET" and not response.content.strip()):
            return OcpiReply(
                None,
                SUCCESS,
                None,
                None,
                http,
                response.headers,
                method,
                url,
                request_id,
                correlation_id,
            )
        assert isinstance(found, str)
        raise OcpiProtocolError(found, **ctx)
    error: OcpiError = OcpiHttpError(
        _body_snippet(response, scrub) or response.reason_phrase or None, **ctx
    )
    raise error
