"""The node's event bus and the events that travel on it.

Services never call each other back: a service publishes what happened, and whoever cares
subscribed at the composition root (node.py). Two kinds of delivery:

* ``emit(event)``: synchronous, for quick handlers (put it on a queue, schedule a task); used by
  the receiver right after a push committed, and by the charging service's pulls.
* ``await publish(event)``: awaits each handler in turn, for work the publisher waits for (a
  new card is pushed to the partners before ``WalletService.issue`` returns).

A failing handler is logged and skipped: the publisher's own change stands.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from ..ocpi.models import Token

if TYPE_CHECKING:
    from ..store.sessions import ApplyResult

log = logging.getLogger(__name__)

E = TypeVar("E")


# -- what partners pushed (or the charging service pulled), once committed ---------------------
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
class InvoiceIssued:
    """Billing issued a document for a stored CDR (an invoice, or a credit note for a credit
    CDR): the live screen's final bill can name it."""

    cdr_key: tuple[str, str, str]
    session_id: str | None
    number: str


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


Pushed = SessionPushed | CdrPushed | CommandResultPushed | LocationPushed
PUSHED: tuple[type[Pushed], ...] = (SessionPushed, CdrPushed, CommandResultPushed, LocationPushed)


# -- what our own services changed -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CardChanged:
    """A card of ours was issued, blocked or unblocked (committed)."""

    token: Token


Handler = Callable[[E], Awaitable[None] | None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type[Any], list[Callable[[Any], Awaitable[None] | None]]] = {}

    def subscribe(self, kind: type[E], handler: Handler[E]) -> Callable[[], None]:
        """Call ``handler`` with every event of ``kind``; returns the unsubscribe."""
        handlers = self._handlers.setdefault(kind, [])
        handlers.append(handler)

        def unsubscribe() -> None:
            if handler in handlers:
                handlers.remove(handler)

        return unsubscribe

    def subscribers(self, kind: type[Any]) -> list[Callable[[Any], Awaitable[None] | None]]:
        return list(self._handlers.get(kind, ()))

    def emit(self, event: object) -> None:
        """Deliver at once; handlers must be synchronous (an async one is a bug: logged)."""
        for handler in self._for(event):
            try:
                result = handler(event)
                if inspect.isawaitable(result):
                    _close(result)
                    raise TypeError(f"{handler!r} is async: use publish")
            except Exception:
                log.exception("event handler failed on %s", type(event).__name__)

    async def publish(self, event: object) -> None:
        """Deliver and await each handler in turn."""
        for handler in self._for(event):
            try:
                result = handler(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("event handler failed on %s", type(event).__name__)

    def _for(self, event: object) -> list[Callable[[Any], Awaitable[None] | None]]:
        return self.subscribers(type(event))


def _close(awaitable: Awaitable[None]) -> None:
    close = getattr(awaitable, "close", None)
    if close is not None:
        close()
