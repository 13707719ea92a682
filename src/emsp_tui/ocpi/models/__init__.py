"""pydantic v2 models of every OCPI 2.2.1 object an eMSP meets.

Parse with ``Model.model_validate(data)``; serialise with ``model.to_ocpi()``.
"""

from __future__ import annotations

from .base import OcpiModel
from .cdrs import Cdr, CdrLocation, SignedData, SignedValue
from .commands import (
    CancelReservation,
    CommandResponse,
    CommandResult,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)
from .common import (
    AdditionalGeoLocation,
    BusinessDetails,
    DisplayText,
    EnergyMix,
    EnergySource,
    EnvironmentalImpact,
    ExceptionalPeriod,
    GeoLocation,
    Hours,
    Image,
    Price,
    PublishTokenType,
    RegularHours,
)
from .credentials import Credentials, CredentialsRole
from .envelope import OcpiResponse, envelope
from .hubclientinfo import ClientInfo
from .locations import EVSE, Connector, Location, StatusSchedule
from .patches import (
    ClientInfoPatch,
    ConnectorPatch,
    EVSEPatch,
    LocationPatch,
    SessionPatch,
    TariffPatch,
    TokenPatch,
    patch_fields,
)
from .sessions import CdrDimension, CdrToken, ChargingPeriod, ChargingPreferences, Session
from .tariffs import PriceComponent, Tariff, TariffElement, TariffRestrictions
from .tokens import AuthorizationInfo, EnergyContract, LocationReferences, Token
from .versions import Endpoint, Version, VersionDetail

__all__ = [
    "EVSE",
    "AdditionalGeoLocation",
    "AuthorizationInfo",
    "BusinessDetails",
    "CancelReservation",
    "Cdr",
    "CdrDimension",
    "CdrLocation",
    "CdrToken",
    "ChargingPeriod",
    "ChargingPreferences",
    "ClientInfo",
    "ClientInfoPatch",
    "CommandResponse",
    "CommandResult",
    "Connector",
    "ConnectorPatch",
    "Credentials",
    "CredentialsRole",
    "DisplayText",
    "EVSEPatch",
    "Endpoint",
    "EnergyContract",
    "EnergyMix",
    "EnergySource",
    "EnvironmentalImpact",
    "ExceptionalPeriod",
    "GeoLocation",
    "Hours",
    "Image",
    "Location",
    "LocationPatch",
    "LocationReferences",
    "OcpiModel",
    "OcpiResponse",
    "Price",
    "PriceComponent",
    "PublishTokenType",
    "RegularHours",
    "ReserveNow",
    "Session",
    "SessionPatch",
    "SignedData",
    "SignedValue",
    "StartSession",
    "StatusSchedule",
    "StopSession",
    "Tariff",
    "TariffElement",
    "TariffPatch",
    "TariffRestrictions",
    "Token",
    "TokenPatch",
    "UnlockConnector",
    "Version",
    "VersionDetail",
    "envelope",
    "patch_fields",
]
