"""Types shared by several OCPI modules (spec chapter 16 and class sections)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from ..enums import (
    EnergySourceCategory,
    EnvironmentalImpactCategory,
    ImageCategory,
    TokenType,
)
from ..types import URL, CiString4, CiString36, DateTime, String2, String64, String100, String512
from .base import OcpiModel

Latitude = Annotated[str, StringConstraints(max_length=10, pattern=r"^-?[0-9]{1,2}\.[0-9]{5,7}$")]
Longitude = Annotated[str, StringConstraints(max_length=11, pattern=r"^-?[0-9]{1,3}\.[0-9]{5,7}$")]
LocalTime = Annotated[str, StringConstraints(pattern=r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")]


class DisplayText(OcpiModel):
    language: String2
    text: String512


class Price(OcpiModel):
    excl_vat: float
    incl_vat: float | None = None


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
    percentage: Annotated[float, Field(ge=0, le=100)]


class EnvironmentalImpact(OcpiModel):
    category: EnvironmentalImpactCategory
    amount: Annotated[float, Field(ge=0)]


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
