"""Station search on known data: every filter, REMOVED handling, distance, text, paging."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from emsp_tui.ocpi.models import Location
from emsp_tui.store import locations as store
from emsp_tui.store import search as search_module
from emsp_tui.store import search_near
from emsp_tui.store.search import SearchQuery, fts_query, search
from tests.store.test_locations import (
    Store,
    connector,
    evse,
    example,
    location,
    stamp,
    tariff,
)

AMSTERDAM = (52.3702, 4.8952)


def hours(*periods: tuple[int, str, str], **extra: Any) -> dict[str, Any]:
    return {
        "twentyfourseven": False,
        "regular_hours": [
            {"weekday": d, "period_begin": b, "period_end": e} for d, b, e in periods
        ],
        **extra,
    }


@pytest.fixture
def net(tmp_path: Path) -> Iterator[Store]:
    """A small network with one distinctive property per station."""
    st = Store(tmp_path / "emsp.sqlite3")
    st.run(store.upsert_tariffs, st.partner_id, [
        tariff("CHEAP", 0.25), tariff("DEAR", 0.55, party_id="FST"), tariff("DEAR", 0.10),
    ])  # fmt: skip
    st.put(
        location(
            "CENTRAAL",
            "Amsterdam Centraal",
            52.3791,
            4.9003,
            city="Amsterdam",
            evses=[evse("C1", "AVAILABLE", connector("1", "IEC_62196_T2", 22, tariffs=["CHEAP"]))],
            facilities=["TRAIN_STATION", "WIFI"],
            operator={"name": "Voltwerk"},
        ),
        location(
            "SCHIPHOL",
            "Schiphol Plaza",
            52.3105,
            4.7683,
            city="Schiphol",
            evses=[
                evse("S1", "CHARGING", connector("1", "IEC_62196_T2_COMBO", 150, tariffs=["DEAR"])),
                evse("S2", "AVAILABLE", connector("1", "IEC_62196_T2", 11, tariffs=["DEAR"])),
            ],
            facilities=["AIRPORT", "WIFI"],
            operator={"name": "Fastlane"},
            country_code="NL",
            party_id="FST",
        ),
        location(
            "JAARBEURS",
            "Utrecht Jaarbeurs",
            52.0894,
            5.1077,
            city="Utrecht",
            evses=[evse("J1", "AVAILABLE", connector("1", "CHADEMO", 50))],
            opening_times=hours(*((d, "08:00", "20:00") for d in range(1, 6))),
        ),
        location(
            "NACHT",
            "Café Nacht",
            52.3600,
            4.8850,
            city="Amsterdam",
            evses=[evse("N1", "AVAILABLE", connector("1", "IEC_62196_T2", 11))],
            opening_times=hours(*((d, "22:00", "06:00") for d in range(1, 8))),
        ),
        location(
            "DOM",
            "Köln Dom",
            50.9413,
            6.9583,
            city="Köln",
            country="DEU",
            time_zone="Europe/Berlin",
            evses=[evse("D1", "AVAILABLE", connector("1", "IEC_62196_T2_COMBO", 300))],
            opening_times={
                "twentyfourseven": True,
                "exceptional_closings": [
                    {"period_begin": "2025-12-24T20:00:00Z", "period_end": "2025-12-26T06:00:00Z"}
                ],
            },
        ),
        location(
            "MIXED",
            "Mixed Hub",
            52.3650,
            4.9000,
            city="Amsterdam",
            evses=[
                # A triple-head charger: 22 kW Type 2 and 150 kW CCS; an EVSE with 350 kW gone.
                evse(
                    "M1",
                    "AVAILABLE",
                    connector("1", "IEC_62196_T2", 22),
                    connector("2", "IEC_62196_T2_COMBO", 150),
                ),
                evse("M2", "REMOVED", connector("1", "IEC_62196_T2_COMBO", 350)),
            ],
        ),
        location(
            "GONE",
            "Gone Station",
            52.3700,
            4.8950,
            city="Amsterdam",
            evses=[evse("G1", "REMOVED"), evse("G2", "REMOVED")],
        ),
        location("EMPTY", "Empty Station", 52.3701, 4.8951, city="Amsterdam", evses=[]),
        location("PRIVATE", "Private Station", 52.3702, 4.8952, city="Amsterdam", publish=False),
    )
    yield st
    st.db.close_sync()


VISIBLE = {"CENTRAAL", "SCHIPHOL", "JAARBEURS", "NACHT", "DOM", "MIXED"}


def ids(st: Store, **query: Any) -> set[str]:
    return set(st.search(**query))


def test_removed_unpublished_and_empty_locations_are_never_found(net: Store) -> None:
    assert ids(net) == VISIBLE
    assert ids(net, text="station") == set()
    assert ids(net, near=AMSTERDAM, radius_km=1.2) == {"CENTRAAL", "MIXED"}  # GONE & co: closer
    assert ids(net, near=AMSTERDAM, limit=200) == VISIBLE
    assert net.run(search, SearchQuery()).total == 6
    # ... but they are stored, and can be fetched by key (the detail screen, a CDR).
    assert net.run(store.get_location, "NL", "TST", "GONE") is not None
    assert net.run(store.count_locations) == 9


def test_removed_evses_are_not_counted_or_matched(net: Store) -> None:
    mixed = next(h for h in net.run(search, SearchQuery(text="mixed")).hits)
    assert (mixed.evses_total, mixed.evses_available, mixed.max_kw) == (1, 1, 150.0)
    assert mixed.connectors == ("IEC_62196_T2", "IEC_62196_T2_COMBO")
    assert ids(net, min_kw=300) == {"DOM"}  # not MIXED's removed 350 kW EVSE
    assert ids(net, text="nl*tst*em2") == set()  # the removed EVSE's id is not searchable
    assert ids(net, text="nl*tst*em1") == {"MIXED"}


def test_connector_filters(net: Store) -> None:
    assert ids(net, connectors=["CHADEMO"]) == {"JAARBEURS"}
    assert ids(net, connectors=["CHADEMO", "IEC_62196_T2_COMBO"]) == {
        "JAARBEURS", "SCHIPHOL", "DOM", "MIXED",
    }  # fmt: skip
    with pytest.raises(ValueError, match="CCS"):
        net.run(search, SearchQuery(connectors=["CCS"]))


def test_min_kw_and_power_type(net: Store) -> None:
    assert ids(net, min_kw=100) == {"SCHIPHOL", "DOM", "MIXED"}
    assert ids(net, power_type="DC") == {"SCHIPHOL", "JAARBEURS", "DOM", "MIXED"}
    assert ids(net, power_type="AC") == {"CENTRAAL", "SCHIPHOL", "NACHT", "MIXED"}
    assert ids(net, power_type="AC_3_PHASE", min_kw=20) == {"CENTRAAL", "MIXED"}
    assert ids(net, power_type="DC", min_kw=100) == {"SCHIPHOL", "DOM", "MIXED"}


def test_two_connector_criteria_must_hold_for_the_same_connector(net: Store) -> None:
    # MIXED has a 22 kW Type 2 and a 150 kW CCS: no Type 2 of 50 kW.
    assert ids(net, connectors=["IEC_62196_T2"], min_kw=50) == set()
    assert ids(net, connectors=["IEC_62196_T2"], min_kw=20) == {"CENTRAAL", "MIXED"}
    assert ids(net, connectors=["IEC_62196_T2_COMBO"], min_kw=50) == {"SCHIPHOL", "DOM", "MIXED"}
    assert ids(net, connectors=["IEC_62196_T2"], power_type="DC") == set()


def test_available_now(net: Store) -> None:
    assert ids(net, available_only=True) == VISIBLE
    # SCHIPHOL's CCS is CHARGING: only its 11 kW Type 2 is free.
    assert ids(net, available_only=True, power_type="DC") == {"JAARBEURS", "DOM", "MIXED"}
    assert ids(net, available_only=True, min_kw=100) == {"DOM", "MIXED"}
    assert ids(net, available_only=True, connectors=["IEC_62196_T2_COMBO"]) == {"DOM", "MIXED"}
    assert ids(net, available_only=True, connectors=["IEC_62196_T2_COMBO"], min_kw=100) == {
        "DOM",
        "MIXED",
    }
    net.run(
        __import__("emsp_tui.store.location_pushes", fromlist=["x"]).apply_evse_patch,
        "NL", "FST", "SCHIPHOL", "S1", {"status": "AVAILABLE", "last_updated": stamp(1)},
    )  # fmt: skip
    assert ids(net, available_only=True, power_type="DC") == {
        "SCHIPHOL",
        "JAARBEURS",
        "DOM",
        "MIXED",
    }


def test_operator_party_partner_and_facilities(net: Store) -> None:
    assert ids(net, operator="voltwerk") == {"CENTRAAL"}
    assert ids(net, party="nl*fst") == {"SCHIPHOL"}
    assert ids(net, party=("NL", "TST")) == VISIBLE - {"SCHIPHOL"}
    assert ids(net, partner_id=net.partner_id) == VISIBLE
    assert ids(net, partner_id=net.partner_id + 1) == set()
    assert ids(net, facilities=["WIFI"]) == {"CENTRAAL", "SCHIPHOL"}
    assert ids(net, facilities=["WIFI", "AIRPORT"]) == {"SCHIPHOL"}  # all of them
    assert ids(net, text="plaza", operator="fastlane", facilities=["AIRPORT"]) == {"SCHIPHOL"}


@pytest.mark.parametrize(
    ("when", "open_ids"),
    [
        # Tuesday 2025-06-03 10:00 in Amsterdam (08:00Z): Jaarbeurs open, the night café closed.
        (datetime(2025, 6, 3, 8, 0, tzinfo=UTC), {"JAARBEURS"}),
        # Tuesday 23:30 local (21:30Z): the café's 22:00-06:00 has started.
        (datetime(2025, 6, 3, 21, 30, tzinfo=UTC), {"NACHT"}),
        # Wednesday 05:00 local (03:00Z): still inside the café's wrap past midnight.
        (datetime(2025, 6, 4, 3, 0, tzinfo=UTC), {"NACHT"}),
        # Monday 05:59 local, Sunday night's period running into the new week.
        (datetime(2025, 6, 2, 3, 59, tzinfo=UTC), {"NACHT"}),
        # Saturday noon: Jaarbeurs is closed at weekends.
        (datetime(2025, 6, 7, 10, 0, tzinfo=UTC), set()),
        # Jaarbeurs at 20:00 local sharp: closed (the end is exclusive).
        (datetime(2025, 6, 3, 18, 0, tzinfo=UTC), set()),
    ],
)
def test_open_now_with_regular_hours(net: Store, when: datetime, open_ids: set[str]) -> None:
    always = {"CENTRAAL", "SCHIPHOL", "DOM", "MIXED"}  # no hours, or 24/7
    assert ids(net, open_now=True, now=when) == always | open_ids


def test_open_now_respects_exceptional_closings_and_openings(net: Store) -> None:
    christmas = datetime(2025, 12, 25, 12, 0, tzinfo=UTC)
    assert "DOM" not in ids(net, open_now=True, now=christmas)
    assert "DOM" in ids(net, open_now=True, now=datetime(2025, 12, 26, 6, 0, tzinfo=UTC))
    # The spec's example: weekdays 08:00-20:00, open on a Saturday morning, shut on a Tuesday.
    garage = example("location_regularhours_example.json")["opening_times"]
    net.put(location("GARAGE", "Garage", opening_times=garage, time_zone="UTC"))
    assert "GARAGE" in ids(net, open_now=True, now=datetime(2014, 6, 21, 10, 0, tzinfo=UTC))
    assert "GARAGE" not in ids(net, open_now=True, now=datetime(2014, 6, 21, 13, 0, tzinfo=UTC))
    assert "GARAGE" in ids(net, open_now=True, now=datetime(2014, 6, 17, 10, 0, tzinfo=UTC))
    assert "GARAGE" not in ids(net, open_now=True, now=datetime(2014, 6, 24, 10, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("name", "open_at", "closed_at"),
    [
        ("location_hours_247_open_exception_closing.json", "2018-12-25T05:00", "2018-12-25T04:59"),
        ("location_hours_opening_hours_with_exceptional_closing.json", "2018-12-25T02:59",
         "2018-12-25T03:00"),
        ("location_hours_opening_hours_with_exceptional_opening.json", "2018-12-25T05:30",
         "2018-12-25T04:30"),
    ],
)  # fmt: skip
def test_open_now_on_the_spec_hours_examples(
    tmp_path: Path, name: str, open_at: str, closed_at: str
) -> None:
    st = Store(tmp_path / "hours.sqlite3")
    st.put(location("H", opening_times=example(name), time_zone="UTC"))
    assert ids(st, open_now=True, now=datetime.fromisoformat(f"{open_at}+00:00")) == {"H"}
    assert ids(st, open_now=True, now=datetime.fromisoformat(f"{closed_at}+00:00")) == set()
    st.db.close_sync()


def test_open_now_needs_the_clock(net: Store) -> None:
    with pytest.raises(ValueError, match="now"):
        net.run(search, SearchQuery(open_now=True))


def test_max_price_uses_the_cheapest_energy_price_incl_vat(net: Store) -> None:
    assert ids(net, max_price=0.31) == {"CENTRAAL"}  # 0.25 + 21 % = 0.3025
    # SCHIPHOL's DEAR is its owner's (NL*FST): 0.6655, not NL*TST's DEAR. Unknown prices drop.
    assert ids(net, max_price=0.70) == {"CENTRAAL", "SCHIPHOL"}
    hit = net.run(search, SearchQuery(text="centraal")).hits[0]
    assert (hit.energy_price, hit.currency) == (pytest.approx(0.3025), "EUR")
    assert hit.price_summary == "0.30 EUR/kWh"


def independent_distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Spherical law of cosines (not the code's formula), same mean Earth radius."""
    (la1, lo1), (la2, lo2) = (tuple(map(math.radians, p)) for p in (a, b))
    c = math.sin(la1) * math.sin(la2) + math.cos(la1) * math.cos(la2) * math.cos(lo2 - lo1)
    return 6371.0088 * math.acos(min(1.0, c))


