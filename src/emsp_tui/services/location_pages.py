"""Location pages prepared in worker processes: decode, validate, derive the store's rows.

A full sync is mostly Python CPU per Location: decoding the JSON, validating it with pydantic,
deriving the search rows (about 150 µs together), while SQLite writes the rows on the database
thread. In one process all of that holds one GIL, shared with the event loop (and the UI): the
sync ran on one core. Here a large page's body goes to a worker process as bytes and comes back
as plain tuples (``Derived``), so the main process only fetches and writes. What a page's
preparing is lives in prepared_page.py, the worker program in page_worker.py.

Small pages (an incremental sync, a test's seeded network) are prepared in process: starting a
worker costs more than it saves. The worker function is pure and importable without Textual.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from ..store.location_index import Derived
from . import page_worker
from .prepared_page import PreparedPage, prepare_body, prepare_items

log = logging.getLogger(__name__)

__all__ = [
    "MIN_BYTES_FOR_WORKERS",
    "PagePreparer",
    "PreparedPage",
    "prepare_body",
    "prepare_items",
    "unpack",
]

# A page of 1,000 Locations is about 2.7 MB. Below this a worker's start-up and the hand-over
# cost more than preparing in process.
MIN_BYTES_FOR_WORKERS = 512 * 1024


class PagePreparer:
    """Prepares location pages, in up to ``workers`` worker processes for large ones (0: all
    in process). Workers start with the first large page and live until :meth:`aclose`; a
    worker that dies is not replaced: the rest is prepared in process.

    :meth:`prepare` answers a PreparedPage, or for a worker's page its pickled form
    (``bytes``): :func:`unpack` it where the time is best spent (the database thread).
    """

    def __init__(self, workers: int, min_bytes: int = MIN_BYTES_FOR_WORKERS) -> None:
        self.workers = workers
        self.min_bytes = min_bytes
        self._idle: asyncio.Queue[subprocess.Popen[bytes]] | None = None
        self._started: list[subprocess.Popen[bytes]] = []
        # One thread a worker does its blocking pipe I/O, so megabytes of pipe reads and writes
        # never run on the event loop.
        self._io: ThreadPoolExecutor | None = None
        self._broken = False

    async def prepare(self, body: bytes) -> PreparedPage[Derived] | bytes:
        if self.workers <= 0 or self._broken or len(body) < self.min_bytes:
            return prepare_body(body)
        starting = self._idle is None
        idle, io = self._pool()
        if starting:  # the workers take ~0.4 s to start: the first page does not wait for them
            return prepare_body(body)
        worker = await idle.get()
        try:
            kind, payload = await asyncio.get_running_loop().run_in_executor(io, _ask, worker, body)
        except (OSError, EOFError) as err:
            log.warning("a location page worker stopped (%s); preparing in process", err)
            self._broken = True
            return prepare_body(body)
        idle.put_nowait(worker)
        if kind == page_worker.READY:
            return payload
        if kind == page_worker.PROBLEM:
            return PreparedPage(problem=payload.decode())
        raise RuntimeError(f"location page worker failed: {payload.decode()}")

    def _pool(self) -> tuple[asyncio.Queue[subprocess.Popen[bytes]], ThreadPoolExecutor]:
        if self._idle is None or self._io is None:
            self._idle = asyncio.Queue()
            self._io = ThreadPoolExecutor(self.workers, thread_name_prefix="emsp-pages")
            for _ in range(self.workers):
                worker = subprocess.Popen(
                    [sys.executable, "-m", page_worker.__name__],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,  # never onto the app's screen
                )  # fmt: skip
                self._started.append(worker)
                self._idle.put_nowait(worker)
        return self._idle, self._io

    async def aclose(self) -> None:
        workers, self._started, self._idle = self._started, [], None
        if self._io is not None:
            self._io.shutdown(wait=False)
            self._io = None
        if workers:
            await asyncio.get_running_loop().run_in_executor(None, _stop, workers)

    async def __aenter__(self) -> PagePreparer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _ask(worker: subprocess.Popen[bytes], body: bytes) -> tuple[bytes, bytes]:
    """One page to a worker and its answer (blocking: runs on the worker's I/O thread)."""
    assert worker.stdin is not None
    assert worker.stdout is not None
    worker.stdin.write(len(body).to_bytes(page_worker.HEADER, "little"))
    worker.stdin.write(body)
    worker.stdin.flush()
    header = worker.stdout.read(page_worker.HEADER)
    if len(header) < page_worker.HEADER:
        raise EOFError("the worker closed its output")
    size = int.from_bytes(header, "little")
    kind = worker.stdout.read(1)
    payload = worker.stdout.read(size - 1)
    if not kind or len(payload) < size - 1:
        raise EOFError("the worker's answer was cut short")
    return kind, payload


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        try:
            if worker.stdin is not None:
                worker.stdin.close()  # end of input: the worker exits
        except OSError:
            pass  # already gone
    for worker in workers:
        try:
            worker.wait(5)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        if worker.stdout is not None:
            worker.stdout.close()


def unpack(page: PreparedPage[Derived] | bytes) -> PreparedPage[Derived]:
    """A prepared page, unpickled if it came from a worker (trusted: our own child)."""
    return pickle.loads(page) if isinstance(page, bytes) else page
