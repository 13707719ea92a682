"""Credentials module."""

from __future__ import annotations

from pydantic import Field

from ..enums import Role
from ..types import URL, CountryCode, PartyId, String64
from .base import OcpiModel
from .common import BusinessDetails


class CredentialsRole(OcpiModel):
    role: Role
    business_details: BusinessDetails
    party_id: PartyId
    country_code: CountryCode


class Credentials(OcpiModel):
    token: String64
    url: URL
    roles: list[CredentialsRole] = Field(min_length=1)

    def __repr__(self) -> str:  # never leak the token into logs or tracebacks
        return f"Credentials(url={self.url!r}, roles={self.roles!r}, token=<redacted>)"

    __str__ = __repr__
