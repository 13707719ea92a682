"""The CDRs we hold, each with its audit against the tariff and the invoice issued for it.

Read-only: for ``emsp cdrs`` and whoever needs the list (newest first). ``flagged``: only the
CDRs whose audit found a total that differs from their tariff's by more than a cent.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from ..billing.model import CdrAudit, DocumentKind
from ..ocpi.models import Cdr
from ..store import Database, cdr_audits, cdrs
from ..store import billing_documents as ledger


@dataclass(frozen=True, slots=True)
class AuditedCdr:
    cdr: Cdr
    received_at: datetime
    audit: CdrAudit | None  # None: not audited yet
    document: str | None  # the number of its invoice (a credit CDR: its credit note), if any

    @property
    def key(self) -> tuple[str, str, str]:
        return self.cdr.country_code.upper(), self.cdr.party_id.upper(), self.cdr.id

    @property
    def flagged(self) -> bool:
        return self.audit is not None and not self.audit.matches


class CdrListing:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def cdrs(self, *, flagged: bool = False, limit: int = 1000) -> list[AuditedCdr]:
        return await self.db.run(_read, flagged, limit)


def _read(conn: sqlite3.Connection, flagged: bool, limit: int) -> list[AuditedCdr]:
    if flagged:
        found = [cdrs.get_cdr(conn, *key) for key in cdr_audits.flagged_keys(conn, limit)]
        stored = sorted(
            (s for s in found if s is not None), key=lambda s: s.cdr.start_date_time, reverse=True
        )
    else:
        stored = cdrs.recent_cdrs(conn, limit)
    out = []
    for s in stored:
        key = (s.cdr.country_code.upper(), s.cdr.party_id.upper(), s.cdr.id)
        kind = DocumentKind.CREDIT_NOTE if s.cdr.credit else DocumentKind.INVOICE
        document = ledger.for_cdr(conn, kind, key)
        audit = cdr_audits.get_audit(conn, key)
        out.append(
            AuditedCdr(s.cdr, s.received_at, audit, document.document.number if document else None)
        )
    return out
