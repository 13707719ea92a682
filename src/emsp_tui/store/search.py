"""Station search over the stored locations, on SQLite's own indexes.

Text: FTS5 (prefix per word, accents ignored), ranked by bm25 then name. Near a point: the
R*Tree gives the bounding box, exact haversine orders the candidates; without a radius the box
grows until it holds a page. Filters are tests on columns derived at write time
(location_index.py); a location is only matched through EVSEs that are not REMOVED, and only
published locations with such an EVSE are searched at all (the FTS and R*Tree tables hold
nothing else).
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .location_index import (
    CONNECTOR_STANDARDS,
    FACILITY_BIT,
    STANDARD_BIT,
    minute_of_week,
    names_of,
)

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
HALF_CIRCUMFERENCE_KM = math.pi * EARTH_RADIUS_KM
FIRST_RADIUS_KM = 2.0
MAX_LIMIT = 200
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    near: tuple[float, float] | None = None  # (latitude, longitude)
    radius_km: float | None = None  # None with `near`: nearest first, anywhere
    connectors: Sequence[str] = ()  # ConnectorType values; any of them
    min_kw: float | None = None
    power_type: str | None = None  # "AC" or "DC" (or a PowerType value)
    available_only: bool = False  # at least one matching EVSE is AVAILABLE
    open_now: bool = False
    now: datetime | None = None  # required with open_now: the clock is passed in
    operator: str | None = None  # operator name, any case
    party: str | tuple[str, str] | None = None  # "NL*ABC" or ("NL", "ABC")
    partner_id: int | None = None
    facilities: Sequence[str] = ()  # Facility values; all of them
    max_price: float | None = None  # energy price per kWh incl. VAT
    offset: int = 0
    limit: int = 20


@dataclass(frozen=True, slots=True)
class StationHit:
    country_code: str
    party_id: str
    id: str
    name: str | None
    address: str
    city: str
    postal_code: str | None
    operator: str | None
    latitude: float
    longitude: float
    distance_km: float | None
    evses_available: int
    evses_total: int
    max_kw: float
    connectors: tuple[str, ...]  # connector standards
    power_types: tuple[str, ...]  # "AC", "DC"
    energy_price: float | None  # cheapest per kWh incl. VAT
    currency: str | None

    @property
    def title(self) -> str:
        return self.name or self.address

    @property
    def price_summary(self) -> str:
        if self.energy_price is None:
            return "price unknown"
        return f"{self.energy_price:.2f} {self.currency or ''}/kWh".replace(" /", "/")


@dataclass(frozen=True, slots=True)
class SearchPage:
    hits: list[StationHit]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.hits) < self.total


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(
        math.radians(lon2 - lon1) / 2
    ) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def fts_query(text: str) -> str | None:
    """'Gent zu' -> '"gent"* "zu"*': every word a prefix, all of them required."""
    words = _WORD.findall(text)[:16]
    return " ".join(f'"{w}"*' for w in words) or None


def _bbox_sql(lat: float, lon: float, radius_km: float, params: dict[str, Any]) -> str:
    """Ids in the R*Tree inside the box around the circle (split at the antimeridian)."""
    angle = radius_km / EARTH_RADIUS_KM
    dlat = math.degrees(angle)
    params.update(lat0=lat - dlat, lat1=lat + dlat)
    box = "SELECT id FROM location_geo WHERE min_lat <= :lat1 AND max_lat >= :lat0"
    s = math.sin(angle) / max(math.cos(math.radians(lat)), 1e-12)
    if lat + dlat >= 90 or lat - dlat <= -90 or angle >= math.pi / 2 or s >= 1:
        return box  # a pole is inside: every longitude
    dlon = math.degrees(math.asin(s))
    lon0, lon1 = lon - dlon, lon + dlon
    ranges = [(lon0, lon1)]
    if lon0 < -180:
        ranges = [(lon0 + 360, 180.0), (-180.0, lon1)]
    elif lon1 > 180:
        ranges = [(lon0, 180.0), (-180.0, lon1 - 360)]
    parts = []
    for n, (a, b) in enumerate(ranges):
        params[f"lon0_{n}"], params[f"lon1_{n}"] = a, b
        parts.append(f"{box} AND min_lon <= :lon1_{n} AND max_lon >= :lon0_{n}")
    return " UNION ALL ".join(parts)


def _power_kind(value: str) -> str:
    kind = value.upper()
    if kind == "DC":
        return "dc"
    if kind == "AC" or kind.startswith("AC_"):
        return "ac"
    raise ValueError(f"unknown power type {value!r} (AC or DC)")


def _filters(
    conn: sqlite3.Connection, q: SearchQuery, params: dict[str, Any]
) -> tuple[list[str], bool]:
    """Conditions on ``locations l``, and whether locations_facets covers them all."""
    where = ["l.visible = 1"]
    covered = True
    avail = "_available" if q.available_only else ""
    if q.available_only:
        where.append("l.evses_available > 0")
    kind = _power_kind(q.power_type) if q.power_type else None
    min_kw = q.min_kw or 0.0
    if kind or min_kw:
        # Per-kind maxima make "DC, at least 50 kW" exact without looking at connectors.
        column = f"l.max_kw_{kind}{avail}" if kind else f"l.max_kw{avail}"
        params["min_kw"] = min_kw
        where.append(f"{column} >= :min_kw" if min_kw else f"{column} > 0")
    if q.connectors:
        names = sorted({str(c) for c in q.connectors})
        unknown = [name for name in names if name not in STANDARD_BIT]
        if unknown:
            raise ValueError(f"unknown connector standard(s): {', '.join(unknown)}")
        params["standards"] = sum(STANDARD_BIT[name] for name in names)
        where.append(f"(l.standards{avail} & :standards) != 0")
        if kind or min_kw:
            # Both must hold for one connector: a 22 kW Type 2 beside a 150 kW CCS is no
            # 150 kW Type 2. Only this combination needs the connector rows.
            params.update({f"std{i}": name for i, name in enumerate(names)})
            conds = [
                "c.evse_status = 'AVAILABLE'" if q.available_only else "c.evse_status != 'REMOVED'",
                f"c.standard IN ({', '.join(f':std{i}' for i in range(len(names)))})",
            ]
            if min_kw:
                conds.append("c.max_kw >= :min_kw")
            if kind:
                conds.append("c.power_type = 'DC'" if kind == "dc" else "c.power_type != 'DC'")
            where.append(
                f"EXISTS (SELECT 1 FROM connectors c WHERE c.location_pk = l.pk AND {' AND '.join(conds)})"
            )
    if q.operator:
        params["operator"] = q.operator.strip()
        where.append("l.operator_name = :operator COLLATE NOCASE")
        covered = False
    if q.party:
        cc, pid = q.party.split("*", 1) if isinstance(q.party, str) else q.party
        params.update(cc=cc.strip().upper(), pid=pid.strip().upper())
        where.append("l.country_code = :cc AND l.party_id = :pid")
        covered = False
    if q.partner_id is not None:
        params["partner_id"] = q.partner_id
        where.append("l.partner_id = :partner_id")
    if q.facilities:
        unknown = [f for f in q.facilities if str(f) not in FACILITY_BIT]
        if unknown:
            raise ValueError(f"unknown facilities: {', '.join(map(str, unknown))}")
        params["facilities"] = sum(FACILITY_BIT[str(f)] for f in set(q.facilities))
        where.append("(l.facilities & :facilities) = :facilities")
    if q.max_price is not None:
        params["max_price"] = q.max_price
        where.append("l.energy_price <= :max_price")  # unknown prices do not qualify
    if q.open_now:
        where.append(_open_now_sql(conn, q.now, params))
    return where, covered


def _open_now_sql(conn: sqlite3.Connection, now: datetime | None, params: dict[str, Any]) -> str:
    if now is None:
        raise ValueError("open_now needs `now` (the caller's clock)")
    zones = [r[0] for r in conn.execute("SELECT DISTINCT time_zone FROM opening_hours")]
    params["zones"] = json.dumps({z: minute_of_week(now, z) for z in zones})
    params["now_s"] = int(now.timestamp())
    exception = (
        "SELECT location_pk FROM location_hours_exceptions"
        " WHERE opening = {} AND end_at > :now_s AND begin_at <= :now_s"
    )
    # Closings win over everything; else 24/7 (no hours_id), regular hours, or an opening.
    return f"""(l.pk NOT IN ({exception.format(0)}) AND (l.hours_id IS NULL
        OR l.hours_id IN (SELECT p.hours_id FROM json_each(:zones) z
            JOIN opening_hours h ON h.time_zone = z.key
            JOIN opening_hours_periods p ON p.hours_id = h.id
            WHERE p.begin_minute <= z.value AND p.end_minute > z.value)
        OR l.pk IN ({exception.format(1)})))"""


_HIT_COLUMNS = """l.pk, l.country_code, l.party_id, l.id, l.name, l.address, l.city, l.postal_code,
    l.operator_name, l.latitude, l.longitude, l.evses_available, l.evses_total, l.max_kw,
    l.standards, l.max_kw_ac, l.max_kw_dc, l.energy_price, l.price_currency"""


def _hits(
    conn: sqlite3.Connection, pks: list[int], distances: dict[int, float] | None = None
) -> list[StationHit]:
    """The hits for ``pks``, in that order (one query for the page)."""
    if not pks:
        return []
    rows = conn.execute(
        f"SELECT {_HIT_COLUMNS} FROM json_each(?) j JOIN locations l ON l.pk = j.value"
        " ORDER BY j.key",
        (json.dumps(pks),),
    )
    return [
        StationHit(
            *r[1:11],
            distance_km=distances[r[0]] if distances is not None else None,
            evses_available=r[11],
            evses_total=r[12],
            max_kw=r[13],
            connectors=names_of(r[14], CONNECTOR_STANDARDS),
            power_types=tuple(name for kw, name in ((r[15], "AC"), (r[16], "DC")) if kw),
            energy_price=r[17],
            currency=r[18],
        )
        for r in rows
    ]


def search(conn: sqlite3.Connection, query: SearchQuery) -> SearchPage:
    """One page of matching stations and how many match in all.

    Ordered by distance when ``near`` is given, else by relevance then name, else by name.
    """
    offset = max(0, query.offset)
    limit = min(max(1, query.limit), MAX_LIMIT)
    params: dict[str, Any] = {}
    where, covered = _filters(conn, query, params)
    match = fts_query(query.text)
    if match:
        params["match"] = match
    if query.near:
        pks, distances, total = _near(conn, query, where, covered, params, offset, limit)
        return SearchPage(_hits(conn, pks, distances), total, offset, limit)
    total = _count(conn, where, covered, params)
    if total <= offset:
        return SearchPage([], total, offset, limit)
    params.update(limit=limit, offset=offset)
    if match:
        pks = _text_page(conn, where, params)
    else:
        pks = _filtered_page(conn, where, covered, params, total)
    return SearchPage(_hits(conn, pks), total, offset, limit)


def _source(where: list[str], covered: bool, params: dict[str, Any]) -> str:
    """FROM clause: FTS drives when there is text, else the covering index if it suffices."""
    if "match" in params:
        return "location_fts JOIN locations l ON l.pk = location_fts.rowid"
    return "locations l INDEXED BY locations_facets" if covered else "locations l"


def _conditions(where: list[str], params: dict[str, Any]) -> str:
    conds = ["location_fts MATCH :match", *where] if "match" in params else where
    return " AND ".join(conds)


def _count(
    conn: sqlite3.Connection, where: list[str], covered: bool, params: dict[str, Any]
) -> int:
    if "match" in params and len(where) == 1:  # only `visible`: the FTS table holds no other
        sql = "SELECT count(*) FROM location_fts WHERE location_fts MATCH :match"
    else:
        sql = f"SELECT count(*) FROM {_source(where, covered, params)} WHERE {_conditions(where, params)}"
    return int(conn.execute(sql, params).fetchone()[0])


def _text_page(conn: sqlite3.Connection, where: list[str], params: dict[str, Any]) -> list[int]:
    """Relevance in tiers from FTS column filters: all words in the name, then all in the
    name/address/city/postal code/operator, then the rest (EVSE ids); then by name. (bm25 costs
    ~6 us per match, too much for a prefix as short as "a".)"""
    params["in_name"] = f"{{name}} : ({params['match']})"
    params["in_place"] = f"{{name address city postal_code operator}} : ({params['match']})"
    tier = "SELECT rowid FROM location_fts WHERE location_fts MATCH :{}"
    sql = f"""SELECT l.pk FROM {_source(where, False, params)} WHERE {_conditions(where, params)}
        ORDER BY l.pk IN ({tier.format("in_name")}) DESC, l.pk IN ({tier.format("in_place")}) DESC,
            l.sort_key, l.pk LIMIT :limit OFFSET :offset"""
    return [r[0] for r in conn.execute(sql, params)]


WALK_BUDGET = 20_000  # rows we are ready to test while walking the name index for one page


def _filtered_page(
    conn: sqlite3.Connection, where: list[str], covered: bool, params: dict[str, Any], total: int
) -> list[int]:
    """Walk the name index while matches are dense; sort the few matches when they are rare."""
    rows = int(conn.execute("SELECT coalesce(max(pk), 0) FROM locations").fetchone()[0])
    conds = _conditions(where, params)
    if (params["offset"] + params["limit"]) * rows <= WALK_BUDGET * total:
        sql = f"""SELECT l.pk FROM locations l INDEXED BY locations_by_name WHERE {conds}
            ORDER BY l.sort_key, l.pk LIMIT :limit OFFSET :offset"""
    else:
        sql = f"""SELECT o.pk FROM locations o WHERE o.pk IN (SELECT l.pk FROM
            {_source(where, covered, params)} WHERE {conds})
            ORDER BY o.sort_key, o.pk LIMIT :limit OFFSET :offset"""
    return [r[0] for r in conn.execute(sql, params)]


def _near(
    conn: sqlite3.Connection,
    query: SearchQuery,
    where: list[str],
    covered: bool,
    params: dict[str, Any],
    offset: int,
    limit: int,
) -> tuple[list[int], dict[int, float], int]:
    """Page of pks by distance: the R*Tree box gives candidates, haversine orders them."""
    assert query.near is not None
    lat, lon = query.near
    if query.radius_km is not None:
        found = _within(conn, where, params, lat, lon, max(0.0, query.radius_km))
        total = len(found)
    else:  # nearest first, anywhere: grow the box until it holds the page
        total = _count(conn, where, covered, params)
        need = min(total, offset + limit)
        radius = FIRST_RADIUS_KM
        while True:
            found = _within(conn, where, params, lat, lon, radius)
            if len(found) >= need or radius >= HALF_CIRCUMFERENCE_KM:
                break
            # Matches grow with the area: aim at `need`, at least doubling the radius.
            grow = 1.3 * math.sqrt(need / len(found)) if found else 4.0
            radius = min(HALF_CIRCUMFERENCE_KM, radius * max(2.0, min(8.0, grow)))
    found.sort()
    page = found[offset : offset + limit]
    return [pk for _, _, pk in page], {pk: d for d, _, pk in page}, total


def _within(
    conn: sqlite3.Connection,
    where: list[str],
    params: dict[str, Any],
    lat: float,
    lon: float,
    radius: float,
) -> list[tuple[float, str, int]]:
    """(distance, sort_key, pk) of the matches within ``radius`` km (box first, then exact)."""
    box_params = dict(params)
    conds = [f"l.pk IN ({_bbox_sql(lat, lon, radius, box_params)})", *where]
    if "match" in params:
        conds.append("l.pk IN (SELECT rowid FROM location_fts WHERE location_fts MATCH :match)")
    sql = f"SELECT l.pk, l.latitude, l.longitude, l.sort_key FROM locations l WHERE {' AND '.join(conds)}"
    found = []
    for pk, plat, plon, sort_key in conn.execute(sql, box_params):
        distance = haversine_km(lat, lon, plat, plon)
        if distance <= radius:
            found.append((distance, sort_key, pk))
    return found
