"""Partners (hubs and CPOs), their credentials and the parties behind them.

Functions take a ``sqlite3.Connection`` and run inside ``Database.run`` (one transaction).
A partner is saved by its id, never by its name; every change of its parties is recorded
(``party_changes``).
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
from . import party_changes


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

    def is_own_role(self, party: Party) -> bool:
        """Whether ``party`` is one of its credentials roles (else: a client behind a hub)."""
        return any(
            str(r.get("country_code", "")).upper() == party.country_code.upper()
            and str(r.get("party_id", "")).upper() == party.party_id.upper()
            and r.get("role") == party.role
            for r in self.roles
        )

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


def party_key(party: Party) -> str:
    """``NL*XYZ(CPO)``: how the change log and ``emsp partners`` name a party."""
    return f"{party.country_code.upper()}*{party.party_id.upper()}({party.role})"


def _stored_keys(conn: sqlite3.Connection, partner_id: int) -> set[str]:
    rows = conn.execute(
        "SELECT country_code, party_id, role FROM partner_parties WHERE partner_id = ?",
        (partner_id,),
    )
    return {party_key(Party(r["country_code"], r["party_id"], r["role"])) for r in rows}


def unique_name(conn: sqlite3.Connection, wanted: str, own_id: int | None = None) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``... if another partner has that name."""
    name, n = wanted, 1
    while True:
        row = conn.execute("SELECT id FROM partners WHERE name = ?", (name,)).fetchone()
        if row is None or row["id"] == own_id:
            return name
        n += 1
        name = f"{wanted}-{n}"


