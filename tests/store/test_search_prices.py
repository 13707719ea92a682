"""Prices are per power class: a DC search filters and shows the DC connectors' price (#10)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from emsp_tui.store import Database
from emsp_tui.store import locations as store
from emsp_tui.store.migrations import MIGRATIONS
from emsp_tui.store.search import SearchQuery, search
from tests.store.test_locations import Store, connector, evse, location, tariff

BERLIN = (52.52, 13.405)


def berlin_station() -> object:
    """The newcomer's case: an AC charger at 0.43 beside CCS chargers at 0.65 and 0.79."""
    return location(
        "MIXED",
        "Alexanderplatz",
        52.5219,
        13.4132,
        evses=[
            evse("A1", "AVAILABLE", connector("1", "IEC_62196_T2", 22, tariffs=["AC"])),
            evse("D1", "AVAILABLE", connector("1", "IEC_62196_T2_COMBO", 150, tariffs=["DC1"])),
            evse("D2", "AVAILABLE", connector("1", "IEC_62196_T2_COMBO", 300, tariffs=["DC2"])),
        ],
    )


def add_tariffs(st: Store) -> None:
    st.run(store.upsert_tariffs, st.partner_id, [
        tariff("AC", 0.43, vat=None), tariff("DC1", 0.65, vat=None), tariff("DC2", 0.79, vat=None),
    ])  # fmt: skip


def found(st: Store, **query: object) -> dict[str, float | None]:
    page = st.run(search, SearchQuery(near=BERLIN, radius_km=5, **query))  # type: ignore[arg-type]
    return {hit.id: hit.energy_price for hit in page.hits}


@pytest.mark.parametrize("tariffs_first", [True, False])
def test_a_dc_search_filters_and_shows_the_dc_price(tmp_path: Path, tariffs_first: bool) -> None:
    st = Store(tmp_path / "emsp.sqlite3")
    if tariffs_first:
        add_tariffs(st)
    st.put(berlin_station())  # type: ignore[arg-type]
    if not tariffs_first:
        add_tariffs(st)  # the SQL triggers follow the tariffs per class too
    assert found(st, power_type="DC", max_price=0.45) == {}
    assert found(st, power_type="DC", max_price=0.70) == {"MIXED": pytest.approx(0.65)}
    assert found(st, connectors=["IEC_62196_T2_COMBO"], max_price=0.45) == {}
    assert found(st, power_type="AC", max_price=0.45) == {"MIXED": pytest.approx(0.43)}
    assert found(st, connectors=["IEC_62196_T2"]) == {"MIXED": pytest.approx(0.43)}
    assert found(st, max_price=0.45) == {"MIXED": pytest.approx(0.43)}  # any class: cheapest
    assert found(st, power_type="DC") == {"MIXED": pytest.approx(0.65)}


def test_a_removed_evse_does_not_price_its_class(tmp_path: Path) -> None:
    st = Store(tmp_path / "emsp.sqlite3")
    add_tariffs(st)
    st.put(location("L", "Gone", 52.5219, 13.4132, evses=[
        evse("A1", "AVAILABLE", connector("1", "IEC_62196_T2", 22, tariffs=["DC2"])),
        evse("D1", "REMOVED", connector("1", "IEC_62196_T2_COMBO", 150, tariffs=["AC"])),
    ]))  # fmt: skip
    assert found(st, power_type="AC") == {"L": pytest.approx(0.79)}


def _as_before_migration_7(conn: sqlite3.Connection) -> None:
    """Turn a current database back into what migration 6 left: no class tokens or columns."""
    for kind in ("insert", "update", "delete"):
        conn.execute(f"DROP TRIGGER tariffs_price_{kind}")
    conn.execute("ALTER TABLE location_facets DROP COLUMN energy_price_ac")
    conn.execute("ALTER TABLE location_facets DROP COLUMN energy_price_dc")
    for statement in (s for script in MIGRATIONS[:6] for s in script):
        if "CREATE TRIGGER tariffs_price_" in statement:
            conn.execute(statement)
    conn.execute("UPDATE locations SET tariff_ids = ' AC DC1 DC2 '")
    for statement in reversed([s for script in MIGRATIONS[7:] for s in script]):  # undo later
        _undo(conn, statement)
    conn.execute("DELETE FROM schema_version WHERE version >= 7")


def _undo(conn: sqlite3.Connection, statement: str) -> None:
    """Undo one later migration statement that created something (data changes stay)."""
    text = " ".join(statement.split())
    if made := re.match(r"CREATE (TABLE|INDEX|TRIGGER|VIEW) (?:IF NOT EXISTS )?(\w+)", text):
        conn.execute(f"DROP {made[1]} IF EXISTS {made[2]}")
    elif added := re.match(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", text):
        conn.execute(f"ALTER TABLE {added[1]} DROP COLUMN {added[2]}")


def test_the_migration_prices_stored_locations_per_class(tmp_path: Path) -> None:
    path = tmp_path / "emsp.sqlite3"
    old = Store(path)
    add_tariffs(old)
    old.put(berlin_station())  # type: ignore[arg-type]
    old.run(_as_before_migration_7)
    old.db.close_sync()
    db = Database(path)
    db.open_sync()
    tokens = db.transaction_sync(
        lambda c: c.execute("SELECT tariff_ids FROM locations").fetchone()[0]
    )
    assert tokens == " AC AC:AC DC1 DC2 DC:DC1 DC:DC2 "
    page = db.transaction_sync(
        search, SearchQuery(near=BERLIN, radius_km=5, power_type="DC", max_price=0.70)
    )
    assert [(h.id, h.energy_price) for h in page.hits] == [("MIXED", pytest.approx(0.65))]
    db.close_sync()
