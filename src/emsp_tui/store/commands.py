"""Commands we send to CPOs (spec 9) and what became of them.

Functions take a ``sqlite3.Connection`` and run inside ``Database.run`` (one transaction).
A command's life: SENDING (POSTed, no CommandResponse yet) -> WAITING (ACCEPTED, the
CommandResult is due by ``deadline``) -> DONE (result ACCEPTED, or for a start: its session
arrived) | FAILED (refused in the response or the result) | TIMED_OUT (no result by the
deadline; a late result still counts) | ERROR (the request itself failed). The result may
overtake the response we are still recording: every step keeps what the other already wrote.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum

from ..ocpi.enums import CommandResponseType, CommandResultType, CommandType
from .message_log import epoch_ms, from_ms


class CommandState(StrEnum):
    SENDING = "SENDING"
    WAITING = "WAITING"
    DONE = "DONE"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    ERROR = "ERROR"


PENDING_STATES = (CommandState.SENDING, CommandState.WAITING)


@dataclass(frozen=True, slots=True)
class StoredCommand:
    id: str
    type: CommandType
    partner_id: int | None
    country_code: str  # the CPO addressed
    party_id: str
    state: CommandState
    created_at: datetime
    location_id: str | None = None
    evse_uid: str | None = None
    connector_id: str | None = None
    token_uid: str | None = None
    token_type: str | None = None
    authorization_reference: str | None = None
    session_id: str | None = None
    response: CommandResponseType | None = None
    response_message: str | None = None
    timeout_s: int | None = None
    result: CommandResultType | None = None
    result_message: str | None = None
    error: str | None = None
    error_code: int | None = None
    answered_at: datetime | None = None
    deadline: datetime | None = None
    result_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.state in PENDING_STATES


_TIMES = ("created_at", "answered_at", "deadline", "result_at")
_ENUMS = {
    "type": CommandType,
    "state": CommandState,
    "response": CommandResponseType,
    "result": CommandResultType,
}


def _row(row: sqlite3.Row) -> StoredCommand:
    values = {}
    for f in fields(StoredCommand):
        value = row[f.name]
        if value is not None and f.name in _TIMES:
            value = from_ms(value)
        elif value is not None and f.name in _ENUMS:
            value = _ENUMS[f.name](value)
        values[f.name] = value
    return StoredCommand(**values)


def _state(
    response: str | None, result: str | None, error: str | None, session_id: str | None,
    kind: str,
) -> CommandState:  # fmt: skip
    if kind == CommandType.START_SESSION and session_id:
        return CommandState.DONE  # the session is the proof, whatever was said before
    if result is not None:
        return CommandState.DONE if result == CommandResultType.ACCEPTED else CommandState.FAILED
    if error is not None:
        return CommandState.ERROR
    if response is None:
        return CommandState.SENDING
    return CommandState.WAITING if response == CommandResponseType.ACCEPTED else CommandState.FAILED


def get_command(conn: sqlite3.Connection, command_id: str) -> StoredCommand | None:
    row = conn.execute("SELECT * FROM commands WHERE id = ?", (command_id,)).fetchone()
    return _row(row) if row else None


def claim(
    conn: sqlite3.Connection, command: StoredCommand, send_deadline: datetime
) -> tuple[StoredCommand, bool]:
    """Record a command about to be sent, unless the same one is pending: then that one and
    False. Same = a START_SESSION for the same EVSE and token, a STOP_SESSION for the same
    session. Check and insert share the transaction, so two callers cannot both send."""
    now = epoch_ms(command.created_at)
    if command.type == CommandType.START_SESSION:
        match: tuple[str, tuple[str | None, ...]] = (
            "location_id = ? AND evse_uid IS ? AND token_uid = ?",
            (command.location_id, command.evse_uid, command.token_uid),
        )
    else:
        match = ("session_id = ?", (command.session_id,))
    row = conn.execute(
        f"""SELECT * FROM commands WHERE type = ? AND country_code = ? AND party_id = ?
              AND state IN ('SENDING', 'WAITING') AND coalesce(deadline, 0) > ? AND {match[0]}
            ORDER BY created_at DESC LIMIT 1""",
        (str(command.type), command.country_code, command.party_id, now, *match[1]),
    ).fetchone()
    if row is not None:
        return _row(row), False
    names = [f.name for f in fields(StoredCommand)]
    values = []
    for name in names:
        value = getattr(command, name)
        if name == "deadline":
            value = send_deadline
        if isinstance(value, datetime):
            value = epoch_ms(value)
        elif value is not None and name in _ENUMS:
            value = str(value)
        values.append(value)
    conn.execute(
        f"INSERT INTO commands ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        values,
    )
    stored = get_command(conn, command.id)
    assert stored is not None
    return stored, True


def _update(conn: sqlite3.Connection, command_id: str, **changes: object) -> StoredCommand | None:
    row = conn.execute("SELECT * FROM commands WHERE id = ?", (command_id,)).fetchone()
    if row is None:
        return None
    current = {k: row[k] for k in row.keys()}  # noqa: SIM118 - sqlite3.Row is not a dict
    current.update(changes)
    current["state"] = str(
        _state(
            current["response"],
            current["result"],
            current["error"],
            current["session_id"],
            current["type"],
        )
    )
    names = [k for k in current if k != "id"]
    conn.execute(
        f"UPDATE commands SET {', '.join(f'{k} = ?' for k in names)} WHERE id = ?",
        [*(current[k] for k in names), command_id],
    )
    return get_command(conn, command_id)


def record_response(
    conn: sqlite3.Connection,
    command_id: str,
    response: CommandResponseType,
    message: str | None,
    timeout_s: int,
    now: datetime,
) -> StoredCommand | None:
    """The synchronous CommandResponse; an ACCEPTED one sets the result's deadline."""
    deadline = now + timedelta(seconds=max(0, timeout_s))
    return _update(
        conn, command_id,
        response=str(response), response_message=message, timeout_s=timeout_s,
        answered_at=epoch_ms(now),
        deadline=epoch_ms(deadline) if response == CommandResponseType.ACCEPTED else None,
    )  # fmt: skip


