"""The SQLite store: WAL, migrations, owner-only files, all-or-nothing transactions."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from emsp_tui.store import Database
from emsp_tui.store import partners as store
from emsp_tui.store.migrations import MIGRATIONS
from emsp_tui.store.partners import Partner, Party


async def test_database_is_wal_private_and_migrated(tmp_path: Path) -> None:
    db = await Database(tmp_path / "data" / "emsp.sqlite3").open()
    try:
        mode = await db.run(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0])
        assert mode == "wal"
        assert await db.run(lambda c: db.schema_version_sync()) == len(MIGRATIONS)
    finally:
        await db.close()
    assert stat.S_IMODE((tmp_path / "data" / "emsp.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    # Opening again does not re-apply migrations.
    db = await Database(tmp_path / "data" / "emsp.sqlite3").open()
    rows = await db.run(lambda c: c.execute("SELECT count(*) FROM schema_version").fetchone()[0])
    await db.close()
    assert rows == len(MIGRATIONS)


async def test_a_failing_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    db = await Database(tmp_path / "emsp.sqlite3").open()

    def half_written(conn: sqlite3.Connection) -> None:
        store.save_partner(conn, Partner(name="a", versions_url="http://a/versions"), "in-a")
        raise RuntimeError("crash in the middle")

    with pytest.raises(RuntimeError):
        await db.run(half_written)
    assert await db.run(store.list_partners) == []
    await db.close()


async def test_partner_tokens_are_hashed_and_found(tmp_path: Path) -> None:
    db = await Database(tmp_path / "emsp.sqlite3").open()
    partner = Partner(
        name="hub",
        versions_url="http://hub/versions",
        token_out="secret-out",
        roles=[{"role": "HUB", "country_code": "NL", "party_id": "HUB"}],
        parties=[Party("nl", "hub", "HUB"), Party("DE", "VOL", "CPO", "Voltwerk")],
    )
    await db.run(store.save_partner, partner, "secret-in")
    found = await db.run(store.partner_by_token, "secret-in")
    assert found is not None
    assert found.name == "hub"
    assert found.is_hub
    assert [p.key for p in found.parties] == ["DE*VOL", "NL*HUB"]  # upper-cased
    assert await db.run(store.partner_by_token, "secret-out") is None
    raw = await db.run(lambda c: c.execute("SELECT token_in FROM partners").fetchone()[0])
    assert "secret-in" not in raw
    assert "secret-out" not in repr(found)
    await db.close()


async def test_registration_token_is_single_use(tmp_path: Path) -> None:
    db = await Database(tmp_path / "emsp.sqlite3").open()
    await db.run(store.add_registration_token, "token-a", "for DE*VOL")
    assert await db.run(store.is_registration_token, "token-a")
    assert await db.run(store.consume_registration_token, "token-a")
    assert not await db.run(store.consume_registration_token, "token-a")
    assert not await db.run(store.is_registration_token, "token-a")
    await db.close()


def test_migration_6_keeps_what_search_needed_from_the_evse_tables(tmp_path: Path) -> None:
    """A store written before migration 6: its UNKNOWN counts and connector kinds survive."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version, script in enumerate(MIGRATIONS[:5], start=1):
        for statement in script:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (?)", (version,))
    conn.execute(
        """INSERT INTO locations (pk, country_code, party_id, id, partner_id, last_updated,
               publish, visible, address, city, country, latitude, longitude, time_zone,
               sort_key, evses_total)
           VALUES (7, 'NL', 'TST', 'L1', 1, 0, 1, 1, 'a', 'c', 'NLD', 52, 5, 'UTC', 'a', 3)"""
    )
    conn.executemany(
        "INSERT INTO evses VALUES (7, ?, NULL, ?, 22)",
        [("A", "UNKNOWN"), ("B", "AVAILABLE"), ("C", "UNKNOWN"), ("D", "REMOVED")],
    )
    conn.executemany(
        "INSERT INTO connectors VALUES (7, ?, '1', ?, ?, ?, ?)",
        [
            ("A", "UNKNOWN", "IEC_62196_T2", "AC_3_PHASE", 11.0),
            ("B", "AVAILABLE", "IEC_62196_T2", "AC_3_PHASE", 22.0),
            ("C", "UNKNOWN", "IEC_62196_T2", "AC_3_PHASE", 22.0),
            ("D", "REMOVED", "CHADEMO", "DC", 50.0),
        ],
    )
    conn.close()
    db = Database(path)
    db.open_sync()
    try:
        assert db.schema_version_sync() == len(MIGRATIONS)
        read = db.conn.execute
        assert [tuple(r) for r in read("SELECT evses_unknown FROM locations")] == [(2,)]
        assert sorted(map(tuple, read("SELECT * FROM location_connectors"))) == [
            (7, "IEC_62196_T2", "AC_3_PHASE", 0, 22.0),
            (7, "IEC_62196_T2", "AC_3_PHASE", 1, 22.0),
        ]
        tables = {r[0] for r in read("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert not {"evses", "connectors"} & tables
    finally:
        db.close_sync()
