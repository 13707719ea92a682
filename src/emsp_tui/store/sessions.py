"""Charging sessions as the CPOs report them (we are the Receiver of the sessions module).

Functions take a ``sqlite3.Connection`` and run inside ``Database.run`` (one transaction).
Keys are the owner CPO's (country_code, party_id, id), country and party upper case.

The latest by ``last_updated`` wins:
* PUT replaces the session and all its charging periods, unless we hold a newer one (then it
  is acknowledged and not applied).
* PATCH changes the fields it carries and appends its charging periods (spec 5). A PATCH not
  newer than what we hold (a duplicate, or one overtaken by a later one) changes no field; the
  periods it carries that we do not have yet are still added, so an overtaken PATCH loses no
  period. Periods are identified by their start (a later copy of a period replaces an earlier
  one: a pulled session may carry the still-open last period).
A session arriving with the ``authorization_reference`` of a START_SESSION we sent is linked to
that command here, in the same transaction.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ..ocpi.enums import SessionStatus
from ..ocpi.models import ChargingPeriod, Session
from ..ocpi.types import parse_datetime
from .message_log import epoch_ms, from_ms

SessionKey = tuple[str, str, str]
OPEN_STATUSES = (SessionStatus.PENDING, SessionStatus.ACTIVE, SessionStatus.RESERVATION)
Outcome = Literal["created", "updated", "stale", "unknown"]


def session_key(country_code: str, party_id: str, session_id: str) -> SessionKey:
    return country_code.upper(), party_id.upper(), session_id


@dataclass(frozen=True, slots=True)
class StoredSession:
    session: Session  # with every charging period we hold, oldest first
    partner_id: int | None
    received_at: datetime  # when we last applied a change (our clock)
    cdr_id: str | None = None

    @property
    def key(self) -> SessionKey:
        s = self.session
        return s.country_code, s.party_id, s.id

    @property
    def is_open(self) -> bool:
        return self.session.status in OPEN_STATUSES


@dataclass(slots=True)
class ApplyResult:
    outcome: Outcome
    key: SessionKey
    status: str | None = None
    last_updated: datetime | None = None  # as held now
    authorization_reference: str | None = None
    periods_added: int = 0
    linked_commands: list[str] = field(default_factory=list)
    kwh: float | None = None  # as held now, when applied

    @property
    def applied(self) -> bool:
        return self.outcome in ("created", "updated")


_COLUMNS = (
    "country_code", "party_id", "id", "partner_id", "status", "location_id", "evse_uid",
    "connector_id", "token_uid", "token_type", "contract_id", "authorization_reference",
    "start_date_time", "end_date_time", "kwh", "currency", "total_cost_excl", "total_cost_incl",
    "last_updated", "received_at", "data",
)  # fmt: skip
_UPSERT = (
    f"INSERT INTO sessions ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
    " ON CONFLICT (country_code, party_id, id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[3:])
    + " RETURNING pk"
)


def _values(session: Session, partner_id: int | None, received_at: datetime) -> tuple[Any, ...]:
    token, cost = session.cdr_token, session.total_cost
    data = session.model_dump(mode="json", exclude_none=True, exclude={"charging_periods"})
    data["country_code"], data["party_id"] = session.country_code.upper(), session.party_id.upper()
    return (
        session.country_code.upper(), session.party_id.upper(), session.id, partner_id,
        str(session.status), session.location_id, session.evse_uid, session.connector_id,
        token.uid, str(token.type), token.contract_id, session.authorization_reference,
        epoch_ms(session.start_date_time),
        epoch_ms(session.end_date_time) if session.end_date_time else None,
        session.kwh, session.currency, cost.excl_vat if cost else None,
        cost.incl_vat if cost else None, epoch_ms(session.last_updated), epoch_ms(received_at),
        json.dumps(data, separators=(",", ":")),
    )  # fmt: skip


def _add_periods(
    conn: sqlite3.Connection, pk: int, periods: list[ChargingPeriod], *, replace: bool
) -> int:
    if not periods:
        return 0
    verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
    before = conn.total_changes
    conn.executemany(
        f"{verb} INTO session_periods (session_pk, start_date_time, data) VALUES (?, ?, ?)",
        [(pk, epoch_ms(p.start_date_time), p.model_dump_json(exclude_none=True)) for p in periods],
    )
    return conn.total_changes - before


def _link_commands(conn: sqlite3.Connection, session: Session) -> list[str]:
    """Tie START_SESSION commands with this authorization_reference to the session."""
    ref = session.authorization_reference
    if not ref:
        return []
    rows = conn.execute(
        """UPDATE commands SET session_id = ?,
               state = CASE WHEN state IN ('SENDING', 'WAITING', 'TIMED_OUT') THEN 'DONE'
                            ELSE state END
           WHERE authorization_reference = ? AND type = 'START_SESSION'
             AND session_id IS NOT ? RETURNING id""",
        (session.id, ref, session.id),
    ).fetchall()
    return [r[0] for r in rows]


def _held(conn: sqlite3.Connection, key: SessionKey) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT pk, last_updated, data FROM sessions WHERE country_code = ? AND party_id = ?"
        " AND id = ?",
        key,
    ).fetchone()
    return row


def put_session(
    conn: sqlite3.Connection, partner_id: int | None, session: Session, received_at: datetime
) -> ApplyResult:
    """Store a whole Session (receiver PUT, or one pulled from a sessions Sender)."""
    key = session_key(session.country_code, session.party_id, session.id)
    held = _held(conn, key)
    stamp = epoch_ms(session.last_updated)
    if held is not None and held["last_updated"] > stamp:
        return ApplyResult("stale", key, last_updated=from_ms(held["last_updated"]))
    pk = int(conn.execute(_UPSERT, _values(session, partner_id, received_at)).fetchone()[0])
    conn.execute("DELETE FROM session_periods WHERE session_pk = ?", (pk,))
    added = _add_periods(conn, pk, session.charging_periods or [], replace=True)
    return ApplyResult(
        "created" if held is None else "updated", key, str(session.status),
        session.last_updated, session.authorization_reference, added,
        _link_commands(conn, session), session.kwh,
    )  # fmt: skip


def patch_session(
    conn: sqlite3.Connection,
    partner_id: int | None,
    key: SessionKey,
    fields: dict[str, Any],
    received_at: datetime,
) -> ApplyResult:
    """Apply a PATCH (``fields``: JSON-ready, ``last_updated`` required); "unknown" when we do
    not hold the session. A merge that is not a valid Session raises pydantic's
    ValidationError (the transaction rolls back: nothing is written)."""
    key = session_key(*key)
    held = _held(conn, key)
    if held is None:
        return ApplyResult("unknown", key)
    pk = int(held["pk"])
    periods = [ChargingPeriod.model_validate(p) for p in fields.get("charging_periods") or []]
    stamp = parse_datetime(str(fields["last_updated"]))
    if epoch_ms(stamp) <= held["last_updated"]:
        added = _add_periods(conn, pk, periods, replace=False)
        return ApplyResult(
            "stale", key, last_updated=from_ms(held["last_updated"]), periods_added=added
        )
    data = json.loads(held["data"])
    data.update({k: v for k, v in fields.items() if k != "charging_periods"})
    data.update(country_code=key[0], party_id=key[1], id=key[2])  # immutable
    session = Session.model_validate(data)
    conn.execute(_UPSERT, _values(session, partner_id, received_at)).fetchone()
    added = _add_periods(conn, pk, periods, replace=True)
    linked = _link_commands(conn, session) if "authorization_reference" in fields else []
    return ApplyResult(
        "updated", key, str(session.status), session.last_updated,
        session.authorization_reference, added, linked, session.kwh,
    )  # fmt: skip


# -- reading --------------------------------------------------------------------------------------
def _periods(conn: sqlite3.Connection, pk: int) -> list[ChargingPeriod]:
    rows = conn.execute(
        "SELECT data FROM session_periods WHERE session_pk = ? ORDER BY start_date_time", (pk,)
    )
    return [ChargingPeriod.model_validate_json(r[0]) for r in rows]


_SELECT = """SELECT s.pk, s.partner_id, s.received_at, s.data,
       (SELECT c.id FROM cdrs c WHERE c.country_code = s.country_code
           AND c.party_id = s.party_id AND c.session_id = s.id AND c.credit = 0
         ORDER BY c.last_updated DESC LIMIT 1) AS cdr_id
  FROM sessions s"""


def _stored(conn: sqlite3.Connection, row: sqlite3.Row) -> StoredSession:
    data = json.loads(row["data"])
    data["charging_periods"] = _periods(conn, row["pk"]) or None
    return StoredSession(
        Session.model_validate(data), row["partner_id"], from_ms(row["received_at"]),
        row["cdr_id"],
    )  # fmt: skip


def get_session(
    conn: sqlite3.Connection, country_code: str, party_id: str, session_id: str
) -> StoredSession | None:
    row = conn.execute(
        f"{_SELECT} WHERE s.country_code = ? AND s.party_id = ? AND s.id = ?",
        session_key(country_code, party_id, session_id),
    ).fetchone()
    return _stored(conn, row) if row else None


def session_by_authorization(conn: sqlite3.Connection, reference: str) -> StoredSession | None:
    row = conn.execute(
        f"{_SELECT} WHERE s.authorization_reference = ? ORDER BY s.last_updated DESC LIMIT 1",
        (reference,),
    ).fetchone()
    return _stored(conn, row) if row else None


def open_sessions(conn: sqlite3.Connection) -> list[StoredSession]:
    """Sessions not yet COMPLETED or INVALID, oldest start first."""
    rows = conn.execute(
        f"{_SELECT} WHERE s.status IN (SELECT value FROM json_each(?)) ORDER BY s.start_date_time",
        (json.dumps([str(s) for s in OPEN_STATUSES]),),
    )
    return [_stored(conn, r) for r in rows]


def recent_sessions(
    conn: sqlite3.Connection, limit: int = 50, before: datetime | None = None
) -> list[StoredSession]:
    """The newest sessions first (by start), open or not."""
    where, args = ("WHERE s.start_date_time < ?", [epoch_ms(before)]) if before else ("", [])
    rows = conn.execute(
        f"{_SELECT} {where} ORDER BY s.start_date_time DESC, s.pk DESC LIMIT ?", [*args, limit]
    )
    return [_stored(conn, r) for r in rows]


def completed_without_cdr(
    conn: sqlite3.Connection, since: datetime
) -> list[tuple[SessionKey, int | None, datetime]]:
    """Finished sessions (last changed after ``since``) whose CDR has not arrived:
    (key, partner_id, when it finished by our clock)."""
    rows = conn.execute(
        """SELECT s.country_code, s.party_id, s.id, s.partner_id, s.received_at FROM sessions s
           WHERE s.status = 'COMPLETED' AND s.received_at >= ?
             AND NOT EXISTS (SELECT 1 FROM cdrs c WHERE c.country_code = s.country_code
                 AND c.party_id = s.party_id AND c.session_id = s.id)""",
        (epoch_ms(since),),
    )
    return [((r[0], r[1], r[2]), r[3], from_ms(r[4])) for r in rows]


def resync_from(conn: sqlite3.Connection, partner_id: int) -> datetime | None:
    """``date_from`` for pulling a partner's sessions after downtime (spec 1.8): the oldest
    ``last_updated`` of its open sessions (what we may have missed), else its newest session
    of all; None when it never sent us one."""
    row = conn.execute(
        """SELECT min(CASE WHEN status IN ('PENDING', 'ACTIVE', 'RESERVATION')
                           THEN last_updated END), max(last_updated)
           FROM sessions WHERE partner_id = ?""",
        (partner_id,),
    ).fetchone()
    value = row[0] if row[0] is not None else row[1]
    return from_ms(value) if value is not None else None


def count_sessions(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM sessions").fetchone()[0])
