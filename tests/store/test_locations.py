"""The location/tariff store: page upserts, all-or-nothing pages, checkpoints, pushes, prices.

Real SQLite files in tmp_path; data from the spec's examples and small generated Locations.
The builders at the top are shared with test_search.py.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from emsp_tui.ocpi.models import EVSE, Connector, Location, Tariff
from emsp_tui.store import Database, partners
from emsp_tui.store import location_pushes as pushes
from emsp_tui.store import locations as store
from emsp_tui.store.location_index import CONNECTOR_STANDARDS, FACILITIES
from emsp_tui.store.search import SearchQuery, search
from tests.paths import OCPI_EXAMPLES

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


# -- builders (shared with test_search.py) ----------------------------------------------------
def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((OCPI_EXAMPLES / name).read_text())
    return data


def stamp(minutes: int = 0) -> str:
    return (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def connector(
    id: str = "1",
    standard: str = "IEC_62196_T2",
    kw: float = 22.0,
    power_type: str | None = None,
    tariffs: list[str] | None = None,
) -> dict[str, Any]:
    """A connector of ``kw`` (given as max_electric_power)."""
    dc = power_type == "DC" or (
        power_type is None and ("COMBO" in standard or standard == "CHADEMO")
    )
    data: dict[str, Any] = {
        "id": id,
        "standard": standard,
        "format": "CABLE" if dc else "SOCKET",
        "power_type": power_type or ("DC" if dc else "AC_3_PHASE"),
        "max_voltage": 920 if dc else 230,
        "max_amperage": 500 if dc else 32,
        "max_electric_power": round(kw * 1000),
        "last_updated": stamp(),
    }
    if tariffs:
        data["tariff_ids"] = tariffs
    return data


def evse(uid: str, status: str = "AVAILABLE", *connectors: dict[str, Any]) -> dict[str, Any]:
    return {
        "uid": uid,
        "evse_id": f"NL*TST*E{uid}",
        "status": status,
        "connectors": list(connectors) or [connector()],
        "last_updated": stamp(),
    }


def location(
    id: str,
    name: str = "Station",
    lat: float = 52.0,
    lon: float = 5.0,
    evses: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Location:
    data: dict[str, Any] = {
        "country_code": "NL",
        "party_id": "TST",
        "id": id,
        "publish": True,
        "name": name,
        "address": "Teststraat 1",
        "city": "Teststad",
        "postal_code": "1234 AB",
        "country": "NLD",
        "coordinates": {"latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}"},
        "evses": evses if evses is not None else [evse(f"{id}-1")],
        "time_zone": "Europe/Amsterdam",
        "last_updated": stamp(),
    }
    data.update(fields)
    return Location.model_validate(data)


def tariff(id: str, price: float, vat: float | None = 21.0, **fields: Any) -> Tariff:
    component: dict[str, Any] = {"type": "ENERGY", "price": price, "step_size": 1}
    if vat is not None:
        component["vat"] = vat
    data: dict[str, Any] = {
        "country_code": "NL",
        "party_id": "TST",
        "id": id,
        "currency": "EUR",
        "elements": [{"price_components": [component]}],
        "last_updated": stamp(),
    }
    data.update(fields)
    return Tariff.model_validate(data)


class Store:
    """A real database file with one partner; ``run`` is one transaction, as Database.run."""

    def __init__(self, path: Path) -> None:
        self.db = Database(path)
        self.db.open_sync()
        self.partner_id = self.db.transaction_sync(
            partners.save_partner, partners.Partner(name="cpo", versions_url="http://cpo/versions")
        )

    def run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return self.db.transaction_sync(lambda conn: fn(conn, *args, **kwargs))

    def put(self, *locations: Location) -> store.UpsertResult:
        result: store.UpsertResult = self.run(
            store.upsert_locations, self.partner_id, list(locations)
        )
        return result

    def search(self, **query: Any) -> list[str]:
        """Ids of the first page, in order."""
        return [hit.id for hit in self.run(search, SearchQuery(**query)).hits]

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.db.conn.execute(sql)]


@pytest.fixture
def st(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "emsp.sqlite3")
    yield s
    s.db.close_sync()


# -- round trip, replacement, staleness -------------------------------------------------------
def test_upsert_then_get_round_trips_the_spec_example(st: Store) -> None:
    original = Location.model_validate(example("location_example.json"))
    assert st.put(original) == store.UpsertResult(inserted=1)
    stored = st.run(store.get_location, "be", "bec", "loc1")  # CiStrings: any case finds it
    assert stored is not None
    assert stored.to_ocpi() == original.to_ocpi()
    assert st.rows("SELECT country_code, party_id, id FROM locations") == [("BE", "BEC", "LOC1")]
    assert st.run(store.get_location, "BE", "BEC", "LOC2") is None


def test_keys_are_stored_upper_case_and_emitted_upper_case(st: Store) -> None:
    st.put(location("abc-1", country_code="nl", party_id="tst"))
    stored = st.run(store.get_location, "NL", "TST", "ABC-1")
    assert stored is not None
    assert (stored.country_code, stored.party_id, stored.id) == ("NL", "TST", "abc-1")


def test_reupserting_replaces_evses_and_connectors(st: Store) -> None:
    two = [
        evse("A", "AVAILABLE", connector("1"), connector("2", "IEC_62196_T2_COMBO", 150)),
        evse("B", "CHARGING", connector("1", kw=11)),
        evse("R", "REMOVED", connector("1", "CHADEMO", 50)),
    ]
    st.put(location("L1", evses=two))
    # One row per kind of connector (standard, power type, on an AVAILABLE EVSE) with its
    # fastest power; REMOVED EVSEs count for nothing.
    assert sorted(st.rows("SELECT * FROM location_connectors")) == [
        (1, "IEC_62196_T2", "AC_3_PHASE", 0, 11.0),
        (1, "IEC_62196_T2", "AC_3_PHASE", 1, 22.0),
        (1, "IEC_62196_T2_COMBO", "DC", 1, 150.0),
    ]
    st.put(location("L1", evses=[evse("C", "UNKNOWN")], last_updated=stamp(5)))
    assert st.rows("SELECT * FROM location_connectors") == [
        (1, "IEC_62196_T2", "AC_3_PHASE", 0, 22.0)
    ]
    assert st.rows("SELECT evses_total, evses_unknown FROM locations") == [(1, 1)]
    assert st.rows("SELECT count(*) FROM locations") == [(1,)]
    stored = st.run(store.get_location, "NL", "TST", "L1")
    assert [e.uid for e in stored.evses] == ["C"]
    assert st.run(search, SearchQuery()).hits[0].evses_total == 1


def test_an_older_copy_never_overwrites_a_newer_one(st: Store) -> None:
    st.put(location("L1", name="New name", last_updated=stamp(10)))
    result = st.put(location("L1", name="Old name", last_updated=stamp(0)))
    assert result == store.UpsertResult(skipped=1)
    assert st.run(store.get_location, "NL", "TST", "L1").name == "New name"
    assert st.search(text="new") == ["L1"]
    assert st.search(text="old") == []


def test_the_last_copy_in_a_page_wins(st: Store) -> None:
    result = st.put(location("L1", name="First"), location("l1", name="Second"))
    assert result == store.UpsertResult(inserted=1)
    assert st.run(store.get_location, "NL", "TST", "L1").name == "Second"


def test_duplicate_ids_inside_a_location_do_not_break_the_page(st: Store) -> None:
    twice = [evse("A", "AVAILABLE", connector("1"), connector("1", kw=11)), evse("a")]
    st.put(location("L1", evses=twice), location("L2"))
    assert st.rows("SELECT count(*) FROM locations") == [(2,)]


# -- pages, checkpoints, crawls ----------------------------------------------------------------
class CrashingConnection:
    """Passes everything through until the statement that starts with ``crash_at``."""

    def __init__(self, conn: sqlite3.Connection, crash_at: str) -> None:
        self.conn = conn
        self.crash_at = crash_at

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)

    def executemany(self, sql: str, rows: Any) -> Any:
        if sql.startswith(self.crash_at):
            raise OSError("disk on fire")
        return self.conn.executemany(sql, rows)


@pytest.mark.parametrize(
    "crash_at", ["INSERT INTO location_connectors", "INSERT INTO location_geo"]
)
def test_a_page_failing_midway_leaves_no_rows_and_the_checkpoint_unmoved(
    st: Store, crash_at: str
) -> None:
    pid = st.partner_id
    st.run(store.begin_crawl, pid, "locations", None, T0, now=T0)
    st.run(store.store_page, pid, "locations", [location("L1")], "http://cpo/next?offset=1")
    before = st.run(store.get_sync_state, pid, "locations")
    tables = [
        "locations", "location_json", "location_facets", "location_connectors", "location_fts",
        "location_geo", "location_hours_exceptions",
    ]  # fmt: skip
    counts = {t: st.rows(f"SELECT count(*) FROM {t}") for t in tables}
    page = [location(f"L{n}", opening_times={"twentyfourseven": True}) for n in range(2, 6)]
    with pytest.raises(OSError, match="disk on fire"):
        st.db.transaction_sync(
            lambda conn: store.store_page(
                CrashingConnection(conn, crash_at),  # type: ignore[arg-type]
                pid,
                "locations",
                page,
                "http://cpo/next?offset=5",
            )
        )
    assert {t: st.rows(f"SELECT count(*) FROM {t}") for t in tables} == counts
    assert st.run(store.get_sync_state, pid, "locations") == before
    assert st.search() == ["L1"]


def test_each_page_moves_the_checkpoint_in_its_own_transaction(st: Store) -> None:
    pid = st.partner_id
    assert st.run(store.get_sync_state, pid, "locations").in_progress is False
    st.run(store.begin_crawl, pid, "locations", None, T0 + timedelta(days=1), now=T0)
    st.run(
        store.store_page, pid, "locations",
        [location("L1", last_updated=stamp(3)), location("L2", last_updated=stamp(1))],
        "http://cpo/locations?offset=2", 1,
    )  # fmt: skip
    state = st.run(store.get_sync_state, pid, "locations")
    assert state.in_progress
    assert (state.next_url, state.pages, state.stored, state.rejected) == (
        "http://cpo/locations?offset=2", 1, 2, 1,
    )  # fmt: skip
    assert state.last_updated == T0 + timedelta(minutes=3)
    assert state.crawl_from is None
    assert state.crawl_to == T0 + timedelta(days=1)
    st.run(store.store_page, pid, "locations", [location("L3", last_updated=stamp(2))], None)
    state = st.run(store.get_sync_state, pid, "locations")
    assert (state.pages, state.stored, state.next_url) == (2, 3, None)
    assert state.last_updated == T0 + timedelta(minutes=3)  # the newest, not the last page's
    st.run(store.finish_crawl, pid, "locations", True, now=T0 + timedelta(hours=1))
    state = st.run(store.get_sync_state, pid, "locations")
    assert not state.in_progress
    assert state.synced_to == T0 + timedelta(days=1)  # the next crawl's date_from
    assert state.finished_at == T0 + timedelta(hours=1)


def test_a_full_crawl_purges_what_the_partner_no_longer_returns(st: Store) -> None:
    pid = st.partner_id
    st.run(store.begin_crawl, pid, "locations", None, T0, now=T0)
    st.run(store.store_page, pid, "locations", [location("L1"), location("L2")], None)
    st.run(store.finish_crawl, pid, "locations", True)
    # The next full crawl returns only L1; L3 arrives by push while it runs.
    st.run(store.begin_crawl, pid, "locations", None, T0, now=T0)
    st.run(store.store_page, pid, "locations", [location("L1", last_updated=stamp(1))], None)
    st.put(location("L3"))
    assert st.run(store.finish_crawl, pid, "locations", True) == 1
    assert sorted(r[0] for r in st.rows("SELECT id FROM locations")) == ["L1", "L3"]
    assert st.rows(
        "SELECT count(*) FROM location_connectors"
        " WHERE location_pk NOT IN (SELECT pk FROM locations)"
    ) == [(0,)]
    assert sorted(st.search()) == ["L1", "L3"]
    # An incremental crawl purges nothing.
    st.run(store.begin_crawl, pid, "locations", T0, T0 + timedelta(days=1), now=T0)
    assert st.run(store.finish_crawl, pid, "locations", False) == 0


def test_sync_errors_are_recorded_without_moving_the_checkpoint(st: Store) -> None:
    pid = st.partner_id
    st.run(store.begin_crawl, pid, "tariffs", None, T0, now=T0)
    st.run(store.store_page, pid, "tariffs", [tariff("T1", 0.3)], "http://cpo/tariffs?offset=1")
    st.run(store.record_sync_error, pid, "tariffs", "timeout", now=T0)
    state = st.run(store.get_sync_state, pid, "tariffs")
    assert (state.last_error, state.last_error_at) == ("timeout", T0)
    assert state.in_progress
    assert state.next_url == "http://cpo/tariffs?offset=1"


def test_deleting_the_partner_removes_its_roaming_data(st: Store) -> None:
    st.put(location("L1"))
    st.run(store.upsert_tariffs, st.partner_id, [tariff("T1", 0.3)])
    st.run(partners.delete_partner, "cpo")
    for table in ["locations", "location_json", "location_facets", "location_connectors",
                  "location_fts", "location_geo", "tariffs"]:  # fmt: skip
        assert st.rows(f"SELECT count(*) FROM {table}") == [(0,)], table


# -- tariffs and prices --------------------------------------------------------------------------
def price_of(st: Store, id: str) -> tuple[Any, ...]:
    return st.rows(
        f"SELECT f.energy_price, f.price_currency FROM location_facets f"
        f" JOIN locations l ON l.pk = f.pk WHERE l.id = '{id}'"
    )[0]


def test_the_price_is_the_cheapest_energy_price_incl_vat_of_the_connectors_tariffs(
    st: Store,
) -> None:
    st.run(store.upsert_tariffs, st.partner_id, [tariff("CHEAP", 0.30), tariff("DEAR", 0.50)])
    plugs = evse(
        "A", "AVAILABLE", connector("1", tariffs=["dear"]), connector("2", tariffs=["cheap"])
    )
    st.put(
        location("L1", evses=[plugs]),
        location("L2", evses=[evse("B", "AVAILABLE", connector(tariffs=["unknown"]))]),
    )
    assert price_of(st, "L1") == (pytest.approx(0.363), "EUR")
    assert price_of(st, "L2") == (None, None)
    found = st.run(store.tariffs_for_location, "nl", "tst", "l1")
    assert [t.id for t in found] == ["CHEAP", "DEAR"]


def test_prices_follow_tariffs_that_arrive_change_or_go_after_the_locations(st: Store) -> None:
    st.put(location("L1", evses=[evse("A", "AVAILABLE", connector(tariffs=["T1", "T2"]))]))
    assert price_of(st, "L1") == (None, None)
    st.run(store.upsert_tariffs, st.partner_id, [tariff("T1", 0.40, vat=None)])
    assert price_of(st, "L1") == (pytest.approx(0.40), "EUR")  # no VAT given: none applies
    st.run(store.upsert_tariffs, st.partner_id, [tariff("T2", 0.20, last_updated=stamp(1))])
    assert price_of(st, "L1") == (pytest.approx(0.242), "EUR")
    st.run(store.upsert_tariffs, st.partner_id, [tariff("T2", 0.50, last_updated=stamp(2))])
    assert price_of(st, "L1") == (pytest.approx(0.40), "EUR")
    assert st.run(store.delete_tariff, "nl", "tst", "t1")
    assert not st.run(store.delete_tariff, "NL", "TST", "T1")
    assert price_of(st, "L1") == (pytest.approx(0.605), "EUR")
    assert st.run(store.get_tariff, "NL", "TST", "T1") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("tariff_8_simple_025kwh.json", 0.275),  # 0.25 + 10 %
        ("tariff_9_025kwh_start.json", 0.275),  # a start fee does not change the kWh price
        ("tariff_5_free_of_charge.json", 0.0),
        ("tariff_1_simple_2hour.json", None),  # priced by time: no kWh price to compare
    ],
)
def test_search_price_of_the_spec_examples(st: Store, name: str, expected: float | None) -> None:
    data = example(name) | {"country_code": "NL", "party_id": "TST", "id": "T"}
    st.run(store.upsert_tariffs, st.partner_id, [Tariff.model_validate(data)])
    st.put(location("L1", evses=[evse("A", "AVAILABLE", connector(tariffs=["T"]))]))
    price = price_of(st, "L1")[0]
    assert price == (pytest.approx(expected) if expected is not None else None)


def test_an_older_tariff_never_overwrites_a_newer_one(st: Store) -> None:
    st.run(store.upsert_tariffs, st.partner_id, [tariff("T1", 0.3, last_updated=stamp(5))])
    result = st.run(store.upsert_tariffs, st.partner_id, [tariff("T1", 0.9, last_updated=stamp(1))])
    assert result == store.UpsertResult(skipped=1)
    assert st.run(store.get_tariff, "NL", "TST", "T1").elements[0].price_components[0].price == 0.3


# -- pushes ----------------------------------------------------------------------------------------
def test_evse_patch_changes_status_and_bumps_the_location(st: Store) -> None:
    st.put(location("L1", evses=[evse("A", "CHARGING"), evse("B", "CHARGING")]))
    assert st.search(available_only=True) == []
    new = st.run(
        pushes.apply_evse_patch, "nl", "tst", "l1", "a",
        {"status": "AVAILABLE", "last_updated": stamp(30)},
    )  # fmt: skip
    assert new.evses[0].status == "AVAILABLE"
    assert new.evses[0].last_updated == new.last_updated == T0 + timedelta(minutes=30)
    stored = st.run(store.get_location, "NL", "TST", "L1")
    assert stored.last_updated == T0 + timedelta(minutes=30)
    assert stored.evses[1].last_updated == T0  # the other EVSE is untouched
    assert st.search(available_only=True) == ["L1"]
    assert st.rows("SELECT available FROM location_connectors ORDER BY available") == [(0,), (1,)]


def test_connector_patch_bumps_the_evse_and_the_location(st: Store) -> None:
    st.put(location("L1", evses=[evse("A", "AVAILABLE", connector("1"), connector("2"))]))
    body = example("location_patch_example_tariff.json")  # tariff_ids 15, 2019
    body["last_updated"] = stamp(45)
    new = st.run(pushes.apply_connector_patch, "NL", "TST", "L1", "A", "2", body)
    assert new.evses[0].connectors[1].tariff_ids == ["15"]
    assert new.evses[0].connectors[0].last_updated == T0
    assert new.evses[0].connectors[1].last_updated == T0 + timedelta(minutes=45)
    assert new.evses[0].last_updated == new.last_updated == T0 + timedelta(minutes=45)
    assert st.run(store.get_location, "NL", "TST", "L1").to_ocpi() == new.to_ocpi()
    assert st.rows("SELECT tariff_ids FROM locations") == [(" 15 AC:15 ",)]


def test_location_patch_renames_in_search(st: Store) -> None:
    st.put(location("L1", name="Gent Zuid"))
    body = example("location_patch_example_location.json")  # name, 2019
    body["last_updated"] = stamp(60)
    new = st.run(pushes.apply_location_patch, "NL", "TST", "L1", body)
    assert new.name == "Interparking Gent Zuid"
    assert st.search(text="interparking") == ["L1"]
    assert st.search(text="gent zuid") == ["L1"]


def test_removed_evse_patch_hides_a_location_whose_evses_are_all_removed(st: Store) -> None:
    st.put(location("L1", lat=51.0, lon=4.0))
    body = example("location_patch_example_remove_evse.json")  # status REMOVED, 2019
    body["last_updated"] = stamp(5)
    st.run(pushes.apply_evse_patch, "NL", "TST", "L1", "L1-1", body)
    assert st.search() == st.search(text="station") == st.search(near=(51.0, 4.0)) == []
    assert st.run(store.get_location, "NL", "TST", "L1").evses[0].status == "REMOVED"
    assert st.run(store.count_by_party) == [store.PartyCount("NL", "TST", 1, 0, 0)]


def test_stale_unknown_and_invalid_pushes(st: Store) -> None:
    st.put(location("L1", last_updated=stamp(10)))
    old = {"status": "OUTOFORDER", "last_updated": stamp(-10)}
    assert (
        st.run(pushes.apply_evse_patch, "NL", "TST", "L1", "L1-1", old).evses[0].status
        == "AVAILABLE"
    )
    assert st.run(pushes.apply_evse_patch, "NL", "TST", "L9", "L1-1", old) is None
    assert st.run(pushes.apply_evse_patch, "NL", "TST", "L1", "NOPE", old) is None
    assert st.run(pushes.apply_connector_patch, "NL", "TST", "L1", "L1-1", "9", old) is None
    with pytest.raises(ValueError, match="last_updated"):
        st.run(pushes.apply_location_patch, "NL", "TST", "L1", {"name": "x"})
    with pytest.raises(ValidationError):
        st.run(pushes.apply_evse_patch, "NL", "TST", "L1", "L1-1",
               {"status": "BROKEN", "last_updated": stamp(20)})  # fmt: skip
    assert st.run(store.get_location, "NL", "TST", "L1").evses[0].status == "AVAILABLE"


def test_put_evse_and_connector_add_and_replace(st: Store) -> None:
    st.put(location("L1", lat=52.1, lon=5.1))
    added = EVSE.model_validate(
        evse("B", "AVAILABLE", connector("1", "CHADEMO", 50)) | {"last_updated": stamp(7)}
    )
    new = st.run(pushes.put_evse, "NL", "TST", "L1", added)
    assert [e.uid for e in new.evses] == ["L1-1", "B"]
    assert new.last_updated == T0 + timedelta(minutes=7)
    assert st.search(connectors=["CHADEMO"]) == ["L1"]
    plug = Connector.model_validate(
        connector("2", "IEC_62196_T2_COMBO", 150) | {"last_updated": stamp(9)}
    )
    new = st.run(pushes.put_connector, "NL", "TST", "L1", "B", plug)
    assert [c.id for c in new.evses[1].connectors] == ["1", "2"]
    assert new.evses[1].last_updated == new.last_updated == T0 + timedelta(minutes=9)
    assert st.search(min_kw=150, power_type="DC") == ["L1"]
    assert st.run(pushes.put_evse, "NL", "TST", "L9", added) is None


# -- counts -----------------------------------------------------------------------------------
def test_counts_per_partner_and_party(st: Store) -> None:
    other = st.run(partners.save_partner, partners.Partner(name="hub", versions_url="http://hub/v"))
    st.put(location("L1"), location("L2", publish=False),
           location("L3", evses=[evse("A"), evse("B", "REMOVED")]))  # fmt: skip
    st.run(store.upsert_locations, other, [location("X1", country_code="DE", party_id="ABC")])
    assert st.run(store.count_locations) == 4
    assert st.run(store.count_locations, st.partner_id) == 3
    assert st.run(store.count_by_party) == [
        store.PartyCount("DE", "ABC", 1, 1, 1), store.PartyCount("NL", "TST", 3, 2, 3),
    ]  # fmt: skip
    assert st.run(store.count_by_party, other) == [store.PartyCount("DE", "ABC", 1, 1, 1)]


def test_bit_tables_cover_every_enum_value() -> None:
    from emsp_tui.ocpi.enums import ConnectorType, Facility

    assert set(CONNECTOR_STANDARDS) == {str(c) for c in ConnectorType}
    assert set(FACILITIES) == {str(f) for f in Facility}
    assert len(CONNECTOR_STANDARDS) <= 63


async def test_works_through_the_database_thread(tmp_path: Path) -> None:
    db = await Database(tmp_path / "emsp.sqlite3").open()
    try:
        pid = await db.run(
            partners.save_partner, partners.Partner(name="p", versions_url="http://p")
        )
        await db.run(store.upsert_locations, pid, [location("L1")])
        page = await db.run(search, SearchQuery(text="stat"))
        assert [h.id for h in page.hits] == ["L1"]
    finally:
        await db.close()


def test_an_identical_copy_only_refreshes_the_crawl_stamp(st: Store) -> None:
    pid = st.partner_id
    st.run(store.begin_crawl, pid, "locations", None, T0, now=T0)
    st.run(store.store_page, pid, "locations", [location("L1"), location("L2")], None)
    st.run(store.finish_crawl, pid, "locations", True)
    st.run(store.begin_crawl, pid, "locations", None, T0, now=T0)
    # Same last_updated: L1 is the very same object, L2's sender forgot to bump the time.
    result = st.run(
        store.store_page, pid, "locations", [location("L1"), location("L2", name="Renamed")], None
    )
    assert result == store.UpsertResult(updated=1, unchanged=1)
    assert st.run(store.finish_crawl, pid, "locations", True) == 0  # L1 was seen: kept
    assert st.search(text="renamed") == ["L2"]
    assert sorted(st.search()) == ["L1", "L2"]
