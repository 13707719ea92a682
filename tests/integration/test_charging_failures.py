"""When starting does not go to plan: refusals and results mapped to a driver's sentence, a
result that never comes, a card refused at the reader, nothing sent for a blocked card."""

from __future__ import annotations

import pytest

from emsp_tui.ocpi.enums import AllowedType, CommandResultType, CommandType
from emsp_tui.services import driver_advice as advice
from emsp_tui.services.charging import ChargingError, CommandChanged
from emsp_tui.store.authorizations import recent_authorizations
from emsp_tui.store.commands import CommandState

from . import charging_support
from .charging_support import (
    Setup,
    faults,
    next_event,
    remote_evse,
    until,
)

fast_mock = charging_support.fast_mock  # a fixture
setup = charging_support.setup  # a fixture


START = CommandType.START_SESSION


@pytest.mark.parametrize("outcome", ["REJECTED", "EVSE_OCCUPIED"])
async def test_a_refused_start_says_why_in_the_drivers_words(setup: Setup, outcome: str) -> None:
    location, evse_uid = remote_evse(setup.mock)
    await faults(
        setup.mock, add=[f"{location.country_code}-{location.party_id}:command_result={outcome}"]
    )
    command = await setup.node.charging.start(location, evse_uid, None, setup.card)
    assert command.response == "ACCEPTED"  # the CPO took the command; the charger said no
    done = await next_event(
        setup.events,
        CommandChanged,
        lambda e: e.view.id == command.id and e.view.result is not None,
    )
    view = done.view
    assert (view.result, view.state) == (CommandResultType(outcome), CommandState.FAILED)
    assert view.advice == advice.RESULTS[(START, CommandResultType(outcome))]
    assert view.advice is not None
    assert view.advice.severity == "error"
    # Nothing started: no session arrived for it.
    assert await setup.node.charging.session_for(view) is None


async def test_a_result_that_never_comes_is_reported_after_the_timeout(setup: Setup) -> None:
    setup.mock.world.config.command_timeout = 1  # the CommandResponse's `timeout`
    location, evse_uid = remote_evse(setup.mock)
    await faults(
        setup.mock, add=[f"{location.country_code}-{location.party_id}:command_result=NONE"]
    )
    command = await setup.node.charging.start(location, evse_uid, None, setup.card)
    assert command.state == CommandState.WAITING
    assert command.deadline is not None
    timed_out = await next_event(
        setup.events,
        CommandChanged,
        lambda e: e.view.id == command.id and e.view.state == CommandState.TIMED_OUT,
    )
    assert timed_out.view.result is None
    assert timed_out.view.advice == advice.NO_RESULT[START]
    assert setup.node.charging.now() >= command.deadline
    # It no longer counts as pending: starting again sends a new command.
    again = await setup.node.charging.start(location, evse_uid, None, setup.card)
    assert again.id != command.id
    assert not again.duplicate


async def test_an_unknown_location_and_a_blocked_card(setup: Setup) -> None:
    location, evse_uid = remote_evse(setup.mock)
    gone = location.model_copy(update={"id": f"{location.country_code}-{location.party_id}-NOPE"})
    command = await setup.node.charging.start(gone, evse_uid, None, setup.card)
    assert (command.state, command.advice) == (CommandState.ERROR, advice.UNKNOWN_LOCATION)
    blocked = await setup.wallet.block(setup.card.token.uid)
    with pytest.raises(ChargingError) as refused:
        await setup.node.charging.start(location, evse_uid, None, blocked)
    assert refused.value.advice == advice.CARD_BLOCKED


async def test_a_blocked_card_is_refused_at_the_reader_by_real_time_authorisation(
    setup: Setup,
) -> None:
    # A card the CPOs never got: at the reader they must ask us.
    setup.node.token_push.on_token_changed = _not_pushed  # type: ignore[method-assign]
    card = await setup.wallet.issue("never pushed")
    await setup.wallet.block(card.token.uid)
    location, evse_uid = remote_evse(setup.mock, "RFID_READER")
    tapped = await setup.node.charging.tap(location, evse_uid, card)
    assert (tapped.result, tapped.decided_by, tapped.allowed) == ("refused", "emsp", "BLOCKED")
    assert tapped.advice == advice.CARD_BLOCKED
    [asked] = await setup.node.db.run(recent_authorizations)
    assert (asked.token_uid, asked.allowed) == (card.token.uid, AllowedType.BLOCKED)
    # Unblocked, the same tap starts a session that carries our authorization_reference.
    await setup.wallet.unblock(card.token.uid)
    started = await setup.node.charging.tap(location, evse_uid, card)
    assert (started.result, started.decided_by) == ("started", "emsp")
    assert started.authorization_reference
    view = await until(
        lambda: setup.node.charging.session(
            location.country_code, location.party_id, started.session_id or ""
        )
    )
    assert view.authorization_reference == started.authorization_reference
    assert view.token_uid == card.token.uid


async def test_a_blocked_card_the_cpo_holds_is_refused_by_the_cpo(setup: Setup) -> None:
    await setup.wallet.block(setup.card.token.uid)  # pushed as PATCH valid=false
    location, evse_uid = remote_evse(setup.mock, "RFID_READER")
    tapped = await setup.node.charging.tap(location, evse_uid, setup.card.token)
    assert (tapped.result, tapped.decided_by) == ("refused", "cpo")
    assert tapped.advice == advice.CARD_BLOCKED


async def _not_pushed(token: object) -> None:
    return None
