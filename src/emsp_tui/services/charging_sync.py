"""Keeping our copy of running sessions true when pushes do not come: staleness, polling, and
the pull after downtime (spec 1.8).

* Each open session has a tracker: when we last heard of it (a push applied, or a pull that
  confirmed it) and how often the CPO usually pushes (a moving average of the gaps).
* Quiet for longer than ``stale_factor`` x that interval (at least ``min_stale_after``): we
  pull the CPO's sessions Sender (``date_from`` = the session's last_updated; through a hub
  addressed to the owner CPO). A pull that confirms it ends the matter; one that fails, or
  quiet beyond twice the limit, marks the session stale (the UI says so). Pulls back off
  while they fail.
* A stale session whose pushes return is pulled once: pushes lost meanwhile carried charging
  periods that later PATCHes will not repeat.
* Without a receiver (``--no-receiver``) every open session is pulled every ``poll_interval``;
  so is a session we only know from pulls (a CPO that never pushes): ``data_source`` says which.
* Starts the CPO accepted (or whose answer we could not read) without their session after a
  short wait (``start_wait``), and finished sessions without their CDR after ``cdr_grace``,
  are pulled for until they show up, less often as they age (``check_interval``). A pulled
  session without our authorization_reference is tied to its start by card, charger and time.
* On start: every partner's sessions since the last update we hold, and its CDRs.
* CDRs are pulled at least every ``cdr_pull_every`` (a day) per partner with a CDRs Sender,
  pushes or not (pushes get lost; partners expect the pull): ``date_from`` = the start of the
  last complete pull (its checkpoint, ``store.cdrs.last_pull``) less ``cdr_overlap`` (a day:
  a CPO may list a CDR hours after the last_updated it carries, and clocks differ);
  re-delivered CDRs change nothing. ``pull_all_cdrs`` does it now (a sync).
  A pulled CDR whose id we hold with other content is refused as a push would be: not
  stored, logged and counted against the partner.
Pulled objects go through the store functions the receiver uses, and are announced on the
same event bus, so subscribers cannot tell a pull from a push (but for ``method == "GET"``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from ..ocpi import status
from ..ocpi.enums import InterfaceRole, ModuleID
from ..ocpi.errors import OcpiError
from ..ocpi.models import Cdr, Session
from ..store import Database
from ..store import cdrs as cdr_store
from ..store import command_outcomes as outcome_store
from ..store import commands as command_store
from ..store import sessions as session_store
from ..store.commands import StoredCommand
from ..store.message_log import prune_messages, record_rejection
from ..store.partners import Partner
from ..store.sessions import OPEN_STATUSES, ApplyResult, SessionKey
from .clients import PartnerClients
from .events import CdrPushed, EventBus, SessionPushed
from .our_party import OurParty
from .ownership import NOT_ITS_PARTY, Writable
from .routing import routing_to

log = logging.getLogger(__name__)


@dataclass
class Tracker:
    key: SessionKey
    partner_id: int | None
    status: str | None
    last_updated: datetime | None  # the CPO's, as we hold it
    seen: float  # monotonic: last push applied or pull that confirmed it
    interval: float | None = None  # seconds between pushes, moving average
    last_push: float | None = None
    stale: bool = False
    polling: bool = False
    next_poll: float = 0.0
    failures: int = 0
    pull_from: datetime | None = None  # set: pull once from there (pushes came back)
    previous: tuple[float, datetime] | None = None  # (kwh, last_updated) before the latest
    latest: tuple[float, datetime] | None = None


class ChargingCore(Protocol):
    """What the checks use of the charging service (typed here: no import cycle)."""

    db: Database
    clients: PartnerClients
    us: OurParty
    events: EventBus
    now: Callable[[], datetime]

    @property
    def receiving(self) -> bool: ...

    def session_changed(self, key: SessionKey) -> None: ...

    def command_changed(self, command: StoredCommand) -> None: ...

    async def partners(self) -> list[Partner]: ...

    async def partner_for(
        self, party: tuple[str, str], partner_id: int | None = None
    ) -> Partner | None: ...


class SessionSync:
    def __init__(self, service: ChargingCore) -> None:
        self.service = service
        self.tick = 1.0  # seconds between checks
        self.default_interval = 60.0  # assumed push interval until we have seen two
        self.stale_factor = 3.0
        self.min_stale_after = 10.0
        self.poll_interval = 30.0  # without a receiver
        self.max_backoff = 120.0
        self.start_wait = 15.0  # an accepted start without its session that long: pull
        self.cdr_grace = 15.0  # a finished session without its CDR that long: pull
        self.cdr_every = 5.0  # how often to look for finished sessions without their CDR
        self.max_check_interval = 300.0  # pulls for a missing session or CDR, at the least
        self.initial_window = timedelta(days=1)  # first pull ever from a partner
        self.cdr_pull_every = timedelta(days=1)  # a partner's CDRs pulled at least this often
        self.cdr_overlap = timedelta(days=1)  # a pull reaches back this far before the last
        self.cdr_pull_retry = 300.0  # seconds after a CDR pull that failed
        self.cdr_pull_check = 60.0  # seconds between looks for a partner's CDR pull due
        self.log_retention = timedelta(days=30)  # OCPI message log; pruned hourly
        self.trackers: dict[SessionKey, Tracker] = {}
        self.resynced = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._next_start_check = 0.0
        self._next_cdr_check = 0.0
        self._next_prune = 0.0
        self._next_cdr_pull: dict[int, float] = {}  # partner id -> monotonic
        self._next_cdr_pull_check = 0.0
        self._cdr_pulling: set[int] = set()
        self._next_missing_pull: dict[tuple[str, int | None, tuple[str, str]], float] = {}

    # -- lifecycle -------------------------------------------------------------------------------
    async def open(self, *, resync: bool = True) -> None:
        now = time.monotonic()
        for stored in await self.service.db.run(session_store.open_sessions):
            s = stored.session
            self.trackers[stored.key] = Tracker(
                stored.key,
                stored.partner_id,
                str(s.status),
                s.last_updated,
                now,
                latest=(s.kwh, s.last_updated),
            )
        if resync:
            self.spawn(self._resync_then_set())
        else:
            self.resynced.set()
        self._loop = asyncio.create_task(self._run(), name="charging-sync")

    async def close(self) -> None:
        tasks = [t for t in (self._loop, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._loop = None
        self._tasks.clear()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("charging sync task failed", exc_info=task.exception())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.tick)
            try:
                await self.step()
            except Exception:
                log.exception("charging sync step failed")

    # -- what pushes tell us ---------------------------------------------------------------------
    def stale_after(self, tracker: Tracker) -> float:
        interval = tracker.interval if tracker.interval is not None else self.default_interval
        return max(self.min_stale_after, self.stale_factor * interval)

    def is_stale(self, key: SessionKey) -> bool:
        found = self.trackers.get(key)
        return bool(found and found.stale)

    def data_source(self, key: SessionKey) -> tuple[bool, float] | None:
        """(pushed, seconds between our pulls) for an open session: pushed by its CPO, or
        checked with it every so often (no receiver, or a CPO that never pushed it)."""
        found = self.trackers.get(key)
        if found is None:
            return None
        pushed = self.service.receiving and found.last_push is not None
        return pushed, self.poll_interval

    def _pulled_only(self, tracker: Tracker) -> bool:
        return not self.service.receiving or tracker.last_push is None

    def previous_reading(self, key: SessionKey) -> tuple[float, datetime] | None:
        found = self.trackers.get(key)
        return found.previous if found else None

    def observe(self, event: SessionPushed) -> bool:
        """Account for a handled push or pull; returns whether the stale flag changed."""
        res: ApplyResult = event.result
        if res.outcome == "unknown":
            return False
        mono = time.monotonic()
        tracker = self.trackers.get(res.key)
        if tracker is None:
            if res.status is None or res.status not in OPEN_STATUSES:
                return False
            tracker = Tracker(res.key, event.partner_id, res.status, res.last_updated, mono)
            self.trackers[res.key] = tracker
        pushed = event.method in ("PUT", "PATCH")
        if pushed and res.applied:
            if tracker.last_push is not None:
                gap = mono - tracker.last_push
                tracker.interval = (
                    gap if tracker.interval is None else (0.7 * tracker.interval + 0.3 * gap)
                )
            tracker.last_push = mono
        was_stale = tracker.stale
        if was_stale and pushed:
            tracker.pull_from = tracker.last_updated  # what we held before the gap
            tracker.next_poll = 0.0
        tracker.seen, tracker.failures, tracker.stale = mono, 0, False
        if event.partner_id is not None:
            tracker.partner_id = event.partner_id
        if res.applied:
            tracker.status, tracker.last_updated = res.status, res.last_updated
            if res.kwh is not None and res.last_updated is not None:
                tracker.previous, tracker.latest = tracker.latest, (res.kwh, res.last_updated)
        if tracker.status not in OPEN_STATUSES and tracker.pull_from is None:
            del self.trackers[res.key]
        return was_stale

    # -- the periodic check ----------------------------------------------------------------------
    async def step(self) -> None:
        service = self.service
        db, now, mono = service.db, service.now(), time.monotonic()
        for command in await db.run(command_store.expire, now):
            service.command_changed(command)
        groups: dict[tuple[int | None, tuple[str, str]], list[Tracker]] = defaultdict(list)
        for tracker in list(self.trackers.values()):
            limit = self.stale_after(tracker)
            quiet = mono - tracker.seen
            if quiet > 2 * limit and not tracker.stale:
                self._mark_stale(tracker)
            polled = self._pulled_only(tracker) and quiet >= self.poll_interval
            due = tracker.pull_from is not None or polled or quiet > limit
            if due and not tracker.polling and mono >= tracker.next_poll:
                groups[(tracker.partner_id, tracker.key[:2])].append(tracker)
        for (partner_id, owner), trackers in groups.items():
            self.spawn(self._poll(partner_id, owner, trackers))
        if mono >= self._next_start_check:
            self._next_start_check = mono + max(self.tick, self.start_wait / 3)
            await self._check_starts(now)
        if mono >= self._next_cdr_check:
            self._next_cdr_check = mono + self.cdr_every
            await self._check_cdrs(now)
        if mono >= self._next_prune:
            self._next_prune = mono + 3600
            await db.run(prune_messages, now - self.log_retention)
        if mono >= self._next_cdr_pull_check and self.resynced.is_set():
            self._next_cdr_pull_check = mono + self.cdr_pull_check
            await self._pull_cdrs_due(now, mono)

    def _mark_stale(self, tracker: Tracker) -> None:
        if not tracker.stale:
            tracker.stale = True
            self.service.session_changed(tracker.key)

    def _backoff(self, tracker: Tracker) -> float:
        if self._pulled_only(tracker) and tracker.failures == 0:
            return self.poll_interval
        base = min(self.stale_after(tracker), self.poll_interval)
        return float(min(self.max_backoff, base * 2.0 ** max(0, tracker.failures - 1)))

    async def _poll(
        self, partner_id: int | None, owner: tuple[str, str], trackers: list[Tracker]
    ) -> None:
        started = time.monotonic()
        for t in trackers:
            t.polling = True
        try:
            partner = await self.service.partner_for(owner, partner_id)
            if partner is None or not partner.endpoint(ModuleID.SESSIONS, InterfaceRole.SENDER):
                raise LookupError(f"no sessions Sender for {owner[0]}*{owner[1]}")
            starts = [t.pull_from or t.last_updated for t in trackers]
            date_from = min((d for d in starts if d is not None), default=None)
            await self.pull_sessions(partner, date_from, owner)
            for t in trackers:
                t.pull_from = None
                if t.seen < started:  # the listing did not include it
                    t.failures += 1
        except (OcpiError, LookupError) as err:
            log.info("could not pull sessions of %s*%s: %s", owner[0], owner[1], err)
            for t in trackers:
                t.failures += 1
                self._mark_stale(t)
        finally:
            for t in trackers:
                t.polling = False
                t.next_poll = time.monotonic() + (self._backoff(t) if t.failures else 0.0)
                if t.status not in OPEN_STATUSES and t.pull_from is None:
                    self.trackers.pop(t.key, None)

    def check_interval(self, age: float) -> float:
        """Seconds between pulls for a session or CDR still missing ``age`` seconds on (the
        newest of a partner's: a fresh start is looked for often, an old one rarely)."""
        return min(self.max_check_interval, max(self.start_wait / 3, self.tick, age / 4))

    def _missing_due(
        self, kind: str, partner_id: int | None, owner: tuple[str, str], age: float
    ) -> bool:
        key, mono = (kind, partner_id, owner), time.monotonic()
        if mono < self._next_missing_pull.get(key, 0.0):
            return False
        self._next_missing_pull[key] = mono + self.check_interval(age)
        return True

    async def _check_starts(self, now: datetime) -> None:
        waiting = await self.service.db.run(
            outcome_store.starts_awaiting_session, now - timedelta(hours=1)
        )
        groups: dict[tuple[int | None, tuple[str, str]], tuple[datetime, float]] = {}
        for c in waiting:
            age = (now - c.answered_at).total_seconds() if c.answered_at else 0.0
            if age < self.start_wait:
                continue
            key = (c.partner_id, (c.country_code, c.party_id))
            since, newest = groups.get(key, (c.created_at, age))
            groups[key] = (min(since, c.created_at), min(newest, age))
        for (partner_id, owner), (since, age) in groups.items():
            if not self._missing_due("session", partner_id, owner, age):
                continue
            partner = await self.service.partner_for(owner, partner_id)
            if partner is not None:
                self.spawn(self._quiet_pull(partner, since - timedelta(minutes=1), owner))

    async def _check_cdrs(self, now: datetime) -> None:
        waiting = await self.service.db.run(
            session_store.completed_without_cdr, now - timedelta(days=7)
        )
        groups: dict[tuple[int | None, tuple[str, str]], tuple[datetime, float]] = {}
        for key, partner_id, finished in waiting:
            age = (now - finished).total_seconds()
            if age >= self.cdr_grace:
                group = (partner_id, key[:2])
                since, newest = groups.get(group, (finished, age))
                groups[group] = (min(since, finished), min(newest, age))
        for (partner_id, owner), (since, age) in groups.items():
            if not self._missing_due("cdr", partner_id, owner, age):
                continue
            partner = await self.service.partner_for(owner, partner_id)
            if partner is not None:
                self.spawn(self._quiet_pull(partner, since - timedelta(hours=1), owner, cdrs=True))

    async def _quiet_pull(
        self, partner: Partner, since: datetime, owner: tuple[str, str], *, cdrs: bool = False
    ) -> None:
        try:
            if cdrs:
                await self.pull_cdrs(partner, since, owner)
            else:
                await self.pull_sessions(partner, since, owner)
        except OcpiError as err:
            log.info("pull from %s failed: %s", partner.name, err)

    # -- the CDR pull -----------------------------------------------------------------------------
    async def _pull_cdrs_due(self, now: datetime, mono: float) -> None:
        for partner in await self.service.partners():
            pid = partner.id
            if pid is None or pid in self._cdr_pulling or mono < self._next_cdr_pull.get(pid, 0):
                continue
            if not partner.endpoint(ModuleID.CDRS, InterfaceRole.SENDER):
                continue
            last = await self.service.db.run(cdr_store.last_pull, pid)
            if last is None or now - last >= self.cdr_pull_every:
                self.spawn(self._quiet_cdr_pull(partner))

    async def _quiet_cdr_pull(self, partner: Partner) -> None:
        try:
            await self.pull_new_cdrs(partner)
        except OcpiError as err:
            log.info("pull of %s CDRs failed: %s", partner.name, err)

    async def pull_new_cdrs(self, partner: Partner) -> int:
        """Pull the partner's CDRs since its checkpoint and advance it (raises OcpiError; the
        error is noted in the checkpoint's row). 0 without a CDRs Sender or while one runs."""
        pid, db = partner.id, self.service.db
        if pid is None or pid in self._cdr_pulling:
            return 0
        if not partner.endpoint(ModuleID.CDRS, InterfaceRole.SENDER):
            return 0
        self._cdr_pulling.add(pid)
        started = self.service.now()
        try:
            last = await db.run(cdr_store.last_pull, pid)
            since = last - self.cdr_overlap if last else await db.run(cdr_store.resync_from, pid)
            since = since or started - self.initial_window
            count = await self.pull_cdrs(partner, since, None)
            await db.run(cdr_store.record_pull, pid, since, started, self.service.now())
            return count
        except OcpiError as err:
            await db.run(cdr_store.record_pull_error, pid, str(err), self.service.now())
            raise
        finally:
            self._cdr_pulling.discard(pid)
            self._next_cdr_pull[pid] = time.monotonic() + self.cdr_pull_retry

    async def pull_all_cdrs(self) -> dict[str, str | None]:
        """Every partner's new CDRs now (what a sync does); partner name -> error or None."""
        outcome: dict[str, str | None] = {}
        for partner in await self.service.partners():
            if partner.endpoint(ModuleID.CDRS, InterfaceRole.SENDER):
                try:
                    await self.pull_new_cdrs(partner)
                    outcome[partner.name] = None
                except OcpiError as err:
                    outcome[partner.name] = str(err)
        return outcome

    # -- pulls -----------------------------------------------------------------------------------
    async def resync(self) -> dict[str, str | None]:
        """Pull every partner's sessions since the last update we hold (spec 1.8), and its
        new CDRs; returns partner name -> error (None: fine)."""
        outcome: dict[str, str | None] = {}
        for partner in await self.service.partners():
            assert partner.id is not None
            error = None
            try:
                if partner.endpoint(ModuleID.SESSIONS, InterfaceRole.SENDER):
                    since = await self.service.db.run(session_store.resync_from, partner.id)
                    since = since or self.service.now() - self.initial_window
                    await self.pull_sessions(partner, since, None)
            except OcpiError as err:
                error = str(err)
                log.warning("resync of %s sessions failed: %s", partner.name, err)
            try:
                await self.pull_new_cdrs(partner)
            except OcpiError as err:
                error = str(err)
                log.warning("resync of %s CDRs failed: %s", partner.name, err)
            outcome[partner.name] = error
        return outcome

    async def _resync_then_set(self) -> None:
        try:
            await self.resync()
        finally:
            self.resynced.set()

    async def pull_sessions(
        self, partner: Partner, date_from: datetime | None, party: tuple[str, str] | None
    ) -> int:
        """GET the partner's sessions Sender; store what it returns (as a PUT would)."""
        url = partner.endpoint(ModuleID.SESSIONS, InterfaceRole.SENDER)
        if not url:
            return 0
        return await self._pull(partner, url, Session, date_from, party, _store_sessions)

    async def pull_cdrs(
        self, partner: Partner, date_from: datetime | None, party: tuple[str, str] | None
    ) -> int:
        url = partner.endpoint(ModuleID.CDRS, InterfaceRole.SENDER)
        if not url:
            return 0
        return await self._pull(partner, url, Cdr, date_from, party, _store_cdrs)

    async def _pull(
        self,
        partner: Partner,
        url: str,
        model: Any,
        date_from: datetime | None,
        party: tuple[str, str] | None,
        store: Any,
    ) -> int:
        service = self.service
        us = service.us.identity
        writable = await service.db.run(Writable.of, partner, (us.country_code, us.party_id))
        count = 0
        client = service.clients.get(partner)
        async for page in client.iter_objects(
            url, model, date_from=date_from, routing=routing_to(service.us.identity, partner, party)
        ):
            for bad in page.rejected:
                log.warning(
                    "%s: skipped a malformed %s: %s", partner.name, model.__name__, bad.reason
                )
            mine = []
            for o in page.valid:
                if writable.permits(o.country_code, o.party_id):
                    mine.append(o)
                else:
                    log.warning(
                        "%s: skipped %s %s: %s: %s*%s", partner.name, model.__name__, o.id,
                        NOT_ITS_PARTY, o.country_code, o.party_id,
                    )  # fmt: skip
            for event in await service.db.run(store, partner.id, mine, service.now()):
                service.events.emit(event)
            count += len(mine)
        return count


def _store_sessions(
    conn: sqlite3.Connection, partner_id: int | None, sessions: list[Session], now: datetime
) -> list[SessionPushed]:
    out = []
    for s in sessions:
        result = session_store.put_session(conn, partner_id, s, now)
        if result.outcome == "created" and not result.linked_commands:
            result.linked_commands.extend(outcome_store.link_by_token(conn, s))
        out.append(SessionPushed(result, "GET", partner_id, now))
    return out


def _store_cdrs(
    conn: sqlite3.Connection, partner_id: int | None, cdrs: list[Cdr], now: datetime
) -> list[CdrPushed]:
    out = []
    for cdr in cdrs:
        outcome = cdr_store.insert_cdr(conn, partner_id, cdr, now)
        key = (cdr.country_code.upper(), cdr.party_id.upper(), cdr.id)
        if outcome == "conflict":
            reason = f"pulled CDR {cdr.id} differs from the one we hold; CDRs are immutable"
            log.warning("refused %s", reason)
            if partner_id is not None:
                record_rejection(conn, partner_id, "cdrs", status.INVALID_PARAMETERS, reason, now)
            continue
        out.append(CdrPushed(key, cdr.session_id, outcome == "created", now))
    return out
