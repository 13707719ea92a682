"""The eMSP's OCPI 2.2.1 tariff engine: prices and plain-words descriptions.

Pure functions of a Tariff and a charge; nothing here touches the store, the network or the
UI. The mock backend prices independently on purpose, so CDRs can be audited against this.

    plan = PlannedCharge(start, energy_kwh=30, power_kw=50, parking=timedelta(minutes=20))
    price = price_charge(tariff, plan, "Europe/Amsterdam")
    price.incl_vat, price.energy, price.billed.energy_kwh, price.lines[0].element_index
    describe_tariff(tariff).lines, summarize_tariff(tariff)
"""

from __future__ import annotations

from .charge import ActualCharge, PlannedCharge
from .describe import TariffDescription, describe_element, describe_tariff, summarize_tariff
from .engine import PricedLine, PricedSlice, Quantities, TariffPrice, price_charge, price_slices
from .money import Money, format_amount, round_money, unit_price
from .restrictions import Slice
from .search_price import energy_price_per_kwh

__all__ = [
    "ActualCharge",
    "Money",
    "PlannedCharge",
    "PricedLine",
    "PricedSlice",
    "Quantities",
    "Slice",
    "TariffDescription",
    "TariffPrice",
    "describe_element",
    "describe_tariff",
    "energy_price_per_kwh",
    "format_amount",
    "price_charge",
    "price_slices",
    "round_money",
    "summarize_tariff",
    "unit_price",
]
