"""Locations module: Location, EVSE, Connector (spec chapter 8)."""

from __future__ import annotations

from pydantic import Field

from ..enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    Facility,
    ParkingRestriction,
    ParkingType,
    PowerType,
    Status,
)
from ..types import (
    URL,
    CiString36,
    CiString48,
    CountryAlpha3,
    CountryCode,
    DateTime,
    PartyId,
    String4,
    String10,
    String16,
    String45,
    String255,
    WholeAmperes,
    WholeVolts,
    WholeWatts,
)
from .base import OcpiModel
from .common import (
    AdditionalGeoLocation,
    BusinessDetails,
    DisplayText,
    EnergyMix,
    GeoLocation,
    Hours,
    Image,
    PublishTokenType,
)


class StatusSchedule(OcpiModel):
    period_begin: DateTime
    period_end: DateTime | None = None
    status: Status


class Connector(OcpiModel):
    id: CiString36
    standard: ConnectorType
    format: ConnectorFormat
    power_type: PowerType
    max_voltage: WholeVolts
    max_amperage: WholeAmperes
    max_electric_power: WholeWatts | None = None
    tariff_ids: list[CiString36] | None = None
    terms_and_conditions: URL | None = None
    last_updated: DateTime

    @property
    def max_power_kw(self) -> float:
        """The connector's maximum power in kW (max_electric_power wins when given)."""
        if self.max_electric_power:
            return self.max_electric_power / 1000
        phases = {PowerType.AC_3_PHASE: 3, PowerType.AC_2_PHASE: 2}.get(self.power_type, 1)
        # max_voltage is line-to-neutral for three-phase AC, so multiply by the phases.
        return self.max_voltage * self.max_amperage * phases / 1000


class EVSE(OcpiModel):
    uid: CiString36
    evse_id: CiString48 | None = None
    status: Status
    status_schedule: list[StatusSchedule] | None = None
    capabilities: list[Capability] | None = None
    connectors: list[Connector] = Field(min_length=1)
    floor_level: String4 | None = None
    coordinates: GeoLocation | None = None
    physical_reference: String16 | None = None
    directions: list[DisplayText] | None = None
    parking_restrictions: list[ParkingRestriction] | None = None
    images: list[Image] | None = None
    last_updated: DateTime


class Location(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    id: CiString36
    publish: bool
    publish_allowed_to: list[PublishTokenType] | None = None
    name: String255 | None = None
    # Errata on the 2.2.1 bugfix branch lengthened address to 255 and state to 45.
    address: String255
    city: String45
    postal_code: String10 | None = None
    state: String45 | None = None
    country: CountryAlpha3
    coordinates: GeoLocation
    related_locations: list[AdditionalGeoLocation] | None = None
    parking_type: ParkingType | None = None
    evses: list[EVSE] | None = None
    directions: list[DisplayText] | None = None
    operator: BusinessDetails | None = None
    suboperator: BusinessDetails | None = None
    owner: BusinessDetails | None = None
    facilities: list[Facility] | None = None
    time_zone: String255
    opening_times: Hours | None = None
    charging_when_closed: bool | None = None
    images: list[Image] | None = None
    energy_mix: EnergyMix | None = None
    last_updated: DateTime
