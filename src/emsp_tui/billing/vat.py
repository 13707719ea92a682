"""The VAT rate of a charge: the standard rate of the country where the charging took place.

Charging an EV is a supply of goods (electricity) taxed where the car is charged (CJEU C-60/23,
VAT Committee working paper 969), so the rate comes from the Location's country, not the
driver's. The rates are in ``data/vat_rates.json`` with their source and date.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources


class UnknownVatCountry(LookupError):
    """No VAT rate is known for the country (outside the EU/EEA, CH and GB, or a typo)."""


@dataclass(frozen=True)
class VatRates:
    source: str
    as_of: str
    standard: dict[str, Decimal]  # alpha-2 -> percent
    alpha_2: dict[str, str]  # alpha-3 -> alpha-2

    def country(self, code: str) -> str:
        """The alpha-2 code of an alpha-2 or alpha-3 country code (any case)."""
        upper = code.strip().upper()
        if len(upper) == 3 and upper in self.alpha_2:
            return self.alpha_2[upper]
        if len(upper) == 2 and upper in self.standard:
            return upper
        raise UnknownVatCountry(f"no VAT rate known for country {code!r}")

    def rate(self, code: str) -> Decimal:
        """The standard VAT percent of a country given as alpha-2 or alpha-3 (OCPI Locations
        use alpha-3), e.g. ``rate("DEU") == Decimal("19")``."""
        return self.standard[self.country(code)]


def parse_rates(text: str) -> VatRates:
    doc = json.loads(text)
    countries = doc["countries"]
    return VatRates(
        source=doc["source"],
        as_of=doc["as_of"],
        standard={a2: Decimal(c["standard"]) for a2, c in countries.items()},
        alpha_2={c["alpha_3"]: a2 for a2, c in countries.items()},
    )


@cache
def vat_rates() -> VatRates:
    """The bundled table (read once)."""
    text = resources.files(__package__).joinpath("data/vat_rates.json").read_text("utf-8")
    return parse_rates(text)


def vat_rate(country: str) -> Decimal:
    return vat_rates().rate(country)
