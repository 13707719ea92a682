"""Which CPOs a partner reaches, and the OCPI routing headers of a request to one of them."""

from __future__ import annotations

from ..config import Identity
from ..ocpi.client import Routing
from ..store.partners import Partner

OWNER_ROLES = frozenset({"CPO"})  # who may own Locations, Sessions and CDRs


def owned_parties(partner: Partner) -> set[tuple[str, str]]:
    """The CPOs (country_code, party_id) whose objects reach us through ``partner``."""
    return {
        (p.country_code.upper(), p.party_id.upper())
        for p in partner.parties
        if p.role in OWNER_ROLES
    }


def routing_to(me: Identity, partner: Partner, party: tuple[str, str] | None = None) -> Routing:
    """From us to ``party`` (a CPO) through ``partner``; without a party: to the partner itself
    (a hub's own party, or the CPO we are connected to)."""
    if party is None:
        roles = ("HUB",) if partner.is_hub else ("CPO", "HUB")
        found = next((p for r in roles for p in partner.parties if p.role == r), None)
        party = (found.country_code, found.party_id) if found else None
    return Routing(me.country_code, me.party_id, *(party or (None, None)))
