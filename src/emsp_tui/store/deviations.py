"""How each partner deviates from OCPI 2.2.1 in what we read anyway (a wrapped object, a null,
a missing field: see ``ocpi.lenient``), counted per partner and kind for support and
integrators. Functions take a ``sqlite3.Connection`` and run inside ``Database.run``."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from .message_log import epoch_ms, from_ms


@dataclass(frozen=True, slots=True)
class DeviationCount:
    partner_id: int
    kind: str
    seen: int
    last_detail: str | None
    last_at: datetime | None


def record_deviation(
    conn: sqlite3.Connection, partner_id: int, kind: str, detail: str, at: datetime,
    count: int = 1,
) -> None:  # fmt: skip
    conn.execute(
        """INSERT INTO partner_deviations (partner_id, kind, seen, last_detail, last_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (partner_id, kind) DO UPDATE SET seen = seen + excluded.seen,
               last_detail = excluded.last_detail, last_at = excluded.last_at""",
        (partner_id, kind, max(1, count), detail[:500], epoch_ms(at)),
    )


def list_deviations(
    conn: sqlite3.Connection, partner_id: int | None = None
) -> list[DeviationCount]:
    where, args = ("WHERE partner_id = ?", (partner_id,)) if partner_id is not None else ("", ())
    rows = conn.execute(f"SELECT * FROM partner_deviations {where} ORDER BY partner_id, kind", args)
    return [
        DeviationCount(
            r["partner_id"],
            r["kind"],
            r["seen"],
            r["last_detail"],
            from_ms(r["last_at"]) if r["last_at"] is not None else None,
        )
        for r in rows
    ]
