"""Price plans: what a driver pays us for a charge, from what the CPO's tariff gives.

A plan (configuration ``[billing.plans.NAME]``) either passes the tariff's price through, with
an optional markup percent and an optional session fee of ours, or replaces it with our own
rates per charger class (AC, DC, high-power). The default plan, ``passthrough``, is the tariff's
price unchanged. The driver is always billed from the tariff's figures (``DimensionPrice.
tariff_net``), never from a CDR's unexplained total.

One engine for the three moments, so they agree:

* the invoice: ``retail_lines(audit_cdr(cdr, tariffs), plan, vat_rate, charger=...)``;
* the price before the start and the cost so far: price the charge with the tariff engine,
  ``price = tariff.price_charge(tariff, PlannedCharge(...) or ActualCharge(session...), tz)``,
  then ``price_lines(price, plan, vat_rate, charger=...)``; ``totals(lines).gross`` is the
  driver's price (``price.incl_vat`` stays the CPO's figure, for support).

Amounts are ``Decimal``, excl. VAT; each line is rounded to the cent (``model.Line.net``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from ..config import BillingSettings, ClassRates, PricePlan
from ..tariff.engine import TariffPrice
from .model import CdrAudit, DimensionPrice, Line, LineKind, cents

ZERO = Decimal(0)
HUNDRED = Decimal(100)
UNIT_PRICE = Decimal("0.0001")
QUANTITY = Decimal("0.0001")
PASSTHROUGH = "passthrough"


class ChargerClass(StrEnum):
    AC = "AC"
    DC = "DC"
    HPC = "HPC"  # DC at the configured high-power threshold or more


def charger_class(
    power_type: str | None, max_kw: Decimal | None, high_power_kw: Decimal
) -> ChargerClass:
    """The class of the connector a charge used: OCPI ``power_type`` (AC_1_PHASE, DC, ...)
    and its maximum power, when known (unknown power: plain DC)."""
    if power_type is None or not power_type.upper().startswith("DC"):
        return ChargerClass.AC
    if max_kw is not None and max_kw >= high_power_kw:
        return ChargerClass.HPC
    return ChargerClass.DC


@dataclass(frozen=True)
class Rates:
    energy_per_kwh: Decimal = ZERO
    time_per_hour: Decimal = ZERO
    parking_per_hour: Decimal = ZERO
    session_fee: Decimal = ZERO


@dataclass(frozen=True)
class Plan:
    name: str
    description: str = ""
    markup_percent: Decimal = ZERO
    session_fee: Decimal = ZERO  # ours, per session, excl. VAT
    own_rates: Mapping[ChargerClass, Rates] | None = field(default=None)
    monthly_fee: Decimal = ZERO

    def rates_for(self, charger: ChargerClass) -> Rates | None:
        """Our rates for a class; high-power falls back to DC. None: pass the tariff through."""
        if not self.own_rates:
            return None
        found = self.own_rates.get(charger)
        if found is None and charger is ChargerClass.HPC:
            found = self.own_rates.get(ChargerClass.DC)
        return found


def _rates(entry: ClassRates) -> Rates:
    return Rates(entry.energy_per_kwh, entry.time_per_hour, entry.parking_per_hour,
                 entry.session_fee)  # fmt: skip


def plan_from_settings(name: str, entry: PricePlan) -> Plan:
    own = {ChargerClass(k): _rates(v) for k, v in (entry.own_rates or {}).items()} or None
    return Plan(name, entry.description, entry.markup_percent, entry.session_fee, own,
                entry.monthly_fee)  # fmt: skip


def plans(settings: BillingSettings) -> dict[str, Plan]:
    """Every configured plan by name; ``passthrough`` is always there."""
    found = {name: plan_from_settings(name, entry) for name, entry in settings.plans.items()}
    found.setdefault(PASSTHROUGH, Plan(PASSTHROUGH, "The operator's price, unchanged"))
    return found


def plan_named(settings: BillingSettings, name: str | None) -> Plan:
    """An account's plan (None or a plan no longer configured: the default plan)."""
    known = plans(settings)
    return known.get(name or "") or known.get(settings.default_plan) or known[PASSTHROUGH]


# -- lines ---------------------------------------------------------------------------------------
_NAMES = {
    LineKind.ENERGY: "Energy",
    LineKind.CHARGING_TIME: "Charging time",
    LineKind.PARKING_TIME: "Parking time",
    LineKind.SESSION_FEE: "Operator session fee",
    LineKind.RESERVATION: "Reservation",
}


def line_for(
    kind: LineKind, description: str, quantity: Decimal, unit: str, net: Decimal, vat: Decimal
) -> Line:
    """A line whose net amount is ``net`` rounded to the cent, shown as quantity x unit price
    (quantity to 4 decimals, unit price to 4 decimals chosen so the product rounds to that
    cent). When no such unit price exists (very large quantities), one unit of the whole."""
    target = cents(net)
    qty = quantity.quantize(QUANTITY, rounding=ROUND_HALF_UP)
    if qty > 0:
        base = (net / qty).quantize(UNIT_PRICE, rounding=ROUND_HALF_UP)
        for step in range(0, 60):
            for price in (base + step * UNIT_PRICE, base - step * UNIT_PRICE):
                if cents(qty * price) == target:
                    return Line(kind, description, qty, unit, price, vat)
    return Line(kind, f"{description} ({qty} {unit})", Decimal(1), "session", target, vat)


