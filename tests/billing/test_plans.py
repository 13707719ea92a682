"""Price plans: passthrough equals the tariff, markup, session fee, own rates by charger class,
and the same lines for an estimate (the tariff engine's price) as for an invoice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emsp_tui.billing.model import DimensionPrice, Line, LineKind, totals
from emsp_tui.billing.plans import (
    ChargerClass,
    Plan,
    Rates,
    charger_class,
    line_for,
    plan_named,
    plans,
    price_lines,
    retail_lines,
)
from emsp_tui.config import BillingSettings, Settings
from emsp_tui.ocpi.models import Tariff
from emsp_tui.tariff import PlannedCharge, price_charge
from tests.billing import ledger_support as s
from tests.paths import OCPI_EXAMPLES

D = Decimal
VAT = D(19)
ENERGY = (LineKind.ENERGY, "23.456", "kWh", "8.277622")  # 0.3529 EUR/kWh
TIME = (LineKind.CHARGING_TIME, "1.25", "h", "1.50")
PARKING = (LineKind.PARKING_TIME, "0.5", "h", "2.50")
FLAT = (LineKind.SESSION_FEE, "1", "session", "0.50")
AUDIT = s.audit(("DE", "VOL", "C1"), ENERGY, TIME, PARKING, FLAT, operator_excl="99.00")


def nets(lines: tuple[Line, ...]) -> list[tuple[LineKind, Decimal]]:
    return [(line.kind, line.net) for line in lines]


def assert_decimal_lines(lines: tuple[Line, ...]) -> None:
    for line in lines:
        assert all(type(v) is Decimal for v in (line.quantity, line.unit_price, line.net))


def test_passthrough_is_the_tariff_unchanged_never_the_operators_total() -> None:
    lines = retail_lines(AUDIT, Plan("passthrough"), VAT)
    assert nets(lines) == [
        (LineKind.ENERGY, D("8.28")), (LineKind.CHARGING_TIME, D("1.50")),
        (LineKind.PARKING_TIME, D("2.50")), (LineKind.SESSION_FEE, D("0.50")),
    ]  # fmt: skip
    assert totals(lines).net == D("12.78")  # the tariff; the CDR said 99.00
    energy = lines[0]
    assert (energy.quantity, energy.unit, energy.unit_price) == (D("23.456"), "kWh", D("0.3529"))
    assert {line.vat_rate for line in lines} == {VAT}
    assert_decimal_lines(lines)


def test_markup_applies_to_every_part_of_the_operators_price() -> None:
    lines = retail_lines(AUDIT, Plan("m", markup_percent=D(10)), VAT)
    assert nets(lines) == [
        (LineKind.ENERGY, D("9.11")), (LineKind.CHARGING_TIME, D("1.65")),
        (LineKind.PARKING_TIME, D("2.75")), (LineKind.SESSION_FEE, D("0.55")),
    ]  # fmt: skip
    assert all("+ 10 %" in line.description for line in lines)


def test_session_fee_is_one_line_of_ours() -> None:
    lines = retail_lines(AUDIT, Plan("f", session_fee=D("0.99")), VAT)
    assert lines[-1] == Line(LineKind.SESSION_FEE, "Service fee", D(1), "session", D("0.99"), VAT)
    assert totals(lines).net == D("12.78") + D("0.99")
    both = retail_lines(AUDIT, Plan("mf", markup_percent=D(20), session_fee=D(1)), VAT)
    assert totals(both).net == D("9.93") + D("1.80") + D("3.00") + D("0.60") + D(1)


OWN = Plan(
    "own",
    own_rates={
        ChargerClass.AC: Rates(energy_per_kwh=D("0.39")),
        ChargerClass.DC: Rates(energy_per_kwh=D("0.59"), parking_per_hour=D(6)),
        ChargerClass.HPC: Rates(energy_per_kwh=D("0.69"), session_fee=D(1)),
    },
)


@pytest.mark.parametrize(
    ("charger", "expected"),
    [
        (ChargerClass.AC, [(LineKind.ENERGY, D("9.15"))]),  # 23.456 x 0.39
        (ChargerClass.DC, [(LineKind.ENERGY, D("13.84")), (LineKind.PARKING_TIME, D("3.00"))]),
        (ChargerClass.HPC, [(LineKind.ENERGY, D("16.18")), (LineKind.SESSION_FEE, D(1))]),
    ],
)
def test_own_rates_by_charger_class_ignore_the_operators_prices(
    charger: ChargerClass, expected: list[tuple[LineKind, Decimal]]
) -> None:
    lines = retail_lines(AUDIT, OWN, VAT, charger=charger)
    assert nets(lines) == expected
    assert all(f"({charger.value})" in line.description for line in lines)


def test_own_rates_missing_a_class_fall_back() -> None:
    dc_only = Plan("dc", own_rates={ChargerClass.DC: Rates(energy_per_kwh=D("0.50"))})
    assert nets(retail_lines(AUDIT, dc_only, VAT, charger=ChargerClass.HPC)) == [
        (LineKind.ENERGY, D("11.73"))
    ]
    # No AC rate: the tariff passes through.
    assert totals(retail_lines(AUDIT, dc_only, VAT, charger=ChargerClass.AC)).net == D("12.78")


def test_charger_class_from_power_type_and_power() -> None:
    hpc = D(150)
    assert charger_class("AC_3_PHASE", D(22), hpc) is ChargerClass.AC
    assert charger_class("DC", D(50), hpc) is ChargerClass.DC
    assert charger_class("DC", D(150), hpc) is ChargerClass.HPC
    assert charger_class("DC", None, hpc) is ChargerClass.DC
    assert charger_class(None, None, hpc) is ChargerClass.AC


def test_a_tariff_minimum_price_is_its_own_line() -> None:
    from dataclasses import replace

    clamped = replace(AUDIT, tariff_total_excl=D("15.00"))
    lines = retail_lines(clamped, Plan("passthrough"), VAT)
    assert lines[-1].description == "Tariff minimum price"
    assert totals(lines).net == D("15.00")


@pytest.mark.parametrize(
    ("quantity", "net"),
    [("23.456", "8.277622"), ("0.083333", "0.1666666"), ("1.973", "3.946"), ("250", "87.4321")],
)
def test_a_line_reproduces_its_amount_to_the_cent(quantity: str, net: str) -> None:
    line = line_for(LineKind.ENERGY, "Energy", D(quantity), "kWh", D(net), VAT)
    assert line.net == (D(net)).quantize(D("0.01"))
    assert line.unit_price == line.unit_price.quantize(D("0.0001"))


def test_the_estimate_goes_through_the_same_lines() -> None:
    """Price before the start: the tariff engine's price of a planned charge, the plan on it."""
    tariff = Tariff.model_validate(
        json.loads((OCPI_EXAMPLES / "cdr_example.json").read_text())["tariffs"][0]
    )
    start = datetime(2026, 3, 15, 10, tzinfo=UTC)
    price = price_charge(
        tariff, PlannedCharge(start, energy_kwh=20, duration=timedelta(hours=2)), "Europe/Berlin"
    )
    lines = price_lines(price, Plan("m", markup_percent=D(10)), VAT)
    assert nets(lines) == [(LineKind.CHARGING_TIME, D("4.40"))]  # 2 h x 2.00 + 10 %
    assert lines[0].quantity == D(2)
    same = retail_lines(
        s.audit(("DE", "VOL", "X"), (LineKind.CHARGING_TIME, "2", "h", "4.00")),
        Plan("m", markup_percent=D(10)),
        VAT,
    )
    assert [(ln.kind, ln.net) for ln in same] == nets(lines)


