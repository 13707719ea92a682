"""Driver accounts: the billing details invoices are addressed to, and the price plan.

Functions take a ``sqlite3.Connection`` and run inside ``Database.run`` (one transaction).
Every card belongs to an account (``tokens.account_id``); the app's own driver is account 1
(``DRIVER``), created empty on first use and edited in the app's settings.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime

from .message_log import epoch_ms, from_ms

DRIVER = 1
_DETAILS = ("name", "email", "street", "postal_code", "city", "country", "company", "vat_id",
            "plan")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    name: str = ""
    email: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""  # ISO 3166-1 alpha-2
    company: str | None = None
    vat_id: str | None = None
    plan: str | None = None  # None: the configured default plan
    created_at: datetime | None = None

    @property
    def is_business(self) -> bool:
        return bool(self.company or self.vat_id)


def _account(row: sqlite3.Row) -> Account:
    details = {c: row[c] for c in _DETAILS}
    return Account(row["id"], **details, created_at=from_ms(row["created_at"]))


def get_account(conn: sqlite3.Connection, account_id: int) -> Account | None:
    row = conn.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
    return _account(row) if row else None


def create_account(conn: sqlite3.Connection, account: Account, now: datetime) -> Account:
    """Insert an account; its id is the one given, or a new one when ``account.id`` is 0 (never
    1: that is the app's driver, even before it is created)."""
    account_id = account.id or int(
        conn.execute("SELECT max(coalesce(max(id), 0), ?) + 1 FROM accounts", (DRIVER,)).fetchone()[
            0
        ]
    )
    values = [getattr(account, c) for c in _DETAILS]
    conn.execute(
        f"INSERT INTO accounts (id, {', '.join(_DETAILS)}, created_at)"
        f" VALUES (?, {', '.join('?' * len(_DETAILS))}, ?)",
        [account_id, *values, epoch_ms(now)],
    )
    return replace(account, id=account_id, created_at=now)


def driver_account(conn: sqlite3.Connection, now: datetime) -> Account:
    """The app's driver (account 1), created with empty details when it does not exist yet."""
    found = get_account(conn, DRIVER)
    return found if found is not None else create_account(conn, Account(DRIVER), now)


def update_account(conn: sqlite3.Connection, account: Account) -> Account | None:
    """Change an account's billing details and plan (documents already issued keep theirs)."""
    conn.execute(
        f"UPDATE accounts SET {', '.join(f'{c} = ?' for c in _DETAILS)} WHERE id = ?",
        [*(getattr(account, c) for c in _DETAILS), account.id],
    )
    return get_account(conn, account.id)


def list_accounts(conn: sqlite3.Connection) -> list[Account]:
    return [_account(r) for r in conn.execute("SELECT * FROM accounts ORDER BY id")]
