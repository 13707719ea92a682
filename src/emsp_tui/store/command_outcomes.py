"""Commands whose outcome we have to find out ourselves (issue #11): the POST may have reached
the CPO but its CommandResponse was unreadable or never came, or the CPO does not push the
session a start led to.

* ``mark_unconfirmed``: the command stays pending (SENDING) with the error noted and a deadline
  by which its CommandResult or its session must have shown up; then ``commands.expire`` makes
  it TIMED_OUT. A result or a session decides it as usual (``commands._state``).
* ``starts_awaiting_session``: accepted or unconfirmed starts whose session has not arrived.
* ``link_by_token``: a session that does not carry our authorization_reference, tied to the
  start it came from by the card, the charger and the time.
* ``settle_stops``: a finished session is the proof of its stop, whatever became of the
  STOP_SESSION's answer.

Functions take a ``sqlite3.Connection`` and run inside ``Database.run`` (one transaction).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from ..ocpi.models import Session
from .commands import StoredCommand, get_command
from .message_log import epoch_ms

# A session starts after its command was sent; the CPO's clock may be a little off ours.
CLOCK_SLACK = timedelta(minutes=5)
START_WINDOW = timedelta(hours=1)  # a start's session begins within this after the command


def mark_unconfirmed(
    conn: sqlite3.Connection, command_id: str, error: str, code: int | None, now: datetime,
    deadline: datetime,
) -> StoredCommand | None:  # fmt: skip
    """No readable CommandResponse, but the CPO may have acted: keep waiting for proof."""
    conn.execute(
        """UPDATE commands SET error = ?, error_code = ?, answered_at = ?, deadline = ?
           WHERE id = ? AND state = 'SENDING' AND response IS NULL AND result IS NULL""",
        (error[:500], code, epoch_ms(now), epoch_ms(deadline), command_id),
    )
    return get_command(conn, command_id)


def starts_awaiting_session(conn: sqlite3.Connection, since: datetime) -> list[StoredCommand]:
    """Starts since ``since`` that the CPO accepted, or whose answer we could not read, and
    that no refusal ended, whose session we have not seen."""
    rows = conn.execute(
        """SELECT id FROM commands WHERE type = 'START_SESSION' AND session_id IS NULL
             AND created_at >= ? AND state != 'ERROR'
             AND (response = 'ACCEPTED' OR (response IS NULL AND error IS NOT NULL))
             AND coalesce(result, 'ACCEPTED') IN ('ACCEPTED', 'TIMEOUT')""",
        (epoch_ms(since),),
    )
    found = (get_command(conn, r[0]) for r in rows.fetchall())
    return [c for c in found if c is not None]


def link_by_token(conn: sqlite3.Connection, session: Session) -> list[str]:
    """Tie the start this session came from to it when the session does not carry our
    authorization_reference: same CPO, location, charger and card, sent shortly before the
    session began (the nearest such start). Returns the linked command ids."""
    reference = session.authorization_reference
    if (
        reference
        and conn.execute(
            "SELECT 1 FROM commands WHERE authorization_reference = ?", (reference,)
        ).fetchone()
    ):
        return []  # it names its start (linked by the sessions store)
    start = session.start_date_time
    row = conn.execute(
        """SELECT id FROM commands WHERE type = 'START_SESSION' AND session_id IS NULL
             AND country_code = ? AND party_id = ? AND location_id = ?
             AND upper(coalesce(evse_uid, '')) = upper(?) AND token_uid = ?
             AND created_at BETWEEN ? AND ?
             AND state IN ('SENDING', 'WAITING', 'DONE', 'TIMED_OUT')
           ORDER BY abs(created_at - ?) LIMIT 1""",
        (
            session.country_code.upper(),
            session.party_id.upper(),
            session.location_id,
            session.evse_uid,
            session.cdr_token.uid,
            epoch_ms(start - START_WINDOW),
            epoch_ms(start + CLOCK_SLACK),
            epoch_ms(start),
        ),
    ).fetchone()
    if row is None:
        return []
    conn.execute(
        """UPDATE commands SET session_id = ?,
               state = CASE WHEN state IN ('SENDING', 'WAITING', 'TIMED_OUT') THEN 'DONE'
                            ELSE state END
           WHERE id = ?""",
        (session.id, row[0]),
    )
    return [str(row[0])]


def settle_stops(conn: sqlite3.Connection, country_code: str, party_id: str, session_id: str
                 ) -> list[str]:  # fmt: skip
    """STOP_SESSION commands for a session that has finished, still pending or timed out
    without a result: DONE (the session ended). Returns their ids."""
    rows = conn.execute(
        """UPDATE commands SET state = 'DONE'
           WHERE type = 'STOP_SESSION' AND country_code = ? AND party_id = ? AND session_id = ?
             AND result IS NULL AND state IN ('SENDING', 'WAITING', 'TIMED_OUT')
           RETURNING id""",
        (country_code.upper(), party_id.upper(), session_id),
    ).fetchall()
    return [str(r[0]) for r in rows]