COORDS = {
    "CENTRAAL": (52.3791, 4.9003), "SCHIPHOL": (52.3105, 4.7683), "JAARBEURS": (52.0894, 5.1077),
    "NACHT": (52.3600, 4.8850), "DOM": (50.9413, 6.9583), "MIXED": (52.3650, 4.9000),
}  # fmt: skip


def test_distance_order_and_values_against_an_independent_formula(net: Store) -> None:
    page = net.run(search, SearchQuery(near=AMSTERDAM, radius_km=250))
    expected = sorted(COORDS, key=lambda k: independent_distance_km(AMSTERDAM, COORDS[k]))
    assert [h.id for h in page.hits] == expected
    for hit in page.hits:
        assert hit.distance_km == pytest.approx(
            independent_distance_km(AMSTERDAM, COORDS[hit.id]), abs=1e-4
        )
    assert page.hits[0].id == "MIXED"
    assert page.hits[0].distance_km == pytest.approx(0.6637, abs=1e-4)
    # The radius is a hard limit (Köln is 213 km away, Utrecht 34 km).
    assert ids(net, near=AMSTERDAM, radius_km=50) == VISIBLE - {"DOM"}
    assert net.run(search, SearchQuery(near=AMSTERDAM, radius_km=50)).total == 5


def test_nearest_first_stops_at_the_first_circle_that_holds_the_page(net: Store) -> None:
    page = net.run(search, SearchQuery(near=AMSTERDAM, limit=2))
    assert [h.id for h in page.hits] == ["MIXED", "CENTRAAL"]
    assert page.radius_km == search_near.FIRST_RADIUS_KM
    assert page.total == 3  # NACHT is inside it too


