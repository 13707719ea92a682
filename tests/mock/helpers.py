"""Shared bits for the mock tests: a driver token, finding a suitable charger."""

from __future__ import annotations

import uuid
from typing import Any

from mock_backend.server import MockServer

from .emsp_stub import PARTY


def app_token(
    uid: str = "APP-0001", party: tuple[str, str] = PARTY, **extra: Any
) -> dict[str, Any]:
    token = {
        "country_code": party[0],
        "party_id": party[1],
        "uid": uid,
        "type": "APP_USER",
        "contract_id": f"{party[0]}-{party[1]}-C00000001-X",
        "issuer": "TestNet",
        "valid": True,
        "whitelist": "NEVER",
        "last_updated": "2026-01-01T00:00:00Z",
    }
    token.update(extra)
    return token


def find_evse(
    mock: MockServer,
    *capabilities: str,
    cpo: str | None = None,
    without: tuple[str, ...] = ("START_SESSION_CONNECTOR_REQUIRED",),
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(location, EVSE) of an AVAILABLE EVSE with these capabilities, first in listing order."""
    world = mock.world
    for g in range(world.network.total):
        cpo_no, local = world.network.owner(g)
        if cpo is not None and world.cpo_nodes[cpo_no].key != cpo:
            continue
        location = world.location(cpo_no, local)
        for evse in location["evses"]:
            caps = set(evse.get("capabilities", []))
            if (
                evse["status"] == "AVAILABLE"
                and set(capabilities) <= caps
                and not caps & set(without)
            ):
                return location, evse
    raise AssertionError(f"no AVAILABLE EVSE with {capabilities}")


def response_url(stub_base: str, command: str) -> str:
    return f"{stub_base}/ocpi/2.2.1/commands/{command}/{uuid.uuid4()}"


def to(location: dict[str, Any]) -> dict[str, str]:
    return {
        "OCPI-to-country-code": location["country_code"],
        "OCPI-to-party-id": location["party_id"],
    }