def save_partner(
    conn: sqlite3.Connection,
    partner: Partner,
    token_in: str | None = None,
    *,
    action: str | None = None,
    reason: str | None = None,
) -> int:
    """Insert a new partner (``partner.id`` None) or update the one with that id; returns its
    id. Never by name: a new partner whose name is taken gets a unique one (``partner.name``
    is set to it), so no registration can overwrite another partner's row. A change of its
    parties is recorded (``action``: registered for a new partner, updated otherwise)."""
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
    partner.name = unique_name(conn, partner.name, partner.id)
    if partner.id is not None:
        partner_id = partner.id
        updated = conn.execute(
            """UPDATE partners SET versions_url=?, version=?, endpoints_json=?, roles_json=?,
               token_out=?, raw_token=?, status=?, registered_at=?, last_error=?, last_error_at=?,
               name=? WHERE id=?""",
            (*values, partner.name, partner_id),
        )
        if updated.rowcount != 1:
            raise LookupError(f"no partner with id {partner_id}")
    else:
        cur = conn.execute(
            """INSERT INTO partners (versions_url, version, endpoints_json, roles_json, token_out,
               raw_token, status, registered_at, last_error, last_error_at, name)
               VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
            (*values, partner.name),
        )
        partner_id = int(cur.lastrowid or 0)
        action = action or party_changes.REGISTERED
    if token_in is not None:
        conn.execute(
            "UPDATE partners SET token_in=? WHERE id=?", (token_hash(token_in), partner_id)
        )
    partner.id = partner_id
    set_parties(
        conn, partner_id, partner.parties, action=action or party_changes.UPDATED, reason=reason
    )
    return partner_id


def set_parties(
    conn: sqlite3.Connection,
    partner_id: int,
    parties: list[Party],
    *,
    action: str = party_changes.HUB_CLIENTS,
    reason: str | None = None,
) -> tuple[set[str], set[str]]:
    """Replace a partner's parties; records and returns what was (added, dropped)."""
    before = _stored_keys(conn, partner_id)
    conn.execute("DELETE FROM partner_parties WHERE partner_id = ?", (partner_id,))
    conn.executemany(
        """INSERT OR REPLACE INTO partner_parties
           (partner_id, country_code, party_id, role, name, status) VALUES (?,?,?,?,?,?)""",
        [
            (partner_id, p.country_code.upper(), p.party_id.upper(), p.role, p.name, p.status)
            for p in parties
        ],
    )
    after = {party_key(p) for p in parties}
    added, dropped = after - before, before - after
    if added or dropped:
        name = conn.execute("SELECT name FROM partners WHERE id = ?", (partner_id,)).fetchone()
        party_changes.record_change(
            conn,
            partner_id,
            name["name"] if name else f"#{partner_id}",
            action,
            added=added,
            dropped=dropped,
            reason=reason,
        )
    return added, dropped


def credentials_parties(partner: Partner) -> set[tuple[str, str]]:
    """The parties a partner holds as its own credentials roles (any role), upper case."""
    return {
        (str(r.get("country_code", "")).upper(), str(r.get("party_id", "")).upper())
        for r in partner.roles
    }


def credentials_holders(
    conn: sqlite3.Connection,
    claimed: set[tuple[str, str]],
    own_id: int | None = None,
    ours: tuple[str, str] | None = None,
) -> dict[tuple[str, str], str]:
    """Which of the ``claimed`` parties (country_code, party_id; role-independent) another
    partner than ``own_id`` holds as a credentials role: party -> that partner's name ("us"
    for ``ours``, our own party). The parties listed behind a hub are not credentials roles
    and do not count here."""
    wanted = {(cc.upper(), pid.upper()) for cc, pid in claimed}
    held: dict[tuple[str, str], str] = {}
    if ours is not None and (ours[0].upper(), ours[1].upper()) in wanted:
        held[(ours[0].upper(), ours[1].upper())] = "us"
    for row in conn.execute("SELECT id, name, roles_json FROM partners"):
        if row["id"] == own_id:
            continue
        for role in json.loads(row["roles_json"]):
            party = (
                str(role.get("country_code", "")).upper(),
                str(role.get("party_id", "")).upper(),
            )
            if party in wanted:
                held.setdefault(party, row["name"])
    return held


def list_partners(conn: sqlite3.Connection) -> list[Partner]:
    rows = conn.execute("SELECT * FROM partners ORDER BY name").fetchall()
    return [_row_to_partner(conn, row) for row in rows]


def get_partner(conn: sqlite3.Connection, name: str) -> Partner | None:
    row = conn.execute("SELECT * FROM partners WHERE name = ?", (name,)).fetchone()
    return _row_to_partner(conn, row) if row else None


def get_partner_by_id(conn: sqlite3.Connection, partner_id: int) -> Partner | None:
    row = conn.execute("SELECT * FROM partners WHERE id = ?", (partner_id,)).fetchone()
    return _row_to_partner(conn, row) if row else None


def partner_by_token(conn: sqlite3.Connection, token: str) -> Partner | None:
    row = conn.execute("SELECT * FROM partners WHERE token_in = ?", (token_hash(token),)).fetchone()
    return _row_to_partner(conn, row) if row else None


def set_token_in(conn: sqlite3.Connection, partner_id: int, token: str | None) -> None:
    conn.execute(
        "UPDATE partners SET token_in=? WHERE id=?",
        (token_hash(token) if token else None, partner_id),
    )


def delete_partner(conn: sqlite3.Connection, name: str, reason: str | None = None) -> bool:
    """Forget a partner; the parties it had are recorded as dropped."""
    row = conn.execute("SELECT id FROM partners WHERE name = ?", (name,)).fetchone()
    return delete_partner_by_id(conn, int(row["id"]), reason) if row else False


def delete_partner_by_id(
    conn: sqlite3.Connection, partner_id: int, reason: str | None = None
) -> bool:
    row = conn.execute("SELECT name FROM partners WHERE id = ?", (partner_id,)).fetchone()
    if row is None:
        return False
    dropped = _stored_keys(conn, partner_id)
    if dropped:
        party_changes.record_change(
            conn, partner_id, row["name"], party_changes.DELETED, dropped=dropped, reason=reason
        )
    conn.execute("DELETE FROM partners WHERE id = ?", (partner_id,))
    return True


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
