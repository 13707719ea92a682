"""FLAT once per session, min_price/max_price (excl. and incl. separately) and VAT."""

from __future__ import annotations

from datetime import timedelta

from emsp_tui.tariff import (
    ActualCharge,
    Money,
    PlannedCharge,
    describe_tariff,
    price_charge,
)

from .tariff_support import BERLIN, D, el, local, pc, period, tariff

START = local("2025-01-13 10:00")


def kwh(amount: float) -> PlannedCharge:
    return PlannedCharge(start=START, energy_kwh=amount, power_kw=10)


def test_min_price_is_applied_to_excl_and_incl_separately() -> None:
    # 2.2 kWh x 0.50 (20 %) = 1.10 excl / 1.32 incl; min 1.00 excl / 1.50 incl:
    # excl stays 1.10, incl is lifted to 1.50.
    t = tariff(el(pc("ENERGY", 0.50, 20)), min_price={"excl_vat": 1.00, "incl_vat": 1.50})
    price = price_charge(t, kwh(2.2), BERLIN)
    assert price.total == Money(D("1.10"), D("1.50"))
    assert price.min_price_applied
    assert price.subtotal == Money(D("1.10"), D("1.32"))


def test_max_price_is_applied_to_excl_and_incl_separately() -> None:
    # 21 kWh x 0.50 = 10.50 / 12.60; max 20.00 excl / 12.00 incl: only incl is capped.
    t = tariff(el(pc("ENERGY", 0.50, 20)), max_price={"excl_vat": 20.00, "incl_vat": 12.00})
    assert price_charge(t, kwh(21), BERLIN).total == Money(D("10.50"), D("12.00"))


def test_min_price_without_incl_vat_keeps_the_session_vat_ratio() -> None:
    # 1 kWh x 0.50 (20 %) = 0.50 / 0.60; min 1.00 excl only -> incl 1.00 x 1.2 = 1.20.
    t = tariff(el(pc("ENERGY", 0.50, 20)), min_price={"excl_vat": 1.00})
    assert price_charge(t, kwh(1), BERLIN).total == Money(D("1.00"), D("1.20"))


def test_min_price_of_an_empty_session_uses_the_tariff_vat() -> None:
    # Nothing charged at all: min 1.00 excl; the tariff's only VAT rate is 20 % -> 1.20.
    t = tariff(el(pc("ENERGY", 0.50, 20)), min_price={"excl_vat": 1.00})
    price = price_charge(t, PlannedCharge(start=START), BERLIN)
    assert price.total == Money(D("1.00"), D("1.20"))


def test_absent_vat_means_no_vat() -> None:
    # vat absent: incl = excl, and the description says the prices are excl. VAT.
    t = tariff(el(pc("ENERGY", 0.30)))
    assert price_charge(t, kwh(10), BERLIN).total == Money(D("3.00"), D("3.00"))
    assert describe_tariff(t).sentence == "0.30 EUR/kWh, excl. VAT"


def test_zero_vat_is_a_rate() -> None:
    # vat 0: incl = excl as well, but it is a stated rate, so prices "include" it.
    t = tariff(el(pc("ENERGY", 0.30, 0.0)))
    assert price_charge(t, kwh(10), BERLIN).total == Money(D("3.00"), D("3.00"))
    assert describe_tariff(t).sentence == "0.30 EUR/kWh, VAT included"


def test_vat_per_component() -> None:
    # FLAT 1.00 without VAT + 1 kWh at 1.00 with 21 %: 2.00 excl, 1.00 + 1.21 = 2.21 incl.
    t = tariff(el(pc("FLAT", 1.00), pc("ENERGY", 1.00, 21)))
    price = price_charge(t, kwh(1), BERLIN)
    assert price.total == Money(D("2.00"), D("2.21"))
    assert describe_tariff(t).sentence == (
        "1.00 EUR per session excl. VAT, 1.21 EUR/kWh, VAT included unless marked excl. VAT"
    )


def test_flat_is_billed_once_per_session() -> None:
    t = tariff(el(pc("FLAT", 1.00), pc("ENERGY", 0.10)))
    periods = [period(START + timedelta(minutes=m), ENERGY=1) for m in (0, 10, 20)]
    price = price_charge(t, ActualCharge(periods, end=START + timedelta(minutes=30)), BERLIN)
    assert price.fixed.excl_vat == D("1.00")
    assert price.excl_vat == D("1.30")


def test_restricted_flat_fee_is_billed_once_when_it_starts_to_match() -> None:
    # A 5.00 fee for sessions lasting 1 h or more: billed once for 2 h, never for 30 min.
    t = tariff(el(pc("FLAT", 5.00), min_duration=3600), el(pc("ENERGY", 0.10)))
    long = PlannedCharge(start=START, energy_kwh=20, power_kw=10)
    short = PlannedCharge(start=START, energy_kwh=5, power_kw=10)
    assert price_charge(t, long, BERLIN).fixed.excl_vat == D("5.00")
    assert price_charge(t, short, BERLIN).fixed.excl_vat == 0


def test_no_matching_element_means_free_for_that_dimension() -> None:
    t = tariff(el(pc("ENERGY", 0.30, 20), day_of_week=["SUNDAY"]))
    assert price_charge(t, kwh(10), BERLIN).total == Money()  # a Monday
