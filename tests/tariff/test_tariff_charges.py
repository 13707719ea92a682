"""The two charge kinds: validation, conversion to slices, and the engine's purity."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from emsp_tui.ocpi.enums import TariffDimensionType as Dim
from emsp_tui.ocpi.models import Session
from emsp_tui.tariff import ActualCharge, Money, PlannedCharge, price_charge
from tests.paths import OCPI_EXAMPLES

from .tariff_support import BERLIN, D, el, example, local, pc, period, tariff

START = local("2025-01-13 10:00")


def test_planned_charge_needs_power_or_duration_for_energy() -> None:
    with pytest.raises(ValueError, match="power_kw or duration"):
        PlannedCharge(start=START, energy_kwh=10)


def test_planned_charge_needs_an_aware_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        PlannedCharge(start=datetime(2025, 1, 13, 10), energy_kwh=10, power_kw=11)  # noqa: DTZ001


def test_planned_charge_rejects_negative_amounts() -> None:
    with pytest.raises(ValueError, match="negative"):
        PlannedCharge(start=START, energy_kwh=-1, power_kw=11)
    with pytest.raises(ValueError, match="negative"):
        PlannedCharge(start=START, energy_kwh=1, power_kw=11, parking=timedelta(minutes=-5))


def test_planned_duration_from_energy_and_power() -> None:
    plan = PlannedCharge(start=START, energy_kwh=33, power_kw=22)
    assert plan.charging_duration == timedelta(minutes=90)
    assert plan.charging_power_kw == D(22)


def test_energy_spread_over_a_given_duration_while_power_rules_restrictions() -> None:
    # 11 kWh over 2 h with a 50 kW station: restrictions see 50 kW (above 22), energy 11 kWh.
    t = tariff(el(pc("ENERGY", 0.30), max_power=22), el(pc("ENERGY", 0.50)))
    plan = PlannedCharge(start=START, energy_kwh=11, power_kw=50, duration=timedelta(hours=2))
    price = price_charge(t, plan, BERLIN)
    assert price.excl_vat == D("5.50")
    assert price.measured.charging_hours == D(2)


def test_an_empty_plan_still_pays_the_session_fee() -> None:
    t = tariff(el(pc("FLAT", 1.00, 20), pc("ENERGY", 0.30, 20)))
    assert price_charge(t, PlannedCharge(start=START), BERLIN).total == Money(D("1.00"), D("1.20"))


def test_planned_slices_cover_the_charge_without_gaps() -> None:
    t = example("tariff_4_complex.json")
    plan = PlannedCharge(
        start=local("2025-01-17 16:10"),
        energy_kwh=40,
        power_kw=11,
        parking=timedelta(hours=3),
        current_a=48,
    )
    price = price_charge(t, plan, BERLIN)
    starts = [s.start for s in price.slices]
    assert starts == sorted(starts)
    assert all(a.end == b.start for a, b in zip(price.slices, price.slices[1:], strict=False))
    assert price.measured.energy_kwh == D(40)
    assert price.measured.parking_hours == D(3)


def test_session_example_without_periods_costs_its_start_fee() -> None:
    # session_example_1 (PENDING, no periods, total_cost 2.50 excl) under tariff_4 (FLAT 2.50).
    session = Session.model_validate_json(
        (OCPI_EXAMPLES / "session_example_1_simple_start.json").read_text()
    )
    charge = ActualCharge.from_session(session, now=session.start_date_time + timedelta(minutes=1))
    price = price_charge(example("tariff_4_complex.json"), charge, "Europe/Amsterdam")
    assert price.excl_vat == D(repr(session.total_cost.excl_vat)) == D("2.50")  # type: ignore[union-attr]


def test_periods_of_another_tariff_are_not_priced_but_count_as_energy_used() -> None:
    # First 10 kWh at 0.10 (max_kwh 10), then 0.40. Period 0 (10 kWh) belongs to tariff OTHER;
    # period 1 (5 kWh) is already past 10 kWh: 5 x 0.40 = 2.00.
    t = tariff(el(pc("ENERGY", 0.10), max_kwh=10), el(pc("ENERGY", 0.40)))
    periods = [period(START, "OTHER", ENERGY=10), period(START + timedelta(hours=1), "t", ENERGY=5)]
    price = price_charge(t, ActualCharge(periods, end=START + timedelta(hours=2)), BERLIN)
    assert price.excl_vat == D("2.00")
    assert [s.priced for s in price.slices] == [False, True]
    assert any("OTHER" in note for note in price.notes)


def test_period_without_time_dimensions_uses_its_length() -> None:
    # Second period reports nothing but MAX_POWER 0: its 30 min are parking at 2.00/h = 1.00.
    t = tariff(el(pc("PARKING_TIME", 2.00)))
    periods = [
        period(START, ENERGY=5, PARKING_TIME=0),
        period(START + timedelta(hours=1), ENERGY=0, MAX_POWER=0),
    ]
    price = price_charge(t, ActualCharge(periods, end=START + timedelta(minutes=90)), BERLIN)
    assert price.parking.excl_vat == D("1.00")
    assert price.notes


def test_periods_are_taken_in_time_order() -> None:
    t = tariff(el(pc("ENERGY", 0), max_kwh=5), el(pc("ENERGY", 1.00)))
    late = period(START + timedelta(minutes=30), ENERGY=3)
    early = period(START, ENERGY=5)
    price = price_charge(t, ActualCharge([late, early], end=START + timedelta(hours=1)), BERLIN)
    assert price.excl_vat == D("3.00")
    assert [s.elements[Dim.ENERGY] for s in price.slices] == [0, 1]


def test_pricing_does_not_change_the_tariff() -> None:
    t = example("tariff_4_complex.json")
    before = t.to_ocpi()
    price_charge(t, PlannedCharge(start=START, energy_kwh=20, power_kw=11, current_a=16), BERLIN)
    assert t.to_ocpi() == before


def test_engine_imports_neither_ui_nor_store_nor_mock() -> None:
    code = (
        "import sys, emsp_tui.tariff\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'mock_backend')"
        " or m.startswith('emsp_tui.store')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_planned_energy_needs_time_to_flow() -> None:
    with pytest.raises(ValueError, match="duration above zero"):
        PlannedCharge(start=START, energy_kwh=10, duration=timedelta(0))
