"""What paging and version negotiation need of a client: one OCPI request.

A Protocol so that :mod:`.paging` and :mod:`.versions` type against it rather than importing
:class:`.client.OcpiClient`, which uses them (no import cycle, not even a type-only one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from .wire import OcpiReply, Routing


class Requester(Protocol):
    """Sends one OCPI request and returns its unwrapped success reply (OcpiClient.request)."""

    async def request(
        self,
        method: str,
        url: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        routing: Routing | None = None,
        correlation_id: str | None = None,
        token: str | None = None,
        idempotent: bool | None = None,
        raw: bool = False,
    ) -> OcpiReply: ...
