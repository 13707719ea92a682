"""What a driver reads when a start or a stop does not go to plan: one sentence saying what
happened in their words, and the next step. One table, keyed by command and outcome, so the
wording is reviewed in one place and every outcome has an entry (tests check that).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..ocpi import status
from ..ocpi.enums import CommandResponseType, CommandResultType, CommandType
from ..store.commands import CommandState, StoredCommand


class Severity(StrEnum):
    INFO = "info"  # on its way, or done
    WARNING = "warning"  # unclear: it may still work out
    ERROR = "error"  # it did not work


@dataclass(frozen=True, slots=True)
class DriverAdvice:
    sentence: str
    next_step: str
    severity: Severity = Severity.ERROR


A = DriverAdvice
START, STOP = CommandType.START_SESSION, CommandType.STOP_SESSION
TAP_CARD = "Hold your card to the charger's reader instead."

RESPONSES: dict[tuple[CommandType, CommandResponseType], DriverAdvice] = {
    (START, CommandResponseType.ACCEPTED): A(
        "The operator is waking the charger up.",
        "Plug in your car if you haven't yet; charging starts in a moment.", Severity.INFO),
    (START, CommandResponseType.REJECTED): A(
        "The operator refused to start this charger for you.",
        "Try another charger, or hold your card to the charger's reader."),
    (START, CommandResponseType.NOT_SUPPORTED): A(
        "This charger can't be started from the app.", TAP_CARD),
    (START, CommandResponseType.UNKNOWN_SESSION): A(
        "The operator didn't understand the request.", "Try again in a minute."),
    (STOP, CommandResponseType.ACCEPTED): A(
        "The operator is asking the charger to stop.", "Wait a moment before unplugging.",
        Severity.INFO),
    (STOP, CommandResponseType.REJECTED): A(
        "The operator won't stop this session from the app.",
        "Stop it on the charger, or unplug your car if the charger lets you."),
    (STOP, CommandResponseType.NOT_SUPPORTED): A(
        "This charger can't be stopped from the app.",
        "Stop it on the charger, or unplug your car if the charger lets you."),
    (STOP, CommandResponseType.UNKNOWN_SESSION): A(
        "The operator doesn't know this session any more: it has probably ended already.",
        "Check your history in a minute for the final bill.", Severity.WARNING),
}  # fmt: skip

RESULTS: dict[tuple[CommandType, CommandResultType], DriverAdvice] = {
    (START, CommandResultType.ACCEPTED): A(
        "The charger is ready: charging starts as soon as your car asks for power.",
        "Keep the cable plugged in; the energy shows up here.", Severity.INFO),
    (START, CommandResultType.EVSE_OCCUPIED): A(
        "Someone else is using this charger.",
        "Pick another charger at this station, or wait until this one is free."),
    (START, CommandResultType.EVSE_INOPERATIVE): A(
        "This charger is out of order right now.",
        "Pick another charger at this station or nearby."),
    (START, CommandResultType.REJECTED): A(
        "The charger refused to start.",
        "Check that the cable is firmly plugged in at both ends, then try again."),
    (START, CommandResultType.FAILED): A(
        "The charger couldn't start charging.",
        "Unplug the cable, plug it back in and try again; if it fails again, pick another "
        "charger."),
    (START, CommandResultType.TIMEOUT): A(
        "The charger didn't answer its operator in time.",
        "Look at the charger's screen: if it is charging, the session shows up here shortly; "
        "if not, try again or pick another charger.", Severity.WARNING),
    (START, CommandResultType.NOT_SUPPORTED): A(
        "This charger can't be started remotely.", TAP_CARD),
    (STOP, CommandResultType.ACCEPTED): A(
        "Charging has stopped.", "You can unplug your car; the bill follows shortly.",
        Severity.INFO),
    (STOP, CommandResultType.REJECTED): A(
        "The charger refused to stop.", "Stop it on the charger, or try again in a minute."),
    (STOP, CommandResultType.FAILED): A(
        "The charger couldn't stop charging.",
        "Stop it on the charger, or try again in a minute."),
    (STOP, CommandResultType.TIMEOUT): A(
        "The charger didn't answer its operator in time.",
        "Check the charger: if it still charges, try Stop again or stop it there.",
        Severity.WARNING),
    (STOP, CommandResultType.NOT_SUPPORTED): A(
        "This charger can't be stopped remotely.",
        "Stop it on the charger, or unplug your car if the charger lets you."),
    (STOP, CommandResultType.EVSE_OCCUPIED): A(
        "The charger couldn't stop charging.", "Stop it on the charger, or try again."),
    (STOP, CommandResultType.EVSE_INOPERATIVE): A(
        "The charger is out of order and couldn't confirm the stop.",
        "Unplug your car if the charger lets you; the bill follows."),
}  # fmt: skip

NO_RESULT: dict[CommandType, DriverAdvice] = {
    START: A("We didn't hear back from the charger in time.",
             "Look at the charger's screen: if it is charging, the session appears here; "
             "otherwise try again.", Severity.WARNING),
    STOP: A("We didn't hear back from the charger in time.",
            "Check the charger: if it still charges, try Stop again or stop it there.",
            Severity.WARNING),
}  # fmt: skip

# The request may have reached the operator but its answer was unreadable or never came: the
# outcome is unknown until its result or its session shows up (never a failure before that).
BEING_CONFIRMED: dict[CommandType, DriverAdvice] = {
    START: A("Your start is being confirmed with the operator.",
             "Plug in your car if you haven't yet; this updates as soon as the operator "
             "confirms.", Severity.INFO),
    STOP: A("Your stop is being confirmed with the operator.",
            "Wait a moment before unplugging.", Severity.INFO),
}  # fmt: skip

STARTED = A("Charging session started.", "Follow the energy and the cost here.", Severity.INFO)
UNREACHABLE = A(
    "We couldn't reach the charging operator.",
    "Try again in a minute, or hold your card to the charger's reader.",
)
UNKNOWN_LOCATION = A(
    "The operator doesn't know this station any more.",
    "Refresh the station list and pick another charger.",
)
OPERATOR_ERROR = A(
    "The operator couldn't handle the request.",
    "Try again in a minute; if it keeps failing, contact support.",
)
CARD_BLOCKED = A("This card is blocked.", "Unblock it in your wallet, or use another card.")
NO_ROUTE = A(
    "We have no connection to this station's operator.",
    "Sync the stations, or pick another station.",
)
NOT_REMOTE = A("This charger can't be started from the app.", TAP_CARD)


def advice_for(command: StoredCommand) -> DriverAdvice | None:
    """The advice for a command in its current state (None: nothing to say yet)."""
    kind = command.type
    if kind == START and command.session_id:
        return STARTED
    if being_confirmed(command):
        return BEING_CONFIRMED.get(kind, BEING_CONFIRMED[START])
    if kind == STOP and command.state == CommandState.DONE and command.result is None:
        return RESULTS[(STOP, CommandResultType.ACCEPTED)]  # the session ended: it stopped
    if command.state == CommandState.ERROR:
        code = command.error_code
        if code == status.UNKNOWN_LOCATION:
            return UNKNOWN_LOCATION
        if code is None or code >= 4000:  # no answer, HTTP trouble, or the hub could not route
            return UNREACHABLE
        return OPERATOR_ERROR
    if command.result is not None:
        return RESULTS.get((kind, command.result), OPERATOR_ERROR)
    if command.state == CommandState.TIMED_OUT:
        return NO_RESULT.get(kind)
    if command.response is not None:
        return RESPONSES.get((kind, command.response), OPERATOR_ERROR)
    return None


def being_confirmed(command: StoredCommand) -> bool:
    """Sent, its answer unreadable or lost: still pending on its result or its session."""
    return command.pending and command.error is not None and command.result is None


NOT_RUNNING = RESPONSES[(STOP, CommandResponseType.UNKNOWN_SESSION)]

# The card at the reader (demo tap): what the driver sees on our side.
TAP: dict[str, DriverAdvice] = {
    "started": A("Card accepted: charging starts.",
                 "Keep the cable plugged in; the energy shows up here.", Severity.INFO),
    "BLOCKED": CARD_BLOCKED,
    "EXPIRED": A("This card has expired.", "Get a new card in your wallet."),
    "NO_CREDIT": A("Charging is paused on your contract.",
                   "Check your payments, or use another card."),
    "NOT_ALLOWED": A("This card can't be used with this operator.",
                     "Pick a station of another operator, or use another card."),
    "refused": A("The charger refused the card.",
                 "Try again, or start the charge from the app."),
}  # fmt: skip


def tap_advice(result: str, allowed: str | None, card_valid: bool) -> DriverAdvice:
    if result == "started":
        return TAP["started"]
    if result != "refused":
        return UNREACHABLE
    if allowed in TAP:
        return TAP[allowed]
    return CARD_BLOCKED if not card_valid else TAP["refused"]
