"""The driver's favourite stations, with their live availability read from the locations table.

Functions take a ``sqlite3.Connection`` and run inside ``Database.run`` (one transaction). Keys
are the location owner's (country_code, party_id, id), upper case like ``locations``. A favourite
outlives its location: when the CPO removes it, the driver sees it as no longer listed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from ..ocpi.types import format_datetime, parse_datetime
from .search import StationHit, haversine_km
from .search import _hits as station_hits  # TODO: a public "hits by pk" in search.py

Key = tuple[str, str, str]  # (country_code, party_id, location_id)


def _key(country_code: str, party_id: str, location_id: str) -> Key:
    return (country_code.upper(), party_id.upper(), location_id.upper())


@dataclass(frozen=True, slots=True)
class Favourite:
    country_code: str
    party_id: str
    location_id: str
    added_at: datetime
    station: StationHit | None  # None: the location is no longer listed (removed or hidden)

    @property
    def key(self) -> Key:
        return (self.country_code, self.party_id, self.location_id)


def add_favourite(
    conn: sqlite3.Connection, country_code: str, party_id: str, location_id: str, now: datetime
) -> bool:
    """Star a station; returns False when it already was one."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO favourites (country_code, party_id, location_id, added_at)"
        " VALUES (?, ?, ?, ?)",
        (*_key(country_code, party_id, location_id), format_datetime(now.replace(microsecond=0))),
    )
    return cur.rowcount > 0


def remove_favourite(
    conn: sqlite3.Connection, country_code: str, party_id: str, location_id: str
) -> bool:
    cur = conn.execute(
        "DELETE FROM favourites WHERE country_code = ? AND party_id = ? AND location_id = ?",
        _key(country_code, party_id, location_id),
    )
    return cur.rowcount > 0


def toggle_favourite(
    conn: sqlite3.Connection, country_code: str, party_id: str, location_id: str, now: datetime
) -> bool:
    """Star or unstar; returns whether the station is a favourite afterwards."""
    if remove_favourite(conn, country_code, party_id, location_id):
        return False
    add_favourite(conn, country_code, party_id, location_id, now)
    return True


def is_favourite(
    conn: sqlite3.Connection, country_code: str, party_id: str, location_id: str
) -> bool:
    row = conn.execute(
        "SELECT 1 FROM favourites WHERE country_code = ? AND party_id = ? AND location_id = ?",
        _key(country_code, party_id, location_id),
    ).fetchone()
    return row is not None


def favourite_keys(conn: sqlite3.Connection) -> set[Key]:
    rows = conn.execute("SELECT country_code, party_id, location_id FROM favourites")
    return {(r[0], r[1], r[2]) for r in rows}


def list_favourites(
    conn: sqlite3.Connection, near: tuple[float, float] | None = None
) -> list[Favourite]:
    """Every favourite, newest first, with the station as search shows it now (live counts)."""
    rows = conn.execute(
        """SELECT f.country_code, f.party_id, f.location_id, f.added_at, l.pk, l.latitude,
                  l.longitude
           FROM favourites f LEFT JOIN locations l ON l.country_code = f.country_code
                AND l.party_id = f.party_id AND l.id = f.location_id AND l.visible = 1
           ORDER BY f.added_at DESC, f.country_code, f.party_id, f.location_id"""
    ).fetchall()
    pks = [r[4] for r in rows if r[4] is not None]
    distances = (
        {r[4]: haversine_km(r[5], r[6], *near) for r in rows if r[4] is not None}
        if near is not None
        else None
    )
    hits = {(h.country_code, h.party_id, h.id): h for h in station_hits(conn, pks, distances)}
    return [
        Favourite(r[0], r[1], r[2], parse_datetime(r[3]), hits.get((r[0], r[1], r[2])))
        for r in rows
    ]
