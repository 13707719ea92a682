"""Counting what partners send off-spec that we read anyway (``ocpi.lenient``): the partner
clients report each deviation here; it lands in the store per partner and kind, for the
partners' status (support, integrators)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..ocpi.lenient import Deviation
from ..store import Database
from ..store.deviations import record_deviation
from ..store.partners import Partner

log = logging.getLogger(__name__)


class DeviationRecorder:
    """``record`` is synchronous (the client's hook); the write runs on the database thread."""

    def __init__(self, db: Database, now: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self.now = now or (lambda: datetime.now(UTC))
        self._pending: set[asyncio.Task[Any]] = set()

    def record(self, partner: Partner, deviation: Deviation) -> None:
        if partner.id is None:
            return
        task = asyncio.get_running_loop().create_task(self._write(partner.id, deviation))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _write(self, partner_id: int, deviation: Deviation) -> None:
        try:
            await self.db.run(
                record_deviation, partner_id, deviation.kind, deviation.detail, self.now(),
                deviation.count,
            )  # fmt: skip
        except Exception:  # the count must never take the protocol down with it
            log.exception("could not count a deviation of partner %s", partner_id)

    async def flush(self) -> None:
        """Wait until every deviation reported so far is stored."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
