"""The response envelope that wraps every OCPI response body."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..status import SUCCESS
from ..types import DateTime
from .base import OcpiModel


class OcpiResponse(OcpiModel):
    data: Any = None
    status_code: int
    status_message: str | None = None
    timestamp: DateTime


def envelope(
    data: Any = None,
    status_code: int = SUCCESS,
    status_message: str | None = None,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Build a JSON-ready envelope; ``data`` is left out when None (spec: send none)."""
    body = OcpiResponse(
        data=data,
        status_code=status_code,
        status_message=status_message,
        timestamp=now or datetime.now(UTC),
    )
    return body.to_ocpi()
