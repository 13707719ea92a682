"""Partners (hubs and CPOs), their credentials and the parties behind them.

Functions take a ``sqlite3.Connection`` and run inside ``Database.run`` (one transaction).
The token a partner presents to us is stored only as a SHA-256 hash; the token we present to
them must be kept as is (the database file is owner-only).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..ocpi.types import format_datetime, parse_datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Party:
    country_code: str
    party_id: str
    role: str
    name: str | None = None
    status: str = "CONNECTED"

    @property
    def key(self) -> str:
        return f"{self.country_code}*{self.party_id}"


@dataclass
class Partner:
    name: str
    versions_url: str
    version: str | None = None
    endpoints: list[dict[str, str]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    token_out: str | None = None
    raw_token: bool = False
    status: str = "REGISTERED"
    registered_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    last_error: str | None = None
    last_error_at: datetime | None = None
    parties: list[Party] = field(default_factory=list)
    id: int | None = None

    def endpoint(self, module: str, role: str) -> str | None:
        for ep in self.endpoints:
            if ep["identifier"] == module and (module == "credentials" or ep["role"] == role):
                return ep["url"]
        return None

    @property
    def is_hub(self) -> bool:
        return any(r.get("role") == "HUB" for r in self.roles)

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        return (
            f"Partner(name={self.name!r}, versions_url={self.versions_url!r}, "
            f"status={self.status!r})"
        )


def _row_to_partner(conn: sqlite3.Connection, row: sqlite3.Row) -> Partner:
    parties = [
        Party(r["country_code"], r["party_id"], r["role"], r["name"], r["status"])
        for r in conn.execute(
            "SELECT * FROM partner_parties WHERE partner_id = ? ORDER BY country_code, party_id",
            (row["id"],),
        )
    ]
    return Partner(
        id=row["id"],
        name=row["name"],
        versions_url=row["versions_url"],
        version=row["version"],
        endpoints=json.loads(row["endpoints_json"]),
        roles=json.loads(row["roles_json"]),
        token_out=row["token_out"],
        raw_token=bool(row["raw_token"]),
        status=row["status"],
        registered_at=parse_datetime(row["registered_at"]),
        last_error=row["last_error"],
        last_error_at=parse_datetime(row["last_error_at"]) if row["last_error_at"] else None,
        parties=parties,
    )


def save_partner(conn: sqlite3.Connection, partner: Partner, token_in: str | None = None) -> int:
    """Insert or replace (by name) a partner and its parties; returns its id."""
    values = (
        partner.versions_url,
        partner.version,
        json.dumps(partner.endpoints),
        json.dumps(partner.roles),
        partner.token_out,
        int(partner.raw_token),
        partner.status,
        format_datetime(partner.registered_at),
        partner.last_error,
        format_datetime(partner.last_error_at) if partner.last_error_at else None,
    )
    existing = conn.execute("SELECT id FROM partners WHERE name = ?", (partner.name,)).fetchone()
    if existing:
        partner_id = int(existing["id"])
        conn.execute(
            """UPDATE partners SET versions_url=?, version=?, endpoints_json=?, roles_json=?,
               token_out=?, raw_token=?, status=?, registered_at=?, last_error=?, last_error_at=?
               WHERE id=?""",
            (*values, partner_id),
        )
    else:
        cur = conn.execute(
            """INSERT INTO partners (versions_url, version, endpoints_json, roles_json, token_out,
               raw_token, status, registered_at, last_error, last_error_at, name)
               VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
            (*values, partner.name),
        )
        partner_id = int(cur.lastrowid or 0)
    if token_in is not None:
        conn.execute(
            "UPDATE partners SET token_in=? WHERE id=?", (token_hash(token_in), partner_id)
        )
    set_parties(conn, partner_id, partner.parties)
    partner.id = partner_id
    return partner_id


def set_parties(conn: sqlite3.Connection, partner_id: int, parties: list[Party]) -> None:
    conn.execute("DELETE FROM partner_parties WHERE partner_id = ?", (partner_id,))
    conn.executemany(
        """INSERT OR REPLACE INTO partner_parties
           (partner_id, country_code, party_id, role, name, status) VALUES (?,?,?,?,?,?)""",
        [
            (partner_id, p.country_code.upper(), p.party_id.upper(), p.role, p.name, p.status)
            for p in parties
        ],
    )


def list_partners(conn: sqlite3.Connection) -> list[Partner]:
    rows = conn.execute("SELECT * FROM partners ORDER BY name").fetchall()
    return [_row_to_partner(conn, row) for row in rows]


def get_partner(conn: sqlite3.Connection, name: str) -> Partner | None:
    row = conn.execute("SELECT * FROM partners WHERE name = ?", (name,)).fetchone()
    return _row_to_partner(conn, row) if row else None


def partner_by_token(conn: sqlite3.Connection, token: str) -> Partner | None:
    row = conn.execute("SELECT * FROM partners WHERE token_in = ?", (token_hash(token),)).fetchone()
    return _row_to_partner(conn, row) if row else None


def set_token_in(conn: sqlite3.Connection, partner_id: int, token: str | None) -> None:
    conn.execute(
        "UPDATE partners SET token_in=? WHERE id=?",
        (token_hash(token) if token else None, partner_id),
    )


def delete_partner(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("DELETE FROM partners WHERE name = ?", (name,)).rowcount > 0


def record_error(conn: sqlite3.Connection, name: str, error: str | None) -> None:
    when = format_datetime(datetime.now(UTC)) if error else None
    conn.execute(
        "UPDATE partners SET last_error=?, last_error_at=? WHERE name=?", (error, when, name)
    )


# -- registration tokens (TOKEN_A) we issue ---------------------------------------------------
def add_registration_token(conn: sqlite3.Connection, token: str, label: str | None) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO registration_tokens (token, label, created_at) VALUES (?,?,?)",
        (token_hash(token), label, format_datetime(datetime.now(UTC))),
    )


def is_registration_token(conn: sqlite3.Connection, token: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM registration_tokens WHERE token = ?", (token_hash(token),)
    ).fetchone()
    return row is not None


def consume_registration_token(conn: sqlite3.Connection, token: str) -> bool:
    """TOKEN_A is void once used (spec 3); returns whether it was valid."""
    return (
        conn.execute(
            "DELETE FROM registration_tokens WHERE token = ?", (token_hash(token),)
        ).rowcount
        > 0
    )
