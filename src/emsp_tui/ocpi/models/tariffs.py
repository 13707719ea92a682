"""Tariffs module (spec chapter 11)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from ..enums import DayOfWeek, ReservationRestrictionType, TariffDimensionType, TariffType
from ..types import (
    URL,
    Amperes,
    CiString36,
    CountryCode,
    Currency,
    DateTime,
    Kilowatts,
    Kwh,
    Money,
    PartyId,
    Percent,
    Seconds,
)
from .base import OcpiModel
from .common import Cost, DisplayText, EnergyMix, LocalTime

LocalDate = Annotated[
    str, StringConstraints(pattern=r"^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
]


class PriceComponent(OcpiModel):
    type: TariffDimensionType
    price: Annotated[Money, Field(ge=0)]  # per unit, excl. VAT
    vat: Percent | None = None
    step_size: Seconds  # seconds for times, Wh for energy: the same bound fits both


class TariffRestrictions(OcpiModel):
    start_time: LocalTime | None = None
    end_time: LocalTime | None = None
    start_date: LocalDate | None = None
    end_date: LocalDate | None = None
    min_kwh: Kwh | None = None
    max_kwh: Kwh | None = None
    min_current: Amperes | None = None
    max_current: Amperes | None = None
    min_power: Kilowatts | None = None
    max_power: Kilowatts | None = None
    min_duration: Seconds | None = None
    max_duration: Seconds | None = None
    day_of_week: list[DayOfWeek] | None = None
    reservation: ReservationRestrictionType | None = None


class TariffElement(OcpiModel):
    price_components: list[PriceComponent] = Field(min_length=1)
    restrictions: TariffRestrictions | None = None


class Tariff(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    currency: Currency
    type: TariffType | None = None
    tariff_alt_text: list[DisplayText] | None = None
    tariff_alt_url: URL | None = None
    min_price: Cost | None = None
    max_price: Cost | None = None
    elements: list[TariffElement] = Field(min_length=1)
    start_date_time: DateTime | None = None
    end_date_time: DateTime | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime
