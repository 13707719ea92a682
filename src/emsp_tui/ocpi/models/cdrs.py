"""CDRs module (spec chapter 10)."""

from __future__ import annotations

from pydantic import Field, model_validator

from ..enums import SESSION_ONLY_DIMENSIONS, AuthMethod, ConnectorFormat, ConnectorType, PowerType
from ..types import (
    CiString32,
    CiString36,
    CiString39,
    CiString48,
    Count,
    CountryAlpha3,
    CountryCode,
    Currency,
    DateTime,
    DurationHours,
    Kwh,
    PartyId,
    String10,
    String45,
    String255,
    String512,
    String5000,
)
from .base import OcpiModel
from .common import GeoLocation, Price
from .sessions import CdrToken, ChargingPeriod
from .tariffs import Tariff


class CdrLocation(OcpiModel):
    id: CiString36
    name: String255 | None = None
    # The errata lengthened only Location's address/state; accept the same here.
    address: String255
    city: String45
    postal_code: String10 | None = None
    state: String45 | None = None
    country: CountryAlpha3
    coordinates: GeoLocation
    evse_uid: CiString36
    evse_id: CiString48
    connector_id: CiString36
    connector_standard: ConnectorType
    connector_format: ConnectorFormat
    connector_power_type: PowerType


class SignedValue(OcpiModel):
    nature: CiString32
    plain_data: String5000
    signed_data: String5000


class SignedData(OcpiModel):
    encoding_method: CiString36
    encoding_method_version: Count | None = None
    public_key: String512 | None = None
    signed_values: list[SignedValue] = Field(min_length=1)
    url: String512 | None = None


class Cdr(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    id: CiString39
    start_date_time: DateTime
    end_date_time: DateTime
    session_id: CiString36 | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    cdr_location: CdrLocation
    meter_id: String255 | None = None
    currency: Currency
    tariffs: list[Tariff] | None = None
    charging_periods: list[ChargingPeriod] = Field(min_length=1)
    signed_data: SignedData | None = None
    total_cost: Price
    total_fixed_cost: Price | None = None
    total_energy: Kwh
    total_energy_cost: Price | None = None
    total_time: DurationHours
    total_time_cost: Price | None = None
    total_parking_time: DurationHours | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    remark: String255 | None = None
    invoice_reference_id: CiString39 | None = None
    credit: bool | None = None
    credit_reference_id: CiString39 | None = None
    home_charging_compensation: bool | None = None
    last_updated: DateTime

    @model_validator(mode="after")
    def _cdr_dimensions_only(self) -> Cdr:
        for index, period in enumerate(self.charging_periods):
            for dim in period.dimensions:
                if dim.type in SESSION_ONLY_DIMENSIONS:
                    raise ValueError(
                        f"charging_periods[{index}].dimensions: {dim.type} is a Session-only "
                        "dimension and may not appear in a CDR"
                    )
        return self

    @model_validator(mode="after")
    def _costs_below_zero_only_in_a_credit(self) -> Cdr:
        # Spec 10.2: a credit CDR carries the negative amounts of the CDR it credits.
        if self.credit:
            return self
        for name in COST_FIELDS:
            price = getattr(self, name)
            if price is not None and price.below_zero:
                raise ValueError(f"{name}: a cost below zero is only allowed in a credit CDR")
        return self


COST_FIELDS = (
    "total_cost",
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_reservation_cost",
)


__all__ = ["Cdr", "CdrLocation", "SignedData", "SignedValue"]
