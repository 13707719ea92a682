"""Serve the mock network with uvicorn inside the caller's event loop.

async with running_mock(MockConfig(seed=7, locations=500)) as mock:
    mock.versions_url        # http://127.0.0.1:PORT/ocpi/versions (the hub)
    mock.cpo_versions_urls   # {"DE-VOL": "http://127.0.0.1:PORT/ocpi/cpo/de-vol/versions", ...}
    mock.token_a             # the registration token every party accepts
    mock.base_url            # http://127.0.0.1:PORT (the control API is at /mock/...)
    mock.world               # the live state, for tests that want to look inside
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import uvicorn

from .app import create_app
from .config import MockConfig
from .core import World


class QuickServer(uvicorn.Server):
    """uvicorn.Server that notices `should_exit` at once instead of on its next 0.1 s tick
    (tests start and stop dozens of servers)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.install_signal_handlers = lambda: None
        self._wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._wake = asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    def exit(self) -> None:
        self.should_exit = True
        if self._wake is not None:
            self._wake.set()


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket; OSError (port in use...) surfaces here, not inside uvicorn,
    which would sys.exit() from its task."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


async def start_serving(server: uvicorn.Server) -> asyncio.Task[None]:
    """Bind, run server.serve() in a task, return once it listens (OSError if it cannot)."""
    sock = bind(server.config.host, server.config.port)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()  # binding failed: raise uvicorn's error
            raise OSError(f"cannot listen on {server.config.host}:{server.config.port}")
        await asyncio.sleep(0.01)
    return task


def advertised_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class MockServer:
    def __init__(self, config: MockConfig | None = None) -> None:
        self.config = config or MockConfig()
        self.world = World(self.config)
        self.app = create_app(self.world)
        uv = uvicorn.Config(
            self.app,
            host=self.config.host,
            port=self.config.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self._server = QuickServer(uv)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = await start_serving(self._server)
        self.world.base_url = f"http://{advertised_host(self.config.host)}:{self.port}"
        self.world.sim.start()

    async def stop(self) -> None:
        await self.world.sim.stop()
        self._server.exit()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.world.close()

    @property
    def port(self) -> int:
        sockets = self._server.servers[0].sockets
        return int(sockets[0].getsockname()[1])

    @property
    def base_url(self) -> str:
        return self.world.base_url

    @property
    def versions_url(self) -> str:
        return self.world.hub.versions_url(self.base_url)

    @property
    def cpo_versions_urls(self) -> dict[str, str]:
        return {n.key: n.versions_url(self.base_url) for n in self.world.cpo_nodes}

    @property
    def token_a(self) -> str:
        return self.world.token_a


@contextlib.asynccontextmanager
async def running_mock(config: MockConfig | None = None) -> AsyncIterator[MockServer]:
    """The whole network on a loopback port (ephemeral unless config.port says otherwise)."""
    server = MockServer(config)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
