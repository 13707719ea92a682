"""What the charging service tells its subscribers, and the error of a start or stop that was
not sent. Each event carries a whole view: a subscriber that missed one loses nothing."""

from __future__ import annotations

from dataclasses import dataclass

from ..store.sessions import SessionKey
from .charging_attempt import AttemptView
from .charging_views import CommandView, SessionView
from .driver_advice import DriverAdvice


class ChargingError(Exception):
    """Nothing was sent: the advice says why and what to do."""

    def __init__(self, advice: DriverAdvice) -> None:
        super().__init__(advice.sentence)
        self.advice = advice


@dataclass(frozen=True, slots=True)
class SessionChanged:
    view: SessionView


@dataclass(frozen=True, slots=True)
class CommandChanged:
    view: CommandView


@dataclass(frozen=True, slots=True)
class CdrArrived:
    key: tuple[str, str, str]  # the CDR's
    session: SessionKey | None


@dataclass(frozen=True, slots=True)
class LocationChanged:
    key: tuple[str, str, str]  # live status changed: refresh availability


@dataclass(frozen=True, slots=True)
class AttemptChanged:
    view: AttemptView  # the driver's charge attempt: its command or its session changed


ChargingEvent = SessionChanged | CommandChanged | CdrArrived | LocationChanged | AttemptChanged