def _fee(description: str, amount: Decimal, vat: Decimal) -> Line:
    return Line(LineKind.SESSION_FEE, description, Decimal(1), "session", amount, vat)


def _passthrough(
    dimensions: Iterable[DimensionPrice], total_excl: Decimal, plan: Plan, vat: Decimal
) -> list[Line]:
    factor = 1 + plan.markup_percent / HUNDRED
    markup = plan.markup_percent.normalize()
    suffix = f" (operator price + {markup:f} %)" if markup else ""
    lines, summed = [], ZERO
    for d in dimensions:
        summed += d.tariff_net
        if d.tariff_net == 0:
            continue
        name = _NAMES.get(d.kind, d.kind.value.title())
        lines.append(
            line_for(d.kind, name + suffix, d.quantity, d.unit, d.tariff_net * factor, vat)
        )
    adjustment = total_excl - summed  # the tariff's min_price / max_price
    if cents(adjustment * factor) != 0:
        name = "Tariff minimum price" if adjustment > 0 else "Tariff maximum price"
        lines.append(_fee(name + suffix, cents(adjustment * factor), vat))
    return lines


def _own(
    dimensions: Iterable[DimensionPrice], rates: Rates, label: str, vat: Decimal
) -> list[Line]:
    quantity: dict[LineKind, Decimal] = {}
    lines = []
    for d in dimensions:
        if d.kind is LineKind.RESERVATION and d.tariff_net != 0:  # no own rate: as the tariff
            lines.append(line_for(d.kind, _NAMES[d.kind], d.quantity, d.unit, d.tariff_net, vat))
        quantity[d.kind] = quantity.get(d.kind, ZERO) + d.quantity
    own = (
        (LineKind.ENERGY, "Energy", "kWh", rates.energy_per_kwh),
        (LineKind.CHARGING_TIME, "Charging time", "h", rates.time_per_hour),
        (LineKind.PARKING_TIME, "Parking time", "h", rates.parking_per_hour),
    )
    for kind, name, unit, price in own:
        q = quantity.get(kind, ZERO)
        if price and q:
            lines.append(line_for(kind, f"{name} ({label})", q, unit, q * price, vat))
    if rates.session_fee:
        lines.append(_fee(f"Start fee ({label})", rates.session_fee, vat))
    return lines


def priced_lines(
    dimensions: Iterable[DimensionPrice],
    tariff_total_excl: Decimal,
    plan: Plan,
    vat_rate: Decimal,
    *,
    charger: ChargerClass = ChargerClass.AC,
) -> tuple[Line, ...]:
    """The driver's lines for a charge priced by the tariff: the core of ``retail_lines`` and
    ``price_lines``. ``tariff_total_excl``: the tariff's total (after min/max price)."""
    dims = tuple(dimensions)
    rates = plan.rates_for(charger)
    if rates is None:
        lines = _passthrough(dims, tariff_total_excl, plan, vat_rate)
    else:
        lines = _own(dims, rates, charger.value, vat_rate)
    if plan.session_fee:
        lines.append(_fee("Service fee", plan.session_fee, vat_rate))
    return tuple(lines)


def retail_lines(
    audit: CdrAudit, plan: Plan, vat_rate: Decimal, *, charger: ChargerClass = ChargerClass.AC
) -> tuple[Line, ...]:
    """An invoice's lines for an audited CDR: the plan applied to the tariff's price
    (``audit.dimensions``), whatever the CDR's own total says."""
    return priced_lines(audit.dimensions, audit.tariff_total_excl, plan, vat_rate, charger=charger)


def dimensions_of(price: TariffPrice) -> tuple[DimensionPrice, ...]:
    """A tariff engine price (a planned charge or a session so far) as the audit's dimensions,
    so that an estimate and the cost so far go through the same lines as the invoice."""
    billed = price.billed
    parts = (
        (LineKind.ENERGY, billed.energy_kwh, "kWh", price.energy),
        (LineKind.CHARGING_TIME, billed.charging_hours, "h", price.time),
        (LineKind.PARKING_TIME, billed.parking_hours, "h", price.parking),
        (LineKind.SESSION_FEE, Decimal(1), "session", price.fixed),
        (LineKind.RESERVATION, billed.reservation_hours, "h", price.reservation),
    )
    return tuple(
        DimensionPrice(kind, qty, unit, money.excl_vat, None, None)
        for kind, qty, unit, money in parts
        if money.excl_vat or (qty and kind is not LineKind.SESSION_FEE)
    )


def price_lines(
    price: TariffPrice, plan: Plan, vat_rate: Decimal, *, charger: ChargerClass = ChargerClass.AC
) -> tuple[Line, ...]:
    """The driver's lines for the price before the start or the cost so far."""
    return priced_lines(dimensions_of(price), price.excl_vat, plan, vat_rate, charger=charger)


def monthly_fee_line(plan: Plan, vat_rate: Decimal, month: str) -> Line | None:
    if not plan.monthly_fee:
        return None
    return Line(LineKind.MONTHLY_FEE, f"Monthly fee, plan {plan.name}, {month}", Decimal(1),
                "month", plan.monthly_fee, vat_rate)  # fmt: skip
