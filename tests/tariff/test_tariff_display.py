"""What a driver reads: no condition-less repeat (#10), summaries with currency (#15)."""

from __future__ import annotations

from typing import Any

from emsp_tui.ocpi.models import Tariff
from emsp_tui.tariff import describe_tariff, summarize_tariff


def energy(price: float, **restrictions: Any) -> dict[str, Any]:
    element: dict[str, Any] = {
        "price_components": [{"type": "ENERGY", "price": price, "step_size": 1}]
    }
    if restrictions:
        element["restrictions"] = restrictions
    return element


def tariff(*elements: dict[str, Any]) -> Tariff:
    return Tariff.model_validate({
        "country_code": "DE", "party_id": "VOL", "id": "T", "currency": "EUR",
        "elements": list(elements), "last_updated": "2025-01-01T00:00:00Z",
    })  # fmt: skip


def test_a_condition_priced_as_the_fallback_is_merged_not_repeated() -> None:
    lines = describe_tariff(tariff(energy(0.7854, min_power=50), energy(0.7854))).lines
    assert lines == ("0.7854 EUR/kWh",)


def test_a_condition_with_its_own_price_keeps_its_line() -> None:
    lines = describe_tariff(tariff(energy(0.79, min_power=50), energy(0.59))).lines
    assert lines == ("0.79 EUR/kWh (above 50 kW)", "0.59 EUR/kWh")


def test_the_summary_shows_the_currency_and_two_decimals() -> None:
    assert summarize_tariff(tariff(energy(0.4998))) == "0.50 EUR/kWh"
    assert summarize_tariff(tariff(energy(0.45), energy(0.6899, min_power=50))) == (
        "0.45-0.69 EUR/kWh"
    )
