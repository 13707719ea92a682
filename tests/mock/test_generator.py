"""The seeded generator: determinism, sizes, and objects that look like the field and the spec."""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from typing import Any

import pytest

from emsp_tui.ocpi.models import Location, Tariff
from mock_backend.clock import parse_ocpi_datetime
from mock_backend.generator import CPOS, Network
from tests.ocpi_schemas import validate

EMI3 = re.compile(r"^[A-Z]{2}\*[A-Z0-9]{3}\*E[0-9A-Z*]+$")
LAT = re.compile(r"^-?[0-9]{1,2}\.[0-9]{5,7}$")
LON = re.compile(r"^-?[0-9]{1,3}\.[0-9]{5,7}$")
BOXES = {  # rough country bounding boxes: lat_min, lat_max, lon_min, lon_max
    "DEU": (47.2, 55.1, 5.8, 15.1),
    "NLD": (50.7, 53.6, 3.3, 7.3),
    "FRA": (42.3, 51.2, -4.9, 8.3),
    "BEL": (49.4, 51.6, 2.5, 6.5),
}


def _json(obj: object) -> object:
    return json.loads(json.dumps(obj))


def test_same_seed_same_network_and_other_seed_differs() -> None:
    a, b, other = Network(11, 300_000), Network(11, 300_000), Network(12, 300_000)
    picks = [0, 1, 299_999, *random.Random(5).sample(range(300_000), 20)]
    for g in picks:
        assert a.location_at(g) == b.location_at(g)
    assert [a.location_at(g) for g in picks] != [other.location_at(g) for g in picks]
    assert a.tariffs(0) == b.tariffs(0)


def _undated(obj: Any) -> Any:
    """`obj` without its last_updated values (at any depth)."""
    if isinstance(obj, dict):
        return {k: _undated(v) for k, v in obj.items() if k != "last_updated"}
    if isinstance(obj, list):
        return [_undated(v) for v in obj]
    return obj


def test_a_bigger_network_starts_with_the_smaller_one() -> None:
    # Same content; the dates differ, as both spread over the same recent weeks.
    small, big = Network(3, 300), Network(3, 30_000)
    for cpo_no in range(len(CPOS)):
        for local in range(small.count(cpo_no)):
            assert _undated(small.location(cpo_no, local)) == _undated(big.location(cpo_no, local))


@pytest.mark.parametrize("total", [0, 1, 19, 20, 300, 12_345, 300_000])
def test_counts_per_cpo_add_up_and_follow_the_weights(total: int) -> None:
    net = Network(1, total)
    counts = [net.count(n) for n in range(len(CPOS))]
    assert sum(counts) == total
    if total >= 300:
        weights = [c.weight for c in CPOS]
        for count, weight in zip(counts, weights, strict=True):
            assert abs(count / total - weight / sum(weights)) < 0.01
    for g in range(min(total, 60)):
        cpo_no, local = net.owner(g)
        assert net.global_index(cpo_no, local) == g
        assert net.count_before(cpo_no, g) == local


def test_ids_round_trip_and_unknown_ids_are_rejected() -> None:
    net = Network(1, 300)
    for g in (0, 150, 299):
        loc = net.location_at(g)
        assert net.parse_location_id(loc["id"]) == net.owner(g)
        assert net.parse_location_id(loc["id"].lower()) == net.owner(g)
    assert net.parse_location_id("DE-VOL-999999") is None  # beyond this network's size
    assert net.parse_location_id("XX-ABC-000001") is None
    assert net.parse_location_id("nonsense") is None


def test_last_updated_is_in_the_past_and_oldest_first() -> None:
    net = Network(1, 300_000)
    stamps = [
        parse_ocpi_datetime(net.location_at(g)["last_updated"]) for g in (0, 1, 2, 1000, 299_999)
    ]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)
    assert stamps[-1] < time.time()
    loc = net.location_at(4242)
    for evse in loc["evses"]:  # children never newer than their location
        assert evse["last_updated"] <= loc["last_updated"]
        for connector in evse["connectors"]:
            assert connector["last_updated"] <= evse["last_updated"]


def test_every_location_and_tariff_matches_the_schemas_and_our_models() -> None:
    net = Network(7, 300)
    for g in range(net.total):
        loc = _json(net.location_at(g))
        validate(loc, "Location")
        Location.model_validate(loc)
    big = Network(99, 300_000)
    for g in random.Random(1).sample(range(300_000), 100):
        validate(_json(big.location_at(g)), "Location")
    for cpo_no in range(len(CPOS)):
        for tariff in net.tariffs(cpo_no):
            validate(_json(tariff), "Tariff")
            Tariff.model_validate(tariff)


