"""OCPI responses: every body in the envelope, the request ids echoed."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..ocpi import status
from ..ocpi.models import envelope


def ocpi_response(
    request: Request,
    data: Any = None,
    *,
    status_code: int = status.SUCCESS,
    message: str | None = None,
    http_status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    body = envelope(data, status_code, message)
    out = dict(headers or {})
    for name in ("x-request-id", "x-correlation-id"):
        if value := request.headers.get(name):
            out[name.title().replace("Id", "ID")] = value
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=http_status,
        media_type="application/json",
        headers=out,
    )


def ocpi_error(request: Request, code: int, message: str, http_status: int = 400) -> Response:
    return ocpi_response(request, status_code=code, message=message, http_status=http_status)


def unauthorized(
    request: Request, message: str = "Unknown or missing credentials token"
) -> Response:
    return ocpi_error(request, status.CLIENT_ERROR, message, http_status=401)
