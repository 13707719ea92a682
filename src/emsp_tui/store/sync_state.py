"""Sync checkpoints: one row per (partner, module), written in the transaction of each page.

A crawl is a run of GET pages over a ``date_from``/``date_to`` window. ``begin_crawl`` opens
it, ``store_page`` (in store.locations) commits each page together with its checkpoint, and
``finish_crawl`` closes it. Killed in between, the row still says ``in_progress`` with the
``next_url`` of the first page not yet committed, so the next run resumes there.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from ..ocpi.types import format_datetime, parse_datetime


@dataclass
class SyncState:
    partner_id: int
    module: str
    synced_to: datetime | None = None  # date_to of the last complete crawl: next date_from
    in_progress: bool = False
    crawl_id: int = 0
    crawl_from: datetime | None = None  # None: a full crawl
    crawl_to: datetime | None = None
    next_url: str | None = None
    last_updated: datetime | None = None  # newest object committed by the crawl
    pages: int = 0
    stored: int = 0
    rejected: int = 0
    purged: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None


def _dt(text: str | None) -> datetime | None:
    return parse_datetime(text) if text else None


def _text(value: datetime | None) -> str | None:
    return format_datetime(value) if value else None


def get_sync_state(conn: sqlite3.Connection, partner_id: int, module: str) -> SyncState:
    """The checkpoint; a blank one (never synced) when there is none."""
    row = conn.execute(
        "SELECT * FROM sync_state WHERE partner_id = ? AND module = ?", (partner_id, module)
    ).fetchone()
    if row is None:
        return SyncState(partner_id, module)
    return SyncState(
        partner_id=partner_id,
        module=module,
        synced_to=_dt(row["synced_to"]),
        in_progress=bool(row["in_progress"]),
        crawl_id=row["crawl_id"],
        crawl_from=_dt(row["crawl_from"]),
        crawl_to=_dt(row["crawl_to"]),
        next_url=row["next_url"],
        last_updated=_dt(row["last_updated"]),
        pages=row["pages"],
        stored=row["stored"],
        rejected=row["rejected"],
        purged=row["purged"],
        started_at=_dt(row["started_at"]),
        finished_at=_dt(row["finished_at"]),
        last_error=row["last_error"],
        last_error_at=_dt(row["last_error_at"]),
    )


def current_crawl_id(conn: sqlite3.Connection, partner_id: int, module: str) -> int:
    row = conn.execute(
        "SELECT crawl_id FROM sync_state WHERE partner_id = ? AND module = ?", (partner_id, module)
    ).fetchone()
    return int(row[0]) if row else 0


def begin_crawl(
    conn: sqlite3.Connection,
    partner_id: int,
    module: str,
    date_from: datetime | None,
    date_to: datetime | None,
    *,
    now: datetime | None = None,
) -> int:
    """Open a crawl of ``[date_from, date_to)`` (``date_from`` None: full); returns its id."""
    started = _text(now or datetime.now(UTC))
    conn.execute(
        """INSERT INTO sync_state (partner_id, module, in_progress, crawl_id, crawl_from,
               crawl_to, next_url, last_updated, pages, stored, rejected, purged, started_at,
               finished_at)
           VALUES (?, ?, 1, 1, ?, ?, NULL, NULL, 0, 0, 0, 0, ?, NULL)
           ON CONFLICT (partner_id, module) DO UPDATE SET in_progress = 1,
               crawl_id = crawl_id + 1, crawl_from = excluded.crawl_from,
               crawl_to = excluded.crawl_to, next_url = NULL, last_updated = NULL, pages = 0,
               stored = 0, rejected = 0, purged = 0, started_at = excluded.started_at,
               finished_at = NULL""",
        (partner_id, module, _text(date_from), _text(date_to), started),
    )
    return current_crawl_id(conn, partner_id, module)


def record_page(
    conn: sqlite3.Connection,
    partner_id: int,
    module: str,
    *,
    stored: int,
    rejected: int,
    next_url: str | None,
    last_updated: datetime | None,
) -> None:
    """Advance the checkpoint past one page; call in the page's own transaction."""
    row = conn.execute(
        "SELECT last_updated FROM sync_state WHERE partner_id = ? AND module = ?",
        (partner_id, module),
    ).fetchone()
    if row is None:
        raise LookupError(f"no crawl of {module} begun for partner {partner_id}")
    newest = _dt(row[0])
    if last_updated is not None and (newest is None or last_updated > newest):
        newest = last_updated
    conn.execute(
        """UPDATE sync_state SET pages = pages + 1, stored = stored + ?, rejected = rejected + ?,
               next_url = ?, last_updated = ? WHERE partner_id = ? AND module = ?""",
        (stored, rejected, next_url, _text(newest), partner_id, module),
    )


def finish_crawl_state(
    conn: sqlite3.Connection, partner_id: int, module: str, purged: int, now: datetime | None
) -> None:
    conn.execute(
        """UPDATE sync_state SET in_progress = 0, synced_to = crawl_to, next_url = NULL,
               purged = ?, finished_at = ?, last_error = NULL, last_error_at = NULL
           WHERE partner_id = ? AND module = ?""",
        (purged, _text(now or datetime.now(UTC)), partner_id, module),
    )


def record_sync_error(
    conn: sqlite3.Connection,
    partner_id: int,
    module: str,
    error: str,
    *,
    now: datetime | None = None,
) -> None:
    """Note why a crawl stopped; the checkpoint itself is left as the last page set it."""
    conn.execute(
        """INSERT INTO sync_state (partner_id, module, last_error, last_error_at) VALUES (?,?,?,?)
           ON CONFLICT (partner_id, module) DO UPDATE SET last_error = excluded.last_error,
               last_error_at = excluded.last_error_at""",
        (partner_id, module, error, _text(now or datetime.now(UTC))),
    )
