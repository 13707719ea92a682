"""CDRs module (spec chapter 10)."""

from __future__ import annotations

from pydantic import Field, model_validator

from ..enums import SESSION_ONLY_DIMENSIONS, AuthMethod, ConnectorFormat, ConnectorType, PowerType
from ..types import CiString, CountryCode, DateTime, PartyId, String
from .base import OcpiModel
from .common import GeoLocation, Price
from .sessions import CdrToken, ChargingPeriod
from .tariffs import Tariff


class CdrLocation(OcpiModel):
    id: CiString(36)
    name: String(255) | None = None
    # The errata lengthened only Location's address/state; accept the same here.
    address: String(255)
    city: String(45)
    postal_code: String(10) | None = None
    state: String(45) | None = None
    country: String(3)
    coordinates: GeoLocation
    evse_uid: CiString(36)
    evse_id: CiString(48)
    connector_id: CiString(36)
    connector_standard: ConnectorType
    connector_format: ConnectorFormat
    connector_power_type: PowerType


class SignedValue(OcpiModel):
    nature: CiString(32)
    plain_data: String(5000)
    signed_data: String(5000)


class SignedData(OcpiModel):
    encoding_method: CiString(36)
    encoding_method_version: int | None = None
    public_key: String(512) | None = None
    signed_values: list[SignedValue] = Field(min_length=1)
    url: String(512) | None = None


class Cdr(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    id: CiString(39)
    start_date_time: DateTime
    end_date_time: DateTime
    session_id: CiString(36) | None = None
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString(36) | None = None
    cdr_location: CdrLocation
    meter_id: String(255) | None = None
    currency: String(3)
    tariffs: list[Tariff] | None = None
    charging_periods: list[ChargingPeriod] = Field(min_length=1)
    signed_data: SignedData | None = None
    total_cost: Price
    total_fixed_cost: Price | None = None
    total_energy: float
    total_energy_cost: Price | None = None
    total_time: float
    total_time_cost: Price | None = None
    total_parking_time: float | None = None
    total_parking_cost: Price | None = None
    total_reservation_cost: Price | None = None
    remark: String(255) | None = None
    invoice_reference_id: CiString(39) | None = None
    credit: bool | None = None
    credit_reference_id: CiString(39) | None = None
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


__all__ = ["Cdr", "CdrLocation", "SignedData", "SignedValue"]
