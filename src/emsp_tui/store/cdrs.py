"""Charge Detail Records as the CPOs post them (we are the Receiver of the cdrs module).

Functions take a ``sqlite3.Connection`` and run inside ``Database.run`` (one transaction).
CDRs are immutable (spec 6): the same CDR posted again is a duplicate, answered like the first
time and not written again; the same id with other content is refused (a correction is a credit
CDR with a new id). Credit CDRs (``credit: true``, negative ``total_cost``) are stored like any
other; their ``credit_reference_id`` column is the link to the CDR they correct (same party).

Flags (``flags_of``, ``flagged_cdrs``) are read from what the store holds now rather than
written at intake, so a session or original CDR that arrives after its CDR clears the flag:
a card we never issued, a session we never saw, a credit CDR for a CDR we do not hold, and a
total that differs from the tariff's (the stored audit). Flagged CDRs are kept all the same.
The CDR pull's checkpoint is a ``sync_state`` row of module ``cdrs``.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ..ocpi.models import Cdr
from .message_log import epoch_ms, from_ms
from .sync_state import begin_crawl, finish_crawl_state, get_sync_state, record_sync_error

Outcome = Literal["created", "duplicate", "conflict"]
CdrKey = tuple[str, str, str]
Flag = Literal["UNKNOWN_TOKEN", "UNKNOWN_SESSION", "UNKNOWN_CREDITED_CDR", "TOTAL_DIFFERS"]
FLAG_TEXT: dict[Flag, str] = {
    "UNKNOWN_TOKEN": "the card is not one we issued",
    "UNKNOWN_SESSION": "we never saw its session",
    "UNKNOWN_CREDITED_CDR": "it credits a CDR we do not hold",
    "TOTAL_DIFFERS": "its total differs from the tariff's",
}
PULL_MODULE = "cdrs"  # sync_state.module of the CDR pull's checkpoint

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


# -- links and flags ---------------------------------------------------------------------------
def _key(key: CdrKey) -> CdrKey:
    return key[0].upper(), key[1].upper(), key[2]


def credits_of(conn: sqlite3.Connection, key: CdrKey) -> list[StoredCdr]:
    """The credit CDRs that correct ``key``, in the order they arrived."""
    rows = conn.execute(
        """SELECT * FROM cdrs WHERE country_code = ? AND party_id = ? AND credit = 1
           AND credit_reference_id = ? ORDER BY pk""",
        _key(key),
    )
    return [_stored(r) for r in rows]


# One 0/1 column per flag, for the row ``c`` (tokens, sessions and audits by their keys).
_FLAG_SQL: tuple[tuple[Flag, str], ...] = (
    ("UNKNOWN_TOKEN", """NOT EXISTS (SELECT 1 FROM tokens t
        WHERE t.country_code = upper(json_extract(c.data, '$.cdr_token.country_code'))
          AND t.party_id = upper(json_extract(c.data, '$.cdr_token.party_id'))
          AND t.uid = upper(c.token_uid))"""),
    ("UNKNOWN_SESSION", """c.session_id IS NULL OR NOT EXISTS (SELECT 1 FROM sessions s
        WHERE s.country_code = c.country_code AND s.party_id = c.party_id
          AND s.id = c.session_id)"""),
    ("UNKNOWN_CREDITED_CDR", """c.credit = 1 AND (c.credit_reference_id IS NULL
        OR NOT EXISTS (SELECT 1 FROM cdrs o WHERE o.country_code = c.country_code
          AND o.party_id = c.party_id AND o.id = c.credit_reference_id AND o.credit = 0))"""),
    ("TOTAL_DIFFERS", """EXISTS (SELECT 1 FROM cdr_audits a WHERE a.country_code = c.country_code
        AND a.party_id = c.party_id AND a.cdr_id = c.id AND a.matches = 0)"""),
)  # fmt: skip
_FLAGS = ", ".join(f"({sql}) AS f{i}" for i, (_, sql) in enumerate(_FLAG_SQL))
_ANY_FLAG = " OR ".join(f"({sql})" for _, sql in _FLAG_SQL)


def _flags(row: sqlite3.Row) -> tuple[Flag, ...]:
    return tuple(flag for i, (flag, _) in enumerate(_FLAG_SQL) if row[f"f{i}"])


def flags_of(conn: sqlite3.Connection, key: CdrKey) -> tuple[Flag, ...] | None:
    """What is wrong with a stored CDR (empty: nothing); None for a CDR we do not hold."""
    row = conn.execute(
        f"SELECT {_FLAGS} FROM cdrs c WHERE c.country_code = ? AND c.party_id = ? AND c.id = ?",
        _key(key),
    ).fetchone()
    return _flags(row) if row else None


def flagged_cdrs(
    conn: sqlite3.Connection, limit: int = 1000
) -> list[tuple[StoredCdr, tuple[Flag, ...]]]:
    """Flagged CDRs with their flags, the latest received first."""
    rows = conn.execute(
        f"SELECT c.*, {_FLAGS} FROM cdrs c WHERE {_ANY_FLAG} ORDER BY c.pk DESC LIMIT ?",
        (limit,),
    )
    return [(_stored(r), _flags(r)) for r in rows]


def unaudited_keys(
    conn: sqlite3.Connection, received_since: datetime, limit: int = 10_000
) -> list[CdrKey]:
    """CDRs received since then without an audit (not yet through billing), oldest first."""
    rows = conn.execute(
        """SELECT c.country_code, c.party_id, c.id FROM cdrs c WHERE c.received_at >= ?
           AND NOT EXISTS (SELECT 1 FROM cdr_audits a WHERE a.country_code = c.country_code
               AND a.party_id = c.party_id AND a.cdr_id = c.id) ORDER BY c.pk LIMIT ?""",
        (epoch_ms(received_since), limit),
    )
    return [(r[0], r[1], r[2]) for r in rows]


# -- the pull's checkpoint ---------------------------------------------------------------------
def last_pull(conn: sqlite3.Connection, partner_id: int) -> datetime | None:
    """When the last complete pull of the partner's CDRs began (None: never)."""
    return get_sync_state(conn, partner_id, PULL_MODULE).synced_to


def record_pull(
    conn: sqlite3.Connection,
    partner_id: int,
    date_from: datetime | None,
    started: datetime,
    finished: datetime,
) -> None:
    """A complete pull from ``date_from``: the next one may start from ``started``."""
    begin_crawl(conn, partner_id, PULL_MODULE, date_from, started, now=started)
    finish_crawl_state(conn, partner_id, PULL_MODULE, 0, finished)


def record_pull_error(conn: sqlite3.Connection, partner_id: int, error: str, at: datetime) -> None:
    record_sync_error(conn, partner_id, PULL_MODULE, error, now=at)
