"""The one per-kWh figure search filters and ranks on, and the list's price column shows.

The store derives it when a Tariff is written (store/tariffs.py), so the max-price filter,
the station list, the station page and the estimate all read the same engine.
"""

from __future__ import annotations

from decimal import Decimal

from ..ocpi.enums import TariffDimensionType, TariffType
from ..ocpi.models import Tariff, TariffElement
from .money import ZERO, dec, shown_unit_price


def _unrestricted(element: TariffElement) -> bool:
    r = element.restrictions
    return r is None or not r.model_dump(exclude_none=True)


def energy_price_per_kwh(tariff: Tariff) -> Decimal | None:
    """The tariff's plain energy price per kWh incl. VAT; None when it has no plain one.

    The first unrestricted ENERGY component (spec 7.1: the first matching element wins, so
    the unrestricted one is the price that applies when no condition does). A tariff that
    charges nothing at all is 0, unless it says its price in words only (all zero with an
    alt text: summarize_tariff's "see details"), which must not look free. Ad-hoc payment
    tariffs apply to card payers, not to our drivers, so they have none.
    """
    charges_nothing = all(dec(c.price) == 0 for e in tariff.elements for c in e.price_components)
    if tariff.type == TariffType.AD_HOC_PAYMENT or (charges_nothing and tariff.tariff_alt_text):
        return None
    for element in tariff.elements:
        if not _unrestricted(element):
            continue
        for component in element.price_components:
            if component.type == TariffDimensionType.ENERGY:
                return shown_unit_price(component)
    return ZERO if charges_nothing else None
