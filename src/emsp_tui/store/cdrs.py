"""Charge Detail Records as the CPOs post them (we are the Receiver of the cdrs module).

Functions take a ``sqlite3.Connection`` and run inside ``Database.run`` (one transaction).
CDRs are immutable (spec 6): the same CDR posted again is a duplicate, answered like the first
time and not written again; the same id with other content is refused (a correction is a credit
CDR with a new id). Credit CDRs (``credit: true``, negative ``total_cost``) are stored like any
other, ``credit_reference_id`` pointing at the CDR they cancel.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ..ocpi.models import Cdr
from .message_log import epoch_ms, from_ms

Outcome = Literal["created", "duplicate", "conflict"]

_COLUMNS = (
    "country_code", "party_id", "id", "partner_id", "session_id", "authorization_reference",
    "location_id", "evse_uid", "token_uid", "contract_id", "start_date_time", "end_date_time",
    "total_energy", "total_time", "currency", "total_cost_excl", "total_cost_incl", "credit",
    "credit_reference_id", "last_updated", "received_at", "data",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class StoredCdr:
    cdr: Cdr
    partner_id: int | None
    received_at: datetime


def _canonical(cdr: Cdr) -> dict[str, Any]:
    data = cdr.model_dump(mode="json", exclude_none=True)
    data["country_code"], data["party_id"] = cdr.country_code.upper(), cdr.party_id.upper()
    return data


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal but for last_updated (a CPO re-posting after a lost answer may re-stamp it)."""
    return {k: v for k, v in a.items() if k != "last_updated"} == {
        k: v for k, v in b.items() if k != "last_updated"
    }


def insert_cdr(
    conn: sqlite3.Connection, partner_id: int | None, cdr: Cdr, received_at: datetime
) -> Outcome:
    key = (cdr.country_code.upper(), cdr.party_id.upper(), cdr.id)
    data = _canonical(cdr)
    held = conn.execute(
        "SELECT data FROM cdrs WHERE country_code = ? AND party_id = ? AND id = ?", key
    ).fetchone()
    if held is not None:
        return "duplicate" if _same(json.loads(held[0]), data) else "conflict"
    loc, token, cost = cdr.cdr_location, cdr.cdr_token, cdr.total_cost
    values = (
        *key, partner_id, cdr.session_id, cdr.authorization_reference, loc.id, loc.evse_uid,
        token.uid, token.contract_id, epoch_ms(cdr.start_date_time), epoch_ms(cdr.end_date_time),
        cdr.total_energy, cdr.total_time, cdr.currency, cost.excl_vat, cost.incl_vat,
        int(bool(cdr.credit)), cdr.credit_reference_id, epoch_ms(cdr.last_updated),
        epoch_ms(received_at), json.dumps(data, separators=(",", ":")),
    )  # fmt: skip
    conn.execute(
        f"INSERT INTO cdrs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
        values,
    )
    return "created"


def _stored(row: sqlite3.Row) -> StoredCdr:
    return StoredCdr(
        Cdr.model_validate_json(row["data"]), row["partner_id"], from_ms(row["received_at"])
    )


def get_cdr(
    conn: sqlite3.Connection, country_code: str, party_id: str, cdr_id: str
) -> StoredCdr | None:
    row = conn.execute(
        "SELECT * FROM cdrs WHERE country_code = ? AND party_id = ? AND id = ?",
        (country_code.upper(), party_id.upper(), cdr_id),
    ).fetchone()
    return _stored(row) if row else None


def cdrs_for_session(
    conn: sqlite3.Connection, country_code: str, party_id: str, session_id: str
) -> list[StoredCdr]:
    """The session's CDR and any credit CDRs that cancel it, oldest first."""
    rows = conn.execute(
        """SELECT * FROM cdrs WHERE country_code = ? AND party_id = ? AND (session_id = ?
             OR credit_reference_id IN (SELECT id FROM cdrs WHERE country_code = ?
                 AND party_id = ? AND session_id = ?))
           ORDER BY last_updated, pk""",
        (country_code.upper(), party_id.upper(), session_id) * 2,
    )
    return [_stored(r) for r in rows]


def recent_cdrs(
    conn: sqlite3.Connection, limit: int = 50, before: datetime | None = None
) -> list[StoredCdr]:
    where, args = ("WHERE start_date_time < ?", [epoch_ms(before)]) if before else ("", [])
    rows = conn.execute(
        f"SELECT * FROM cdrs {where} ORDER BY start_date_time DESC, pk DESC LIMIT ?",
        [*args, limit],
    )
    return [_stored(r) for r in rows]


def resync_from(conn: sqlite3.Connection, partner_id: int) -> datetime | None:
    """``date_from`` for pulling a partner's CDRs after downtime: the newest CDR it sent us,
    or, when older, the end of the oldest of its finished sessions still without a CDR."""
    newest = conn.execute(
        "SELECT max(last_updated) FROM cdrs WHERE partner_id = ?", (partner_id,)
    ).fetchone()[0]
    waiting = conn.execute(
        """SELECT min(coalesce(s.end_date_time, s.last_updated)) FROM sessions s
           WHERE s.partner_id = ? AND s.status = 'COMPLETED' AND NOT EXISTS (SELECT 1 FROM cdrs c
               WHERE c.country_code = s.country_code AND c.party_id = s.party_id
                 AND c.session_id = s.id)""",
        (partner_id,),
    ).fetchone()[0]
    found = [v for v in (newest, waiting) if v is not None]
    return from_ms(min(found)) if found else None


def count_cdrs(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM cdrs").fetchone()[0])
