"""Locations (with their EVSEs and connectors) in the store: sync pages, pushes, reads.

Functions take a ``sqlite3.Connection`` and run inside ``Database.run``: each call is one
transaction, so a page, or a push, is stored whole or not at all. Keys are the owner's
(country_code, party_id, id), upper case (CiString). The Location as received is kept as JSON
(``location_json``); ``locations``, ``location_connectors`` and the FTS5/R*Tree tables are
derived from it on every write (see location_index.py) and serve search (search.py). Pushes
(PATCH, PUT of an EVSE or a connector) are in location_pushes.py.

An object older than the stored copy (``last_updated``) never overwrites it: a page fetched
before a push but committed after it must not undo the push.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from ..ocpi.models import Location, Tariff
from .location_index import Derived, Rows, add_rows, derive_location, location_key, parse_periods
from .stored_json import read_stored
from .sync_state import (
    SyncState,
    begin_crawl,
    current_crawl_id,
    finish_crawl_state,
    get_sync_state,
    record_page,
    record_sync_error,
)
from .tariffs import (
    UpsertResult,
    count_tariffs,
    delete_tariff,
    get_tariff,
    tariffs_for_location,
    upsert_tariffs,
)

__all__ = [
    "PartyCount",
    "SyncState",
    "UpsertResult",
    "begin_crawl",
    "count_by_party",
    "count_locations",
    "count_tariffs",
    "delete_tariff",
    "finish_crawl",
    "get_location",
    "get_sync_state",
    "get_tariff",
    "record_sync_error",
    "store_derived_page",
    "store_page",
    "tariffs_for_location",
    "upsert_derived",
    "upsert_locations",
    "upsert_tariffs",
]

_COLUMNS = (
    "pk", "country_code", "party_id", "id", "partner_id", "crawl_id", "last_updated", "publish",
    "visible", "name", "address", "city", "postal_code", "country", "operator_name", "latitude",
    "longitude", "time_zone", "sort_key", "evses_total", "tariff_ids", "text_crc",
    "evses_unknown",
)  # fmt: skip
_UPSERT_LOCATION = (
    f"INSERT INTO locations ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
    "ON CONFLICT (pk) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
)
_FTS_INSERT = (
    "INSERT INTO location_fts (rowid, name, address, city, postal_code, operator, evse_ids)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(slots=True)
class _Stored:
    """What a write needs to know of the copy it replaces."""

    pk: int
    partner_id: int
    last_updated: int
    visible: bool
    latitude: float
    longitude: float
    text_crc: int | None


@dataclass(slots=True)
class _Item:
    pk: int
    derived: Derived
    old: _Stored | None


# -- writing --------------------------------------------------------------------------------
def upsert_locations(
    conn: sqlite3.Connection,
    partner_id: int,
    locations: list[Location],
    *,
    crawl_id: int | None = None,
    documents: list[str] | None = None,
) -> UpsertResult:
    """Store a page of Locations (or one PUT), replacing each one's EVSEs and connectors.
    ``documents`` (aligned with ``locations``) is each one's JSON as received; without it the
    models are serialised. See :func:`upsert_derived`."""
    return upsert_derived(conn, partner_id, _derived(locations, documents), crawl_id=crawl_id)


def _derived(locations: list[Location], documents: list[str] | None) -> list[Derived]:
    return [
        derive_location(loc, documents[i] if documents else _document(loc))
        for i, loc in enumerate(locations)
    ]


def upsert_derived(
    conn: sqlite3.Connection,
    partner_id: int,
    locations: list[Derived],
    *,
    crawl_id: int | None = None,
) -> UpsertResult:
    """Store a page of derived Locations (location_index.derive_location).

    One lookup of the page's keys, then one executemany per table: no per-row SELECT. A copy
    identical to the stored one (a re-crawl) only refreshes the crawl stamp; an older one is
    skipped. ``crawl_id`` defaults to the partner's current locations crawl.
    """
    if crawl_id is None:
        crawl_id = current_crawl_id(conn, partner_id, "locations")
    latest = {d.key: d for d in locations}  # the last copy of a Location in a page wins
    known = _stored(conn, list(latest))
    same_time = [
        old.pk for key, old in known.items() if old.last_updated == latest[key].last_updated
    ]
    stored_docs = _documents(conn, same_time)
    result = UpsertResult()
    batch: list[_Item] = []
    untouched: list[tuple[int, int]] = []
    next_pk = None
    for key, d in latest.items():
        old = known.get(key)
        if old is not None:
            if old.last_updated > d.last_updated:
                result.skipped += 1
                continue
            if old.partner_id == partner_id and stored_docs.get(old.pk) == d.document:
                untouched.append((crawl_id, old.pk))
                result.unchanged += 1
                continue
            pk = old.pk
            result.updated += 1
        else:
            if next_pk is None:
                next_pk = int(
                    conn.execute("SELECT coalesce(max(pk), 0) FROM locations").fetchone()[0]
                )
            next_pk += 1
            pk = next_pk
            result.inserted += 1
        batch.append(_Item(pk, d, old))
    conn.executemany("UPDATE locations SET crawl_id = ? WHERE pk = ?", untouched)
    _write(conn, partner_id, crawl_id, batch)
    return result


def _document(loc: Location) -> str:
    """The JSON kept for ``loc`` when none was received: to_ocpi() as text, CiStrings of the
    key upper case."""
    key = location_key(loc)
    if (loc.country_code, loc.party_id) != key[:2]:
        loc = loc.model_copy(update={"country_code": key[0], "party_id": key[1]})
    return loc.model_dump_json(exclude_none=True)


def _documents(conn: sqlite3.Connection, pks: list[int]) -> dict[int, str]:
    if not pks:
        return {}
    rows = conn.execute(
        "SELECT j.pk, j.data FROM json_each(?) e JOIN location_json j ON j.pk = e.value",
        (json.dumps(pks),),
    )
    return dict(rows.fetchall())


def _stored(
    conn: sqlite3.Connection, keys: list[tuple[str, str, str]]
) -> dict[tuple[str, str, str], _Stored]:
    if not keys:
        return {}
    rows = conn.execute(
        """SELECT l.country_code, l.party_id, l.id, l.pk, l.partner_id, l.last_updated, l.visible,
                  l.latitude, l.longitude, l.text_crc
           FROM json_each(?) j JOIN locations l
             ON l.country_code = json_extract(j.value, '$[0]')
            AND l.party_id = json_extract(j.value, '$[1]')
            AND l.id = json_extract(j.value, '$[2]')""",
        (json.dumps(keys),),
    )
    return {
        (r[0], r[1], r[2]): _Stored(r[3], r[4], r[5], bool(r[6]), r[7], r[8], r[9]) for r in rows
    }


def _write(
    conn: sqlite3.Connection,
    partner_id: int,
    crawl_id: int,
    batch: list[_Item],
) -> None:
    if not batch:
        return
    prices = _tariff_prices(conn, {item.derived.key[:2] for item in batch})
    hours_ids: dict[tuple[str, str], int] = {}

    def hours_id_of(time_zone: str, periods: str) -> int:
        found = hours_ids.get((time_zone, periods))
        if found is None:
            found = hours_ids[(time_zone, periods)] = _hours_id(conn, time_zone, periods)
        return found

    rows = Rows()
    replaced: list[tuple[int]] = []
    unlisted: list[tuple[int]] = []  # FTS/R*Tree entries to remove (changed or now hidden)
    unfaceted: list[tuple[int]] = []
    unmapped: list[tuple[int]] = []
    head = (partner_id, crawl_id)
    for item in batch:
        pk, old, new = item.pk, item.old, item.derived
        add_rows(rows, pk, new, head, hours_id_of, prices)
        text_moved = geo_moved = True
        if old is not None:
            replaced.append((pk,))
            if old.visible:
                if not new.visible:
                    unfaceted.append((pk,))
                text_moved = not new.visible or new.text_crc != old.text_crc
                geo_moved = not new.visible or (new.latitude, new.longitude) != (
                    old.latitude,
                    old.longitude,
                )
                if text_moved:
                    unlisted.append((pk,))
                if geo_moved:
                    unmapped.append((pk,))
        if new.visible:
            if text_moved:
                rows.fts.append((pk, *new.text))
            if geo_moved:
                x, y, z = new.xyz
                rows.geo.append((pk, x, x, y, y, z, z))
    if replaced:
        for sql in (
            "DELETE FROM location_connectors WHERE location_pk = ?",
            "DELETE FROM location_hours_exceptions WHERE location_pk = ?",
        ):
            conn.executemany(sql, replaced)
        conn.executemany("DELETE FROM location_facets WHERE pk = ?", unfaceted)
        conn.executemany("DELETE FROM location_fts WHERE rowid = ?", unlisted)
        conn.executemany("DELETE FROM location_geo WHERE id = ?", unmapped)
    conn.executemany(_UPSERT_LOCATION, rows.locations)
    conn.executemany(
        "INSERT OR REPLACE INTO location_facets VALUES (?" + ", ?" * 19 + ")", rows.facets
    )
    conn.executemany(
        "INSERT OR REPLACE INTO location_json (pk, data) VALUES (?, ?)", rows.documents
    )
    conn.executemany("INSERT INTO location_connectors VALUES (?, ?, ?, ?, ?)", rows.plugs)
    conn.executemany("INSERT INTO location_hours_exceptions VALUES (?, ?, ?, ?)", rows.exceptions)
    conn.executemany(_FTS_INSERT, rows.fts)
    # R*Tree inserts cost less in spatial order (warmer nodes); coarse cells are enough.
    rows.geo.sort(key=lambda g: (g[5] // 20_000_000, g[3] // 20_000_000, g[1]))
    conn.executemany("INSERT INTO location_geo VALUES (?, ?, ?, ?, ?, ?, ?)", rows.geo)


def _hours_id(conn: sqlite3.Connection, time_zone: str, periods: str) -> int:
    """The id of shared opening hours, created on first sight (a handful per page)."""
    row = conn.execute(
        "SELECT id FROM opening_hours WHERE time_zone = ? AND periods = ?", (time_zone, periods)
    ).fetchone()
    if row is not None:
        return int(row[0])
    hours_id = int(
        conn.execute(
            "INSERT INTO opening_hours (time_zone, periods) VALUES (?, ?)", (time_zone, periods)
        ).lastrowid
        or 0
    )
    conn.executemany(
        "INSERT INTO opening_hours_periods VALUES (?, ?, ?)",
        [(hours_id, b, e) for b, e in parse_periods(periods)],
    )
    return hours_id


def _tariff_prices(
    conn: sqlite3.Connection, parties: set[tuple[str, str]]
) -> dict[tuple[str, str, str], tuple[float, str]]:
    """Search prices of the priced tariffs of the page's parties (a few dozen rows each)."""
    rows = conn.execute(
        """SELECT t.country_code, t.party_id, t.id, t.energy_price, t.currency
           FROM json_each(?) j JOIN tariffs t ON t.country_code = json_extract(j.value, '$[0]')
            AND t.party_id = json_extract(j.value, '$[1]')
           WHERE t.energy_price IS NOT NULL""",
        (json.dumps(sorted(parties)),),
    )
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in rows}


