"""When pushes do not arrive: a CPO going offline mid-session (stale, then resynced), our node
restarting mid-session (pull after downtime), and running without a receiver (polling)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from emsp_tui.node import EmspNode
from emsp_tui.ocpi.types import parse_datetime
from emsp_tui.services.charging import CdrArrived, SessionChanged
from emsp_tui.store import sessions as session_store
from emsp_tui.store.commands import CommandState
from mock_backend.server import MockServer

from . import charging_support
from .charging_support import (
    Setup,
    faults,
    mock_session,
    new_node,
    next_event,
    remote_evse,
    until,
)

fast_mock = charging_support.fast_mock  # a fixture
setup = charging_support.setup  # a fixture


async def held_periods(node: EmspNode, key: tuple[str, str, str]) -> set[datetime]:
    found = await node.db.run(session_store.get_session, *key)
    assert found is not None
    return {p.start_date_time for p in found.session.charging_periods or []}


def closed_periods(mock: MockServer, session_id: str) -> set[datetime]:
    truth = mock_session(mock, session_id) or {}
    periods = truth.get("charging_periods") or []
    if truth.get("status") != "COMPLETED":
        periods = periods[:-1]  # the open one is still changing
    return {parse_datetime(p["start_date_time"]) for p in periods}


async def test_a_cpo_going_offline_mid_session_goes_stale_then_resyncs(setup: Setup) -> None:
    node, mock, events = setup.node, setup.mock, setup.events
    location, evse_uid = remote_evse(setup.mock)
    command = await node.charging.start(location, evse_uid, None, setup.card)
    first = await next_event(
        events,
        SessionChanged,
        lambda e: e.view.authorization_reference == command.authorization_reference,
    )
    key = first.view.key
    tracker = node.charging.sync.trackers[key]
    await until(lambda: tracker.interval is not None, what="a learnt push interval")
    party = f"{location.country_code}-{location.party_id}"
    await faults(mock, add=[f"{party}:offline"])
    stale = await next_event(events, SessionChanged, lambda e: e.view.key == key and e.view.stale)
    known = await held_periods(node, key)
    # The CPO keeps charging; a charging period closes while we cannot hear of it.
    await until(lambda: closed_periods(mock, key[2]) - known, what="a period closed offline")
    await faults(mock, remove=[f"{party}:offline"])
    fresh = await next_event(
        events, SessionChanged, lambda e: e.view.key == key and not e.view.stale
    )
    assert fresh.view.last_updated >= stale.view.last_updated

    async def caught_up() -> bool:
        truth = mock_session(mock, key[2]) or {}
        held = await node.db.run(session_store.get_session, *key)
        return (
            held is not None
            and closed_periods(mock, key[2]) <= await held_periods(node, key)
            and held.session.last_updated >= parse_datetime(truth["last_updated"])
            and held.session.kwh == truth["kwh"]
        )

    # The periods pushed while it was offline were lost; only a pull brings them back.
    await until(caught_up, what="our copy equal to the CPO's")


async def start_active(setup: Setup) -> tuple[str, str, str]:
    location, evse_uid = remote_evse(setup.mock)
    command = await setup.node.charging.start(location, evse_uid, None, setup.card)
    view = await next_event(
        setup.events,
        SessionChanged,
        lambda e: (
            e.view.authorization_reference == command.authorization_reference and e.view.kwh > 0
        ),
    )
    return view.view.key


async def test_sessions_survive_a_restart_and_are_pulled_on_start(
    setup: Setup, tmp_path: Path
) -> None:
    node, mock = setup.node, setup.mock
    key = await start_active(setup)
    assert node.server is not None
    port = node.server.port
    await node.stop()
    before = await held_after_stop(tmp_path, key)
    # While we are down the CPO keeps charging (its pushes to us fail).
    await until(
        lambda: (mock_session(mock, key[2]) or {}).get("kwh", 0) > before + 0.5,
        what="energy charged while we were down",
    )
    again = setup.node = await new_node(tmp_path, port)  # the fixture stops it
    await again.charging.sync.resynced.wait()
    view = await again.charging.session(*key)
    assert view is not None
    assert view.kwh > before
    events = again.charging.subscribe()
    # Pushes reach us again on the same URL, and the session can be stopped.
    await next_event(events, SessionChanged, lambda e: e.view.key == key)
    stop = await again.charging.stop(view)
    assert stop.response == "ACCEPTED"
    await next_event(events, CdrArrived, lambda e: e.session == key)


async def held_after_stop(tmp_path: Path, key: tuple[str, str, str]) -> float:
    reader = await new_node(tmp_path, serve=False, background=False)
    try:
        found = await reader.db.run(session_store.get_session, *key)
        assert found is not None
        assert found.session.status == "ACTIVE"
        return found.session.kwh
    finally:
        await reader.stop()


async def test_without_a_receiver_the_service_polls(tmp_path: Path, fast_mock: MockServer) -> None:
    first = await new_node(tmp_path)
    try:
        hub = await first.partners.add(fast_mock.versions_url, fast_mock.token_a, name="hub")
        assert hub.id is not None
        await first.new_sync().sync_all()
        wallet = first.wallet
        card = await wallet.issue("card")
    finally:
        await first.stop()
    node = await new_node(tmp_path, serve=False, background=True)  # --no-receiver
    try:
        assert not node.charging.receiving
        events = node.charging.subscribe()
        location, evse_uid = remote_evse(fast_mock)
        command = await node.charging.start(location, evse_uid, None, card)
        assert command.response == "ACCEPTED"  # its result cannot reach us
        found = await next_event(
            events,
            SessionChanged,
            lambda e: e.view.authorization_reference == command.authorization_reference,
        )
        key = found.view.key
        later = await next_event(
            events, SessionChanged, lambda e: e.view.key == key and e.view.kwh > found.view.kwh
        )
        assert later.view.status == "ACTIVE"
        linked = await node.charging.command(command.id)
        assert linked is not None
        assert linked.session_id == key[2]
        assert linked.state == CommandState.DONE
    finally:
        await node.stop()