def test_locations_look_like_european_charging_sites() -> None:
    net = Network(7, 2000)
    statuses: Counter[str] = Counter()
    kinds: Counter[tuple[str, str, str, int]] = Counter()
    hours: Counter[bool] = Counter()
    tariff_ids = {t["id"] for c in range(len(CPOS)) for t in net.tariffs(c)}
    for g in range(net.total):
        loc = net.location_at(g)
        cpo = CPOS[net.owner(g)[0]]
        assert loc["country"] == cpo.country.alpha3
        assert loc["time_zone"] == cpo.country.time_zone
        lat, lon = loc["coordinates"]["latitude"], loc["coordinates"]["longitude"]
        assert LAT.match(lat)
        assert LON.match(lon)
        box = BOXES[loc["country"]]
        assert box[0] <= float(lat) <= box[1], loc["city"]
        assert box[2] <= float(lon) <= box[3], loc["city"]
        assert re.search(r"\d", loc["address"])
        assert loc["postal_code"]
        hours[loc["opening_times"]["twentyfourseven"]] += 1
        for evse in loc["evses"]:
            statuses[evse["status"]] += 1
            assert EMI3.match(evse["evse_id"]), evse["evse_id"]
            assert evse["evse_id"].startswith(f"{cpo.country_code}*{cpo.party_id}*E")
            for c in evse["connectors"]:
                kw = c["max_electric_power"] // 1000
                kinds[(c["standard"], c["format"], c["power_type"], kw)] += 1
                assert set(c["tariff_ids"]) <= tariff_ids
    assert set(kinds) <= {
        ("IEC_62196_T2", "SOCKET", "AC_3_PHASE", 11),
        ("IEC_62196_T2", "SOCKET", "AC_3_PHASE", 22),
        ("IEC_62196_T2_COMBO", "CABLE", "DC", 50),
        ("IEC_62196_T2_COMBO", "CABLE", "DC", 150),
        ("IEC_62196_T2_COMBO", "CABLE", "DC", 300),
        ("CHADEMO", "CABLE", "DC", 50),
    }
    assert len(kinds) == 6  # every kind occurs
    total = sum(statuses.values())
    assert statuses["AVAILABLE"] / total > 0.8
    assert {"CHARGING", "OUTOFORDER", "UNKNOWN"} <= set(statuses)
    assert hours[True] > hours[False] > 0  # most 24/7, some with opening hours


def test_supermarkets_open_mon_to_sat_and_ac_amperage_matches_power() -> None:
    net = Network(7, 1000)
    shops = 0
    for g in range(net.total):
        loc = net.location_at(g)
        if (
            "SUPERMARKET" in loc.get("facilities", [])
            and not loc["opening_times"]["twentyfourseven"]
        ):
            shops += 1
            days = [
                (h["weekday"], h["period_begin"], h["period_end"])
                for h in loc["opening_times"]["regular_hours"]
            ]
            assert days == [(d, "07:00", "22:00") for d in range(1, 7)]
        for evse in loc["evses"]:
            for c in evse["connectors"]:
                if c["power_type"] == "AC_3_PHASE":
                    assert c["max_voltage"] == 230
                    assert c["max_amperage"] == {11000: 16, 22000: 32}[c["max_electric_power"]]
    assert shops > 10


def test_tariffs_have_the_real_shapes() -> None:
    net = Network(7, 10)
    for cpo_no, cpo in enumerate(CPOS):
        tariffs = {t["id"].split("-", 1)[1]: t for t in net.tariffs(cpo_no)}
        for tariff in tariffs.values():
            assert tariff["currency"] == "EUR"
            for element in tariff["elements"]:
                for pc in element["price_components"]:
                    assert pc["step_size"] == 1
                    assert pc["vat"] == cpo.country.vat
        fee = tariffs["AC-FEE"]["elements"][0]["price_components"]
        assert {pc["type"] for pc in fee} == {"FLAT", "ENERGY"}
        idle = tariffs["AC-IDLE"]["elements"]
        assert idle[1]["price_components"][0]["type"] == "PARKING_TIME"
        assert idle[1]["restrictions"]["min_duration"] > 0
        peak = tariffs["AC-PEAK"]["elements"]
        assert peak[0]["restrictions"] == {"start_time": "07:00", "end_time": "22:00"}
        assert "restrictions" not in peak[-1]  # unrestricted fallback last
        power = tariffs["DC-POWER"]["elements"]
        assert power[0]["restrictions"] == {"max_power": 50.0}
        assert power[1]["restrictions"] == {"min_power": 50.0}
        assert tariffs["ADHOC"]["type"] == "AD_HOC_PAYMENT"
        assert tariffs["FREE"]["elements"][0]["price_components"][0]["price"] == 0
