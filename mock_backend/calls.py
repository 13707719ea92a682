"""A request to a functional module, as the handlers see it (from the edge or via the hub)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .peers import Peer


class BadBody(ValueError):
    """The request body is not the JSON we need (answered with 2001)."""


@dataclass
class Requester:
    """The eMSP behind a request: its registration, and the party it acts for."""

    peer: Peer  # registered with the CPO directly, or with the hub
    party: tuple[str, str]  # (country_code, party_id) of the acting eMSP
    via_hub: bool = False

    @property
    def parties(self) -> list[tuple[str, str]]:
        return [self.party]


@dataclass
class Call:
    method: str
    module: str
    args: list[str]  # path segments after the module
    query: dict[str, str]
    body: bytes
    url: str  # the URL the client called, without the query (for Link headers)
    requester: Requester
    correlation_id: str
    faults: dict[str, Any] = field(default_factory=dict)  # of the party answering

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except (ValueError, UnicodeDecodeError) as err:
            raise BadBody(f"body is not valid JSON: {err}") from None

    def json_object(self) -> dict[str, Any]:
        value = self.json()
        if not isinstance(value, dict):
            raise BadBody("body must be a JSON object")
        return value


def pick_party(peer: Peer, from_header: tuple[str, str] | None) -> tuple[str, str]:
    """The acting party: the OCPI-from party if the peer registered it, else its first eMSP."""
    if from_header is not None and from_header in peer.parties:
        return from_header
    return peer.emsp_parties[0]