def test_nearest_first_grows_the_circle_until_it_holds_the_page(net: Store) -> None:
    page = net.run(search, SearchQuery(near=(50.0, 7.0), limit=2))  # south of Köln
    assert [h.id for h in page.hits] == ["DOM", "JAARBEURS"]
    assert page.radius_km is not None
    assert page.radius_km >= page.hits[-1].distance_km
    assert page.total >= 2
    # Far from everything, the circle grows to the whole Earth.
    far = net.run(search, SearchQuery(near=(-45.0, -170.0), limit=50))
    assert {h.id for h in far.hits} == VISIBLE
    assert far.total == 6


@pytest.mark.parametrize("few", [10_000, 0])  # distances to every text match, or a growing circle
def test_text_near_a_point_orders_the_text_matches_by_distance(
    net: Store, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    monkeypatch.setattr(search_near, "FEW_TEXT_MATCHES", few)
    south_of_koln = (50.0, 7.0)
    page = net.run(search, SearchQuery(text="amsterdam", near=south_of_koln, limit=2))
    matches = {"CENTRAAL", "NACHT", "MIXED"} & {h.id for h in net.run(
        search, SearchQuery(text="amsterdam", limit=50)).hits}  # fmt: skip
    expected = sorted(matches, key=lambda k: independent_distance_km(south_of_koln, COORDS[k]))
    assert len(expected) >= 2
    assert [h.id for h in page.hits] == expected[:2]
    for hit in page.hits:
        assert hit.distance_km == pytest.approx(
            independent_distance_km(south_of_koln, COORDS[hit.id]), abs=1e-4
        )
    assert page.radius_km is not None
    assert page.radius_km >= page.hits[-1].distance_km


def test_the_antimeridian_and_the_poles(tmp_path: Path) -> None:
    st = Store(tmp_path / "far.sqlite3")
    st.put(
        location("EAST", "East", -16.5, 179.95), location("WEST", "West", -16.5, -179.95),
        location("NORTH", "North", 89.99, 10.0), location("NORTH2", "North too", 89.99, -170.0),
    )  # fmt: skip
    assert ids(st, near=(-16.5, 180.0), radius_km=10) == {"EAST", "WEST"}
    assert ids(st, near=(-16.5, -179.99), radius_km=10) == {"EAST", "WEST"}
    assert ids(st, near=(90.0, 0.0), radius_km=5) == {"NORTH", "NORTH2"}
    st.db.close_sync()


def test_text_is_prefix_and_accent_insensitive(net: Store) -> None:
    assert ids(net, text="ams") == {"CENTRAAL", "NACHT", "MIXED"}  # the city
    assert ids(net, text="koln") == ids(net, text="KÖLN") == ids(net, text="kö") == {"DOM"}
    assert ids(net, text="cafe") == {"NACHT"}
    assert ids(net, text="utr jaar") == {"JAARBEURS"}  # every word, each a prefix
    assert ids(net, text="utr schip") == set()
    assert ids(net, text="1234") == VISIBLE  # postal code
    assert ids(net, text="voltw") == {"CENTRAAL"}  # operator
    assert ids(net, text="NL*TST*EC1") == {"CENTRAAL"}  # EVSE id
    assert ids(net, text='"); DROP TABLE locations; --') == set()
    assert net.run(store.count_locations) == 9
    assert fts_query("  *!? ") is None
    assert ids(net, text=" *!? ") == VISIBLE  # nothing to search for: no text filter


def test_text_relevance_puts_name_matches_first(tmp_path: Path) -> None:
    st = Store(tmp_path / "rel.sqlite3")
    st.put(
        location("A", "Zuid Parking", city="Utrecht"), location("B", "Utrecht Noord"),
        location("C", "Alpha Garage", city="Utrecht"), location("D", "Utrecht Centraal"),
    )  # fmt: skip
    # Named "Utrecht ..." first (by name), then the ones in the city of Utrecht (by name).
    assert st.search(text="utrecht") == ["D", "B", "C", "A"]
    assert st.search(text="utrecht", offset=1, limit=2) == ["B", "C"]
    st.db.close_sync()


def many(st: Store, n: int) -> None:
    st.put(*(
        location(f"P{i:02d}", f"Station {chr(65 + i % 26)}{i:02d}", 52.0 + i * 0.01, 5.0,
                 evses=[evse(f"E{i}", "AVAILABLE" if i % 3 else "CHARGING", connector(kw=11 + i))])
        for i in range(n)
    ))  # fmt: skip


@pytest.mark.parametrize("walk_rows", [4000, 0])  # walking the name index, or sorting
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"available_only": True},
        {"text": "stat"},
        {"text": "stat", "min_kw": 20},
        {"near": (52.0, 5.0), "radius_km": 100},
        {"near": (52.0, 5.0)},
    ],
)
def test_paging_covers_every_match_once_with_a_stable_total(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, walk_rows: int, query: dict[str, Any]
) -> None:
    monkeypatch.setattr(search_module, "WALK_ROWS", walk_rows)
    st = Store(tmp_path / "paging.sqlite3")
    many(st, 25)
    full = st.run(search, SearchQuery(**query, limit=200))
    seen: list[str] = []
    for offset in range(0, 30, 7):
        page = st.run(search, SearchQuery(**query, offset=offset, limit=7))
        if "near" not in query or "radius_km" in query:
            assert page.total == full.total
        seen += [h.id for h in page.hits]
    assert seen == [h.id for h in full.hits]
    assert len(set(seen)) == len(seen) == full.total
    if "near" in query:
        distances = [h.distance_km for h in full.hits]
        assert distances == sorted(distances)
    elif "text" not in query:
        names = [h.name for h in full.hits]
        assert names == sorted(names, key=str.casefold)
    st.db.close_sync()


