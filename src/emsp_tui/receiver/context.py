"""What the receiver's handlers need: who we are, where we are, the store, outbound HTTP, the
event bus (committed pushes go out on it) and the OCPI message log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..config import Identity
from ..ocpi.models import CredentialsRole
from ..services.events import EventBus
from ..services.our_party import VERSION, OurParty
from ..store import Database
from ..store.message_log import MessageLog
from ..store.partners import Partner

__all__ = ["VERSION", "ReceiverContext"]


@dataclass
class ReceiverContext:
    us: OurParty
    db: Database
    events: EventBus = field(default_factory=EventBus)
    # For calls back to a registering peer; tests pass an ASGI or mock transport.
    transport: httpx.AsyncBaseTransport | None = None
    # Modules we serve besides versions/credentials: (module id, role, path below /ocpi/2.2.1).
    modules: list[tuple[str, str, str]] = field(default_factory=list)
    on_partner_registered: Callable[[str], Any] | None = None
    message_log: MessageLog | None = None
    # Re-read the parties behind a hub (hubclientinfo) when it pushes for one we do not know.
    refresh_parties: Callable[[Partner], Awaitable[Any]] | None = None
    refresh_every: float = 60.0  # seconds between two refreshes for one hub
    refreshed_at: dict[int, float] = field(default_factory=dict)  # partner id -> monotonic

    @property
    def identity(self) -> Identity:
        return self.us.identity

    @property
    def base_url(self) -> str:
        return self.us.base_url

    @property
    def versions_url(self) -> str:
        return self.us.versions_url

    @property
    def version_url(self) -> str:
        return self.us.version_url

    def our_roles(self) -> list[CredentialsRole]:
        return self.us.roles()
