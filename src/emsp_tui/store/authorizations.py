"""Real-time authorisations we answered, the limits on a token they answer from, and the record
of every token push to every partner.

Functions take a ``sqlite3.Connection`` and run inside ``Database.run`` (one transaction).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from ..ocpi.enums import AllowedType
from .message_log import epoch_ms, from_ms


# -- token policies ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """Limits beyond valid/blocked. The default (no row) limits nothing."""

    expires_at: datetime | None = None  # EXPIRED from then on
    no_credit: bool = False  # NO_CREDIT (e.g. an unpaid invoice)
    allowed_cpos: tuple[str, ...] | None = None  # 'DE*VOL'...; other CPOs: NOT_ALLOWED


def get_policy(conn: sqlite3.Connection, country_code: str, party_id: str, uid: str) -> TokenPolicy:
    row = conn.execute(
        "SELECT * FROM token_policies WHERE country_code = ? AND party_id = ? AND uid = ?",
        (country_code.upper(), party_id.upper(), uid.upper()),
    ).fetchone()
    if row is None:
        return TokenPolicy()
    return TokenPolicy(
        from_ms(row["expires_at"]) if row["expires_at"] is not None else None,
        bool(row["no_credit"]),
        tuple(json.loads(row["allowed_cpos"])) if row["allowed_cpos"] is not None else None,
    )


def set_policy(
    conn: sqlite3.Connection, country_code: str, party_id: str, uid: str, policy: TokenPolicy
) -> None:
    conn.execute(
        """INSERT OR REPLACE INTO token_policies
           (country_code, party_id, uid, expires_at, no_credit, allowed_cpos)
           VALUES (?, ?, ?, ?, ?, ?)""",
        (
            country_code.upper(), party_id.upper(), uid.upper(),
            epoch_ms(policy.expires_at) if policy.expires_at else None, int(policy.no_credit),
            json.dumps([c.upper() for c in policy.allowed_cpos])
            if policy.allowed_cpos is not None else None,
        ),
    )  # fmt: skip


# -- authorisations ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Authorization:
    reference: str
    partner_id: int | None
    requested_by: str | None
    token_uid: str
    token_type: str
    contract_id: str
    location_id: str | None
    evse_uids: tuple[str, ...]
    allowed: AllowedType
    at: datetime


def record_authorization(conn: sqlite3.Connection, auth: Authorization) -> None:
    conn.execute(
        """INSERT INTO authorizations (reference, partner_id, requested_by, token_uid, token_type,
               contract_id, location_id, evse_uids, allowed, at) VALUES (?,?,?,?,?,?,?,?,?,?)""",
        (
            auth.reference, auth.partner_id, auth.requested_by, auth.token_uid, auth.token_type,
            auth.contract_id, auth.location_id, json.dumps(list(auth.evse_uids)),
            str(auth.allowed), epoch_ms(auth.at),
        ),
    )  # fmt: skip


def get_authorization(conn: sqlite3.Connection, reference: str) -> Authorization | None:
    row = conn.execute("SELECT * FROM authorizations WHERE reference = ?", (reference,)).fetchone()
    if row is None:
        return None
    return Authorization(
        row["reference"], row["partner_id"], row["requested_by"], row["token_uid"],
        row["token_type"], row["contract_id"], row["location_id"],
        tuple(json.loads(row["evse_uids"] or "[]")), AllowedType(row["allowed"]),
        from_ms(row["at"]),
    )  # fmt: skip


def recent_authorizations(conn: sqlite3.Connection, limit: int = 50) -> list[Authorization]:
    rows = conn.execute("SELECT reference FROM authorizations ORDER BY at DESC LIMIT ?", (limit,))
    found = [get_authorization(conn, r[0]) for r in rows.fetchall()]
    return [a for a in found if a is not None]


# -- token pushes --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TokenPush:
    partner_id: int
    country_code: str
    party_id: str
    uid: str
    delivered: bool  # the partner got a PUT of it once: later changes go as PATCH
    method: str  # of the last push
    ok: bool
    valid: bool  # what the last push said
    error: str | None
    at: datetime


def record_push(
    conn: sqlite3.Connection, partner_id: int, country_code: str, party_id: str, uid: str,
    method: str, ok: bool, valid: bool, error: str | None, at: datetime,
) -> None:  # fmt: skip
    conn.execute(
        """INSERT INTO token_pushes (partner_id, country_code, party_id, uid, delivered, method,
               ok, valid, error, at) VALUES (?,?,?,?,?,?,?,?,?,?)
           ON CONFLICT (partner_id, country_code, party_id, uid) DO UPDATE SET
               delivered = max(delivered, excluded.delivered), method = excluded.method,
               ok = excluded.ok, valid = excluded.valid, error = excluded.error,
               at = excluded.at""",
        (
            partner_id, country_code.upper(), party_id.upper(), uid.upper(),
            int(ok and method == "PUT"), method, int(ok), int(valid), error, epoch_ms(at),
        ),
    )  # fmt: skip


def _push(row: sqlite3.Row) -> TokenPush:
    return TokenPush(
        row["partner_id"], row["country_code"], row["party_id"], row["uid"],
        bool(row["delivered"]), row["method"], bool(row["ok"]), bool(row["valid"]),
        row["error"], from_ms(row["at"]),
    )  # fmt: skip


def pushes_of(
    conn: sqlite3.Connection, country_code: str, party_id: str, uid: str
) -> list[TokenPush]:
    rows = conn.execute(
        "SELECT * FROM token_pushes WHERE country_code = ? AND party_id = ? AND uid = ?"
        " ORDER BY partner_id",
        (country_code.upper(), party_id.upper(), uid.upper()),
    )
    return [_push(r) for r in rows]


def get_push(
    conn: sqlite3.Connection, partner_id: int, country_code: str, party_id: str, uid: str
) -> TokenPush | None:
    row = conn.execute(
        "SELECT * FROM token_pushes WHERE partner_id = ? AND country_code = ? AND party_id = ?"
        " AND uid = ?",
        (partner_id, country_code.upper(), party_id.upper(), uid.upper()),
    ).fetchone()
    return _push(row) if row else None
