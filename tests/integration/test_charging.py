"""Charging end to end over real HTTP: our node (receiver on uvicorn) registered with the mock
hub (uvicorn), a card pushed, START_SESSION -> CommandResponse -> CommandResult -> Session PUT
-> PATCHes -> STOP_SESSION -> COMPLETED -> CDR, all observed through the charging service."""

from __future__ import annotations

import asyncio
import base64

import httpx

from emsp_tui.ocpi.enums import CommandResponseType, CommandResultType, CommandType
from emsp_tui.services import driver_advice as advice
from emsp_tui.services.charging import (
    CdrArrived,
    CommandChanged,
    SessionChanged,
)
from emsp_tui.services.charging_views import SessionView
from emsp_tui.store import sessions as session_store
from emsp_tui.store.commands import CommandState
from tests.ocpi_schemas import validate_response

from . import charging_support
from .charging_support import (
    Setup,
    next_event,
    peer_token,
    remote_evse,
    stored_location,
    until,
)

fast_mock = charging_support.fast_mock  # a fixture
setup = charging_support.setup  # a fixture


async def test_token_is_pushed_to_the_hub_and_broadcast(setup: Setup) -> None:
    [push] = await setup.node.token_push.status(setup.card.token)
    assert (push.method, push.ok, push.delivered) == ("PUT", True, True)
    uid = setup.card.token.uid
    copies = [cpo.tokens for cpo in setup.mock.world.state.cpos]
    assert all(any(t["uid"] == uid for t in c.values()) for c in copies)  # every CPO has it
    await setup.wallet.block(uid)
    [push] = await setup.node.token_push.status(setup.card.token)
    assert (push.method, push.ok, push.valid) == ("PATCH", True, False)
    for c in copies:
        assert [t["valid"] for t in c.values() if t["uid"] == uid] == [False]


async def test_start_charge_stop_and_the_cdr(setup: Setup) -> None:
    node, events = setup.node, setup.events
    location, evse_uid = remote_evse(setup.mock)
    location = await stored_location(node, location)  # as synced: tariffs and all
    command = await node.charging.start(location, evse_uid, None, setup.card)
    # The synchronous CommandResponse, and a deadline for the result.
    assert (command.type, command.response) == (
        CommandType.START_SESSION,
        CommandResponseType.ACCEPTED,
    )
    assert command.state in (CommandState.WAITING, CommandState.DONE)
    assert command.deadline is not None
    assert command.advice is not None
    # The asynchronous CommandResult at our response_url.
    result = await next_event(
        events, CommandChanged, lambda e: e.view.id == command.id and e.view.result is not None
    )
    assert result.view.result == CommandResultType.ACCEPTED
    # The session, linked to the command by its authorization_reference.
    first = await next_event(
        events,
        SessionChanged,
        lambda e: e.view.authorization_reference == command.authorization_reference,
    )
    key = first.view.key
    linked = await until(lambda: node.charging.command(command.id))
    assert linked.session_id == key[2]
    assert linked.advice == advice.STARTED
    # PATCHes with rising energy, seen as they are applied.
    readings: list[SessionView] = []
    while len(readings) < 3 or readings[-1].power_kw is None:
        update = await next_event(events, SessionChanged, lambda e: e.view.key == key)
        if update.view.status == "ACTIVE" and update.view.kwh > (
            readings[-1].kwh if readings else 0
        ):
            readings.append(update.view)
    assert [r.kwh for r in readings] == sorted(r.kwh for r in readings)
    live = readings[-1]
    assert live.power_kw is not None
    assert live.power_kw > 0
    assert live.cost is not None
    assert live.currency == "EUR"
    assert live.location_name == location.name
    assert not live.stale
    assert live.elapsed.total_seconds() >= 0
    operator = location.operator.name if location.operator else f"{key[0]}*{key[1]}"
    assert live.source == f"Updates pushed by {operator}"  # the mock pushes (issue #11)
    # Stop: STOP_SESSION, then COMPLETED and the CDR.
    stop = await node.charging.stop(live)
    assert (stop.type, stop.response) == (CommandType.STOP_SESSION, CommandResponseType.ACCEPTED)
    done = await next_event(
        events, CommandChanged, lambda e: e.view.id == stop.id and e.view.result is not None
    )
    assert (
        done.view.advice == advice.RESULTS[(CommandType.STOP_SESSION, CommandResultType.ACCEPTED)]
    )
    await next_event(events, CdrArrived, lambda e: e.session == key)
    final = await node.charging.session(*key)
    assert final is not None
    assert final.status == "COMPLETED"
    assert final.cdr is not None
    assert final.cdr.total_energy >= live.kwh
    assert final.power_samples  # one per charging period, for the chart
    assert all(s.kw >= 0 for s in final.power_samples)
    assert final.soc is not None  # this simulator reports STATE_OF_CHARGE
    assert final.power_kw == 0.0
    assert final.estimate is not None  # our tariff engine on the same periods
    assert final.ended_at is not None
    # The CPO got our Location header and can GET the CDR there with its credentials.
    cpo_state = await until(
        lambda: next((s for s in setup.mock.world.state.cpos if s.cdr_locations), None)
    )
    [location_url] = cpo_state.cdr_locations.values()
    assert location_url.endswith(f"/ocpi/2.2.1/emsp/cdrs/{key[0]}/{key[1]}/{final.cdr.id}")
    token = base64.b64encode(peer_token(setup.mock).encode()).decode()
    async with httpx.AsyncClient() as http:
        got = await http.get(location_url, headers={"Authorization": f"Token {token}"})
    validate_response(got.json(), "CDR")
    assert got.json()["data"]["session_id"] == key[2]
    # History shows it, with the CDR's figures.
    [entry] = await node.charging.history()
    assert (entry.session_id, entry.cdr.id if entry.cdr else None) == (key[2], final.cdr.id)
    assert entry.cost == final.cdr.total_cost
    assert entry.kwh == final.cdr.total_energy
    # The support timeline: the commands, their results, the pushes, the CDR.
    timeline = await node.charging.timeline(key)
    seen = [(m.direction, m.method, m.url.split("/2.2.1/")[1].split("/")[:2]) for m in timeline]
    assert seen[0] == ("out", "POST", ["commands", "START_SESSION"])
    assert ("in", "POST", ["emsp", "commands"]) in seen
    assert ("in", "PUT", ["emsp", "sessions"]) in seen
    assert ("out", "POST", ["commands", "STOP_SESSION"]) in seen
    assert seen[-2:] == [("in", "POST", ["emsp", "cdrs"]), ("in", "GET", ["emsp", "cdrs"])]
    assert all(m.http_status in (200, 201) for m in timeline)


