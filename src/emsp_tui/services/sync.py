"""Sync: pull every partner's tariffs and locations into the store.

First run per (partner, module): a full crawl. Later runs: incremental, ``date_from`` = the
``date_to`` of the last complete crawl. Pages are prepared and committed as they stream in
(memory stays flat): large location pages are decoded, validated and turned into rows in worker
processes (location_pages.py) while the fetcher runs ahead and the writer stores them in order.
Each page and its checkpoint commit in one transaction, so a crash or kill -9 leaves the store
consistent and the next run resumes at the last committed page.
A malformed object is skipped, logged and counted; the rest of its page is kept. So is an
object of a party the partner may not write (``Writable``): a CPO pulled from serves only its
own parties, a hub those behind it, and never a party that is ours or another partner's own
(that party's objects come from its direct link). Partners sync concurrently (bounded); one
that fails or times out does not hold back the others.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

import httpx

from ..ocpi.client import OcpiClient
from ..ocpi.enums import InterfaceRole, ModuleID
from ..ocpi.errors import OcpiProtocolError
from ..ocpi.models import Tariff
from ..ocpi.paging import EmptyRun, Page, Rejected, list_data, validate_objects
from ..ocpi.retry import DEFAULT_RETRY, RetryPolicy
from ..store import Database, sync_state
from ..store import locations as loc_store
from ..store import partners as partner_store
from ..store.location_index import Derived
from ..store.partners import Partner
from .location_pages import MIN_BYTES_FOR_WORKERS, PagePreparer, PreparedPage, prepare_items, unpack
from .ownership import NOT_ITS_PARTY, Writable

log = logging.getLogger(__name__)


# Tariffs first: location prices are computed from them.
MODULES: list[ModuleID] = [ModuleID.TARIFFS, ModuleID.LOCATIONS]


@dataclass
class ModuleResult:
    module: str
    full: bool = False
    received: int = 0
    stored: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    total: int | None = None
    error: str | None = None


@dataclass
class PartnerResult:
    partner: str
    modules: list[ModuleResult] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Progress:
    partner: str
    module: str
    done: int
    total: int | None


ProgressCallback = Callable[[Progress], None]


class SyncService:
    def __init__(
        self,
        db: Database,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        request_timeout: float = 30.0,
        concurrency: int = 4,
        page_limit: int = 1000,
        retry: RetryPolicy = DEFAULT_RETRY,
        workers: int | None = None,
        min_bytes_for_workers: int = MIN_BYTES_FOR_WORKERS,
        us: tuple[str, str] | None = None,
    ) -> None:
        """``concurrency``: partners synced at once; ``workers``: processes that prepare large
        location pages (None: two on a multi-core machine; 0 prepares everything in this
        process). The node passes the settings (``sync_concurrency``, ``sync_workers``) and ``us``,
        our own (country_code, party_id): no partner may place objects under it."""
        self.db = db
        self.us = us
        self.transport = transport
        self.request_timeout = request_timeout
        self.concurrency = concurrency
        self.page_limit = page_limit
        self.retry = retry
        if workers is None:
            workers = 2 if (os.cpu_count() or 1) > 1 else 0
        self.workers = workers
        self.min_bytes_for_workers = min_bytes_for_workers
        self._pages: PagePreparer | None = None

    async def sync_all(
        self, progress: ProgressCallback | None = None, *, full: bool = False
    ) -> list[PartnerResult]:
        partners = [
            p
            for p in await self.db.run(partner_store.list_partners)
            if p.token_out and p.status == "REGISTERED"
        ]
        gate = asyncio.Semaphore(max(1, self.concurrency))

        async def one(partner: Partner) -> PartnerResult:
            async with gate:
                return await self.sync_partner(partner, progress, full=full)

        async with self._preparer():
            return list(await asyncio.gather(*(one(p) for p in partners)))

    @asynccontextmanager
    async def _preparer(self) -> AsyncIterator[PagePreparer]:
        """One set of page workers for the whole run (shared by the partners)."""
        if self._pages is not None:
            yield self._pages
            return
        self._pages = PagePreparer(self.workers, self.min_bytes_for_workers)
        try:
            yield self._pages
        finally:
            await self._pages.aclose()
            self._pages = None

    async def sync_partner(
        self, partner: Partner, progress: ProgressCallback | None = None, *, full: bool = False
    ) -> PartnerResult:
        result = PartnerResult(partner.name)
        started = asyncio.get_running_loop().time()
        assert partner.token_out is not None
        assert partner.id is not None
        try:
            writable = await self.db.run(Writable.of, partner, self.us)
            async with self._preparer() as pages:
                await self._sync_modules(partner, writable, pages, progress, full, result)
        except Exception as err:
            result.error = " ".join(str(err).split()) or type(err).__name__
            log.warning("sync of %s failed: %s", partner.name, result.error)
        await self.db.run(partner_store.record_error, partner.name, result.error)
        result.seconds = asyncio.get_running_loop().time() - started
        return result

    async def _sync_modules(
        self,
        partner: Partner,
        writable: Writable,
        pages: PagePreparer,
        progress: ProgressCallback | None,
        full: bool,
        result: PartnerResult,
    ) -> None:
        assert partner.token_out is not None
        async with OcpiClient(
            partner.token_out,
            transport=self.transport,
            raw_token=partner.raw_token,
            timeout=self.request_timeout,
            retry=self.retry,
        ) as client:
            for module in MODULES:
                url = partner.endpoint(module, InterfaceRole.SENDER)
                if url:
                    crawl = _Crawl(self.db, client, partner, writable, module, pages, progress)
                    result.modules.append(await crawl.run(url, full, self.page_limit))


_Prepared = PreparedPage[Tariff] | PreparedPage[Derived] | bytes  # bytes: pickled by a worker
_Job = tuple[Page, "asyncio.Future[_Prepared]"]


class _Crawl:
    """One (partner, module) crawl: pages fetched, prepared and stored in order.

    Up to ``AHEAD`` pages are being prepared (in worker processes, for large location pages)
    while the oldest is written on the database thread and the next one is on its way. Each
    page commits with its checkpoint, one at a time and in order.
    """

    AHEAD = 3

    def __init__(
        self,
        db: Database,
        client: OcpiClient,
        partner: Partner,
        writable: Writable,
        module: ModuleID,
        pages: PagePreparer,
        progress: ProgressCallback | None,
    ) -> None:
        assert partner.id is not None
        self.db = db
        self.client = client
        self.partner = partner
        self.writable = writable
        self.partner_id = partner.id
        self.module = module
        self.pages = pages
        self.progress = progress
        self.result = ModuleResult(module.value)
        self.empty_run = EmptyRun()

    async def run(self, url: str, full: bool, page_limit: int) -> ModuleResult:
        db, partner_id, module, result = self.db, self.partner_id, self.module.value, self.result
        state = await db.run(sync_state.get_sync_state, partner_id, module)
        if state.in_progress and state.next_url and not full:
            # Resume an interrupted crawl where its last committed page left off.
            date_from, date_to, first_url = state.crawl_from, state.crawl_to, state.next_url
            result.full = state.crawl_from is None
        else:
            date_from = None if full else state.synced_to
            date_to = datetime.now(UTC)
            first_url = None
            result.full = date_from is None
            await db.run(sync_state.begin_crawl, partner_id, module, date_from, date_to)
        # The fetcher runs ahead of the writer (bounded by the queue): while page n is written,
        # pages n+1... are being prepared and the next one is on its way.
        queue: asyncio.Queue[_Job | BaseException | None] = asyncio.Queue(self.AHEAD)

        async def fetch() -> None:
            try:
                async for page in self.client.iter_pages(
                    first_url or url,
                    date_from=None if first_url else date_from,
                    date_to=None if first_url else date_to,
                    limit=None if first_url else page_limit,
                    raw=self.module == ModuleID.LOCATIONS,
                ):
                    job = asyncio.ensure_future(self._prepare(page))
                    try:
                        await queue.put((page, job))
                    except asyncio.CancelledError:
                        job.cancel()
                        raise
                await queue.put(None)
            except Exception as err:  # handed to the writer, which raises it in order
                await queue.put(err)

        fetcher = asyncio.ensure_future(fetch())
        writing: asyncio.Future[None] | None = None
        try:
            while (job := await queue.get()) is not None:
                if isinstance(job, BaseException):
                    raise job
                writing = asyncio.ensure_future(self._store(*job))
                await writing
        finally:
            fetcher.cancel()
            while not queue.empty():
                left = queue.get_nowait()
                if isinstance(left, tuple):
                    left[1].cancel()
                    if left[1].done() and not left[1].cancelled():
                        left[1].exception()  # retrieved: the error that stopped us is raised
            if writing is not None and not writing.done():
                # stopped from outside: the page being written still lands whole
                await asyncio.shield(writing)
        await db.run(loc_store.finish_crawl, partner_id, module, result.full)
        return result

    async def _prepare(self, page: Page) -> _Prepared:
        if page.body is None:  # tariffs: a few hundred a partner, validated in process
            valid, rejected, _ = validate_objects(page.items, Tariff)
            return PreparedPage(valid, rejected, len(page.items))
        prepared = await self.pages.prepare(page.body)
        if isinstance(prepared, PreparedPage) and prepared.problem is not None:
            # The envelope is not a plain success: ask again the ordinary way, which retries
            # and raises exactly the error any request would.
            reply = await self.client.request("GET", page.url, correlation_id=page.correlation_id)
            prepared = prepare_items(list_data(reply, page.number))
        return prepared

    async def _store(self, page: Page, job: asyncio.Future[_Prepared]) -> None:
        prepared = await job
        partner, module, result = self.partner.name, self.module.value, self.result
        if self.module == ModuleID.TARIFFS:
            assert isinstance(prepared, PreparedPage)  # tariffs are prepared in process
            tariffs: PreparedPage[Tariff] = self.writable.keep(
                cast(PreparedPage[Tariff], prepared), lambda t: (t.country_code, t.party_id, t.id)
            )
            checked: PreparedPage[Tariff] | PreparedPage[Derived] = tariffs
            await self.db.run(
                loc_store.store_page, self.partner_id, module, checked.items, page.next_url,
                len(checked.rejected),
            )  # fmt: skip
        else:  # unpickled and written on the database thread
            checked = await self.db.run(
                _store_locations, self.partner_id, self.writable, prepared, page.next_url
            )
        self.empty_run.check(
            checked.received == 0,
            page.next_url is not None,
            lambda message: OcpiProtocolError(message, url=page.url, method="GET"),
        )
        for bad in checked.rejected:
            what = "object" if bad.reason.startswith(NOT_ITS_PARTY) else "malformed object"
            log.warning(
                "%s %s: skipped %s %s: %s",
                partner, module, what, bad.object_id or "(no id)", bad.reason,
            )  # fmt: skip
        result.received += checked.received
        result.stored += len(checked.items)
        result.rejected.extend(checked.rejected)
        result.total = page.total_count
        if self.progress:
            self.progress(Progress(partner, module, result.received, page.total_count))


def _store_locations(
    conn: sqlite3.Connection,
    partner_id: int,
    writable: Writable,
    prepared: PreparedPage[Derived] | bytes,
    next_url: str | None,
) -> PreparedPage[Derived]:
    page = writable.keep(unpack(prepared), lambda d: d.key)
    loc_store.store_derived_page(conn, partner_id, page.items, next_url, len(page.rejected))
    return page
