"""The charge attempt: what the driver started from the app (a START_SESSION, or a card held to
the reader in the demo network) together with the session it led to.

The charging service owns the newest attempt, guards it against a second start while it is
undecided and publishes ``AttemptChanged`` whenever its command or its session changes; the
screens render this view and decide nothing. ``owns`` is the one rule that ties a session to
the attempt (the store links a START_SESSION to its session by the same reference).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from ..store.commands import CommandState
from .charging_views import CommandView, SessionView
from .driver_advice import DriverAdvice, Severity


class AttemptState(StrEnum):
    """Where the driver's attempt stands, in the words the screens use."""

    BEING_CONFIRMED = "being confirmed"  # sent; the operator's or the charger's answer is due
    ACCEPTED = "accepted"  # the charger is ready; the session is on its way
    CHARGING = "charging"
    ENDED = "ended"
    FAILED = "failed"  # a definite no, or nothing at all by the deadline


@dataclass(frozen=True, slots=True)
class AttemptView:
    location_id: str
    evse_uid: str
    command: CommandView | None  # None: a card tapped at the reader
    authorization_reference: str | None
    session_id: str | None  # known once the session arrived (or the tap said it)
    session: SessionView | None = None
    tap_advice: DriverAdvice | None = None  # what the reader said, for a tap
    card_uid: str | None = None  # the card it was started with (one undecided start per card)

    @property
    def pending(self) -> bool:
        """The start is not decided yet: a second one must send nothing."""
        return self.command is not None and self.command.pending

    @property
    def charging(self) -> bool:
        return self.session is not None and self.session.is_open

    @property
    def ended(self) -> bool:
        return self.session is not None and not self.session.is_open

    @property
    def state(self) -> AttemptState:
        """Never FAILED while the outcome is unknown (an unreadable answer, no result yet)."""
        if self.session is not None:
            return AttemptState.CHARGING if self.session.is_open else AttemptState.ENDED
        command = self.command
        if command is None:  # a tap: the reader said
            said = self.tap_advice
            ok = said is None or said.severity == Severity.INFO
            return AttemptState.ACCEPTED if ok else AttemptState.FAILED
        if command.pending:
            return AttemptState.BEING_CONFIRMED
        if command.state == CommandState.DONE:
            return AttemptState.ACCEPTED
        return AttemptState.FAILED

    def owns(self, session: SessionView) -> bool:
        if self.session_id is not None and session.id == self.session_id:
            return True
        reference = self.authorization_reference
        return reference is not None and session.authorization_reference == reference

    def with_command(self, command: CommandView) -> AttemptView:
        return replace(self, command=command, session_id=self.session_id or command.session_id)

    def with_session(self, session: SessionView) -> AttemptView:
        return replace(self, session=session, session_id=session.id)


def start_attempt(command: CommandView, card_uid: str | None = None) -> AttemptView:
    return AttemptView(
        command.location_id or "",
        command.evse_uid or "",
        command,
        command.authorization_reference,
        command.session_id,
        card_uid=card_uid,
    )
