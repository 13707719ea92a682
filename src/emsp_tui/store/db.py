"""The SQLite database: WAL, versioned migrations, owner-only file permissions.

All access goes through one dedicated thread (``Database.run``), so async callers never block
the event loop and SQLite sees a single writer. Each ``run`` call is one transaction: it commits
when the function returns and rolls back if it raises, so a crash never leaves half a record.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from ..paths import ensure_private_dir
from .migrations import MIGRATIONS

T = TypeVar("T")

# 16 KiB pages for a new store (an existing one keeps its own: changing it means a VACUUM).
# A full sync commits a few MB a page of 1,000 Locations; with 4 KiB pages the commit writes a
# page for nearly every 2.7 KB Location document (two never fit in one) and ~40% more WAL
# frames: a full sync of 60,000 spent ~0.5 s more CPU (bench/sync_bench.py).
PAGE_SIZE = 16384
WAL_CHECKPOINT_BYTES = 80 * 1024 * 1024  # fewer, larger checkpoints than SQLite's 4 MB


class Database:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="emsp-db")
        self._local = threading.local()
        self._conn: sqlite3.Connection | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def open_sync(self) -> None:
        """Open (creating the file owner-only) and migrate. Runs in the db thread."""
        if self.path != Path(":memory:"):
            ensure_private_dir(self.path.parent)
            if not self.path.exists():
                fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
            self.path.chmod(0o600)
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        if conn.execute("PRAGMA page_count").fetchone()[0] == 0:  # a new store
            conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps it consistent
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=5000")
        # A full sync writes 300k locations: a larger page cache and fewer WAL checkpoints
        # cut the store's share of it by about a quarter (bench/store_probe.py).
        conn.execute("PRAGMA cache_size=-65536")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_BYTES // page_size}")
        self._conn = conn
        self._migrate(conn)

    async def open(self) -> Database:
        await asyncio.get_running_loop().run_in_executor(self._executor, self.open_sync)
        return self

    def close_sync(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self.close_sync)
        self._executor.shutdown(wait=True)

    # -- access --------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    def transaction_sync(self, fn: Callable[..., T], *args: Any) -> T:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn, *args)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(conn, *args)`` in one transaction on the database thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.transaction_sync, fn, *args)

    # -- schema --------------------------------------------------------------------------
    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        current = row[0] or 0
        for version, script in enumerate(MIGRATIONS, start=1):
            if version <= current:
                continue
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in script:
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def schema_version_sync(self) -> int:
        return int(self.conn.execute("SELECT max(version) FROM schema_version").fetchone()[0])
