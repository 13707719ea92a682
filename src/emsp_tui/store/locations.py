"""Locations (with their EVSEs and connectors) in the store: sync pages, pushes, reads.

Functions take a ``sqlite3.Connection`` and run inside ``Database.run``: each call is one
transaction, so a page, or a push, is stored whole or not at all. Keys are the owner's
(country_code, party_id, id), upper case (CiString). The Location as received is kept as JSON
(``location_json``); ``locations``, ``evses``, ``connectors`` and the FTS5/R*Tree tables are
derived from it on every write (see location_index.py) and serve search (search.py).

An object older than the stored copy (``last_updated``) never overwrites it: a page fetched
before a push but committed after it must not undo the push.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..ocpi.models import EVSE, Connector, Location, OcpiModel, Tariff
from ..ocpi.models import patch_fields as _patch_fields
from ..ocpi.types import parse_datetime
from .location_index import Rows, add_location, epoch_ms, parse_periods
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
    existing_keys,
    get_tariff,
    tariffs_for_location,
    upsert_tariffs,
)

__all__ = [
    "PartyCount",
    "SyncState",
    "UpsertResult",
    "apply_connector_patch",
    "apply_evse_patch",
    "apply_location_patch",
    "begin_crawl",
    "count_by_party",
    "count_locations",
    "count_tariffs",
    "delete_tariff",
    "finish_crawl",
    "get_location",
    "get_sync_state",
    "get_tariff",
    "put_connector",
    "put_evse",
    "record_sync_error",
    "store_page",
    "tariffs_for_location",
    "upsert_locations",
    "upsert_tariffs",
]

_COLUMNS = (
    "pk", "country_code", "party_id", "id", "partner_id", "crawl_id", "last_updated", "publish",
    "visible", "name", "address", "city", "postal_code", "country", "operator_name", "latitude",
    "longitude", "time_zone", "sort_key", "evses_total", "evses_available", "max_kw",
    "max_kw_available", "max_kw_ac", "max_kw_ac_available", "max_kw_dc", "max_kw_dc_available",
    "standards", "standards_available", "facilities", "hours_id", "tariff_ids", "energy_price",
    "price_currency",
)  # fmt: skip
_UPSERT_LOCATION = (
    f"INSERT INTO locations ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
    "ON CONFLICT (pk) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
)


# -- writing --------------------------------------------------------------------------------
def upsert_locations(
    conn: sqlite3.Connection,
    partner_id: int,
    locations: list[Location],
    *,
    crawl_id: int | None = None,
) -> UpsertResult:
    """Store a page of Locations (or one PUT), replacing each one's EVSEs and connectors.

    One lookup of the page's keys, then one executemany per table: no per-row SELECT.
    ``crawl_id`` defaults to the partner's current locations crawl.
    """
    if crawl_id is None:
        crawl_id = current_crawl_id(conn, partner_id, "locations")
    latest: dict[tuple[str, str, str], Location] = {}
    for loc in locations:  # the last copy of a Location in a page wins
        latest[(loc.country_code.upper(), loc.party_id.upper(), loc.id.upper())] = loc
    known = existing_keys(conn, "locations", list(latest))
    result = UpsertResult()
    batch: list[tuple[int, tuple[str, str, str], Location, int]] = []
    replacing: list[tuple[int]] = []
    next_pk = None
    for key, loc in latest.items():
        stamp = epoch_ms(loc.last_updated)
        if key in known:
            pk, stored_stamp = known[key]
            if stored_stamp > stamp:
                result.skipped += 1
                continue
            replacing.append((pk,))
            result.updated += 1
        else:
            if next_pk is None:
                next_pk = int(conn.execute("SELECT coalesce(max(pk), 0) FROM locations").fetchone()[0])
            next_pk += 1
            pk = next_pk
            result.inserted += 1
        batch.append((pk, key, loc, stamp))
    _write(conn, partner_id, crawl_id, batch, replacing)
    return result


def _write(
    conn: sqlite3.Connection,
    partner_id: int,
    crawl_id: int,
    batch: list[tuple[int, tuple[str, str, str], Location, int]],
    replacing: list[tuple[int]],
) -> None:
    if not batch:
        return
    if replacing:
        for sql in (
            "DELETE FROM evses WHERE location_pk = ?",
            "DELETE FROM connectors WHERE location_pk = ?",
            "DELETE FROM location_hours_exceptions WHERE location_pk = ?",
            "DELETE FROM location_fts WHERE rowid = ?",
            "DELETE FROM location_geo WHERE id = ?",
        ):
            conn.executemany(sql, replacing)
    prices = _tariff_prices(conn, {key[:2] for _, key, _, _ in batch})
    hours_ids: dict[tuple[str, str], int] = {}

    def hours_id_of(time_zone: str, periods: str) -> int:
        found = hours_ids.get((time_zone, periods))
        if found is None:
            found = hours_ids[(time_zone, periods)] = _hours_id(conn, time_zone, periods)
        return found

    rows = Rows()
    documents = rows.documents
    for pk, key, loc, stamp in batch:
        add_location(rows, pk, key, loc, (partner_id, crawl_id, stamp), hours_id_of, prices)
        if (loc.country_code, loc.party_id) != key[:2]:  # emit CiStrings upper case
            loc = loc.model_copy(update={"country_code": key[0], "party_id": key[1]})
        documents.append((pk, loc.model_dump_json(exclude_none=True)))  # = to_ocpi(), as text
    conn.executemany(_UPSERT_LOCATION, rows.locations)
    conn.executemany("INSERT OR REPLACE INTO location_json (pk, data) VALUES (?, ?)", documents)
    conn.executemany("INSERT INTO evses VALUES (?, ?, ?, ?, ?)", rows.evses)
    conn.executemany("INSERT INTO connectors VALUES (?, ?, ?, ?, ?, ?, ?)", rows.connectors)
    conn.executemany("INSERT INTO location_hours_exceptions VALUES (?, ?, ?, ?)", rows.exceptions)
    conn.executemany(
        "INSERT INTO location_fts (rowid, name, address, city, postal_code, operator, evse_ids)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows.fts,
    )
    conn.executemany("INSERT INTO location_geo VALUES (?, ?, ?, ?, ?)", rows.geo)


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


def _load(
    conn: sqlite3.Connection, country_code: str, party_id: str, location_id: str
) -> tuple[int, int, Location] | None:
    row = conn.execute(
        """SELECT l.pk, l.partner_id, j.data FROM locations l JOIN location_json j ON j.pk = l.pk
           WHERE l.country_code = ? AND l.party_id = ? AND l.id = ?""",
        (country_code.upper(), party_id.upper(), location_id.upper()),
    ).fetchone()
    if row is None:
        return None
    return row[0], row[1], Location.model_validate_json(row[2])


def _save(conn: sqlite3.Connection, pk: int, partner_id: int, loc: Location) -> None:
    crawl_id = current_crawl_id(conn, partner_id, "locations")  # a push is as fresh as the crawl
    key = (loc.country_code.upper(), loc.party_id.upper(), loc.id.upper())
    _write(conn, partner_id, crawl_id, [(pk, key, loc, epoch_ms(loc.last_updated))], [(pk,)])


# -- pushes (receiver PUT/PATCH at EVSE and connector depth, PATCH of a Location) -------------
def _fields(patch: Mapping[str, Any] | OcpiModel) -> dict[str, Any]:
    fields = _patch_fields(patch) if isinstance(patch, OcpiModel) else dict(patch)
    if "last_updated" not in fields:
        raise ValueError("a PATCH must carry last_updated")
    return fields


def _stamp(fields: Mapping[str, Any]) -> datetime:
    value = fields["last_updated"]
    return value if isinstance(value, datetime) else parse_datetime(str(value))


def _find(items: list[Any], attr: str, wanted: str) -> int | None:
    wanted = wanted.upper()
    return next((i for i, item in enumerate(items) if getattr(item, attr).upper() == wanted), None)


def apply_location_patch(
    conn: sqlite3.Connection,
    country_code: str,
    party_id: str,
    location_id: str,
    patch: Mapping[str, Any] | OcpiModel,
) -> Location | None:
    """Merge a PATCH into the stored Location; None when it is unknown (GET it, then PUT).

    Top-level fields are replaced as sent; the result is validated as a whole (a
    pydantic ValidationError leaves the store untouched). A PATCH older than the stored
    Location is ignored.
    """
    found = _load(conn, country_code, party_id, location_id)
    if found is None:
        return None
    pk, partner_id, loc = found
    fields = _fields(patch)
    if _stamp(fields) < loc.last_updated:
        return loc
    data = loc.to_ocpi() | fields
    data.update(country_code=loc.country_code, party_id=loc.party_id, id=loc.id)  # immutable
    new = Location.model_validate(data)
    _save(conn, pk, partner_id, new)
    return new


def apply_evse_patch(
    conn: sqlite3.Connection,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    patch: Mapping[str, Any] | OcpiModel,
) -> Location | None:
    """Merge a PATCH into one EVSE and bump the Location's last_updated (spec 8.1)."""
    found = _load(conn, country_code, party_id, location_id)
    if found is None:
        return None
    pk, partner_id, loc = found
    i = _find(loc.evses or [], "uid", evse_uid)
    if i is None:
        return None
    fields = _fields(patch)
    old = loc.evses[i]  # type: ignore[index]
    if _stamp(fields) < old.last_updated:
        return loc
    data = old.to_ocpi() | fields
    data["uid"] = old.uid
    return _replace_evse(conn, pk, partner_id, loc, i, EVSE.model_validate(data))