def test_filters_total_and_empty_pages(tmp_path: Path) -> None:
    st = Store(tmp_path / "totals.sqlite3")
    many(st, 25)
    assert st.run(search, SearchQuery(available_only=True)).total == 16  # 9 of 25 charging
    assert st.run(search, SearchQuery(min_kw=30)).total == 6  # 30..35 kW
    page = st.run(search, SearchQuery(min_kw=30, offset=6))
    assert (page.hits, page.total, page.has_more) == ([], 6, False)
    page = st.run(search, SearchQuery(limit=10))
    assert (len(page.hits), page.total, page.has_more) == (10, 25, True)
    st.db.close_sync()


def test_filter_only_counts_stop_at_the_cap_and_pages_stay_in_name_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    st = Store(tmp_path / "capped.sqlite3")
    many(st, 25)
    exact = st.run(search, SearchQuery(available_only=True, limit=200))
    assert (exact.total, exact.total_capped, exact.total_label) == (16, False, "16")
    monkeypatch.setattr(search_module, "COUNT_CAP", 6)
    seen: list[str] = []
    for offset in (0, 4, 8, 12, 16):
        page = st.run(search, SearchQuery(available_only=True, offset=offset, limit=4))
        if offset == 0:
            assert (page.total, page.total_capped, page.total_label) == (5, True, "5+")
        seen += [h.id for h in page.hits]
    assert seen == [h.id for h in exact.hits]  # same stations, same order, none twice
    # No filter at all: the exact count is the cheap one, so it is never capped.
    page = st.run(search, SearchQuery(limit=4))
    assert (page.total, page.total_capped) == (25, False)
    st.db.close_sync()


