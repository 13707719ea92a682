"""Sessions module and the CDR classes a Session shares (spec chapters 9 and 10)."""

from __future__ import annotations

from pydantic import Field

from ..enums import AuthMethod, CdrDimensionType, ProfileType, SessionStatus, TokenType
from ..types import CiString36, CountryCode, DateTime, PartyId, String3, String255
from .base import OcpiModel
from .common import Price


class CdrDimension(OcpiModel):
    type: CdrDimensionType
    volume: float


class ChargingPeriod(OcpiModel):
    start_date_time: DateTime
    dimensions: list[CdrDimension] = Field(min_length=1)
    tariff_id: CiString36 | None = None

    def volume(self, kind: CdrDimensionType) -> float | None:
        for dim in self.dimensions:
            if dim.type == kind:
                return dim.volume
        return None


class CdrToken(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    uid: CiString36
    type: TokenType
    contract_id: CiString36


class Session(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    start_date_time: DateTime
    end_date_time: DateTime | None = None
    kwh: float
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36
    meter_id: String255 | None = None
    currency: String3
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Price | None = None
    status: SessionStatus
    last_updated: DateTime


class ChargingPreferences(OcpiModel):
    profile_type: ProfileType
    departure_time: DateTime | None = None
    energy_need: float | None = None
    discharge_allowed: bool | None = None