def load_location(
    conn: sqlite3.Connection, country_code: str, party_id: str, location_id: str
) -> tuple[int, Location] | None:
    """(partner_id, Location) of a stored Location, for read-modify-write (pushes)."""
    row = conn.execute(
        """SELECT l.partner_id, j.data FROM locations l JOIN location_json j ON j.pk = l.pk
           WHERE l.country_code = ? AND l.party_id = ? AND l.id = ?""",
        (country_code.upper(), party_id.upper(), location_id.upper()),
    ).fetchone()
    if row is None:
        return None
    loc = read_stored(Location, row[1], f"{country_code}*{party_id}*{location_id}")
    return None if loc is None else (row[0], loc)


def save_location(conn: sqlite3.Connection, partner_id: int, loc: Location) -> None:
    """Rewrite one stored Location as given (no staleness check: the caller made it)."""
    crawl_id = current_crawl_id(conn, partner_id, "locations")  # a push is as fresh as the crawl
    derived = derive_location(loc, _document(loc))
    old = _stored(conn, [derived.key])[derived.key]
    _write(conn, partner_id, crawl_id, [_Item(old.pk, derived, old)])


# -- reading --------------------------------------------------------------------------------
def get_location(
    conn: sqlite3.Connection, country_code: str, party_id: str, location_id: str
) -> Location | None:
    """The full Location as last received (with every EVSE, REMOVED ones included)."""
    found = load_location(conn, country_code, party_id, location_id)
    return found[1] if found else None


