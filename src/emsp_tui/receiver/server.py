"""Serve the receiver with uvicorn inside the caller's event loop (app, demo, tests)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette


class _Server(uvicorn.Server):
    """Signals stay the host's (app, demo, ``emsp serve``): uvicorn would otherwise take
    SIGINT/SIGTERM while it serves and raise them again when it stops."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ReceiverServer:
    """``await start()`` binds (port 0 picks a free one), ``await stop()`` shuts down."""

    def __init__(self, app: Starlette, host: str = "127.0.0.1", port: int = 8420) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            # uvicorn's loggers go through ours (the CLI's terminal-safe formatter, or the
            # app's log file) instead of handlers of its own writing to stderr.
            log_config=None,
            lifespan="off",
            # Request line plus headers at most 16 KiB (h11 answers 400 beyond); bodies are
            # limited in the app (body_limit.py), where the refusal is an OCPI envelope.
            h11_max_incomplete_event_size=16 * 1024,
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None
        self.host = host

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                # Binding failed (port in use...): surface uvicorn's error as ours.
                self._task.result()
                raise OSError("the receiver could not start")
            await asyncio.sleep(0.01)

    @property
    def port(self) -> int:
        sockets = self._server.servers[0].sockets
        return int(sockets[0].getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
