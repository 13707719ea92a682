"""Location pages prepared in worker processes: decode, validate, derive the store's rows.

A full sync is mostly Python CPU per Location: decoding the JSON, validating it with pydantic,
deriving the search rows (about 150 µs together), while SQLite writes the rows on the database
thread. In one process all of that holds one GIL, shared with the event loop (and the UI): the
sync ran on one core. Here a large page's body goes to a worker process as bytes and comes back
as plain tuples (``Derived``), so the main process only fetches and writes.

Small pages (an incremental sync, a test's seeded network) are prepared in process: starting a
worker costs more than it saves. The worker function is pure and importable without Textual.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from ..ocpi.models import Location
from ..ocpi.paging import Rejected, validate_objects
from ..ocpi.status import is_success
from ..ocpi.wire import parse_envelope
from ..runtime import tune_gc
from ..store.location_index import Derived, derive_location

log = logging.getLogger(__name__)

# A page of 1,000 Locations is about 2.7 MB. Below this a worker's start-up and the hand-over
# cost more than preparing in process.
MIN_BYTES_FOR_WORKERS = 512 * 1024


@dataclass(slots=True)
class PreparedPage:
    """A page ready to store, or why it is not (``problem``: its envelope said no)."""

    locations: list[Derived] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    received: int = 0
    problem: str | None = None


def prepare_items(items: list[Any]) -> PreparedPage:
    """Validate each item on its own (a malformed one costs only itself) and derive it."""
    valid, rejected, documents = validate_objects(items, Location)
    derived = [derive_location(loc, doc) for loc, doc in zip(valid, documents, strict=True)]
    return PreparedPage(derived, rejected, len(items))


def prepare_body(body: bytes) -> PreparedPage:
    """A list response's body: its envelope read, its data prepared (runs in a worker)."""
    envelope = parse_envelope(body)
    if isinstance(envelope, str):
        return PreparedPage(problem=envelope)
    if not is_success(envelope.status_code):
        return PreparedPage(problem=f"status_code {envelope.status_code}")
    if envelope.data is None:
        return PreparedPage()
    if not isinstance(envelope.data, list):
        return PreparedPage(problem="data of a list endpoint is not a list")
    return prepare_items(envelope.data)


class PagePreparer:
    """Prepares location pages, in ``workers`` processes for large ones (0: all in process).

    The pool starts with the first large page and lives until :meth:`close`. A pool that
    breaks (a worker killed) is not restarted: the rest is prepared in process.
    """

    def __init__(self, workers: int, min_bytes: int = MIN_BYTES_FOR_WORKERS) -> None:
        self.workers = workers
        self.min_bytes = min_bytes
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False

    async def prepare(self, body: bytes) -> PreparedPage:
        if self.workers <= 0 or self._broken or len(body) < self.min_bytes:
            return prepare_body(body)
        if self._pool is None:
            # spawn, not fork: the parent has threads (database, UI) whose locks a fork copies.
            self._pool = ProcessPoolExecutor(
                self.workers, multiprocessing.get_context("spawn"), initializer=tune_gc
            )
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, prepare_body, body)
        except BrokenProcessPool:
            log.warning("location page workers stopped; preparing pages in process")
            self._broken = True
            return prepare_body(body)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)  # idle workers exit at once
            self._pool = None

    def __enter__(self) -> PagePreparer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