def apply_connector_patch(
    conn: sqlite3.Connection,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    connector_id: str,
    patch: Mapping[str, Any] | OcpiModel,
) -> Location | None:
    """Merge a PATCH into one connector and bump its EVSE's and Location's last_updated."""
    found = _load(conn, country_code, party_id, location_id)
    if found is None:
        return None
    pk, partner_id, loc = found
    i = _find(loc.evses or [], "uid", evse_uid)
    if i is None:
        return None
    evse = loc.evses[i]  # type: ignore[index]
    j = _find(evse.connectors, "id", connector_id)
    if j is None:
        return None
    fields = _fields(patch)
    old = evse.connectors[j]
    if _stamp(fields) < old.last_updated:
        return loc
    data = old.to_ocpi() | fields
    data["id"] = old.id
    return _replace_connector(conn, pk, partner_id, loc, i, j, Connector.model_validate(data))


def put_evse(
    conn: sqlite3.Connection,
    country_code: str,
    party_id: str,
    location_id: str,
    evse: EVSE,
) -> Location | None:
    """Add or replace one EVSE (receiver PUT at EVSE depth); None if the Location is unknown."""
    found = _load(conn, country_code, party_id, location_id)
    if found is None:
        return None
    pk, partner_id, loc = found
    evses = list(loc.evses or [])
    i = _find(evses, "uid", evse.uid)
    if i is None:
        evses.append(evse)
        i = len(evses) - 1
    elif evse.last_updated < evses[i].last_updated:
        return loc
    loc = loc.model_copy(update={"evses": evses})
    return _replace_evse(conn, pk, partner_id, loc, i, evse)


