"""Messages that cross screens: posted to the app by its workers, handled by the app, which then
updates the reactives the screens watch (``status_line``, ``data_version``, ``sync_state``).
Messages that belong to one widget or screen are nested classes of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from .services.stations import StationKey
from .services.sync import PartnerResult, Progress


@dataclass
class NodeStarted(Message):
    """The node (database, OCPI endpoints) is up, or could not start (``error``)."""

    error: str | None = None
    registered: str | None = None  # the demo hub we just registered with
    registration_error: str | None = None


@dataclass
class SyncProgressed(Message):
    """A page of a partner's module arrived. Frequent: a newer one replaces a queued one."""

    progress: Progress

    def can_replace(self, message: Message) -> bool:
        return (
            isinstance(message, SyncProgressed)
            and message.progress.partner == self.progress.partner
            and message.progress.module == self.progress.module
        )


@dataclass
class SyncFinished(Message):
    results: list[PartnerResult] = field(default_factory=list)
    error: str | None = None  # the sync itself failed (not one partner)


@dataclass
class SettingsSaveFailed(Message):
    error: str


@dataclass
class FavouriteToggled(Message):
    """A station was starred (``favourite``) or unstarred."""

    key: StationKey
    favourite: bool


@dataclass
class ActionFailed(Message):
    """A worker's service call failed; ``what`` titles the notification."""

    what: str
    error: str
