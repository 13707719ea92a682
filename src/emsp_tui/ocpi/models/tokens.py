"""Tokens module (spec chapter 12): the eMSP's driver tokens and real-time authorisation."""

from __future__ import annotations

from ..enums import AllowedType, ProfileType, TokenType, WhitelistType
from ..types import CiString36, CountryCode, DateTime, PartyId, String2, String64
from .base import OcpiModel
from .common import DisplayText


class EnergyContract(OcpiModel):
    supplier_name: String64
    contract_id: String64 | None = None


class Token(OcpiModel):
    country_code: CountryCode
    party_id: PartyId
    uid: CiString36
    type: TokenType
    contract_id: CiString36
    visual_number: String64 | None = None
    issuer: String64
    group_id: CiString36 | None = None
    valid: bool
    whitelist: WhitelistType
    language: String2 | None = None
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    last_updated: DateTime


class LocationReferences(OcpiModel):
    location_id: CiString36
    evse_uids: list[CiString36] | None = None


class AuthorizationInfo(OcpiModel):
    allowed: AllowedType
    token: Token
    location: LocationReferences | None = None
    authorization_reference: CiString36 | None = None
    info: DisplayText | None = None
