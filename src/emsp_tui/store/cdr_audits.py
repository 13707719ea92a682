"""Each CDR's audit against its tariff (``billing.model.CdrAudit``), kept beside the CDR.

Functions take a ``sqlite3.Connection`` and run inside ``Database.run`` (one transaction).
An audit is stored once per CDR; storing it again replaces it (a re-run with a stored tariff
that arrived later), while the invoice issued from it keeps its own copy.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from ..billing.document_json import audit_from_json, audit_to_json
from ..billing.model import CdrAudit
from .message_log import epoch_ms

CdrKey = tuple[str, str, str]


def _key(key: CdrKey) -> CdrKey:
    return key[0].upper(), key[1].upper(), key[2]


def save_audit(conn: sqlite3.Connection, audit: CdrAudit, now: datetime) -> None:
    conn.execute(
        """INSERT INTO cdr_audits (country_code, party_id, cdr_id, audit_json, matches, audited_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (country_code, party_id, cdr_id) DO UPDATE SET
               audit_json = excluded.audit_json, matches = excluded.matches,
               audited_at = excluded.audited_at""",
        (*_key(audit.cdr_key), audit_to_json(audit), int(audit.matches), epoch_ms(now)),
    )


def get_audit(conn: sqlite3.Connection, key: CdrKey) -> CdrAudit | None:
    row = conn.execute(
        "SELECT audit_json FROM cdr_audits WHERE country_code = ? AND party_id = ? AND cdr_id = ?",
        _key(key),
    ).fetchone()
    return audit_from_json(row[0]) if row else None


def flagged_keys(conn: sqlite3.Connection, limit: int = 1000) -> list[CdrKey]:
    """CDRs whose total differs from their tariff's, newest audit first."""
    rows = conn.execute(
        "SELECT country_code, party_id, cdr_id FROM cdr_audits WHERE matches = 0"
        " ORDER BY audited_at DESC LIMIT ?",
        (limit,),
    )
    return [(r[0], r[1], r[2]) for r in rows]
