"""The engine's sums: each dimension and the total are added before one division by 3600, so
thirds of an hour add up to whole cents where the per-line costs (each divided on its own,
cut at 28 digits) do not; each dimension holds only its own lines."""

from __future__ import annotations

from datetime import timedelta

from emsp_tui.tariff import ActualCharge, Money, price_charge

from .tariff_support import BERLIN, D, el, local, pc, period, tariff

START = local("2025-01-13 10:00")


def test_three_thirds_of_an_hour_add_up_to_the_hourly_price() -> None:
    t = tariff(el(pc("TIME", 0.70, vat=19.0), pc("ENERGY", 0.30, vat=19.0)))
    # No TIME reported: each period's 1,200 s on the clock is its charging time.
    periods = [period(START + timedelta(minutes=20 * n), ENERGY=1.0) for n in range(3)]
    price = price_charge(t, ActualCharge(periods, end=START + timedelta(hours=1)), BERLIN)
    time_lines = [ln for ln in price.lines if ln.bucket == "time"]
    assert len(time_lines) == 3
    # Each line alone is a repeating decimal cut at 28 digits: their sum is not 2.
    assert sum((ln.cost.excl_vat for ln in time_lines), D(0)) == D("0.6999999999999999999999999999")
    assert time_lines[0].cost.excl_vat == D("0.2333333333333333333333333333")
    assert price.time == Money(D("0.70"), D("0.833"))
    assert price.energy == Money(D("0.90"), D("1.071"))  # 3 kWh x 0.30
    assert price.subtotal == price.time + price.energy
    assert (price.excl_vat, price.incl_vat) == (D("1.60"), D("1.904"))
    assert price.fixed == price.parking == price.reservation == Money()
