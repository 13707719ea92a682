"""Invoices and credit notes as issued: numbered gapless per series and year, never changed.

Functions take a ``sqlite3.Connection`` and run inside ``Database.run`` (one transaction, begun
with BEGIN IMMEDIATE, so one writer at a time even across processes). ``issue`` takes the next
number from ``document_counters`` and inserts the document in that same transaction: a crash
or a refusal rolls both back, so a number is never skipped nor given twice. The table's
triggers refuse any UPDATE or DELETE of an issued document (a correction is a credit note).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from ..billing.document_json import document_from_json, document_to_json
from ..billing.model import Document, DocumentKind
from .message_log import epoch_ms, from_ms

CdrKey = tuple[str, str, str]


def format_number(series: str, year: int, seq: int) -> str:
    """``INV-2026-000123``."""
    return f"{series}-{year}-{seq:06d}"


@dataclass(frozen=True, slots=True)
class StoredDocument:
    id: int
    account_id: int
    document: Document
    cdr_key: CdrKey | None
    corrects_id: int | None
    issued_at: datetime
    period: str | None = None


def _stored(row: sqlite3.Row) -> StoredDocument:
    key = (row["cdr_country_code"], row["cdr_party_id"], row["cdr_id"]) if row["cdr_id"] else None
    return StoredDocument(
        row["id"], row["account_id"], document_from_json(row["document_json"]), key,
        row["corrects_id"], from_ms(row["issued_at"]), row["period"],
    )  # fmt: skip


def _next_seq(conn: sqlite3.Connection, series: str, year: int) -> int:
    row = conn.execute(
        """INSERT INTO document_counters (series, year, last) VALUES (?, ?, 1)
           ON CONFLICT (series, year) DO UPDATE SET last = last + 1 RETURNING last""",
        (series, year),
    ).fetchone()
    return int(row[0])


def issue(
    conn: sqlite3.Connection,
    document: Document,
    *,
    series: str,
    account_id: int,
    issued_at: datetime,
    cdr_key: CdrKey | None = None,
    corrects_id: int | None = None,
    period: str | None = None,
    payment_reference: Callable[[str], str] | None = None,
) -> StoredDocument:
    """Number ``document`` (its ``number`` is replaced, and its ``payment_reference`` set from
    the number when given) and store it, in the caller's transaction. Raises
    sqlite3.IntegrityError when the CDR (or period) already has one."""
    if not conn.in_transaction:
        raise RuntimeError("documents are issued inside a transaction (Database.run)")
    year = document.issue_date.year
    seq = _next_seq(conn, series, year)
    number = format_number(series, year, seq)
    numbered = replace(document, number=number)
    if payment_reference is not None:
        numbered = replace(numbered, payment_reference=payment_reference(number))
    stored_key = (cdr_key[0].upper(), cdr_key[1].upper(), cdr_key[2]) if cdr_key else None
    key = stored_key or (None, None, None)
    cur = conn.execute(
        """INSERT INTO billing_documents (kind, series, year, seq, number, account_id,
               cdr_country_code, cdr_party_id, cdr_id, period, corrects_id, issued_at,
               supply_date, document_json, gross, currency)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            numbered.kind.value, series, year, seq, numbered.number, account_id, *key, period,
            corrects_id, epoch_ms(issued_at), numbered.supply_date.isoformat(),
            document_to_json(numbered), str(numbered.totals.gross), numbered.currency,
        ),
    )  # fmt: skip
    return StoredDocument(
        int(cur.lastrowid or 0), account_id, numbered, stored_key,
        corrects_id, issued_at, period,
    )  # fmt: skip


def by_number(conn: sqlite3.Connection, number: str) -> StoredDocument | None:
    row = conn.execute("SELECT * FROM billing_documents WHERE number = ?", (number,)).fetchone()
    return _stored(row) if row else None


def by_id(conn: sqlite3.Connection, document_id: int) -> StoredDocument | None:
    row = conn.execute("SELECT * FROM billing_documents WHERE id = ?", (document_id,)).fetchone()
    return _stored(row) if row else None


def for_cdr(conn: sqlite3.Connection, kind: DocumentKind, key: CdrKey) -> StoredDocument | None:
    """The invoice (or credit note) issued for a CDR, if any."""
    row = conn.execute(
        """SELECT * FROM billing_documents WHERE kind = ? AND cdr_country_code = ?
           AND cdr_party_id = ? AND cdr_id = ?""",
        (kind.value, key[0].upper(), key[1].upper(), key[2]),
    ).fetchone()
    return _stored(row) if row else None


def for_period(conn: sqlite3.Connection, account_id: int, period: str) -> StoredDocument | None:
    row = conn.execute(
        "SELECT * FROM billing_documents WHERE account_id = ? AND period = ?",
        (account_id, period),
    ).fetchone()
    return _stored(row) if row else None


def for_account(
    conn: sqlite3.Connection,
    account_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    kind: DocumentKind | None = None,
) -> list[StoredDocument]:
    """An account's documents issued in [since, until), in number order within issue order."""
    where: list[str] = ["account_id = ?"]
    args: list[object] = [account_id]
    if since is not None:
        where.append("issued_at >= ?")
        args.append(epoch_ms(since))
    if until is not None:
        where.append("issued_at < ?")
        args.append(epoch_ms(until))
    if kind is not None:
        where.append("kind = ?")
        args.append(kind.value)
    rows = conn.execute(
        f"SELECT * FROM billing_documents WHERE {' AND '.join(where)} ORDER BY issued_at, id",
        args,
    )
    return [_stored(r) for r in rows]


def corrections_of(conn: sqlite3.Connection, invoice_id: int) -> list[StoredDocument]:
    """The credit notes that correct an invoice, oldest first."""
    rows = conn.execute(
        "SELECT * FROM billing_documents WHERE corrects_id = ? ORDER BY id", (invoice_id,)
    )
    return [_stored(r) for r in rows]


def numbers(conn: sqlite3.Connection, series: str, year: int) -> list[int]:
    """The sequence numbers issued in a series and year, ascending (gapless: 1..n)."""
    rows = conn.execute(
        "SELECT seq FROM billing_documents WHERE series = ? AND year = ? ORDER BY seq",
        (series, year),
    )
    return [int(r[0]) for r in rows]
