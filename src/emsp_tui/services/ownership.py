"""Whose objects a partner may place in our store, for what we pull from it (the sync, the
session and CDR pulls). The receiver applies the same rule to pushes (receiver.common).

A CPO writes only its own parties; a hub those its client list names, or any if it has no
client list at all (no hubclientinfo and no parties known behind it: it speaks for its whole
network); nobody writes ours, and a hub never writes a
party that another partner holds as a credentials role (a CPO connected directly: its objects
come from that link, services/partners.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ..ocpi.enums import InterfaceRole, ModuleID
from ..ocpi.paging import Rejected
from ..store import partners as partner_store
from ..store.partners import Partner
from .prepared_page import PreparedPage
from .routing import owned_parties

_T = TypeVar("_T")
NOT_ITS_PARTY = "not a party of this partner"


@dataclass(frozen=True)
class Writable:
    """The parties whose objects a partner may place in our store, read once per sync.

    ``allowed``: its own CPO roles, or for a hub the CPOs its client list names; ``None`` for
    a hub with no client list at all (it speaks for its whole network). ``denied`` wins over
    both: our own party, and for a hub every party another partner holds as a credentials
    role (a CPO we are connected to directly: its objects come from that link).
    """

    allowed: frozenset[tuple[str, str]] | None
    denied: frozenset[tuple[str, str]]

    @staticmethod
    def of(conn: sqlite3.Connection, partner: Partner, us: tuple[str, str] | None) -> Writable:
        fresh = partner_store.get_partner(conn, partner.name) or partner  # parties as now
        allowed: frozenset[tuple[str, str]] | None = frozenset(owned_parties(fresh))
        denied = {(us[0].upper(), us[1].upper())} if us else set()
        if fresh.is_hub:
            lists = fresh.endpoint(ModuleID.HUB_CLIENT_INFO, InterfaceRole.SENDER) is not None
            if not lists and not allowed:  # no client list at all: it speaks for its network
                allowed = None
            for other in partner_store.list_partners(conn):
                if other.id != fresh.id:
                    denied |= {_party(role) for role in other.roles}
        return Writable(allowed, frozenset(denied))

    def permits(self, country_code: str, party_id: str) -> bool:
        party = (country_code.upper(), party_id.upper())
        return party not in self.denied and (self.allowed is None or party in self.allowed)

    def keep(
        self, page: PreparedPage[_T], key: Callable[[_T], tuple[str, str, str]]
    ) -> PreparedPage[_T]:
        """The page without the objects of parties not permitted (each one rejected, named)."""
        kept: list[_T] = []
        refused: list[Rejected] = []
        for item in page.items:
            cc, pid, object_id = key(item)
            if self.permits(cc, pid):
                kept.append(item)
            else:
                refused.append(Rejected(object_id, f"{NOT_ITS_PARTY}: {cc}*{pid}"))
        if not refused:
            return page
        return PreparedPage(kept, [*page.rejected, *refused], page.received, page.problem)


def _party(role: dict[str, object]) -> tuple[str, str]:
    return (str(role.get("country_code", "")).upper(), str(role.get("party_id", "")).upper())