def put_connector(
    conn: sqlite3.Connection,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    connector: Connector,
) -> Location | None:
    """Add or replace one connector; None if its Location or EVSE is unknown."""
    found = _load(conn, country_code, party_id, location_id)
    if found is None:
        return None
    pk, partner_id, loc = found
    i = _find(loc.evses or [], "uid", evse_uid)
    if i is None:
        return None
    connectors = list(loc.evses[i].connectors)  # type: ignore[index]
    j = _find(connectors, "id", connector.id)
    if j is None:
        connectors.append(connector)
        j = len(connectors) - 1
    elif connector.last_updated < connectors[j].last_updated:
        return loc
    evse = loc.evses[i].model_copy(update={"connectors": connectors})  # type: ignore[index]
    loc = loc.model_copy(update={"evses": [*loc.evses[:i], evse, *loc.evses[i + 1 :]]})  # type: ignore[index]
    return _replace_connector(conn, pk, partner_id, loc, i, j, connector)


def _replace_connector(
    conn: sqlite3.Connection, pk: int, partner_id: int, loc: Location, i: int, j: int,
    connector: Connector,
) -> Location:  # fmt: skip
    evse = loc.evses[i]  # type: ignore[index]
    connectors = [*evse.connectors[:j], connector, *evse.connectors[j + 1 :]]
    evse = evse.model_copy(update={
        "connectors": connectors, "last_updated": max(evse.last_updated, connector.last_updated),
    })  # fmt: skip
    return _replace_evse(conn, pk, partner_id, loc, i, evse)


def _replace_evse(
    conn: sqlite3.Connection, pk: int, partner_id: int, loc: Location, i: int, evse: EVSE
) -> Location:
    evses = list(loc.evses or [])
    evses[i] = evse
    new = loc.model_copy(
        update={"evses": evses, "last_updated": max(loc.last_updated, evse.last_updated)}
    )
    _save(conn, pk, partner_id, new)
    return new


# -- reading --------------------------------------------------------------------------------
def get_location(
    conn: sqlite3.Connection, country_code: str, party_id: str, location_id: str
) -> Location | None:
    """The full Location as last received (with every EVSE, REMOVED ones included)."""
    found = _load(conn, country_code, party_id, location_id)
    return found[2] if found else None


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
    where, args = ("WHERE partner_id = ?", (partner_id,)) if partner_id is not None else ("", ())
    rows = conn.execute(
        f"""SELECT country_code, party_id, count(*), sum(visible), sum(evses_total)
            FROM locations {where} GROUP BY country_code, party_id
            ORDER BY country_code, party_id""",
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
) -> UpsertResult:
    """Store one page of a crawl and move the checkpoint past it, in this one transaction."""
    module = str(module)
    crawl_id = current_crawl_id(conn, partner_id, module)
    if module == "locations":
        result = upsert_locations(conn, partner_id, items, crawl_id=crawl_id)  # type: ignore[arg-type]
    elif module == "tariffs":
        result = upsert_tariffs(conn, partner_id, items, crawl_id=crawl_id)  # type: ignore[arg-type]
    else:
        raise ValueError(f"no store for module {module!r}")
    newest = max((o.last_updated for o in items), default=None)
    record_page(
        conn, partner_id, module,
        stored=len(items), rejected=rejected, next_url=next_url, last_updated=newest,
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
