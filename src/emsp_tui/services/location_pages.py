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
import pickle
import sys
from asyncio.subprocess import DEVNULL, PIPE
from dataclasses import dataclass, field
from typing import Any

from ..ocpi.models import Location
from ..ocpi.paging import Rejected, validate_objects
from ..ocpi.status import is_success
from ..ocpi.wire import parse_envelope
from ..store.location_index import Derived, derive_location
from . import page_worker

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
    """Prepares location pages, in up to ``workers`` worker processes for large ones (0: all
    in process). Workers start with the first large page and live until :meth:`close`; a
    worker that dies is not replaced: the rest is prepared in process.

    :meth:`prepare` answers a PreparedPage, or for a worker's page its pickled form
    (``bytes``): :func:`unpack` it where the time is best spent (the database thread).
    """

    def __init__(self, workers: int, min_bytes: int = MIN_BYTES_FOR_WORKERS) -> None:
        self.workers = workers
        self.min_bytes = min_bytes
        self._idle: asyncio.Queue[asyncio.subprocess.Process] | None = None
        self._started: list[asyncio.subprocess.Process] = []
        self._broken = False

    async def prepare(self, body: bytes) -> PreparedPage | bytes:
        if self.workers <= 0 or self._broken or len(body) < self.min_bytes:
            return prepare_body(body)
        idle = await self._pool()
        worker = await idle.get()
        try:
            kind, payload = await _ask(worker, body)
        except (OSError, EOFError, asyncio.IncompleteReadError, ValueError) as err:
            log.warning("a location page worker stopped (%s); preparing in process", err)
            self._broken = True
            return prepare_body(body)
        idle.put_nowait(worker)
        if kind == page_worker.READY:
            return payload
        if kind == page_worker.PROBLEM:
            return PreparedPage(problem=payload.decode())
        raise RuntimeError(f"location page worker failed: {payload.decode()}")

    async def _pool(self) -> asyncio.Queue[asyncio.subprocess.Process]:
        if self._idle is None:
            self._idle = asyncio.Queue()
            for _ in range(self.workers):
                worker = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", page_worker.__name__,
                    stdin=PIPE, stdout=PIPE, stderr=DEVNULL,  # never onto the app's screen
                )  # fmt: skip
                self._started.append(worker)
                self._idle.put_nowait(worker)
        return self._idle

    async def aclose(self) -> None:
        for worker in self._started:
            if worker.stdin is not None:
                worker.stdin.close()  # end of input: the worker exits
        for worker in self._started:
            try:
                await asyncio.wait_for(worker.wait(), 5)
            except TimeoutError:
                worker.kill()
                await worker.wait()
        self._started.clear()
        self._idle = None

    async def __aenter__(self) -> PagePreparer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _ask(worker: asyncio.subprocess.Process, body: bytes) -> tuple[bytes, bytes]:
    assert worker.stdin is not None and worker.stdout is not None
    worker.stdin.write(len(body).to_bytes(page_worker.HEADER, "little"))
    worker.stdin.write(body)
    await worker.stdin.drain()
    size = int.from_bytes(await worker.stdout.readexactly(page_worker.HEADER), "little")
    if size < 1:
        raise ValueError("empty answer frame")
    answer = await worker.stdout.readexactly(size)
    return answer[:1], answer[1:]


def unpack(page: PreparedPage | bytes) -> PreparedPage:
    """A prepared page, unpickled if it came from a worker (trusted: our own child)."""
    return pickle.loads(page) if isinstance(page, bytes) else page  # noqa: S301
