"""Every stored CDR through billing: audited against its tariff and invoiced (a credit CDR:
answered with a credit note), off the receiver's path.

``on_cdr`` (subscribed to ``CdrPushed``, pushes and pulls alike) queues a newly stored CDR and
returns; one worker task bills them in the order they arrived, so a CDR is handled before the
credit CDR that follows it. An error is logged and the worker goes on. ``start()`` also queues
the CDRs of the last ``catch_up`` stored without an audit (the process stopped in between).

A flagged CDR is kept (``store.cdrs.flags_of``) and billed as follows:

* a card we never issued: audited, not invoiced (there is nobody to bill);
* a session we never saw: audited and invoiced (the card is ours, the CDR says what it did);
* a total that differs from the tariff's: invoiced at the tariff's price (an operator's
  overcharge is a dispute for support, not the driver's problem: the invoice bills the audit);
* a credit CDR for a CDR we do not hold: audited and kept; its credit note is issued when that
  CDR arrives (and is invoiced).

A CDR billing refuses for another reason (no tariff to check it against: held for support)
keeps its audit and gets no invoice; the log says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta

from ..billing.model import Document
from ..store import Database, cdr_audits
from ..store import cdrs as cdr_store
from .billing import BillingError, BillingService, audit_with_store, utc_now
from .events import CdrPushed, EventBus, InvoiceIssued

log = logging.getLogger(__name__)

CdrKey = tuple[str, str, str]


class CdrBilling:
    def __init__(
        self,
        db: Database,
        billing: BillingService,
        clock: Callable[[], datetime] = utc_now,
        events: EventBus | None = None,
    ) -> None:
        """``events``: where an issued document is announced (``InvoiceIssued``)."""
        self.db, self.billing, self.clock, self.events = db, billing, clock, events
        self.catch_up = timedelta(days=7)
        self._queue: asyncio.Queue[CdrKey] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._closed = False

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Queue the recent CDRs that never went through billing."""
        since = self.clock() - self.catch_up
        for key in await self.db.run(cdr_store.unaudited_keys, since):
            self._enqueue(key)

    async def close(self) -> None:
        """Stop; CDRs still queued are caught up by the next ``start``."""
        self._closed = True
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None

    async def drained(self) -> None:
        """Return once every CDR queued so far is billed (or failed)."""
        await self._queue.join()

    # -- the subscriber ----------------------------------------------------------------------
    def on_cdr(self, event: CdrPushed) -> None:
        if event.created:
            self._enqueue(event.key)

    def _enqueue(self, key: CdrKey) -> None:
        if self._closed:
            return
        self._queue.put_nowait(key)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work(), name="cdr-billing")

    async def _work(self) -> None:
        while True:
            key = await self._queue.get()
            try:
                await self.bill(key)
            except Exception:
                log.exception("billing CDR %s failed", "/".join(key))
            finally:
                self._queue.task_done()

    # -- billing one CDR ---------------------------------------------------------------------
    async def bill(self, key: CdrKey) -> Document | None:
        """Audit the CDR and issue its document (once); None when it gets none."""
        name = "/".join(key)
        found = await self.db.run(_cdr_and_flags, key)
        if found is None:
            log.warning("CDR %s to bill is not stored", name)
            return None
        credit, flags = found
        if "UNKNOWN_TOKEN" in flags or "UNKNOWN_CREDITED_CDR" in flags:
            await self.db.run(self._audit, key)
            log.info("CDR %s kept, not billed: %s", name, ", ".join(flags))
            return None
        try:
            document = await self.billing.issue_for_cdr(key)
        except BillingError as err:
            log.warning("CDR %s not billed: %s", name, err)
            document = None
        await self.db.run(self._audit, key)  # a credit CDR's, or one billing refused
        if document is not None and self.events is not None:
            session_id = await self.db.run(_session_of, key)
            self.events.emit(InvoiceIssued(key, session_id, document.number))
        if not credit:
            for held in await self.db.run(cdr_store.credits_of, key):
                c = held.cdr  # credit CDRs that came first waited for this one
                await self.bill((c.country_code.upper(), c.party_id.upper(), c.id))
        return document

    def _audit(self, conn: sqlite3.Connection, key: CdrKey) -> None:
        if cdr_audits.get_audit(conn, key) is not None:
            return
        stored = cdr_store.get_cdr(conn, *key)
        if stored is not None:
            cdr_audits.save_audit(conn, audit_with_store(conn, stored.cdr), self.clock())


def _cdr_and_flags(
    conn: sqlite3.Connection, key: CdrKey
) -> tuple[bool, tuple[cdr_store.Flag, ...]] | None:
    stored = cdr_store.get_cdr(conn, *key)
    flags = cdr_store.flags_of(conn, key)
    if stored is None or flags is None:
        return None
    return bool(stored.cdr.credit), flags


def _session_of(conn: sqlite3.Connection, key: CdrKey) -> str | None:
    stored = cdr_store.get_cdr(conn, *key)
    return stored.cdr.session_id if stored is not None else None
