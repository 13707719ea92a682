"""Decimal money helpers shared by the engine and the descriptions.

Money is exact ``Decimal`` throughout; OCPI leaves rounding to contracts, so the only rounding
here is for display (`round_money`, `format_amount`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..ocpi.models import PriceComponent

ZERO = Decimal(0)
HUNDRED = Decimal(100)
SECONDS_PER_HOUR = Decimal(3600)


def dec(value: float | int | str | Decimal) -> Decimal:
    """The decimal a wire number was written as: ``0.1`` gives ``Decimal('0.1')``.

    ``repr`` of a float is its shortest round-trip spelling, which is what the JSON said.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def with_vat(amount: Decimal, vat: float | Decimal | None) -> Decimal:
    """``amount`` plus ``vat`` percent. Absent VAT means no VAT applies (spec), not 0 unknown."""
    if vat is None:
        return amount
    return amount * (HUNDRED + dec(vat)) / HUNDRED


@dataclass(frozen=True)
class Money:
    """An amount excluding and including VAT."""

    excl_vat: Decimal = ZERO
    incl_vat: Decimal = ZERO

    def __add__(self, other: Money) -> Money:
        return Money(self.excl_vat + other.excl_vat, self.incl_vat + other.incl_vat)

    def __sub__(self, other: Money) -> Money:
        return Money(self.excl_vat - other.excl_vat, self.incl_vat - other.incl_vat)

    def rounded(self, places: int = 2) -> Money:
        """For display only: half-up to ``places`` decimals."""
        return Money(round_money(self.excl_vat, places), round_money(self.incl_vat, places))


def unit_price(component: PriceComponent) -> Money:
    """Price per unit (kWh, hour, session) of a component, excl. and incl. its VAT."""
    excl = dec(component.price)
    return Money(excl, with_vat(excl, component.vat))


def shown_unit_price(component: PriceComponent) -> Decimal:
    """The per-unit figure a driver is shown: incl. VAT when VAT is given, else excl."""
    return unit_price(component).incl_vat


def round_money(value: Decimal, places: int = 2) -> Decimal:
    """Display rounding (half away from zero). Never used inside the engine."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_amount(value: Decimal, max_places: int = 4) -> str:
    """``0.5`` -> ``0.50``, ``0.275`` -> ``0.275``, ``0.359975`` -> ``0.36`` (at most 4 places)."""
    text = f"{round_money(value, max_places):.{max_places}f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return f"{whole}.{frac}"
