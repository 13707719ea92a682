"""The driver's sentences: every outcome of a start or a stop has one, with a next step, and
the command's state picks the right one (no network: the table and the mapping alone)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from emsp_tui.ocpi import status
from emsp_tui.ocpi.enums import CommandResponseType, CommandResultType, CommandType
from emsp_tui.services import driver_advice as advice
from emsp_tui.services.driver_advice import Severity, advice_for
from emsp_tui.store.commands import CommandState, StoredCommand

START, STOP = CommandType.START_SESSION, CommandType.STOP_SESSION
NOW = datetime(2026, 3, 1, tzinfo=UTC)
FAILURES = ["EVSE_OCCUPIED", "EVSE_INOPERATIVE", "REJECTED", "FAILED", "TIMEOUT", "NOT_SUPPORTED"]


def command(kind: CommandType = START, /, **fields: object) -> StoredCommand:
    base = StoredCommand("c", kind, 1, "DE", "VOL", CommandState.SENDING, NOW)
    return replace(base, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", [START, STOP])
def test_every_response_and_result_has_a_sentence_and_a_next_step(kind: CommandType) -> None:
    for response in CommandResponseType:
        found = advice.RESPONSES[(kind, response)]
        assert found.sentence.endswith(".")
        assert found.next_step.endswith(".")
    for result in [*FAILURES, "ACCEPTED"]:
        found = advice.RESULTS[(kind, CommandResultType(result))]
        assert found.sentence.endswith(".")
        assert found.next_step.endswith(".")
    assert advice.NO_RESULT[kind].next_step


def test_the_failure_sentences_are_distinct_and_speak_to_the_driver() -> None:
    sentences = [advice.RESULTS[(START, CommandResultType(r))].sentence for r in FAILURES]
    assert len(set(sentences)) == len(FAILURES)
    jargon = ("EVSE", "OCPI", "CPO", "command", "CommandResult", "status")
    for r in FAILURES:
        text = advice.RESULTS[(START, CommandResultType(r))]
        assert not any(word in text.sentence + text.next_step for word in jargon), r
    assert advice.RESULTS[(START, CommandResultType.EVSE_OCCUPIED)].sentence == (
        "Someone else is using this charger."
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, None),
        (
            {"response": CommandResponseType.ACCEPTED, "state": CommandState.WAITING},
            advice.RESPONSES[(START, CommandResponseType.ACCEPTED)],
        ),
        (
            {"response": CommandResponseType.NOT_SUPPORTED, "state": CommandState.FAILED},
            advice.RESPONSES[(START, CommandResponseType.NOT_SUPPORTED)],
        ),
        (
            {
                "response": CommandResponseType.ACCEPTED,
                "result": CommandResultType.EVSE_INOPERATIVE,
                "state": CommandState.FAILED,
            },
            advice.RESULTS[(START, CommandResultType.EVSE_INOPERATIVE)],
        ),
        (
            {"response": CommandResponseType.ACCEPTED, "state": CommandState.TIMED_OUT},
            advice.NO_RESULT[START],
        ),
        ({"state": CommandState.ERROR, "error": "refused", "error_code": None}, advice.UNREACHABLE),
        (
            {"state": CommandState.ERROR, "error": "hub", "error_code": status.HUB_TIMEOUT},
            advice.UNREACHABLE,
        ),
        (
            {"state": CommandState.ERROR, "error": "x", "error_code": status.UNKNOWN_LOCATION},
            advice.UNKNOWN_LOCATION,
        ),
        (
            {"state": CommandState.ERROR, "error": "x", "error_code": status.SERVER_ERROR},
            advice.OPERATOR_ERROR,
        ),
        # A session arrived: it started, whatever was said before (spec pitfall 8).
        (
            {
                "response": CommandResponseType.ACCEPTED,
                "result": CommandResultType.TIMEOUT,
                "state": CommandState.DONE,
                "session_id": "S-1",
            },
            advice.STARTED,
        ),
    ],
)
def test_the_commands_state_picks_the_advice(fields: dict[str, object], expected: object) -> None:
    assert advice_for(command(**fields)) == expected


def test_stop_outcomes_and_taps() -> None:
    stopped = command(
        STOP,
        response=CommandResponseType.ACCEPTED,
        result=CommandResultType.ACCEPTED,
        state=CommandState.DONE,
    )
    assert advice_for(stopped) == advice.RESULTS[(STOP, CommandResultType.ACCEPTED)]
    assert advice_for(stopped).severity == Severity.INFO  # type: ignore[union-attr]
    gone = command(STOP, response=CommandResponseType.UNKNOWN_SESSION, state=CommandState.FAILED)
    assert advice_for(gone) == advice.NOT_RUNNING
    assert advice.tap_advice("started", None, True) == advice.TAP["started"]
    assert advice.tap_advice("refused", "EXPIRED", True) == advice.TAP["EXPIRED"]
    assert advice.tap_advice("refused", None, False) == advice.CARD_BLOCKED
    assert advice.tap_advice("error", None, True) == advice.UNREACHABLE
