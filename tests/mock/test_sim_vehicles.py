"""Vehicles and power limits of the charging simulator (mock_backend.sim.vehicles/power)."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from mock_backend.sim import (
    CATALOGUE,
    charging_power_kw,
    connector_limit_kw,
    pick_vehicle,
    plan_visit,
    vehicle_limit_kw,
)
from mock_backend.sim.vehicles import CCS, CHADEMO


def connector(
    power_type: str, volts: int, amps: int, watts: int | None = None, standard: str = "IEC_62196_T2"
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": "1",
        "standard": standard,
        "format": "SOCKET",
        "power_type": power_type,
        "max_voltage": volts,
        "max_amperage": amps,
    }
    if watts is not None:
        out["max_electric_power"] = watts
    return out


AC11 = connector("AC_3_PHASE", 230, 16, 11000)
AC22 = connector("AC_3_PHASE", 230, 32, 22000)
AC1 = connector("AC_1_PHASE", 230, 32)
DC50 = connector("DC", 500, 125, 50000, CCS)
CHA50 = connector("DC", 500, 125, 50000, CHADEMO)
HPC300 = connector("DC", 920, 500, 300000, CCS)
CONNECTORS = [AC11, AC22, AC1, DC50, CHA50, HPC300]


def test_connector_limit_uses_max_electric_power_else_volts_times_amps() -> None:
    assert connector_limit_kw(AC11) == 11.0
    # No max_electric_power: V x A, x 3 on three phases (V is line-to-neutral).
    assert connector_limit_kw(connector("AC_3_PHASE", 230, 16)) == pytest.approx(11.04)
    assert connector_limit_kw(AC1) == pytest.approx(7.36)
    assert connector_limit_kw(connector("DC", 500, 125)) == 62.5
    assert connector_limit_kw(HPC300) == 300.0


def test_catalogue_has_the_shapes_the_issue_asks_for() -> None:
    by_name = {v.model: v for v in CATALOGUE}
    compact = by_name["Hyundai Kona Electric 39 kWh"]
    assert 38 <= compact.battery_kwh <= 42
    assert compact.dc_max_kw == 50
    assert compact.ac_kw(1) == pytest.approx(7.36)
    assert compact.ac_kw(3) == 11.0
    crossovers = [v for v in CATALOGUE if v.battery_kwh == 77 and v.ac_kw(3) == 11]
    assert {v.dc_max_kw for v in crossovers} >= {135.0, 175.0}
    assert any(v.battery_kwh == 82 and v.dc_max_kw == 250 for v in CATALOGUE)
    chademo = [v for v in CATALOGUE if v.dc_inlet == CHADEMO]
    assert len(chademo) == 1
    assert not chademo[0].can_use(CCS)


def test_power_never_exceeds_either_limit() -> None:
    for vehicle in CATALOGUE:
        for conn in CONNECTORS:
            for soc in range(0, 101):
                power = charging_power_kw(vehicle, conn, soc)
                limit = min(connector_limit_kw(conn), vehicle_limit_kw(vehicle, conn, soc))
                assert 0 <= power <= limit + 1e-9, (vehicle.model, conn, soc)


def test_dc_power_tapers_near_full() -> None:
    for vehicle in (v for v in CATALOGUE if v.dc_inlet == CCS):
        at_50 = charging_power_kw(vehicle, HPC300, 50)
        at_95 = charging_power_kw(vehicle, HPC300, 95)
        assert at_95 < 0.35 * at_50, vehicle.model
        assert charging_power_kw(vehicle, HPC300, 100) < 0.05 * vehicle.dc_max_kw
        curve = [charging_power_kw(vehicle, HPC300, s) for s in range(50, 101)]
        assert curve == sorted(curve, reverse=True)  # only going down after 50 %


def test_dc_plateau_then_gentle_decline_then_steep_taper() -> None:
    id4 = next(v for v in CATALOGUE if v.model.startswith("Volkswagen ID.4"))
    power = {s: charging_power_kw(id4, HPC300, s) for s in (20, 50, 65, 80, 90, 100)}
    assert power[20] == power[50] == 135.0  # flat
    assert 0.6 * 135 < power[65] < 135  # gently declining
    assert power[90] < 0.6 * power[80]  # steep
    # On a 50 kW charger the car's taper shows only once its curve drops below 50 kW.
    assert charging_power_kw(id4, DC50, 75) == 50.0
    assert charging_power_kw(id4, DC50, 95) < 25.0


def test_ac_is_nearly_flat_until_about_95_percent() -> None:
    for vehicle in CATALOGUE:
        assert charging_power_kw(vehicle, AC11, 93) == charging_power_kw(vehicle, AC11, 30)
        assert charging_power_kw(vehicle, AC11, 99) < charging_power_kw(vehicle, AC11, 93)


def test_phases_and_current_limit_ac_power() -> None:
    leaf = next(v for v in CATALOGUE if v.dc_inlet == CHADEMO)  # one phase, 6.6 kW charger
    zoe = next(v for v in CATALOGUE if v.model.startswith("Renault Zoe"))  # 22 kW, 3 x 32 A
    assert charging_power_kw(leaf, AC11, 50) == pytest.approx(3.68)  # 1 phase x 16 A
    assert charging_power_kw(leaf, AC22, 50) == 6.6
    assert charging_power_kw(zoe, AC22, 50) == 22.0
    assert charging_power_kw(zoe, AC11, 50) == 11.0


def test_pick_vehicle_fits_the_connector() -> None:
    rng = random.Random(3)
    on_chademo = {pick_vehicle(rng, CHA50)[0].dc_inlet for _ in range(50)}
    assert on_chademo == {CHADEMO}
    on_ccs = {pick_vehicle(rng, HPC300)[0].dc_inlet for _ in range(200)}
    assert on_ccs == {CCS}
    on_ac = Counter(pick_vehicle(rng, AC11)[0].model for _ in range(500))
    assert len(on_ac) == len(CATALOGUE)  # every car can use a Type 2 post
    socs = [pick_vehicle(rng, DC50)[1] for _ in range(200)]
    assert all(0 < s < 60 for s in socs)


def test_plan_visit_is_seeded_and_sane() -> None:
    for seed in range(200):
        conn = CONNECTORS[seed % len(CONNECTORS)]
        visit = plan_visit(random.Random(seed), conn)
        assert visit == plan_visit(random.Random(seed), conn)
        assert visit.vehicle.can_use(conn["standard"])
        assert visit.start_soc + 5 <= visit.target_soc <= 100
        assert 0 < visit.pending_seconds <= 20
        assert visit.idle_seconds > 0
    assert plan_visit(random.Random(1), AC11) != plan_visit(random.Random(2), AC11)
