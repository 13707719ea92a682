"""Sessions module and the CDR classes a Session shares (spec chapters 9 and 10)."""

from __future__ import annotations

from pydantic import Field, model_validator

from ..enums import AuthMethod, CdrDimensionType, ProfileType, SessionStatus, TokenType
from ..types import (
    CiString36,
    CountryCode,
    Currency,
    DateTime,
    DimensionVolume,
    Kwh,
    PartyId,
    String255,
)
from .base import OcpiModel
from .common import Cost

# Spec 2.2.1 (CdrDimensionType): these may be negative when energy flows from the EV to the grid.
# The spec says so of CURRENT, ENERGY, MIN_CURRENT, MIN_POWER and POWER; a maximum over a
# period that only discharged is negative too. Times and the import/export totals never are.
SIGNED_DIMENSIONS = frozenset(
    {
        CdrDimensionType.CURRENT,
        CdrDimensionType.ENERGY,
        CdrDimensionType.MAX_CURRENT,
        CdrDimensionType.MIN_CURRENT,
        CdrDimensionType.MAX_POWER,
        CdrDimensionType.MIN_POWER,
        CdrDimensionType.POWER,
    }
)


class CdrDimension(OcpiModel):
    type: CdrDimensionType
    volume: DimensionVolume

    @model_validator(mode="after")
    def _volume_fits_the_type(self) -> CdrDimension:
        if self.volume < 0 and self.type not in SIGNED_DIMENSIONS:
            raise ValueError(f"volume: a {self.type} volume cannot be below zero")
        if self.type == CdrDimensionType.STATE_OF_CHARGE and self.volume > 100:
            raise ValueError("volume: STATE_OF_CHARGE is a percentage (0 to 100)")
        return self


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
    kwh: Kwh
    cdr_token: CdrToken
    auth_method: AuthMethod
    authorization_reference: CiString36 | None = None
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36
    meter_id: String255 | None = None
    currency: Currency
    charging_periods: list[ChargingPeriod] | None = None
    total_cost: Cost | None = None
    status: SessionStatus
    last_updated: DateTime


class ChargingPreferences(OcpiModel):
    profile_type: ProfileType
    departure_time: DateTime | None = None
    energy_need: Kwh | None = None
    discharge_allowed: bool | None = None
