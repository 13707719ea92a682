"""HubClientInfo module (spec chapter 15)."""

from __future__ import annotations

from ..enums import ConnectionStatus, Role
from ..types import CountryCode, DateTime, PartyId
from .base import OcpiModel


class ClientInfo(OcpiModel):
    party_id: PartyId
    country_code: CountryCode
    role: Role
    status: ConnectionStatus
    last_updated: DateTime