def test_plans_from_the_configuration() -> None:
    fresh = Settings().billing
    assert fresh.default_plan == "passthrough"
    assert plan_named(fresh, None) == Plan("passthrough", "")
    configured = BillingSettings.model_validate(
        {
            "default_plan": "demo",
            "plans": {
                "demo": {"markup_percent": "15", "session_fee": 0.35},
                "fast": {"own_rates": {"HPC": {"energy_per_kwh": 0.69}}, "monthly_fee": 4.99},
            },
        }
    )
    known = plans(configured)
    assert set(known) == {"demo", "fast", "passthrough"}
    assert known["demo"].markup_percent == D(15)
    assert known["demo"].session_fee == D("0.35")
    fast = known["fast"]
    assert fast.own_rates == {ChargerClass.HPC: Rates(energy_per_kwh=D("0.69"))}
    assert fast.monthly_fee == D("4.99")
    assert type(fast.monthly_fee) is Decimal
    assert plan_named(configured, None).name == "demo"
    assert plan_named(configured, "retired").name == "demo"
    assert plan_named(configured, "fast") is not None


def test_own_rates_from_dimensions_with_several_parts() -> None:
    dims = (
        DimensionPrice(LineKind.ENERGY, D(10), "kWh", D(3), None, None),
        DimensionPrice(LineKind.RESERVATION, D("0.5"), "h", D(2), None, None),
    )
    from dataclasses import replace

    audit = replace(AUDIT, dimensions=dims, tariff_total_excl=D(5))
    lines = retail_lines(audit, OWN, VAT, charger=ChargerClass.AC)
    assert nets(lines) == [(LineKind.RESERVATION, D("2.00")), (LineKind.ENERGY, D("3.90"))]


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    quantity=st.decimals(min_value=0, max_value=100000, places=6),
    net=st.decimals(min_value=0, max_value=10000, places=7),
)
def test_any_line_reproduces_its_amount_to_the_cent(quantity: Decimal, net: Decimal) -> None:
    line = line_for(LineKind.ENERGY, "Energy", quantity, "kWh", net, VAT)
    assert line.net == net.quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert line.unit_price == line.unit_price.quantize(D("0.0001"))
    assert line.quantity == line.quantity.quantize(D("0.0001"))
