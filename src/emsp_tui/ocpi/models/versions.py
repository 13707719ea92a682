"""Versions module: the versions list and one version's endpoints."""

from __future__ import annotations

from pydantic import Field

from ..enums import InterfaceRole, ModuleID, VersionNumber
from ..types import URL
from .base import OcpiModel


class Version(OcpiModel):
    version: VersionNumber
    url: URL


class Endpoint(OcpiModel):
    identifier: ModuleID
    role: InterfaceRole
    url: URL


class VersionDetail(OcpiModel):
    version: VersionNumber
    endpoints: list[Endpoint] = Field(min_length=1)

    def endpoint(self, module: ModuleID, role: InterfaceRole) -> str | None:
        """The URL of ``module`` in ``role``; for credentials the role is ignored (spec 2)."""
        for ep in self.endpoints:
            if ep.identifier == module and (module == ModuleID.CREDENTIALS or ep.role == role):
                return ep.url
        return None