def count_locations(conn: sqlite3.Connection, partner_id: int | None = None) -> int:
    if partner_id is None:
        return int(conn.execute("SELECT count(*) FROM locations").fetchone()[0])
    row = conn.execute("SELECT count(*) FROM locations WHERE partner_id = ?", (partner_id,))
    return int(row.fetchone()[0])


@dataclass(frozen=True, slots=True)
class PartyCount:
    country_code: str
    party_id: str
    locations: int
    visible: int  # shown in search: published, with at least one EVSE not REMOVED
    evses: int  # not REMOVED

    @property
    def key(self) -> str:
        return f"{self.country_code}*{self.party_id}"


def count_by_party(conn: sqlite3.Connection, partner_id: int | None = None) -> list[PartyCount]:
    """Per owner: stored, searchable, EVSEs. Reads every row (~0.25 s at 300,000): call it
    from a worker. (Rows in table order: the key index would visit them at random, 4x slower.)"""
    source: str = "locations NOT INDEXED"
    args: tuple[int, ...] = ()
    if partner_id is not None:
        source, args = "locations WHERE partner_id = ?", (partner_id,)
    rows = conn.execute(
        f"""SELECT country_code, party_id, count(*), sum(visible), sum(evses_total)
            FROM {source} GROUP BY country_code, party_id ORDER BY country_code, party_id""",
        args,
    )
    return [PartyCount(r[0], r[1], r[2], r[3], r[4]) for r in rows]


