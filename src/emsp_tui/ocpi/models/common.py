"""Types shared by several OCPI modules (spec chapter 16 and class sections)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from ..enums import (
    EnergySourceCategory,
    EnvironmentalImpactCategory,
    ImageCategory,
    TokenType,
)
from ..types import (
    MAX_VOLUME,
    URL,
    CiString4,
    CiString36,
    DateTime,
    Money,
    Percent,
    String2,
    String64,
    String100,
    String512,
)
from .base import OcpiModel

Latitude = Annotated[str, StringConstraints(max_length=10, pattern=r"^-?[0-9]{1,2}\.[0-9]{5,7}$")]
Longitude = Annotated[str, StringConstraints(max_length=11, pattern=r"^-?[0-9]{1,3}\.[0-9]{5,7}$")]
LocalTime = Annotated[str, StringConstraints(pattern=r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")]


class DisplayText(OcpiModel):
    language: String2
    text: String512


class Price(OcpiModel):
    """An amount; may be below zero only where the owner allows it (a credit CDR)."""

    excl_vat: Money
    incl_vat: Money | None = None

    @property
    def below_zero(self) -> bool:
        return self.excl_vat < 0 or (self.incl_vat is not None and self.incl_vat < 0)


def check_not_below_zero(price: Price) -> Price:
    if price.below_zero:
        raise ValueError("a cost below zero is only allowed in a credit CDR")
    return price


# A cost anywhere but in a CDR: never below zero. Annotated (not a model rule) so that the
# PATCH models built from the full ones keep it.
Cost = Annotated[Price, AfterValidator(check_not_below_zero)]


class GeoLocation(OcpiModel):
    latitude: Latitude
    longitude: Longitude


class AdditionalGeoLocation(GeoLocation):
    name: DisplayText | None = None


class Image(OcpiModel):
    url: URL
    thumbnail: URL | None = None
    category: ImageCategory
    type: CiString4
    width: Annotated[int, Field(ge=0, le=99999)] | None = None
    height: Annotated[int, Field(ge=0, le=99999)] | None = None


class BusinessDetails(OcpiModel):
    name: String100
    website: URL | None = None
    logo: Image | None = None


class EnergySource(OcpiModel):
    source: EnergySourceCategory
    percentage: Percent


class EnvironmentalImpact(OcpiModel):
    category: EnvironmentalImpactCategory
    amount: Annotated[float, Field(ge=0, le=MAX_VOLUME)]  # g/kWh


class EnergyMix(OcpiModel):
    is_green_energy: bool
    energy_sources: list[EnergySource] | None = None
    environ_impact: list[EnvironmentalImpact] | None = None
    supplier_name: String64 | None = None
    energy_product_name: String64 | None = None


class RegularHours(OcpiModel):
    weekday: Annotated[int, Field(ge=1, le=7)]
    period_begin: LocalTime
    period_end: LocalTime


class ExceptionalPeriod(OcpiModel):
    period_begin: DateTime
    period_end: DateTime


class Hours(OcpiModel):
    twentyfourseven: bool
    regular_hours: list[RegularHours] | None = None
    exceptional_openings: list[ExceptionalPeriod] | None = None
    exceptional_closings: list[ExceptionalPeriod] | None = None


class PublishTokenType(OcpiModel):
    uid: CiString36 | None = None
    type: TokenType | None = None
    visual_number: String64 | None = None
    issuer: String64 | None = None
    group_id: CiString36 | None = None