def test_hit_fields(net: Store) -> None:
    hit = net.run(search, SearchQuery(text="schiphol")).hits[0]
    assert (hit.country_code, hit.party_id, hit.id, hit.title) == (
        "NL",
        "FST",
        "SCHIPHOL",
        "Schiphol Plaza",
    )
    assert (hit.address, hit.city, hit.postal_code, hit.operator) == (
        "Teststraat 1",
        "Schiphol",
        "1234 AB",
        "Fastlane",
    )
    assert (hit.evses_available, hit.evses_total, hit.max_kw) == (1, 2, 150.0)
    assert hit.power_types == ("AC", "DC")
    assert hit.distance_km is None
    assert (hit.latitude, hit.longitude) == (52.3105, 4.7683)


def test_example_locations_are_searchable(tmp_path: Path) -> None:
    st = Store(tmp_path / "examples.sqlite3")
    names = [
        "location_example.json",
        "location_example_parking_garage_opening_hours.json",
        "location_example_uc2_destination_charger.json",
        "location_example_uc4_limited_visibility.json",
        "location_example_uc5_home_charge_point.json",
    ]
    st.put(*(Location.model_validate(example(n)) for n in names))
    garage = "CBB0DF21-D17D-40BA-A4AA-DC588C8F98CB"
    destination = "3E7B39C2-10D0-4138-A8B3-8509A25F9920"
    assert ids(st, limit=50) == {"LOC1", garage, destination}  # uc4 and uc5 are not published
    assert ids(st, text="malmo") == ids(st, text="Malmö") == {garage}
    assert ids(st, text="gent", near=(51.05, 3.72), radius_km=5) == {"LOC1"}
    # The garage is open every day 07:00-18:00 in Stockholm.
    assert garage not in ids(st, open_now=True, now=datetime(2024, 1, 10, 20, 0, tzinfo=UTC))
    assert garage in ids(st, open_now=True, now=datetime(2024, 1, 10, 8, 0, tzinfo=UTC))
    # uc3 is uc2 withdrawn from publication.
    st.put(
        Location.model_validate(
            example("location_example_uc3_destination_charger_not_published.json")
        )
    )
    assert ids(st, limit=50) == {"LOC1", garage}
    st.db.close_sync()
