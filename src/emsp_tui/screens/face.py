"""What the screens and widgets need from the app, as a Protocol: screens type against this,
never against EmspApp, so the app can import its screens without an import cycle.

SyncView lives here too: the app writes it, the partners screen reads it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..config import HomePosition, Settings
    from ..services.billing import BillingService
    from ..services.charging import ChargingService
    from ..services.partner_status import PartnerStatusService
    from ..services.stations import StationService
    from ..services.sync import PartnerResult, Progress
    from ..services.wallet import WalletService


@dataclass(frozen=True)
class SyncView:
    """What the partners area and the top bar show about sync."""

    running: bool = False
    progress: Progress | None = None
    results: tuple[PartnerResult, ...] = ()
    error: str | None = None
    finished_at: datetime | None = None


class NodeFace(Protocol):
    """The parts of the started node a screen talks to."""

    @property
    def charging(self) -> ChargingService: ...

    @property
    def versions_url(self) -> str: ...


class LogFace(Protocol):
    @property
    def path(self) -> Path: ...


class EmspFace(Protocol):
    """The app as its screens see it: services, the clock, home, and a few app actions."""

    @property
    def stations(self) -> StationService: ...

    @property
    def wallet(self) -> WalletService: ...

    @property
    def partner_status(self) -> PartnerStatusService: ...

    @property
    def billing(self) -> BillingService: ...

    @property
    def node(self) -> NodeFace: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def log_file(self) -> LogFace: ...

    @property
    def now(self) -> Callable[[], datetime]: ...

    @property
    def home(self) -> HomePosition | None: ...

    @property
    def near(self) -> tuple[float, float] | None: ...

    @property
    def demo_speed(self) -> float | None: ...

    def ready(self) -> Awaitable[NodeFace]: ...

    def action_area(self, area: str) -> None: ...

    def set_home(self, home: HomePosition | None) -> None: ...
