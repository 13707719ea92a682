"""The partners area's read: each partner, its parties, how many stations we hold of each,
and how its last location sync went, as view objects (the screen renders, runs no SQL)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from ..store import Database
from ..store.deviations import DeviationCount, list_deviations
from ..store.locations import count_by_party
from ..store.partners import list_partners
from ..store.sync_state import get_sync_state


@dataclass(frozen=True, slots=True)
class PartyStatus:
    """A party behind a partner (a CPO behind a hub, or the partner itself)."""

    key: str  # "DE*VOL"
    role: str
    name: str | None
    status: str  # "CONNECTED", ...
    stations: int  # searchable locations we hold
    evses: int


@dataclass(frozen=True, slots=True)
class PartnerStatus:
    name: str
    roles: tuple[str, ...]
    status: str  # "REGISTERED", ...
    is_hub: bool
    last_error: str | None  # the partner's, else the last location sync's
    last_sync: datetime | None  # the last complete location sync
    stations: int  # searchable locations from this partner, listed parties or not
    parties: tuple[PartyStatus, ...]  # without the hub itself
    # what it sends off-spec that we read anyway, per kind (ocpi.lenient): for integrators
    deviations: tuple[DeviationCount, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "REGISTERED" and not self.last_error


def _overview(conn: sqlite3.Connection) -> list[PartnerStatus]:
    out = []
    for partner in list_partners(conn):
        assert partner.id is not None
        counts = {c.key: c for c in count_by_party(conn, partner.id)}
        sync = get_sync_state(conn, partner.id, "locations")
        parties = []
        for party in partner.parties:
            if party.role == "HUB":
                continue
            count = counts.get(party.key)
            parties.append(
                PartyStatus(
                    party.key,
                    party.role,
                    party.name,
                    party.status,
                    count.visible if count else 0,
                    count.evses if count else 0,
                )
            )
        out.append(
            PartnerStatus(
                partner.name,
                tuple(sorted({str(r.get("role")) for r in partner.roles})),
                partner.status,
                partner.is_hub,
                partner.last_error or sync.last_error,
                sync.finished_at,
                sum(c.visible for c in counts.values()),
                tuple(parties),
                tuple(list_deviations(conn, partner.id)),
            )
        )
    return out


class PartnerStatusService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def deviations(self) -> dict[str, tuple[DeviationCount, ...]]:
        """Partner name -> what it sends off-spec that we read anyway (cheap: no locations)."""

        def read(conn: sqlite3.Connection) -> dict[str, tuple[DeviationCount, ...]]:
            names = {p.id: p.name for p in list_partners(conn)}
            out: dict[str, list[DeviationCount]] = {}
            for d in list_deviations(conn):
                if d.partner_id in names:
                    out.setdefault(names[d.partner_id], []).append(d)
            return {name: tuple(found) for name, found in out.items()}

        return await self.db.run(read)

    async def overview(self) -> list[PartnerStatus]:
        """Every partner with its parties and counts. Reads every location: call from a worker."""
        return await self.db.run(_overview)
