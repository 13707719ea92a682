"""VAT rates: the country where the charging took place, from the bundled table."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from emsp_tui.billing.vat import UnknownVatCountry, parse_rates, vat_rate, vat_rates
from emsp_tui.ocpi.countries import ALPHA_2, ALPHA_3

EU = [
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
]


@pytest.mark.parametrize(
    ("country", "rate"),
    [("DEU", "19"), ("DE", "19"), ("FRA", "20"), ("fra", "20"), ("BEL", "21"), ("NLD", "21"),
     ("LUX", "17"), ("HUN", "27"), ("FIN", "25.5"), ("CHE", "8.1"), ("GBR", "20"),
     ("NOR", "25")],
)  # fmt: skip
def test_standard_rate_by_alpha_3_or_alpha_2(country: str, rate: str) -> None:
    found = vat_rate(country)
    assert found == Decimal(rate)
    assert type(found) is Decimal


def test_the_table_covers_the_eu_eea_ch_and_gb_and_says_where_it_is_from() -> None:
    rates = vat_rates()
    assert set(rates.standard) == {*EU, "IS", "LI", "NO", "CH", "GB"}
    assert set(rates.standard) <= ALPHA_2
    assert set(rates.alpha_2) <= ALPHA_3
    assert len(rates.alpha_2) == len(rates.standard)
    assert "TEDB" in rates.source
    assert rates.as_of
    assert all(Decimal(0) < r < Decimal(30) for r in rates.standard.values())


@pytest.mark.parametrize("country", ["USA", "US", "XX", "", "DEUT"])
def test_a_country_without_a_rate_is_an_error_not_zero(country: str) -> None:
    with pytest.raises(UnknownVatCountry):
        vat_rate(country)


def test_rates_are_read_as_exact_decimals() -> None:
    text = json.dumps(
        {"source": "x", "as_of": "2026-01-01",
         "countries": {"FI": {"alpha_3": "FIN", "name": "Finland", "standard": "25.5"}}}
    )  # fmt: skip
    assert parse_rates(text).rate("FIN") == Decimal("25.5")