def record_error(
    conn: sqlite3.Connection, command_id: str, error: str, code: int | None, now: datetime
) -> StoredCommand | None:
    """The request failed (transport, HTTP or OCPI error): no CommandResponse at all."""
    return _update(
        conn, command_id, error=error[:500], error_code=code, answered_at=epoch_ms(now),
        deadline=None,
    )  # fmt: skip


def record_result(
    conn: sqlite3.Connection,
    command_id: str,
    result: CommandResultType,
    message: str | None,
    now: datetime,
) -> tuple[StoredCommand | None, bool]:
    """The asynchronous CommandResult -> (command, first): a repeated result changes nothing."""
    held = get_command(conn, command_id)
    if held is None:
        return None, False
    if held.result is not None:
        return held, False
    return _update(
        conn, command_id, result=str(result), result_message=message, result_at=epoch_ms(now)
    ), True


def expire(conn: sqlite3.Connection, now: datetime) -> list[StoredCommand]:
    """Pending commands whose deadline has passed become TIMED_OUT; returns them."""
    rows = conn.execute(
        """UPDATE commands SET state = 'TIMED_OUT'
           WHERE state IN ('SENDING', 'WAITING') AND deadline IS NOT NULL AND deadline <= ?
           RETURNING *""",
        (epoch_ms(now),),
    ).fetchall()
    return [_row(r) for r in rows]


def pending_commands(conn: sqlite3.Connection) -> list[StoredCommand]:
    rows = conn.execute(
        "SELECT * FROM commands WHERE state IN ('SENDING', 'WAITING') ORDER BY created_at"
    )
    return [_row(r) for r in rows]


def recent_commands(conn: sqlite3.Connection, limit: int = 50) -> list[StoredCommand]:
    rows = conn.execute("SELECT * FROM commands ORDER BY created_at DESC LIMIT ?", (limit,))
    return [_row(r) for r in rows]


def started_without_session(conn: sqlite3.Connection, since: datetime) -> list[StoredCommand]:
    """Starts the CPO accepted (or never answered) since ``since`` whose session we have not
    seen: a partner that does not push, or pushes that were lost."""
    rows = conn.execute(
        """SELECT * FROM commands WHERE type = 'START_SESSION' AND session_id IS NULL
             AND created_at >= ? AND response = 'ACCEPTED'
             AND coalesce(result, 'ACCEPTED') IN ('ACCEPTED', 'TIMEOUT')""",
        (epoch_ms(since),),
    )
    return [_row(r) for r in rows]
