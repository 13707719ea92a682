"""Who we are on the OCPI network and where partners reach us.

Our endpoints' base URL is known once the receiver has bound its port (port 0 picks one), so
the node sets ``base_url`` after it started the server; everyone holding this object then
builds the right URLs (versions URL for registration, a command's response_url).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Identity
from ..ocpi.enums import CommandType, Role
from ..ocpi.models import BusinessDetails, CredentialsRole

VERSION = "2.2.1"

# Our functional modules: (module id, interface role, path below /ocpi/2.2.1). The eMSP is the
# Sender of commands: its module URL is where the CommandResults land (response_url).
MODULES: list[tuple[str, str, str]] = [
    ("tokens", "SENDER", "emsp/tokens"),
    ("sessions", "RECEIVER", "emsp/sessions"),
    ("cdrs", "RECEIVER", "emsp/cdrs"),
    ("locations", "RECEIVER", "emsp/locations"),
    ("commands", "SENDER", "emsp/commands"),
]
PATHS = {module: path for module, _, path in MODULES}


@dataclass
class OurParty:
    identity: Identity
    base_url: str = "http://127.0.0.1:8420"

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/ocpi/versions"

    @property
    def version_url(self) -> str:
        return f"{self.base_url}/ocpi/{VERSION}"

    def module_url(self, module: str) -> str:
        """Where a module of ours is served (absolute: for Link, Location and response_url)."""
        return f"{self.version_url}/{PATHS[module]}"

    def response_url(self, command: CommandType | str, command_id: str) -> str:
        """Where the CPO posts one command's result: ``{commands}/{COMMAND}/{id}``."""
        return f"{self.module_url('commands')}/{command}/{command_id}"

    def roles(self) -> list[CredentialsRole]:
        ident = self.identity
        return [
            CredentialsRole(
                role=Role.EMSP,
                business_details=BusinessDetails(name=ident.name, website=ident.website),
                party_id=ident.party_id.upper(),
                country_code=ident.country_code.upper(),
            )
        ]
