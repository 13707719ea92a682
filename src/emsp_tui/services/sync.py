"""Sync: pull every partner's tariffs and locations into the store.

First run per (partner, module): a full crawl. Later runs: incremental, ``date_from`` = the
``date_to`` of the last complete crawl. Pages are validated and committed as they stream in
(memory stays flat); each page and its checkpoint commit in one transaction, so a crash or
kill -9 leaves the store consistent and the next run resumes at the last committed page.
A malformed object is skipped, logged and counted; the rest of its page is kept. Partners sync
concurrently (bounded); one that fails or times out does not hold back the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ..ocpi.client import OcpiClient
from ..ocpi.enums import InterfaceRole, ModuleID
from ..ocpi.models import Location, Tariff
from ..ocpi.paging import Rejected, ValidatedPage
from ..ocpi.retry import DEFAULT_RETRY, RetryPolicy
from ..store import locations as loc_store
from ..store import partners as partner_store
from ..store import sync_state
from ..store.partners import Partner

if TYPE_CHECKING:
    from .node import EmspNode

log = logging.getLogger(__name__)

MODULES: list[tuple[ModuleID, type[BaseModel]]] = [
    (ModuleID.TARIFFS, Tariff),  # tariffs first: location prices are computed from them
    (ModuleID.LOCATIONS, Location),
]


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
        self, node: EmspNode, *, page_limit: int = 1000, retry: RetryPolicy = DEFAULT_RETRY
    ) -> None:
        self.node = node
        self.page_limit = page_limit
        self.retry = retry

    async def sync_all(
        self, progress: ProgressCallback | None = None, *, full: bool = False
    ) -> list[PartnerResult]:
        partners = [
            p for p in await self.node.db.run(partner_store.list_partners)
            if p.token_out and p.status == "REGISTERED"
        ]
        gate = asyncio.Semaphore(max(1, self.node.settings.sync_concurrency))

        async def one(partner: Partner) -> PartnerResult:
            async with gate:
                return await self.sync_partner(partner, progress, full=full)

        return list(await asyncio.gather(*(one(p) for p in partners)))

    async def sync_partner(
        self, partner: Partner, progress: ProgressCallback | None = None, *, full: bool = False
    ) -> PartnerResult:
        result = PartnerResult(partner.name)
        started = asyncio.get_running_loop().time()
        assert partner.token_out is not None and partner.id is not None
        try:
            async with OcpiClient(
                partner.token_out,
                transport=self.node.transport,
                raw_token=partner.raw_token,
                timeout=self.node.settings.request_timeout,
                retry=self.retry,
            ) as client:
                for module, model in MODULES:
                    url = partner.endpoint(module, InterfaceRole.SENDER)
                    if not url:
                        continue
                    mod = await self._sync_module(client, partner, module, model, url, progress, full)
                    result.modules.append(mod)
        except Exception as err:
            result.error = " ".join(str(err).split()) or type(err).__name__
            log.warning("sync of %s failed: %s", partner.name, result.error)
        await self.node.db.run(partner_store.record_error, partner.name, result.error)
        result.seconds = asyncio.get_running_loop().time() - started
        return result

    async def _sync_module(
        self,
        client: OcpiClient,
        partner: Partner,
        module: ModuleID,
        model: type[BaseModel],
        url: str,
        progress: ProgressCallback | None,
        full: bool,
    ) -> ModuleResult:
        db = self.node.db
        partner_id = partner.id
        assert partner_id is not None
        state = await db.run(sync_state.get_sync_state, partner_id, module.value)
        result = ModuleResult(module.value)
        if state.in_progress and state.next_url and not full:
            # Resume an interrupted crawl where its last committed page left off.
            date_from, date_to, first_url = state.crawl_from, state.crawl_to, state.next_url
            result.full = state.crawl_from is None
        else:
            date_from = None if full else state.synced_to
            date_to = datetime.now(UTC)
            first_url = None
            result.full = date_from is None
            await db.run(sync_state.begin_crawl, partner_id, module.value, date_from, date_to)
        # Page n is stored (on the database thread) while page n+1 is fetched and validated;
        # pages still commit one at a time and in order, each with its checkpoint.
        storing: tuple[asyncio.Future[object], ValidatedPage[BaseModel]] | None = None

        async def committed() -> None:
            nonlocal storing
            if storing is None:
                return
            write, checked = storing
            storing = None
            await write
            page = checked.page
            result.received += len(page.items)
            result.stored += len(checked.valid)
            result.rejected.extend(checked.rejected)
            result.total = page.total_count
            if progress:
                progress(Progress(partner.name, module.value, result.received, page.total_count))

        try:
            async for checked in client.iter_objects(
                first_url or url,
                model,
                date_from=None if first_url else date_from,
                date_to=None if first_url else date_to,
                limit=None if first_url else self.page_limit,
            ):
                for bad in checked.rejected:
                    log.warning(
                        "%s %s: skipped malformed object %s: %s",
                        partner.name, module.value, bad.object_id or "(no id)", bad.reason,
                    )
                await committed()
                write = db.run(
                    loc_store.store_page, partner_id, module.value, checked.valid,
                    checked.page.next_url, len(checked.rejected), checked.documents,
                )  # fmt: skip
                storing = (asyncio.ensure_future(write), checked)
            await committed()
        finally:
            if storing is not None:  # stopped by an error: the page in flight still lands whole
                await asyncio.shield(storing[0])
        await db.run(loc_store.finish_crawl, partner_id, module.value, result.full)
        return result
