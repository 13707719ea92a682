"""Rows stored before the models' rules tightened (issue #11) read as absent, one warning
each, instead of failing every search and page that touches them."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest

from emsp_tui.store import locations as store
from emsp_tui.store import tariffs as tariff_store
from tests.store.test_locations import Store, connector, evse, location, tariff

ESC = "\x1b[31m"


def _taint(conn: sqlite3.Connection, table: str, key: str) -> None:
    """What an earlier version let through: a control character in a stored name."""
    if table == "location_json":
        where = "pk = (SELECT pk FROM locations WHERE id = ?)"
        field, value = "name", f"Sta{ESC}tion"
    else:
        where, field = "id = ?", "tariff_alt_text"
        value = [{"language": "en", "text": f"Cheap{ESC}"}]  # type: ignore[assignment]
    [data] = conn.execute(f"SELECT data FROM {table} WHERE {where}", (key,)).fetchone()
    changed = json.dumps({**json.loads(data), field: value})
    conn.execute(f"UPDATE {table} SET data = ? WHERE {where}", (changed, key))


def test_an_old_tariff_that_breaks_a_rule_is_left_out_not_fatal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    st = Store(tmp_path / "emsp.sqlite3")
    st.run(tariff_store.upsert_tariffs, st.partner_id, [tariff("OLD", 0.40), tariff("OK", 0.50)])
    plugs = [connector(tariffs=["OLD", "OK"])]
    st.put(location("L1", evses=[evse("1", "AVAILABLE", *plugs)]))  # type: ignore[arg-type]
    st.run(_taint, "tariffs", "OLD")
    with caplog.at_level(logging.WARNING):
        held = st.run(tariff_store.tariffs_for_location, "NL", "TST", "L1")
        alone = st.run(tariff_store.get_tariff, "NL", "TST", "OLD")
    assert [t.id for t in held] == ["OK"]
    assert alone is None
    assert "Tariff NL*TST*OLD no longer validates" in caplog.text


def test_an_old_location_that_breaks_a_rule_reads_as_absent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    st = Store(tmp_path / "emsp.sqlite3")
    st.put(location("L1"), location("L2"))  # type: ignore[arg-type]
    st.run(_taint, "location_json", "L1")
    with caplog.at_level(logging.WARNING):
        assert st.run(store.get_location, "NL", "TST", "L1") is None
    assert st.run(store.get_location, "NL", "TST", "L2") is not None
    assert "Location NL*TST*L1 no longer validates" in caplog.text
