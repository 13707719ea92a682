"""Charging sessions over simulated time (mock_backend.sim.session): physics, status, periods."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from mock_backend.charging import RunSpec
from mock_backend.generator.catalog import CPOS, build_tariffs
from mock_backend.sim import (
    CATALOGUE,
    ChargingSession,
    Visit,
    connector_limit_kw,
    price_periods,
    vehicle_limit_kw,
)
from mock_backend.sim.vehicles import CCS, CHADEMO

VOL = {t["id"].split("-", 1)[1]: t for t in build_tariffs(CPOS[0])}  # DE-VOL tariffs, VAT 19 %
SUMMER = datetime(2025, 8, 4, 10, 0, 0, 250_000, tzinfo=UTC)  # a Monday; Berlin = UTC+2
CDR_DIMENSIONS = {
    "ENERGY",
    "MAX_CURRENT",
    "MIN_CURRENT",
    "MAX_POWER",
    "MIN_POWER",
    "PARKING_TIME",
    "RESERVATION_TIME",
    "TIME",
}

CONNECTORS: dict[str, dict[str, Any]] = {
    "AC11": {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 16,
        "max_electric_power": 11000,
    },
    "AC22": {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
        "max_electric_power": 22000,
    },
    "DC50": {
        "id": "1",
        "standard": CCS,
        "format": "CABLE",
        "power_type": "DC",
        "max_voltage": 500,
        "max_amperage": 125,
        "max_electric_power": 50000,
    },
    "CHA50": {
        "id": "2",
        "standard": CHADEMO,
        "format": "CABLE",
        "power_type": "DC",
        "max_voltage": 500,
        "max_amperage": 125,
        "max_electric_power": 50000,
    },
    "HPC300": {
        "id": "1",
        "standard": CCS,
        "format": "CABLE",
        "power_type": "DC",
        "max_voltage": 920,
        "max_amperage": 500,
        "max_electric_power": 300000,
    },
}
TARIFF_FOR = {
    "AC11": "AC-IDLE",
    "AC22": "AC-PEAK",
    "DC50": "DC-BLOCK",
    "CHA50": "DC-BLOCK",
    "HPC300": "DC-POWER",
}


def make_spec(
    kind: str = "AC11",
    *,
    tariff: str | None = None,
    start: datetime = SUMMER,
    seed: int = 1,
    time_zone: str = "Europe/Berlin",
) -> RunSpec:
    conn = {**CONNECTORS[kind], "tariff_ids": [], "last_updated": "2025-01-01T00:00:00Z"}
    shape = tariff or TARIFF_FOR[kind]
    evse = {
        "uid": "DE-VOL-000001-1",
        "evse_id": "DE*VOL*E1*1",
        "status": "AVAILABLE",
        "connectors": [conn],
        "last_updated": "2025-01-01T00:00:00Z",
    }
    location = {
        "country_code": "DE",
        "party_id": "VOL",
        "id": "DE-VOL-000001",
        "publish": True,
        "name": "Parkhaus Mitte",
        "address": "Hauptstraße 1",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DEU",
        "coordinates": {"latitude": "52.520008", "longitude": "13.404954"},
        "evses": [evse],
        "time_zone": time_zone,
        "last_updated": "2025-01-01T00:00:00Z",
    }
    token = {
        "country_code": "NL",
        "party_id": "TNM",
        "uid": "CARD01",
        "type": "RFID",
        "contract_id": "NL-TNM-C00000001-X",
    }
    return RunSpec(
        "SESSION-1",
        "DE",
        "VOL",
        location,
        evse,
        conn,
        [VOL[shape], VOL["ADHOC"]],
        token,
        "WHITELIST",
        None,
        start,
        seed,
    )


def car(name: str) -> Any:
    return next(v for v in CATALOGUE if v.model.startswith(name))


def run_to_end(
    session: ChargingSession, rng: random.Random, limit_h: float = 30
) -> list[dict[str, Any]]:
    """Advance by random steps until the driver leaves; one observation per step."""
    seen = []
    for _ in range(int(limit_h * 3600)):
        if session.done:
            break
        session.advance(rng.choice((0.4, 3.0, 17.5, 60.0, 333.3)))
        seen.append(
            {
                "status": session.status,
                "kwh": session.kwh,
                "soc": session.soc,
                "kw": session.power_kw,
                "amps": session.current_a,
            }
        )
    assert session.done
    return seen


@pytest.mark.parametrize("kind", sorted(CONNECTORS))
def test_energy_never_decreases_and_power_stays_within_both_limits(kind: str) -> None:
    for seed in range(4):
        session = ChargingSession(make_spec(kind, seed=seed))
        conn = session.spec.connector
        seen = run_to_end(session, random.Random(seed))
        for before, after in itertools.pairwise(seen):
            assert after["kwh"] >= before["kwh"]
            assert after["soc"] >= before["soc"]
        for s in seen:
            limit = min(connector_limit_kw(conn), vehicle_limit_kw(session.vehicle, conn, s["soc"]))
            assert 0 <= s["kw"] <= limit + 1e-9
        for p in session.charging_periods():
            dims = {d["type"]: d["volume"] for d in p["dimensions"]}
            if "MAX_POWER" in dims:
                assert dims["MIN_POWER"] <= dims["POWER"] + 1e-3
                assert dims["POWER"] <= dims["MAX_POWER"] + 1e-3
                assert dims["MAX_POWER"] <= connector_limit_kw(conn)
        statuses = [s["status"] for s in seen]
        assert statuses == sorted(statuses, key=["PENDING", "ACTIVE", "COMPLETED"].index)
        assert statuses[-1] == "COMPLETED"
        assert "ACTIVE" in statuses
        assert (
            session.soc == pytest.approx(session.visit.target_soc)
            or session.visit.leave_after_seconds
        )


def test_dc_power_at_95_percent_is_well_below_power_at_50() -> None:
    visit = Visit(car("Volkswagen ID.4"), 30.0, 100.0, 5.0, 60.0)
    session = ChargingSession(make_spec("HPC300"), visit)
    by_soc: dict[int, float] = {}
    while not session.done:
        session.advance(5)
        if session.charging:
            by_soc.setdefault(int(session.soc), session.power_kw)
    assert by_soc[95] < 0.3 * by_soc[50]
    assert by_soc[50] == pytest.approx(135.0, rel=0.01)  # still on its plateau


def test_ac_energy_matches_the_flat_power_exactly() -> None:
    # ID.4 on 11 kW from 20 % to 80 %: the AC curve is flat there, so the power is 11 kW all
    # along: 60 % of 77 kWh = 46.2 kWh into the battery, / 0.90 = 51.3333 kWh metered, in
    # 51.3333 / 11 = 4.6667 h.
    visit = Visit(car("Volkswagen ID.4"), 20.0, 80.0, 10.0, 600.0)
    session = ChargingSession(make_spec("AC11", tariff="AC-STD"), visit)
    session.advance(3600 * 10)
    cdr = session.cdr_dict("CDR-1")
    assert cdr["total_energy"] == pytest.approx(51.3333, abs=1e-4)
    charging_h = cdr["total_time"] - cdr["total_parking_time"]
    assert charging_h == pytest.approx(51.3333 / 11, abs=2e-4)
    assert cdr["total_parking_time"] == pytest.approx(600 / 3600, abs=2e-4)


def test_status_start_time_and_parking_after_the_target() -> None:
    visit = Visit(car("Volkswagen ID.4"), 70.0, 80.0, 12.5, 900.0)
    spec = make_spec("HPC300", start=SUMMER)
    session = ChargingSession(spec, visit)
    assert session.session_dict()["status"] == "PENDING"
    assert session.session_dict()["start_date_time"] == "2025-08-04T10:00:00.250Z"
    assert "charging_periods" not in session.session_dict()
    session.advance(12.4)
    assert session.status == "PENDING"
    assert session.kwh == 0
    session.advance(0.1)
    assert session.status == "ACTIVE"
    assert session.power_kw > 0
    assert session.session_dict()["start_date_time"] == "2025-08-04T10:00:12.750Z"
    while session.charging:
        session.advance(10)
    assert session.soc == 80.0
    assert session.power_kw == 0
    assert session.status == "ACTIVE"
    charged_until = session.now  # at most 10 s after charging ended
    session.advance(880)
    assert not session.done
    session.advance(60)
    assert session.done
    assert session.status == "COMPLETED"
    assert session.ended_at is not None
    assert timedelta(seconds=880) < session.ended_at - charged_until <= timedelta(seconds=900)
    periods = session.charging_periods()
    assert [d["type"] for d in periods[-1]["dimensions"]] == ["PARKING_TIME", "STATE_OF_CHARGE"]


def test_periods_start_at_tariff_switches_and_at_least_every_15_minutes() -> None:
    # Peak until 22:00 Berlin = 20:00Z. Start 19:40:03.7Z with a car that charges for hours.
    visit = Visit(car("Volkswagen ID.4"), 10.0, 100.0, 0.0, 300.0)
    session = ChargingSession(
        make_spec("AC22", start=datetime(2025, 8, 4, 19, 40, 3, 700_000, tzinfo=UTC)), visit
    )
    session.advance(3 * 3600)
    periods = session.charging_periods(cdr=True)
    starts = [p["start_date_time"] for p in periods]
    assert starts[:3] == [
        "2025-08-04T19:40:03.700Z",
        "2025-08-04T19:55:03.700Z",
        "2025-08-04T20:00:00Z",  # exactly at the switch, not at the next integration step
    ]
    assert all(d["volume"] <= 0.25 for p in periods for d in p["dimensions"] if d["type"] == "TIME")
    costs = price_periods(VOL["AC-PEAK"], periods, "Europe/Berlin")
    assert [line.element for line in costs.lines][:3] == [0, 0, 1]  # peak, peak, off-peak


def test_power_class_changes_start_a_period() -> None:
    visit = Visit(car("Volkswagen ID.4"), 40.0, 100.0, 0.0, 60.0)
    session = ChargingSession(make_spec("HPC300"), visit)
    session.advance(3 * 3600)
    charging = [
        {d["type"]: d["volume"] for d in p["dimensions"]}
        for p in session.charging_periods()
        if p["dimensions"][0]["type"] == "ENERGY"
    ]
    classes = [dims["MIN_POWER"] >= 50 for dims in charging]
    assert True in classes
    assert False in classes
    assert all((dims["MIN_POWER"] >= 50) == (dims["MAX_POWER"] >= 50) for dims in charging)


def test_idle_fee_boundary_starts_a_period() -> None:
    # AC-IDLE bills parking from 4 h of session age on; a long stay crosses that.
    visit = Visit(car("Renault Zoe"), 50.0, 90.0, 0.0, 6 * 3600.0)
    session = ChargingSession(make_spec("AC11", tariff="AC-IDLE"), visit)
    session.advance(9 * 3600)
    assert session.done
    four_hours = session.started_at + timedelta(hours=4)
    starts = [p["start_date_time"] for p in session.charging_periods()]
    assert four_hours.strftime("%Y-%m-%dT%H:%M:%S.250Z") in starts
    costs = session.costs()
    assert costs is not None
    billed_h = float(sum(line.quantity for line in costs.lines if line.dimension == "PARKING_TIME"))
    ended = session.ended_at
    assert ended is not None
    assert billed_h == pytest.approx((ended - four_hours).total_seconds() / 3600, abs=1e-3)


def test_stop_while_pending_completes_without_energy() -> None:
    session = ChargingSession(make_spec("DC50"), Visit(car("Hyundai Kona"), 20.0, 80.0, 10.0, 60.0))
    session.advance(4)
    session.stop()
    assert session.done
    assert session.status == "COMPLETED"
    assert session.kwh == 0
    cdr = session.cdr_dict("CDR-0")
    assert cdr["total_cost"] == {"excl_vat": 0.0, "incl_vat": 0.0}
    assert cdr["total_time"] == cdr["total_parking_time"] == 0.0011  # 4 s
    assert "tariffs" not in cdr
    assert "tariff_id" not in cdr["charging_periods"][0]


def test_stop_at_a_given_time_and_cdr_only_when_completed() -> None:
    session = ChargingSession(make_spec("AC11", seed=5))
    session.advance(600)
    with pytest.raises(RuntimeError):
        session.cdr_dict("too-early")
    stop_at = session.now + timedelta(minutes=30)
    session.stop(stop_at)
    assert session.ended_at == stop_at
    assert session.done
    session.advance(3600)  # nothing happens any more
    assert session.ended_at == stop_at
    with pytest.raises(ValueError, match="forward"):
        session.advance(-1)


def test_advance_to_and_chunking_agree() -> None:
    spec = make_spec("HPC300", seed=11)
    one, many = ChargingSession(spec), ChargingSession(spec)
    one.advance_to(spec.start + timedelta(minutes=40))
    for _ in range(40 * 60 * 4):
        many.advance(0.25)
    assert one.now == many.now
    assert Decimal(repr(one.kwh)) == pytest.approx(Decimal(repr(many.kwh)), rel=Decimal("1e-3"))


def test_same_seed_same_dicts_and_other_seed_differs() -> None:
    def play(seed: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        session = ChargingSession(make_spec("DC50", seed=seed))
        rng = random.Random(99)
        session.advance(rng.uniform(100, 900))
        middle = session.session_dict()
        run_to_end(session, rng)
        return middle, session.session_dict(), session.cdr_dict("CDR")

    assert play(4) == play(4)
    assert play(4) != play(5)


def test_free_tariff_costs_nothing_but_is_still_the_tariff() -> None:
    session = ChargingSession(make_spec("AC11", tariff="FREE", seed=2))
    session.advance(3600)
    assert session.session_dict()["total_cost"] == {"excl_vat": 0.0, "incl_vat": 0.0}
    session.stop()
    cdr = session.cdr_dict("CDR-F")
    assert cdr["tariffs"][0]["id"] == "VOL-FREE"
    assert cdr["total_energy"] > 0
    assert [k for k in cdr if k.endswith("_cost")] == ["total_cost"]


def test_without_a_tariff_there_is_no_running_cost() -> None:
    spec = make_spec("AC11")
    spec.tariffs = [VOL["ADHOC"]]  # only the card-payment price: not for this session
    session = ChargingSession(spec)
    session.advance(1800)
    assert "total_cost" not in session.session_dict()
    assert all("tariff_id" not in p for p in session.charging_periods())
