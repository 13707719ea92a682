"""What the receiver's handlers need: who we are, where we are, the store, outbound HTTP."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..config import Identity
from ..ocpi.enums import Role
from ..ocpi.models import BusinessDetails, CredentialsRole
from ..store import Database
from .hooks import ReceiverHooks

VERSION = "2.2.1"


@dataclass
class ReceiverContext:
    identity: Identity
    db: Database
    base_url: str = "http://127.0.0.1:8420"
    # For calls back to a registering peer; tests pass an ASGI or mock transport.
    transport: httpx.AsyncBaseTransport | None = None
    # Modules we serve besides versions/credentials: (module id, role, path below /ocpi/2.2.1).
    modules: list[tuple[str, str, str]] = field(default_factory=list)
    on_partner_registered: Callable[[str], Any] | None = None
    # Listeners of committed pushes, the OCPI message log (charging feature).
    hooks: ReceiverHooks = field(default_factory=ReceiverHooks)

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/ocpi/versions"

    @property
    def version_url(self) -> str:
        return f"{self.base_url}/ocpi/{VERSION}"

    def our_roles(self) -> list[CredentialsRole]:
        ident = self.identity
        return [
            CredentialsRole(
                role=Role.EMSP,
                business_details=BusinessDetails(name=ident.name, website=ident.website),
                party_id=ident.party_id.upper(),
                country_code=ident.country_code.upper(),
            )
        ]
