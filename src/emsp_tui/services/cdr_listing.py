"""The CDRs we hold, each with its audit against the tariff and the invoice issued for it.

Read-only: for ``emsp cdrs`` and whoever needs the list. ``flags`` are the store's
(``store.cdrs.flags_of``: a card we never issued, a session we never saw, a credit for a CDR we
do not hold, a total that differs from the tariff's); ``flagged=True`` lists only those CDRs.
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
    flags: tuple[cdrs.Flag, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return _key(self.cdr)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def flag_texts(self) -> tuple[str, ...]:
        return tuple(cdrs.FLAG_TEXT[f] for f in self.flags)


class CdrListing:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def cdrs(self, *, flagged: bool = False, limit: int = 1000) -> list[AuditedCdr]:
        return await self.db.run(_read, flagged, limit)


def _read(conn: sqlite3.Connection, flagged: bool, limit: int) -> list[AuditedCdr]:
    """Newest charge first (``flagged``: the latest received first, as the store lists them)."""
    found: list[tuple[cdrs.StoredCdr, tuple[cdrs.Flag, ...]]]
    if flagged:
        found = cdrs.flagged_cdrs(conn, limit)
    else:
        found = [(s, cdrs.flags_of(conn, _key(s.cdr)) or ()) for s in cdrs.recent_cdrs(conn, limit)]
    out = []
    for stored, flags in found:
        key = _key(stored.cdr)
        kind = DocumentKind.CREDIT_NOTE if stored.cdr.credit else DocumentKind.INVOICE
        document = ledger.for_cdr(conn, kind, key)
        number = document.document.number if document else None
        audit = cdr_audits.get_audit(conn, key)
        out.append(AuditedCdr(stored.cdr, stored.received_at, audit, number, flags))
    return out


def _key(cdr: Cdr) -> tuple[str, str, str]:
    return cdr.country_code.upper(), cdr.party_id.upper(), cdr.id
