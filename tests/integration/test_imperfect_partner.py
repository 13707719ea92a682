"""Charging with a CPO that does not behave like our mock (issue #11), over real HTTP: our node
and its receiver against tests/integration/deviant_cpo.py (a wrapped CommandResponse without
timeout, nulls, no pushes: sessions and CDRs must be pulled).

* Lenient (the default): the driver never sees a failure; the attempt is being confirmed, then
  ACCEPTED (the CommandResult), then charging once a pull finds the session, which is tied to
  the start by card, charger and time (or by authorization_reference when the CPO echoes it);
  the CDR comes by pull after the stop; each deviation is counted per partner and kind.
* Strict: the wrapped answer is refused, yet the driver is told the start is being confirmed,
  not that the operator could not be reached; a start nothing ever confirms fails only after
  its deadline and the pulls that looked for its session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from emsp_tui.app import EmspApp
from emsp_tui.config import load_settings
from emsp_tui.node import EmspNode
from emsp_tui.ocpi import lenient
from emsp_tui.ocpi.enums import CommandResponseType, CommandResultType, SessionStatus
from emsp_tui.ocpi.models import Location
from emsp_tui.screens.session import SessionScreen
from emsp_tui.services import driver_advice as advice
from emsp_tui.services.charging import AttemptChanged, AttemptState, ChargingEvent
from emsp_tui.store import locations as loc_store
from emsp_tui.store.commands import CommandState
from emsp_tui.store.deviations import list_deviations
from emsp_tui.store.partners import Partner
from emsp_tui.store.tokens import StoredToken

from .charging_support import new_node, tune, until
from .deviant_cpo import EVSES, LOCATION_ID, NAME, DeviantState, running_deviant_cpo
from .test_charging_ui import wait_for

START = advice.START


async def connect(node: EmspNode, cpo: DeviantState) -> tuple[Partner, Location, StoredToken]:
    partner = await node.partners.add(cpo.versions_url, cpo.token_a, name="deviant")
    [result] = await node.new_sync().sync_all()
    assert result.ok, result.error
    location = await node.db.run(loc_store.get_location, "NL", "DEV", LOCATION_ID)
    assert location is not None
    card = await node.wallet.issue("my card")
    return partner, location, card


@asynccontextmanager
async def deviant_and_node(
    tmp_path: Path, cpo_options: dict[str, Any] | None = None, **node_options: Any
) -> AsyncIterator[tuple[DeviantState, EmspNode]]:
    async with running_deviant_cpo(**(cpo_options or {})) as cpo:
        node = await new_node(tmp_path, **node_options)
        try:
            yield cpo, node
        finally:
            await node.stop()


def attempt_states(node: EmspNode) -> list[AttemptState]:
    seen: list[AttemptState] = []

    def listen(event: ChargingEvent) -> None:
        if isinstance(event, AttemptChanged):
            seen.append(event.view.state)

    node.charging.add_listener(listen)
    return seen


async def counts(node: EmspNode, partner: Partner) -> dict[str, int]:
    await node.deviations.flush()
    return {d.kind: d.seen for d in await node.db.run(list_deviations, partner.id)}


@pytest.mark.parametrize("echo_reference", [False, True], ids=["by-card-charger-time", "by-ref"])
async def test_a_deviant_cpo_charges_and_bills_without_a_failure(
    tmp_path: Path, echo_reference: bool
) -> None:
    async with deviant_and_node(tmp_path, {"echo_reference": echo_reference}) as (cpo, node):
        partner, location, card = await connect(node, cpo)
        seen = attempt_states(node)
        command = await node.charging.start(location, EVSES[0], None, card)
        # Read despite the wrapping, the missing timeout (the default) and the null message.
        assert (command.response, command.state) == (
            CommandResponseType.ACCEPTED,
            CommandState.WAITING,
        )
        assert command.deadline is not None
        assert (command.deadline - command.created_at).total_seconds() == pytest.approx(
            lenient.DEFAULT_COMMAND_TIMEOUT, abs=2
        )
        attempt = node.charging.attempt
        assert attempt is not None
        assert attempt.state == AttemptState.BEING_CONFIRMED
        await until(
            lambda: AttemptState.ACCEPTED in seen,
            what="the CommandResult ACCEPTED",
        )
        sent = await until(lambda: cpo.results_sent, what="the CPO to hear our answer")
        assert [status for _, status in sent] == [200]  # our receiver took its result
        charging = await until(
            lambda: (
                node.charging.attempt
                and node.charging.attempt.state == AttemptState.CHARGING
                and node.charging.attempt
            ),
            what="the session, pulled",
        )
        session = charging.session
        assert session is not None
        assert "sessions" in cpo.pulls  # never pushed: it came by pull
        ours = await node.charging.command(command.id)
        assert ours is not None
        assert ours.session_id == session.id  # the start is tied to its session
        expected_ref = command.authorization_reference if echo_reference else None
        assert session.authorization_reference == expected_ref
        assert session.token_uid == card.token.uid
        every = node.charging.sync.poll_interval
        assert session.source == f"Checked with {NAME} every {every:g} s"
        # The driver never saw a failure, and never "couldn't reach".
        assert AttemptState.FAILED not in seen
        assert seen[0] == AttemptState.BEING_CONFIRMED
        assert seen.index(AttemptState.ACCEPTED) < seen.index(AttemptState.CHARGING)
        # Polled while it charges: the energy rises without a single push.
        await until(lambda: _kwh_above(node, session.key, session.kwh), what="the energy to rise")
        stop = await node.charging.stop(session)
        assert stop.response == CommandResponseType.ACCEPTED
        done = await until(
            lambda: _finished_with_cdr(node, session.key), within=20, what="the CDR, pulled"
        )
        assert done.cdr is not None
        assert "cdrs" in cpo.pulls
        assert done.source is None  # finished: nothing is followed any more
        found = await counts(node, partner)
        assert found[lenient.WRAPPED_OBJECT] == 2  # the start's and the stop's answer
        assert found[lenient.MISSING_TIMEOUT] == 2
        assert found[lenient.NULL_FIELD] >= 3  # the two answers' message, the pulled objects
        [status] = [p for p in await node.partner_status.overview() if p.name == "deviant"]
        assert {d.kind for d in status.deviations} == set(lenient.KINDS)


async def _kwh_above(node: EmspNode, key: tuple[str, str, str], kwh: float) -> bool:
    view = await node.charging.session(*key)
    return view is not None and view.kwh > kwh


async def _finished_with_cdr(node: EmspNode, key: tuple[str, str, str]) -> Any:
    view = await node.charging.session(*key)
    ok = view is not None and view.status == SessionStatus.COMPLETED and view.cdr is not None
    return view if ok else None


async def test_strict_mode_refuses_the_wrapped_answer_and_the_driver_hears_being_confirmed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with deviant_and_node(tmp_path, strict=True) as (cpo, node):
        partner, location, card = await connect(node, cpo)
        seen = attempt_states(node)
        command = await node.charging.start(location, EVSES[0], None, card)
        assert command.response is None  # refused: not read
        assert command.state == CommandState.SENDING
        assert command.being_confirmed
        assert command.advice == advice.BEING_CONFIRMED[START]
        assert command.advice != advice.UNREACHABLE
        assert "being confirmed" in command.advice.sentence
        assert "couldn't reach" not in command.advice.sentence
        await until(
            lambda: AttemptState.ACCEPTED in seen,
            what="the CommandResult ACCEPTED",
        )
        ours = await node.charging.command(command.id)
        assert ours is not None
        assert (ours.result, ours.state) == (CommandResultType.ACCEPTED, CommandState.DONE)
        assert AttemptState.FAILED not in seen
        # Strict all the way: its sessions carry nulls, so they are refused too.
        await until(lambda: "sessions" in cpo.pulls, what="a sessions pull")
        await until(
            lambda: any("strict mode" in r.getMessage() for r in caplog.records),
            what="the refusal logged",
        )
        found = await counts(node, partner)
        assert found[lenient.WRAPPED_OBJECT] == 1
        warnings = [r for r in caplog.records if "deviates from OCPI 2.2.1" in r.getMessage()]
        assert any("deviant" in r.getMessage() and "refused" in r.getMessage() for r in warnings)


async def test_a_start_nothing_confirms_fails_only_after_its_deadline_and_the_pulls(
    tmp_path: Path,
) -> None:
    # No CommandResult ever, no session: the outcome stays unknown until the deadline.
    async with deviant_and_node(tmp_path, {"result_delay": 3600}, strict=True) as (cpo, node):
        node.charging.confirm_within = timedelta(seconds=2)
        _, location, card = await connect(node, cpo)
        seen = attempt_states(node)
        command = await node.charging.start(location, EVSES[0], None, card)
        assert command.being_confirmed
        failed = await until(
            lambda: (
                node.charging.attempt
                and node.charging.attempt.state == AttemptState.FAILED
                and node.charging.attempt
            ),
            what="the deadline",
        )
        assert failed.command is not None
        assert failed.command.state == CommandState.TIMED_OUT
        assert failed.command.advice == advice.NO_RESULT[START]
        assert cpo.pulls.count("sessions") >= 2  # it looked for the session before saying so
        assert seen[0] == AttemptState.BEING_CONFIRMED
        assert node.charging.now() >= (command.deadline or node.charging.now())


async def test_a_stop_whose_answer_is_lost_is_proven_by_the_finished_session(
    tmp_path: Path,
) -> None:
    async with deviant_and_node(tmp_path) as (cpo, node):
        _, location, card = await connect(node, cpo)
        await node.charging.start(location, EVSES[1], None, card)
        charging = await until(
            lambda: (
                node.charging.attempt
                and node.charging.attempt.state == AttemptState.CHARGING
                and node.charging.attempt
            ),
            what="the session, pulled",
        )
        assert charging.session is not None
        cpo.garbled.add("STOP_SESSION")  # the charger stops; its answer is unreadable
        cpo.silent.add("STOP_SESSION")  # and no CommandResult ever comes
        stop = await node.charging.stop(charging.session)
        assert stop.being_confirmed
        assert stop.advice == advice.BEING_CONFIRMED[advice.STOP]
        settled = await until(
            lambda: _stop_settled(node, stop.id), within=20, what="the stop, proven"
        )
        assert settled.state == CommandState.DONE
        assert settled.result is None  # no result ever came: the session is the proof
        assert settled.advice == advice.RESULTS[(advice.STOP, CommandResultType.ACCEPTED)]
        done = await until(
            lambda: _finished_with_cdr(node, charging.session.key), within=20, what="the CDR"
        )
        assert done.cdr is not None


async def _stop_settled(node: EmspNode, command_id: str) -> Any:
    found = await node.charging.command(command_id)
    return found if found is not None and not found.pending else None


def make_app(tmp_path: Path, **node_options: Any) -> EmspApp:
    settings = load_settings(data_dir=tmp_path / "data", config_dir=tmp_path / "config")
    settings.receiver.port = 0
    settings.request_timeout = 5.0
    node = EmspNode(settings, **node_options)
    tune(node)
    app = EmspApp(settings, node=node, sync_on_start=False)
    app.animation_level = "none"
    return app


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
async def test_the_charging_screen_says_being_confirmed_and_where_its_data_comes_from(
    tmp_path: Path, strict: bool
) -> None:
    async with running_deviant_cpo(result_delay=1.0) as cpo:
        app = make_app(tmp_path, strict=strict)
        async with app.run_test(size=(120, 40)) as pilot:
            node = await app.ready()
            _, location, card = await connect(node, cpo)
            await node.charging.start(location, EVSES[0], None, card)
            app.push_screen(SessionScreen())
            screen = await wait_for(
                pilot, lambda: isinstance(app.screen, SessionScreen) and app.screen, "screen"
            )

            def said() -> str:
                found = screen.query("#command-state").results(Static)
                return "".join(str(w.render()) for w in found)

            if strict:
                await wait_for(pilot, lambda: "being confirmed" in said(), "being confirmed")
                assert "Checking with the operator" in said()
                assert "couldn't reach" not in said()
                return
            await wait_for(
                pilot, lambda: screen.view is not None and screen.view.is_open, "the session"
            )
            line = str(screen.query_one("#session-source", Static).render())
            assert line.startswith(f"Checked with {NAME} every ")
