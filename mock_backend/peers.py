"""Who the mock's parties know: registered eMSPs (peers) and each party's own identity.

A `Node` is one mock party (the hub or a CPO) with its registration state: the TOKEN_A it
accepts, and the peers registered with it, keyed by the token they present to us (token_in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .generator import Party

VERSION = "2.2.1"


@dataclass
class Peer:
    """An eMSP registered with one mock party."""

    token_in: str  # they present it to us
    token_out: str  # we present it to them
    versions_url: str
    version_url: str
    endpoints: dict[tuple[str, str], str]  # (module, role) -> url
    roles: list[dict[str, Any]]
    registered_at: float
    initiated_by_us: bool = False

    @property
    def parties(self) -> list[tuple[str, str]]:
        """(country_code, party_id) of every role, upper case."""
        return [(r["country_code"].upper(), r["party_id"].upper()) for r in self.roles]

    @property
    def emsp_parties(self) -> list[tuple[str, str]]:
        found = [
            (r["country_code"].upper(), r["party_id"].upper())
            for r in self.roles
            if r.get("role") in ("EMSP", "OTHER")
        ]
        return found or self.parties

    @property
    def ready(self) -> bool:
        """False while a registration we started is still waiting for their answer."""
        return bool(self.token_out and self.roles)

    @property
    def name(self) -> str:
        if not self.roles:
            return "(registering)"
        cc, pid = self.emsp_parties[0]
        return f"{cc}-{pid}"

    def endpoint(self, module: str, role: str) -> str | None:
        if module == "credentials":
            return next((u for (m, _), u in self.endpoints.items() if m == module), None)
        return self.endpoints.get((module, role))

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "parties": [f"{cc}-{pid}" for cc, pid in self.parties],
            "versions_url": self.versions_url,
            "initiated_by": "mock" if self.initiated_by_us else "emsp",
            "endpoints": sorted(f"{m}:{r}" for m, r in self.endpoints),
        }


@dataclass
class Node:
    """One party of the mock network: the hub or a CPO."""

    party: Party
    cpo_no: int | None  # None for the hub
    token_a: str | None  # the registration token still accepted, if any
    peers: dict[str, Peer] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.party.key

    @property
    def is_hub(self) -> bool:
        return self.cpo_no is None

    @property
    def prefix(self) -> str:
        """Path of the versions endpoint's parent: /ocpi (hub), /ocpi/cpo/de-vol (CPO)."""
        return "/ocpi" if self.is_hub else f"/ocpi/cpo/{self.party.slug}"

    def versions_url(self, base_url: str) -> str:
        return f"{base_url}{self.prefix}/versions"

    def version_url(self, base_url: str) -> str:
        return f"{base_url}{self.prefix}/{VERSION}"

    def peer_by_token(self, candidates: list[str]) -> Peer | None:
        for token in candidates:
            peer = self.peers.get(token)
            if peer is not None:
                return peer
        return None

    def is_token_a(self, candidates: list[str]) -> bool:
        return self.token_a is not None and self.token_a in candidates

    def credentials_role(self) -> dict[str, Any]:
        p = self.party
        return {
            "role": p.role,
            "business_details": {"name": p.name, "website": p.website},
            "party_id": p.party_id,
            "country_code": p.country_code,
        }

    def peers_of(self, country_code: str, party_id: str) -> list[Peer]:
        wanted = (country_code.upper(), party_id.upper())
        return [p for p in self.peers.values() if wanted in p.parties]