async def test_a_second_start_while_one_is_pending_sends_nothing(setup: Setup) -> None:
    node = setup.node
    location, evse_uid = remote_evse(setup.mock)
    first, second = await asyncio.gather(
        node.charging.start(location, evse_uid, None, setup.card),
        node.charging.start(location, evse_uid, None, setup.card),
    )
    assert first.id == second.id
    assert [first.duplicate, second.duplicate].count(True) == 1
    await node.message_log.flush()
    sent = await node.db.run(
        lambda conn: conn.execute(
            "SELECT count(*) FROM ocpi_messages WHERE direction = 'out'"
            " AND url LIKE '%/commands/START_SESSION'"
        ).fetchone()[0]
    )
    assert sent == 1


async def test_the_car_finishing_by_itself_also_ends_in_a_cdr(setup: Setup) -> None:
    node, events = setup.node, setup.events
    location, evse_uid = remote_evse(setup.mock)
    command = await node.charging.start(location, evse_uid, None, setup.card)
    started = await next_event(
        events,
        SessionChanged,
        lambda e: e.view.authorization_reference == command.authorization_reference,
    )
    key = started.view.key
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{setup.mock.base_url}/mock/sessions/{key[2]}/finish")
    assert answer.status_code == 200
    await next_event(events, CdrArrived, lambda e: e.session == key)
    held = await node.db.run(session_store.get_session, *key)
    assert held is not None
    assert held.session.status == "COMPLETED"
    assert held.cdr_id


async def test_two_cards_start_at_once_each_sends_its_own(setup: Setup) -> None:
    """The guard is per card: a node that serves several cards (the charging benchmark, many
    drivers next) starts each one's session; only the same card's second start is held."""
    node = setup.node
    other = await setup.wallet.issue("second card")
    (loc_a, evse_a), (loc_b, evse_b) = remote_evse(setup.mock), remote_evse(setup.mock, skip=1)
    first, second = await asyncio.gather(
        node.charging.start(loc_a, evse_a, None, setup.card),
        node.charging.start(loc_b, evse_b, None, other),
    )
    assert first.id != second.id
    assert not first.duplicate
    assert not second.duplicate
