"""What the receiver tells the rest of the node after it committed a push.

Listeners are plain callables called on the event loop right after the transaction committed;
they must be quick (put the event on a queue, schedule a task) and never raise into the
receiver (a failing listener is logged and skipped).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..store.message_log import MessageLog
    from ..store.partners import Partner
    from ..store.sessions import ApplyResult

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SessionPushed:
    """A session PUT/PATCH (or pull) was handled: ``result.applied`` says if it changed."""

    result: ApplyResult
    method: str  # PUT, PATCH, or GET (pulled by the charging service)
    partner_id: int | None
    committed_at: datetime  # our clock, right after the commit


@dataclass(frozen=True, slots=True)
class CdrPushed:
    key: tuple[str, str, str]  # the CDR's (country_code, party_id, id)
    session_id: str | None
    created: bool  # False: a duplicate
    committed_at: datetime


@dataclass(frozen=True, slots=True)
class CommandResultPushed:
    command_id: str
    first: bool  # False: the same result again
    committed_at: datetime


@dataclass(frozen=True, slots=True)
class LocationPushed:
    key: tuple[str, str, str]  # the Location's (country_code, party_id, id)
    applied: bool
    committed_at: datetime


Event = SessionPushed | CdrPushed | CommandResultPushed | LocationPushed


@dataclass
class ReceiverHooks:
    listeners: list[Callable[[Event], None]] = field(default_factory=list)
    message_log: MessageLog | None = None
    # Re-read the parties behind a hub (hubclientinfo) when it pushes for one we do not know.
    refresh_parties: Callable[[Partner], Awaitable[Any]] | None = None
    refresh_every: float = 60.0  # seconds between two refreshes for one hub
    refreshed_at: dict[int, float] = field(default_factory=dict)  # partner id -> monotonic

    def emit(self, event: Event) -> None:
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception:
                log.exception("receiver listener failed on %s", type(event).__name__)
