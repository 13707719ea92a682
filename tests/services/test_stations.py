"""Station facade: filters to queries, rows with the engine's price, favourites, hours, plans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from emsp_tui.ocpi.models import Hours, Location
from emsp_tui.services.places import parse_position
from emsp_tui.services.station_info import opening_lines, opening_state, parse_plan
from emsp_tui.services.stations import (
    Filters,
    StationKey,
    StationService,
    format_distance,
)
from emsp_tui.store import Database
from emsp_tui.store.search import SearchQuery
from emsp_tui.tariff import summarize_tariff
from tests.ui.support import AMSTERDAM, FROZEN, make_app


def test_filters_become_a_search_query() -> None:
    filters = Filters(
        connectors=frozenset({"CCS", "Type 2"}), min_kw=50, power_type="DC",
        available_only=True, open_now=True, operator="GroenLaad Publiek B.V.",
        max_price=0.6, facilities=frozenset({"WIFI", "CAFE"}),
    )  # fmt: skip
    q = filters.query(" ams ", near=(52.0, 4.0), now=FROZEN, limit=10, offset=20)
    assert q == SearchQuery(
        text="ams", near=(52.0, 4.0), connectors=["IEC_62196_T2_COMBO", "IEC_62196_T1_COMBO",
        "IEC_62196_T2"], min_kw=50, power_type="DC", available_only=True, open_now=True,
        now=FROZEN, operator="GroenLaad Publiek B.V.", facilities=["CAFE", "WIFI"],
        max_price=0.6, offset=20, limit=10,
    )  # fmt: skip
    assert filters.chips() == [
        "Type 2", "CCS", "≥ 50 kW", "DC only", "available now", "open now", "≤ 0.60/kWh",
        "GroenLaad Publiek B.V.", "cafe", "wifi",
    ]  # fmt: skip
    assert not Filters().active
    assert filters.active


@pytest.mark.parametrize(
    ("km", "text"), [(None, ""), (0.234, "230 m"), (1.74, "1.7 km"), (23.6, "24 km")]
)
def test_distances_read_like_a_sat_nav(km: float | None, text: str) -> None:
    assert format_distance(km) == text


def test_positions_by_city_or_coordinates() -> None:
    assert parse_position("amsterdam") == AMSTERDAM
    assert parse_position("Cologne").label == "Köln"
    assert parse_position(" 52.37, 4.9 ").label == "52.3700,4.9000"
    for bad, words in (("", "city name"), ("Atlantis", "unknown place"), ("95,4", "±90")):
        with pytest.raises(ValueError, match=words):
            parse_position(bad)


@pytest.fixture
async def service(tmp_path: Path) -> StationService:
    app = make_app(tmp_path)  # only for its seeded store and node
    await app.node.start()
    yield app.stations  # type: ignore[misc]
    await app.node.stop()


async def test_rows_carry_the_engines_summary_and_favourites(service: StationService) -> None:
    page = await service.search(Filters().query("Dresden Süd", near=None, now=FROZEN))
    assert [r.hit.id for r in page.rows] == ["DE-VOL-000041"]
    row = page.rows[0]
    tariffs = await service.db.run(
        __import__("emsp_tui.store.tariffs", fromlist=["x"]).tariffs_for_location, *row.key
    )
    summaries = {summarize_tariff(t) for t in tariffs if str(t.type) != "AD_HOC_PAYMENT"}
    assert row.price.removesuffix(" …") in summaries
    assert row.unknown == 1
    assert row.fastest.endswith("CCS")
    assert not row.favourite

    assert await service.toggle_favourite(row.key, FROZEN) is True
    page = await service.search(Filters().query("Dresden Süd", near=None, now=FROZEN))
    assert page.rows[0].favourite
    favourites = await service.favourites(near=(AMSTERDAM.latitude, AMSTERDAM.longitude))
    assert [f.key for f in favourites] == [row.key]
    assert favourites[0].row is not None
    assert favourites[0].row.hit.distance_km is not None
    assert await service.toggle_favourite(row.key, FROZEN) is False
    assert await service.favourites() == []


async def test_a_favourite_outlives_its_station(service: StationService) -> None:
    gone = StationKey("NL", "XYZ", "GONE-1")
    await service.toggle_favourite(gone, FROZEN)
    favourites = await service.favourites()
    assert [(f.key, f.row) for f in favourites] == [(gone, None)]
    assert await service.detail(gone) is None


def _location(hours: Hours | None) -> Location:
    return Location.model_validate({
        "country_code": "NL", "party_id": "EMS", "id": "L1", "publish": True,
        "address": "Kerkstraat 1", "city": "Amsterdam", "country": "NLD",
        "coordinates": {"latitude": "52.37000", "longitude": "4.90000"},
        "time_zone": "Europe/Amsterdam", "last_updated": "2026-01-01T00:00:00Z",
        **({"opening_times": hours.to_ocpi()} if hours else {}),
    })  # fmt: skip


def test_opening_hours_in_words() -> None:
    shop = Hours.model_validate({
        "twentyfourseven": False,
        "regular_hours": [
            {"weekday": d, "period_begin": "07:00", "period_end": "22:00"} for d in range(1, 7)
        ],
        "exceptional_closings": [
            {"period_begin": "2026-03-05T00:00:00Z", "period_end": "2026-03-06T00:00:00Z"}
        ],
    })  # fmt: skip
    loc = _location(shop)
    assert opening_lines(shop) == ["Mon-Sat 07:00-22:00", "Sun closed"]
    wednesday = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)  # 10:30 in Amsterdam
    assert opening_state(loc, wednesday) == (True, "Open now, until 22:00")
    assert opening_state(loc, wednesday.replace(hour=21, minute=30)) == (
        False, "Closed now, opens Thu 07:00",
    )  # fmt: skip
    assert opening_state(loc, wednesday + timedelta(days=1)) == (
        False, "Closed now (exceptionally), until Fri 01:00",
    )  # fmt: skip
    assert opening_state(loc, datetime(2026, 3, 8, 12, tzinfo=UTC)) == (
        False, "Closed now, opens Mon 07:00",
    )  # fmt: skip
    assert opening_state(_location(None), wednesday) == (True, "Open 24/7")


@pytest.mark.parametrize(
    ("text", "kwh", "minutes", "kw", "idle"),
    [
        ("30 kWh in 40 min", 30, 40, None, 0),
        ("20kWh at 11 kW", 20, None, 11, 0),
        ("30 kWh in 1h30", 30, 90, None, 0),
        ("12,5 kWh in 1 h 20 min, then park 30 min", 12.5, 80, None, 30),
        ("30 kWh in 40 min + 15 min idle", 30, 40, None, 15),
    ],
)
def test_plans_in_words(
    text: str, kwh: float, minutes: int | None, kw: float | None, idle: int
) -> None:
    plan = parse_plan(text)
    assert plan.energy_kwh == kwh
    assert plan.power_kw == kw
    assert plan.duration == (timedelta(minutes=minutes) if minutes else None)
    assert plan.parking == timedelta(minutes=idle)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "how much energy"),
        ("30 kWh", "how long or how fast"),
        ("30 kWh in 0 min", "more than zero"),
        ("30 kWh 5 parsecs", "what is 5"),
    ],
)
def test_plans_that_say_too_little_get_a_hint(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_plan(text)


def test_migration_adds_favourites_and_tokens(tmp_path: Path) -> None:
    db = Database(tmp_path / "x.sqlite3")
    db.open_sync()
    tables = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    db.close_sync()
    assert {"favourites", "tokens"} <= tables
