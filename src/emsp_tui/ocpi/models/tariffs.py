"""Tariffs module (spec chapter 11)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from ..enums import DayOfWeek, ReservationRestrictionType, TariffDimensionType, TariffType
from ..types import URL, CiString36, CountryCode, DateTime, PartyId, String3
from .base import OcpiModel
from .common import DisplayText, EnergyMix, LocalTime, Price

LocalDate = Annotated[
    str, StringConstraints(pattern=r"^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
]


class PriceComponent(OcpiModel):
    type: TariffDimensionType
    price: float
    vat: float | None = None
    step_size: int


class TariffRestrictions(OcpiModel):
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    start_date: LocalDate | None = None
    end_date: LocalDate | None = None
    min_kwh: float | None = None
    max_kwh: float | None = None
    min_current: float | None = None
    max_current: float | None = None
    min_power: float | None = None
    max_power: float | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    day_of_week: list[DayOfWeek] | None = None
    reservation: ReservationRestrictionType | None = None


class TariffElement(OcpiModel):
    price_components: list[PriceComponent] = Field(min_length=1)
    restrictions: TariffRestrictions | None = None


class Tariff(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    currency: String3
    type: TariffType | None = None
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: URL | None = None
    min_price: Price | None = None
    max_price: Price | None = None
    elements: list[TariffElement] = Field(min_length=1)
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime
