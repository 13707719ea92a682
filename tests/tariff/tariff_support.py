"""Builders shared by the tariff engine tests (tests/services/test_tariff_*.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from emsp_tui.ocpi.models import ChargingPeriod, Tariff
from tests.paths import OCPI_EXAMPLES

D = Decimal
BERLIN = "Europe/Berlin"
AMSTERDAM = "Europe/Amsterdam"


def example(name: str) -> Tariff:
    """A spec example tariff; tariff_put_example.json lacks the required last_updated."""
    data = json.loads((OCPI_EXAMPLES / name).read_text())
    data.setdefault("last_updated", "2019-01-01T00:00:00Z")
    return Tariff.model_validate(data)


def pc(kind: str, price: float, vat: float | None = None, step: int = 1) -> dict[str, Any]:
    component: dict[str, Any] = {"type": kind, "price": price, "step_size": step}
    if vat is not None:
        component["vat"] = vat
    return component


def el(*components: dict[str, Any], **restrictions: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"price_components": list(components)}
    if restrictions:
        element["restrictions"] = restrictions
    return element


def tariff(*elements: dict[str, Any], **fields: Any) -> Tariff:
    data = {
        "country_code": "NL",
        "party_id": "TST",
        "id": "T",
        "currency": "EUR",
        "elements": list(elements),
        "last_updated": "2025-01-01T00:00:00Z",
        **fields,
    }
    return Tariff.model_validate(data)


def local(text: str, zone: str = BERLIN) -> datetime:
    """``"2025-01-13 09:30"`` on the wall clock of ``zone``, as an aware UTC datetime."""
    naive = datetime.fromisoformat(text)
    return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def period(start: datetime, tariff_id: str | None = None, **dimensions: float) -> ChargingPeriod:
    data: dict[str, Any] = {
        "start_date_time": start,
        "dimensions": [{"type": k, "volume": v} for k, v in dimensions.items()],
    }
    if tariff_id is not None:
        data["tariff_id"] = tariff_id
    return ChargingPeriod.model_validate(data)
