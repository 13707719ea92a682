"""Every table's contents, to prove a refused request wrote nothing.

The OCPI message log and the refusal counters are left out: recording a refusal is their job.
Full-text and r-tree shadow tables are included (they are plain tables underneath).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from emsp_tui.store import Database

RECORDS_OF_REFUSALS = frozenset({"ocpi_messages", "push_rejections"})

Snapshot = dict[str, list[tuple[Any, ...]]]


def _contents(conn: sqlite3.Connection) -> Snapshot:
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
        )
    ]
    return {
        name: sorted((tuple(row) for row in conn.execute(f'SELECT * FROM "{name}"')), key=repr)
        for name in sorted(names)
        if name not in RECORDS_OF_REFUSALS
    }


async def table_contents(db: Database) -> Snapshot:
    return await db.run(_contents)


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """Names of the tables whose rows changed (empty: nothing was written)."""
    return [
        name for name in sorted(before.keys() | after.keys()) if before.get(name) != after.get(name)
    ]