# -- sync pages (services.sync) ---------------------------------------------------------------
def store_page(
    conn: sqlite3.Connection,
    partner_id: int,
    module: str,
    items: list[Location] | list[Tariff],
    next_url: str | None,
    rejected: int = 0,
    documents: list[str] | None = None,
) -> UpsertResult:
    """Store one page of a crawl and move the checkpoint past it, in this one transaction.
    ``documents``: each Location's JSON as received (see upsert_locations)."""
    module = str(module)
    if module == "locations":
        derived = _derived(items, documents)  # type: ignore[arg-type]
        return store_derived_page(conn, partner_id, derived, next_url, rejected)
    if module != "tariffs":
        raise ValueError(f"no store for module {module!r}")
    crawl_id = current_crawl_id(conn, partner_id, module)
    result = upsert_tariffs(conn, partner_id, items, crawl_id=crawl_id)  # type: ignore[arg-type]
    newest = max((o.last_updated for o in items), default=None)
    record_page(
        conn, partner_id, module,
        stored=len(items), rejected=rejected, next_url=next_url, last_updated=newest,
    )  # fmt: skip
    return result


def store_derived_page(
    conn: sqlite3.Connection,
    partner_id: int,
    locations: list[Derived],
    next_url: str | None,
    rejected: int = 0,
) -> UpsertResult:
    """:func:`store_page` for a page of Locations derived ahead (in a worker process)."""
    result = upsert_derived(
        conn, partner_id, locations, crawl_id=current_crawl_id(conn, partner_id, "locations")
    )
    newest = max((d.last_updated for d in locations), default=None)
    record_page(
        conn, partner_id, "locations",
        stored=len(locations), rejected=rejected, next_url=next_url,
        last_updated=None if newest is None else datetime.fromtimestamp(newest / 1000, UTC),
    )  # fmt: skip
    return result


def finish_crawl(
    conn: sqlite3.Connection,
    partner_id: int,
    module: str,
    full: bool,
    *,
    now: datetime | None = None,
) -> int:
    """Close the crawl (its date_to becomes the next date_from); returns how many were purged.

    After a full crawl, the partner's objects that it did not return (and no push refreshed
    since it began) are gone at the source (spec: all pages together are the full truth).
    """
    module = str(module)
    purged = 0
    if full and module in ("locations", "tariffs"):
        crawl_id = current_crawl_id(conn, partner_id, module)
        purged = conn.execute(
            f"DELETE FROM {module} WHERE partner_id = ? AND coalesce(crawl_id, 0) < ?",
            (partner_id, crawl_id),
        ).rowcount
    finish_crawl_state(conn, partner_id, module, purged, now)
    return purged
