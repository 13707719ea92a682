"""Our drivers' tokens (charging cards): the eMSP is the Sender of the OCPI tokens module.

Functions take a ``sqlite3.Connection`` and run inside ``Database.run`` (one transaction).
Keys are (country_code, party_id, uid), upper case (CiString). ``last_updated`` is stored with
whole seconds so that the text sorts like the instant (``...05Z`` vs ``...05.123Z`` would not).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from ..ocpi.enums import ProfileType, TokenType, WhitelistType
from ..ocpi.models import Token
from ..ocpi.types import format_datetime, parse_datetime

_COLUMNS = (
    "country_code", "party_id", "uid", "type", "contract_id", "visual_number", "issuer",
    "group_id", "valid", "whitelist", "language", "default_profile_type", "label", "issued_at",
    "last_updated",
)  # fmt: skip


def stamp(value: datetime) -> str:
    """A stored timestamp: UTC, whole seconds, so the text orders like the instant."""
    return format_datetime(value.replace(microsecond=0))


@dataclass(frozen=True, slots=True)
class StoredToken:
    token: Token
    issued_at: datetime
    label: str | None = None
    account_id: int = 1  # the driver account the card belongs to (accounts.id)

    @property
    def blocked(self) -> bool:
        return not self.token.valid


def _row(row: sqlite3.Row) -> StoredToken:
    token = Token(
        country_code=row["country_code"],
        party_id=row["party_id"],
        uid=row["uid"],
        type=TokenType(row["type"]),
        contract_id=row["contract_id"],
        visual_number=row["visual_number"],
        issuer=row["issuer"],
        group_id=row["group_id"],
        valid=bool(row["valid"]),
        whitelist=WhitelistType(row["whitelist"]),
        language=row["language"],
        default_profile_type=(
            ProfileType(row["default_profile_type"]) if row["default_profile_type"] else None
        ),
        last_updated=parse_datetime(row["last_updated"]),
    )
    return StoredToken(token, parse_datetime(row["issued_at"]), row["label"], row["account_id"])


def insert_token(
    conn: sqlite3.Connection,
    token: Token,
    issued_at: datetime,
    label: str | None = None,
    account_id: int = 1,
) -> None:
    """Store a new token of an account (default: the app's driver, account 1); raises
    sqlite3.IntegrityError if its uid or contract id is taken."""
    values = (
        token.country_code.upper(), token.party_id.upper(), token.uid.upper(), str(token.type),
        token.contract_id.upper(), token.visual_number, token.issuer,
        token.group_id.upper() if token.group_id else None, int(token.valid),
        str(token.whitelist), token.language,
        str(token.default_profile_type) if token.default_profile_type else None, label,
        stamp(issued_at), stamp(token.last_updated), account_id,
    )  # fmt: skip
    columns = (*_COLUMNS, "account_id")
    conn.execute(
        f"INSERT INTO tokens ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        values,
    )


def get_token(
    conn: sqlite3.Connection, country_code: str, party_id: str, uid: str
) -> StoredToken | None:
    row = conn.execute(
        "SELECT * FROM tokens WHERE country_code = ? AND party_id = ? AND uid = ?",
        (country_code.upper(), party_id.upper(), uid.upper()),
    ).fetchone()
    return _row(row) if row else None


def list_tokens(
    conn: sqlite3.Connection, country_code: str | None = None, party_id: str | None = None
) -> list[StoredToken]:
    """Tokens in the order they were issued (oldest first)."""
    if country_code and party_id:
        rows = conn.execute(
            "SELECT * FROM tokens WHERE country_code = ? AND party_id = ?"
            " ORDER BY issued_at, contract_id",
            (country_code.upper(), party_id.upper()),
        )
    else:
        rows = conn.execute("SELECT * FROM tokens ORDER BY issued_at, contract_id")
    return [_row(r) for r in rows]


def tokens_page(
    conn: sqlite3.Connection,
    date_from: datetime | None,
    date_to: datetime | None,
    offset: int,
    limit: int,
) -> tuple[list[Token], int]:
    """A page of tokens by last_updated for the OCPI tokens Sender GET, and the total count."""
    where, args = [], []
    if date_from is not None:
        where.append("last_updated >= ?")
        args.append(stamp(date_from))
    if date_to is not None:
        where.append("last_updated < ?")
        args.append(stamp(date_to))
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    total = int(conn.execute(f"SELECT count(*) FROM tokens {clause}", args).fetchone()[0])
    rows = conn.execute(
        f"SELECT * FROM tokens {clause} ORDER BY last_updated, country_code, party_id, uid"
        " LIMIT ? OFFSET ?",
        [*args, limit, offset],
    )
    return [_row(r).token for r in rows], total


def set_valid(
    conn: sqlite3.Connection, country_code: str, party_id: str, uid: str, valid: bool,
    now: datetime,
) -> StoredToken | None:  # fmt: skip
    """Block (valid False) or unblock a token; returns it as stored, None if unknown."""
    conn.execute(
        "UPDATE tokens SET valid = ?, last_updated = ?"
        " WHERE country_code = ? AND party_id = ? AND uid = ?",
        (int(valid), stamp(now), country_code.upper(), party_id.upper(), uid.upper()),
    )
    return get_token(conn, country_code, party_id, uid)


def taken(conn: sqlite3.Connection, uid: str, contract_id: str) -> bool:
    """Whether a uid or a contract id is already in use (by any of our parties)."""
    row = conn.execute(
        "SELECT 1 FROM tokens WHERE uid = ? OR contract_id = ? LIMIT 1",
        (uid.upper(), contract_id.upper()),
    ).fetchone()
    return row is not None


def account_of_token(
    conn: sqlite3.Connection, country_code: str, party_id: str, uid: str
) -> int | None:
    """The account a card belongs to; None for a token we never issued."""
    row = conn.execute(
        "SELECT account_id FROM tokens WHERE country_code = ? AND party_id = ? AND uid = ?",
        (country_code.upper(), party_id.upper(), uid.upper()),
    ).fetchone()
    return int(row[0]) if row else None


def set_account(
    conn: sqlite3.Connection, country_code: str, party_id: str, uid: str, account_id: int
) -> bool:
    """Move a card to another account; False if the card is unknown."""
    cur = conn.execute(
        "UPDATE tokens SET account_id = ? WHERE country_code = ? AND party_id = ? AND uid = ?",
        (account_id, country_code.upper(), party_id.upper(), uid.upper()),
    )
    return cur.rowcount > 0


def tokens_of_account(conn: sqlite3.Connection, account_id: int) -> list[StoredToken]:
    rows = conn.execute(
        "SELECT * FROM tokens WHERE account_id = ? ORDER BY issued_at, contract_id", (account_id,)
    )
    return [_row(r) for r in rows]
