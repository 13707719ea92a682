"""Outbound OCPI HTTP: pushes to eMSPs, real-time authorisation, command results, registration.

Pushes are queued per peer and sent one at a time by that peer's worker, so a session's PUT always
reaches the eMSP before its PATCHes. Failed pushes are logged and dropped, never retried (spec
1.8: the receiver resyncs by pulling).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from .clock import Clock, iso_utc
from .peers import VERSION, Peer
from .wire import dumps, encode_authorization

log = logging.getLogger("mock_backend.courier")

Routing = tuple[tuple[str, str], tuple[str, str]]  # ((from cc, pid), (to cc, pid))


@dataclass
class Outcome:
    """What came back from an outbound request."""

    http_status: int = 0  # 0: no HTTP answer at all
    body: Any = None  # parsed JSON, if any
    error: str | None = None
    headers: httpx.Headers | None = None

    @property
    def status_code(self) -> int | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("status_code"), int):
            return int(self.body["status_code"])
        return None

    @property
    def ok(self) -> bool:
        code = self.status_code
        return 200 <= self.http_status < 300 and (code is None or 1000 <= code <= 1999)

    @property
    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, dict) else None

    def describe(self) -> str:
        if self.error:
            return self.error
        message = self.body.get("status_message") if isinstance(self.body, dict) else None
        return f"HTTP {self.http_status}, status_code {self.status_code}" + (
            f": {message}" if message else ""
        )


class RegistrationError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class Courier:
    def __init__(self, clock: Clock, timeout: float = 10.0) -> None:
        self.clock = clock
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None
        self._queues: dict[int, asyncio.Queue[Callable[[], Awaitable[None]] | None]] = {}
        self._workers: list[asyncio.Task[None]] = []
        self.history: deque[dict[str, Any]] = deque(maxlen=300)
        self.sent = 0
        self.failed = 0

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        return self._client

    async def close(self) -> None:
        for queue in self._queues.values():
            queue.put_nowait(None)
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._client is not None:
            await self._client.aclose()

    async def call(
        self,
        token: str,
        method: str,
        url: str,
        body: Any = None,
        *,
        routing: Routing | None = None,
        correlation_id: str | None = None,
        params: dict[str, str] | None = None,
        limit: float | None = None,
        what: str = "",
    ) -> Outcome:
        headers = {
            "Authorization": encode_authorization(token),
            "X-Request-ID": str(uuid.uuid4()),
            "X-Correlation-ID": correlation_id or str(uuid.uuid4()),
        }
        if routing is not None:
            (fcc, fpid), (tcc, tpid) = routing
            headers.update(
                {
                    "OCPI-from-country-code": fcc,
                    "OCPI-from-party-id": fpid,
                    "OCPI-to-country-code": tcc,
                    "OCPI-to-party-id": tpid,
                }
            )
        content = None
        if body is not None:
            content = dumps(body)
            headers["Content-Type"] = "application/json"
        outcome = Outcome()
        try:
            response = await self.client.request(
                method,
                url,
                content=content,
                headers=headers,
                params=params,
                timeout=self.timeout if limit is None else limit,
            )
            outcome.http_status = response.status_code
            outcome.headers = response.headers
            try:
                outcome.body = response.json()
            except ValueError:
                outcome.body = None
        except httpx.HTTPError as err:
            outcome.error = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
        self.sent += 1
        if not outcome.ok:
            self.failed += 1
        self.history.append(
            {
                "at": iso_utc(self.clock.now()),
                "method": method,
                "url": url,
                "what": what,
                "result": "ok" if outcome.ok else outcome.describe(),
            }
        )
        if not outcome.ok:
            log.info("%s %s (%s) failed: %s", method, url, what, outcome.describe())
        return outcome

    def push(self, peer: Peer, job: Callable[[], Awaitable[None]]) -> None:
        """Run job after every job queued before it for the same peer."""
        key = id(peer)
        queue = self._queues.get(key)
        if queue is None:
            queue = asyncio.Queue()
            self._queues[key] = queue
            self._workers.append(asyncio.create_task(self._work(queue)))
        queue.put_nowait(job)

    async def _work(self, queue: asyncio.Queue[Callable[[], Awaitable[None]] | None]) -> None:
        while True:
            job = await queue.get()
            try:
                if job is None:
                    return
                await job()
            except Exception:  # a push must never kill the worker
                log.exception("push failed")
            finally:
                queue.task_done()

    async def drain(self) -> None:
        """Wait until every queued push has been attempted (tests)."""
        for queue in list(self._queues.values()):
            await queue.join()

    async def version_details(
        self, versions_url: str, token: str
    ) -> tuple[str, list[dict[str, Any]]]:
        """GET the peer's versions, pick 2.2.1, GET its details -> (url, endpoints).

        RegistrationError 3001 when the peer cannot be read, 3002 without 2.2.1 (spec 3, step 4).
        """
        found = await self.call(token, "GET", versions_url, what="versions")
        if not found.ok or not isinstance(found.data, list):
            raise RegistrationError(3001, f"GET {versions_url} failed: {found.describe()}")
        urls = [
            v.get("url")
            for v in found.data
            if isinstance(v, dict) and str(v.get("version")) == VERSION
        ]
        if not urls or not isinstance(urls[0], str):
            offered = [v.get("version") for v in found.data if isinstance(v, dict)]
            raise RegistrationError(
                3002, f"no common version: we speak {VERSION}, you offer {offered}"
            )
        details = await self.call(token, "GET", urls[0], what="version details")
        data = details.data
        if (
            not details.ok
            or not isinstance(data, dict)
            or not isinstance(data.get("endpoints"), list)
        ):
            raise RegistrationError(3001, f"GET {urls[0]} failed: {details.describe()}")
        return urls[0], [e for e in data["endpoints"] if isinstance(e, dict)]
