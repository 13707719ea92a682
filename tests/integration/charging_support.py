"""Fixtures and helpers for the charging tests: a fast mock network, our node registered with
its hub, a card in the wallet, and ways to wait for what the service reports."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from emsp_tui.config import load_settings
from emsp_tui.node import EmspNode
from emsp_tui.ocpi.models import Location
from emsp_tui.services.charging import ChargingEvent
from emsp_tui.services.wallet import WalletService
from emsp_tui.store import locations as loc_store
from emsp_tui.store.partners import Partner
from emsp_tui.store.tokens import StoredToken
from mock_backend.config import MockConfig
from mock_backend.server import MockServer, running_mock

E = TypeVar("E")


def fast_config(**overrides: Any) -> MockConfig:
    settings: dict[str, Any] = dict(
        seed=11,
        locations=40,
        churn_per_minute=0,
        command_delay=0.05,
        push_interval=0.15,
        tick=0.05,
        speed=300,
        hub_timeout=2.0,
        command_timeout=5,
    )
    settings.update(overrides)
    return MockConfig(**settings)


def tune(node: EmspNode) -> None:
    """Checks at test speed (the mock pushes every 0.15 s)."""
    sync = node.charging.sync
    sync.tick, sync.min_stale_after, sync.max_backoff = 0.05, 0.6, 0.5
    sync.poll_interval, sync.start_wait, sync.cdr_grace, sync.cdr_every = 0.3, 0.5, 0.3, 0.3


async def new_node(data: Path, port: int = 0, *, serve: bool = True, **kw: Any) -> EmspNode:
    settings = load_settings(data_dir=data / "data", config_dir=data / "config")
    settings.receiver.port = port
    settings.request_timeout = 5.0
    node = EmspNode(settings, serve=serve, **kw)
    tune(node)
    await node.start()
    return node


@dataclass
class Setup:
    mock: MockServer
    node: EmspNode
    hub: Partner
    wallet: WalletService
    card: StoredToken
    events: asyncio.Queue[ChargingEvent]


@pytest.fixture
async def fast_mock() -> AsyncIterator[MockServer]:
    async with running_mock(fast_config()) as server:
        yield server


@pytest.fixture
async def setup(tmp_path: Path, fast_mock: MockServer) -> AsyncIterator[Setup]:
    node = await new_node(tmp_path)
    holder: list[EmspNode] = [node]
    try:
        hub = await node.partners.add(fast_mock.versions_url, fast_mock.token_a, name="hub")
        [result] = await node.new_sync().sync_all()
        assert result.ok, result.error
        wallet = node.wallet
        events = node.charging.subscribe()
        card = await wallet.issue("my card")
        found = Setup(fast_mock, node, hub, wallet, card, events)
        yield found
        holder[0] = found.node  # a test may have restarted it
    finally:
        await holder[0].stop()


async def until(check: Callable[[], Any], within: float = 15.0, what: str = "") -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy; that value."""
    loop = asyncio.get_running_loop()
    end = loop.time() + within
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.02)


async def next_event(
    queue: asyncio.Queue[ChargingEvent],
    kind: type[E],
    match: Callable[[E], bool],
    within: float = 15.0,
) -> E:
    """The next event of ``kind`` that matches (others are skipped)."""

    async def wait() -> E:
        while True:
            event = await queue.get()
            if isinstance(event, kind) and match(event):
                return event

    return await asyncio.wait_for(wait(), within)


def remote_evse(
    mock: MockServer, *capabilities: str, cpo: str | None = None, skip: int = 0
) -> tuple[Location, str]:
    """An AVAILABLE EVSE that can be started remotely (and has ``capabilities``)."""
    world = mock.world
    wanted = {"REMOTE_START_STOP_CAPABLE", *capabilities}
    for g in range(world.network.total):
        cpo_no, local = world.network.owner(g)
        if cpo is not None and world.cpo_nodes[cpo_no].key != cpo:
            continue
        location = world.location(cpo_no, local)
        for evse in location["evses"]:
            caps = set(evse.get("capabilities", []))
            if (
                evse["status"] == "AVAILABLE"
                and wanted <= caps
                and "START_SESSION_CONNECTOR_REQUIRED" not in caps
                and (cpo_no, evse["uid"]) not in world.sim.busy
            ):
                if skip:
                    skip -= 1
                    continue
                return Location.model_validate(location), evse["uid"]
    raise AssertionError(f"no AVAILABLE EVSE with {wanted}")


async def stored_location(node: EmspNode, location: Location) -> Location:
    found = await node.db.run(
        loc_store.get_location, location.country_code, location.party_id, location.id
    )
    assert found is not None
    return found


async def faults(mock: MockServer, *, add: list[str] = (), remove: list[str] = ()) -> None:  # type: ignore[assignment]
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{mock.base_url}/mock/faults", json={"add": list(add), "remove": list(remove)}
        )
        answer.raise_for_status()


def mock_session(mock: MockServer, session_id: str) -> dict[str, Any] | None:
    for cpo in mock.world.state.cpos:
        found = cpo.sessions.get(session_id)
        if found is not None:
            return dict(found)
    return None


def peer_token(mock: MockServer, party: str = "hub") -> str:
    """The token a mock party presents to us (what it got from us at registration)."""
    node = mock.world.node(party)
    assert node is not None
    assert node.peers
    [peer] = node.peers.values()
    return peer.token_out
