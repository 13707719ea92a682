"""Commands whose outcome is unknown (issue #11): which failed requests may have reached the
CPO, what the driver reads meanwhile, and where the attempt stands (no network: the rules)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from emsp_tui.ocpi import status
from emsp_tui.ocpi.enums import CommandResultType, CommandType
from emsp_tui.ocpi.errors import (
    InvalidParametersError,
    OcpiError,
    OcpiHttpError,
    OcpiNotSentError,
    OcpiProtocolError,
    OcpiServerError,
    OcpiTransportError,
    OcpiUnauthorizedError,
    UnknownLocationError,
    UnknownReceiverError,
    error_for,
)
from emsp_tui.services import driver_advice as advice
from emsp_tui.services.charging_attempt import AttemptState, start_attempt
from emsp_tui.services.charging_views import command_view
from emsp_tui.services.command_outcome import outcome_unknown
from emsp_tui.services.driver_advice import Severity, advice_for
from emsp_tui.store.commands import CommandState, StoredCommand

START, STOP = CommandType.START_SESSION, CommandType.STOP_SESSION
NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("error", "unknown"),
    [
        (OcpiNotSentError("ConnectError: refused"), False),
        (OcpiTransportError("ReadTimeout"), True),
        (OcpiTransportError("RemoteProtocolError: dropped"), True),
        (OcpiProtocolError("invalid CommandResponse", http_status=200), True),
        (OcpiProtocolError("body is not JSON", http_status=201), True),
        (OcpiProtocolError("invalid URL: x"), False),
        (OcpiHttpError("bad gateway", http_status=502), True),
        (OcpiHttpError("busy", http_status=503), False),
        (OcpiHttpError("not found", http_status=404), False),
        (error_for(status.HUB_TIMEOUT, http_status=200), True),
        (UnknownReceiverError(status_code=status.UNKNOWN_RECEIVER), False),
        (UnknownLocationError(status_code=status.UNKNOWN_LOCATION), False),
        (InvalidParametersError(status_code=status.INVALID_PARAMETERS), False),
        (OcpiServerError(status_code=status.SERVER_ERROR), False),
        (OcpiUnauthorizedError(http_status=401), False),
    ],
)
def test_which_failures_leave_the_outcome_unknown(error: OcpiError, unknown: bool) -> None:
    assert outcome_unknown(error) is unknown


def unconfirmed(kind: CommandType = START, /, **fields: object) -> StoredCommand:
    base = StoredCommand(
        "c", kind, 1, "NL", "DEV", CommandState.SENDING, NOW, "L1", "E1", None, "T1", "RFID",
        "ref", error="invalid CommandResponse", answered_at=NOW, deadline=NOW,
    )  # fmt: skip
    return replace(base, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", [START, STOP])
def test_the_driver_reads_being_confirmed_never_a_failure(kind: CommandType) -> None:
    said = advice_for(unconfirmed(kind))
    assert said == advice.BEING_CONFIRMED[kind]
    assert said is not None
    assert said.severity == Severity.INFO
    assert "being confirmed" in said.sentence
    assert said.next_step.endswith(".")
    assert said != advice.UNREACHABLE


def test_the_attempt_is_being_confirmed_until_a_definite_answer() -> None:
    def state(**fields: object) -> AttemptState:
        return start_attempt(command_view(unconfirmed(**fields))).state

    assert state() == AttemptState.BEING_CONFIRMED
    assert command_view(unconfirmed()).being_confirmed
    accepted = {"result": CommandResultType.ACCEPTED, "state": CommandState.DONE}
    assert state(**accepted) == AttemptState.ACCEPTED
    refused = {"result": CommandResultType.FAILED, "state": CommandState.FAILED}
    assert state(**refused) == AttemptState.FAILED
    assert state(state=CommandState.TIMED_OUT) == AttemptState.FAILED
    assert advice_for(unconfirmed(state=CommandState.TIMED_OUT)) == advice.NO_RESULT[START]
    # A session arrived after all: it started, whatever was said before.
    assert advice_for(unconfirmed(session_id="S1", state=CommandState.DONE)) == advice.STARTED
