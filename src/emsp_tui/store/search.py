"""Station search over the stored locations, on SQLite's own indexes.

Text: FTS5 (every word a prefix, accents ignored), relevance in tiers then name. Near a point:
the R*Tree gives the bounding box, exact haversine orders those candidates only; without a
radius the box grows until it holds the page. A word of one or two letters has no FTS5 prefix
index: near a point, a small circle's text is then tested in Python (search_text.py). Filters
test ``location_facets``, narrow columns derived at write time (location_index.py). A location
is matched only through EVSEs that are not REMOVED, and only published locations with such an
EVSE are searchable at all: the facets, FTS and R*Tree tables hold nothing else.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .location_index import CONNECTOR_STANDARDS, names_of, unit_vector
from .search_filters import Plan, plan_filters
from .search_text import Words, matching, merged_rows, query_words

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
HALF_CIRCUMFERENCE_KM = math.pi * EARTH_RADIUS_KM
FIRST_RADIUS_KM = 2.0
MAX_LIMIT = 200
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    near: tuple[float, float] | None = None  # (latitude, longitude)
    radius_km: float | None = None  # with `near`: a hard limit; None: grow until a page is found
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
    total: int  # with `near`: the matches within radius_km
    offset: int
    limit: int
    radius_km: float | None = None  # with `near`: the circle searched (grown when none given)
    total_capped: bool = False  # total is a floor: counting stopped at COUNT_CAP (say "1000+")

    @property
    def has_more(self) -> bool:
        return self.total_capped or self.offset + len(self.hits) < self.total

    @property
    def total_label(self) -> str:
        return count_label(self.total, self.total_capped)


def count_label(total: int, capped: bool) -> str:
    """'1,234', or '1,000+' when the count stopped there."""
    return f"{total:,}+" if capped else f"{total:,}"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def fts_query(text: str) -> str | None:
    """'Gent zu' -> '"gent"* "zu"*': every word a prefix, all of them required."""
    words = _WORD.findall(text)[:16]
    return " ".join(f'"{w}"*' for w in words) or None


_HIT_COLUMNS = """l.pk, l.country_code, l.party_id, l.id, l.name, l.address, l.city, l.postal_code,
    l.operator_name, l.latitude, l.longitude, f.evses_available, l.evses_total, f.max_w,
    f.standards, f.max_w_ac, f.max_w_dc, f.energy_price, f.price_currency"""


def _hits(
    conn: sqlite3.Connection, pks: list[int], distances: dict[int, float] | None = None
) -> list[StationHit]:
    """The hits for ``pks``, in that order (one query for the page)."""
    if not pks:
        return []
    rows = conn.execute(
        f"""SELECT {_HIT_COLUMNS} FROM json_each(?) j CROSS JOIN locations l ON l.pk = j.value
            CROSS JOIN location_facets f ON f.pk = l.pk ORDER BY j.key""",
        (json.dumps(pks),),
    )
    return [
        StationHit(
            country_code=r[1],
            party_id=r[2],
            id=r[3],
            name=r[4],
            address=r[5],
            city=r[6],
            postal_code=r[7],
            operator=r[8],
            latitude=r[9],
            longitude=r[10],
            distance_km=distances[r[0]] if distances is not None else None,
            evses_available=r[11],
            evses_total=r[12],
            max_kw=r[13] / 1000,
            connectors=names_of(r[14], CONNECTOR_STANDARDS),
            power_types=tuple(name for w, name in ((r[15], "AC"), (r[16], "DC")) if w is not None),
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
    plan = plan_filters(conn, query)
    match = fts_query(query.text)
    if query.near:
        words = None
        if match and TEXT_SHORTCUTS:
            words = query_words(conn, query.text)
            words = words if words is not None and words.short else None
        pks, distances, radius, total = _near(
            conn, query.near, query.radius_km, plan, match, offset, limit, words
        )
        return SearchPage(_hits(conn, pks, distances), total, offset, limit, radius)
    if match:
        total = _count(conn, plan, match)
        pks = _text_page(conn, plan, match, total, offset, limit) if total > offset else []
        return SearchPage(_hits(conn, pks), total, offset, limit)
    # Neither text nor place: the matches may be most of the store. Count up to a cap (an
    # exact "183,406 stations" would cost a scan of every row for a figure nobody reads).
    cap = max(COUNT_CAP, offset + limit + 1)
    total = _count(conn, plan, None, cap=cap)
    capped = total >= cap and bool(plan.conditions())
    if capped:
        total = cap - 1
        pks = _walk_names(conn, plan, offset, limit)
    else:
        pks = _by_name(conn, plan, None, total, offset, limit) if total > offset else []
    return SearchPage(_hits(conn, pks), total, offset, limit, total_capped=capped)


COUNT_CAP = 1001  # count at most this many (minus one is shown as "1,000+")


def _walk_names(conn: sqlite3.Connection, plan: Plan, offset: int, limit: int) -> list[int]:
    """A page in name order, walking the name index and testing each row until the page is
    full. For filters that over COUNT_CAP stations pass, that stops early (7 ms for 1 in 100 at
    300,000); sorting every match instead would read them all."""
    source = "locations l INDEXED BY locations_by_name CROSS JOIN location_facets f ON f.pk = l.pk"
    sql = f"""SELECT l.pk FROM {source} {_where(["l.visible = 1", *plan.conditions()])}
        ORDER BY l.sort_key, l.pk LIMIT :limit OFFSET :offset"""
    return [r[0] for r in conn.execute(sql, dict(plan.params, limit=limit, offset=offset))]


def _count(
    conn: sqlite3.Connection, plan: Plan, match: str | None, *, cap: int | None = None
) -> int:
    """Matches of the FTS expression ``match`` (None: all) and the filters; with filters, at
    most ``cap``."""
    params = dict(plan.params, match=match)
    if match is None:
        source = (
            "locations l CROSS JOIN location_facets f ON f.pk = l.pk"
            if plan.location
            else "location_facets f"
        )
        conds = plan.conditions()
    else:
        source = "location_fts"
        if plan.filtered:
            source += " CROSS JOIN location_facets f ON f.pk = location_fts.rowid"
        if plan.location:
            source += " CROSS JOIN locations l ON l.pk = f.pk"
        conds = plan.conditions("location_fts MATCH :match")
    sql = f"SELECT count(*) FROM {source} {_where(conds)}"  # no WHERE: SQLite counts pages
    if cap is not None and conds:  # (without conditions the exact count is the cheap one)
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {source} {_where(conds)} LIMIT {int(cap)})"
    return int(conn.execute(sql, params).fetchone()[0])


def _text_page(
    conn: sqlite3.Connection, plan: Plan, match: str, total: int, offset: int, limit: int
) -> list[int]:
    """Relevance in two tiers from FTS column filters: every word in the name first, then the
    other matches (address, city, postal code, operator, EVSE ids); by name within a tier.
    (bm25 would cost ~6 us for every match, too much for a prefix as short as "a".)"""
    in_name = f"{{name}} : ({match})"
    named = _count(conn, plan, in_name)
    # Name matches cluster in name order (they share a word): sort them, never walk.
    pks = _by_name(conn, plan, in_name, named, offset, limit, may_walk=False)
    if len(pks) < limit and total > named:
        rest = f"({match}) NOT ({in_name})"
        pks += _by_name(conn, plan, rest, total - named, max(0, offset - named), limit - len(pks))
    return pks


WALK_ROWS = 4000  # name-index rows we read hoping they hold the page, before sorting instead


def _by_name(
    conn: sqlite3.Connection,
    plan: Plan,
    match: str | None,
    size: int,
    offset: int,
    limit: int,
    *,
    may_walk: bool = True,
) -> list[int]:
    """A page of the ``size`` matches in name order. When matches are dense, the first rows of
    the name index (read from the index alone) hold the page; else, or if they did not (the
    matches cluster late in the alphabet), sort the matches themselves."""
    if size <= offset:
        return []
    params = dict(plan.params, match=match, limit=limit, offset=offset, walk=WALK_ROWS)
    visible = int(conn.execute("SELECT coalesce(max(pk), 1) FROM location_facets").fetchone()[0])
    if may_walk and WALK_ROWS * size >= 2 * (offset + limit) * visible:
        source = """(SELECT l.pk AS pk, l.sort_key AS sort_key FROM locations l
            INDEXED BY locations_by_name WHERE l.visible = 1 ORDER BY l.sort_key, l.pk
            LIMIT :walk) w"""
        if plan.facets:
            source += " CROSS JOIN location_facets f ON f.pk = w.pk"
        if plan.location:
            source += " CROSS JOIN locations l ON l.pk = w.pk"
        conds = plan.conditions()
        if match:
            conds.append("w.pk IN (SELECT rowid FROM location_fts WHERE location_fts MATCH :match)")
        sql = f"""SELECT w.pk FROM {source} {_where(conds)}
            ORDER BY w.sort_key, w.pk LIMIT :limit OFFSET :offset"""
        pks = [r[0] for r in conn.execute(sql, params)]
        if len(pks) >= min(limit, size - offset):
            return pks
    if match:
        source = "location_fts CROSS JOIN locations l ON l.pk = location_fts.rowid"
        if plan.facets:
            source += " CROSS JOIN location_facets f ON f.pk = l.pk"
        conds = plan.conditions("location_fts MATCH :match")
    else:
        tables = ("locations l", "location_facets f")
        source = " CROSS JOIN ".join(tables if plan.location else tables[::-1]) + " ON f.pk = l.pk"
        conds = plan.conditions()
    sql = f"""SELECT l.pk FROM {source} {_where(conds)}
        ORDER BY l.sort_key, l.pk LIMIT :limit OFFSET :offset"""
    return [r[0] for r in conn.execute(sql, params)]


def _where(conds: list[str]) -> str:
    return f"WHERE {' AND '.join(conds)}" if conds else ""


# Few enough matches anywhere to measure the distance to each (~1 us apiece, see _everywhere)
# rather than grow a box over the map; a word's matches are often far away, hence the higher
# bound.
FEW_MATCHES, FEW_TEXT_MATCHES = 5_000, 25_000
# With a word of one or two letters, a circle of at most TEXT_ROWS locations (with the
# filters) has its text read and tested in Python (search_text.py), ~9 us a location, rather
# than FTS5 merging every doclist that starts with those letters (~0.35 us a row merged, so
# a rare start such as "x" is left to FTS5).
TEXT_ROWS = 3_000
ROW_VS_MERGED = 25
TEXT_SHORTCUTS = True  # False: FTS5 for every text test, each statement anew (tests compare)


def _near(
    conn: sqlite3.Connection,
    near: tuple[float, float],
    radius_km: float | None,
    plan: Plan,
    match: str | None,
    offset: int,
    limit: int,
    words: Words | None = None,
) -> tuple[list[int], dict[int, float], float, int]:
    """Page of pks by distance, the radius searched and the matches within it.

    The R*Tree box gives candidates, exact distance orders them. Without a radius, the circle
    grows until it holds the page; when the matches anywhere are few (a rare filter, a rare
    word, or nothing near), the distances to all of them give the page directly, and the
    circle is the first of 2, 4, 8... km that holds it. SQLite sorts and counts: only
    the page's rows come back to Python (thousands of rows would mean thousands of hand-offs
    of the GIL, slow while the UI thread is busy drawing). ``words``: the text has a word of
    one or two letters, see _within.
    """
    lat, lon = near
    need = offset + limit
    if radius_km is not None:
        radius = max(0.0, radius_km)
        total, nearest = _within(conn, plan, match, lat, lon, radius, need, words)
    else:
        radius = FIRST_RADIUS_KM
        total, nearest = _within(conn, plan, match, lat, lon, radius, need, words)
        if total < need:
            kept = False
            if match and TEXT_SHORTCUTS:
                # Evaluate the text once for the statements below (FTS5 would again for each).
                anywhere = _keep_matches(conn, plan, match, lat, lon, FEW_TEXT_MATCHES + 1)
                kept = anywhere <= FEW_TEXT_MATCHES
            else:
                anywhere = _count(conn, plan, match)
            if anywhere <= (FEW_TEXT_MATCHES if match else FEW_MATCHES):
                nearest = _everywhere(conn, plan, match, lat, lon, need, kept)
                if len(nearest) < need:  # fewer matches than the page: the whole Earth
                    radius, total = HALF_CIRCUMFERENCE_KM, len(nearest)
                else:
                    while _chord2(radius) < nearest[-1][0]:
                        radius = min(HALF_CIRCUMFERENCE_KM, radius * 2)
                    total = _count_nearer(conn, plan, match, lat, lon, _chord2(radius), kept)
            while total < need and radius < HALF_CIRCUMFERENCE_KM:
                radius = _grown(radius, total, need)
                total, nearest = _within(conn, plan, match, lat, lon, radius, need, words)
    page = _distances(nearest[offset:need])
    return [pk for _, pk in page], {pk: d for d, pk in page}, radius, total


_SQUARED_CHORD = (
    "(g.min_x - :x) * (g.min_x - :x) + (g.min_y - :y) * (g.min_y - :y)"
    " + (g.min_z - :z) * (g.min_z - :z)"
)


def _grown(radius: float, found: int, need: int) -> float:
    """The next circle: matches grow with the area, so aim at ``need``; at least double."""
    grow = 1.3 * math.sqrt(need / found) if found else 4.0
    return min(HALF_CIRCUMFERENCE_KM, radius * max(2.0, min(8.0, grow)))


def _within(
    conn: sqlite3.Connection,
    plan: Plan,
    match: str | None,
    lat: float,
    lon: float,
    radius: float,
    need: int,
    words: Words | None = None,
) -> tuple[int, list[tuple[int, int]]]:
    """How many match within ``radius`` km, and the ``need`` nearest as (squared chord, pk).

    The R*Tree holds unit vectors (see the migration): the cube around the circle gives the
    candidates, and the squared chord to each, plain arithmetic, is exact and in the order of
    the haversine distance; only the returned matches get the arcsine. With ``words`` (a word
    of one or two letters) and a circle of at most TEXT_ROWS locations, their text is tested
    in Python instead of FTS5's merge of every doclist with those first letters.
    """
    rows = _within_by_text(conn, plan, words, lat, lon, radius) if words else None
    if rows is None:
        source, conds, params = _circle(plan, match, lat, lon, radius)
        # All of them to Python: cheaper here than a window count with SQLite's sort (the FTS
        # probe's plan changes), and a circle that holds a page holds few more than the page.
        sql = f"SELECT {_SQUARED_CHORD}, g.id FROM {source} WHERE {' AND '.join(conds)}"
        rows = _plain(conn).execute(sql, params).fetchall()
    rows.sort()
    return len(rows), rows[:need]


def _within_by_text(
    conn: sqlite3.Connection, plan: Plan, words: Words, lat: float, lon: float, radius: float
) -> list[tuple[int, int]] | None:
    """(squared chord, pk) of every match within ``radius`` km, the text tested in Python;
    None if the circle holds more than TEXT_ROWS locations (with the filters)."""
    source, conds, params = _circle(plan, None, lat, lon, radius)
    where = " AND ".join(conds)
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {where} LIMIT {TEXT_ROWS + 1})"
    rows = conn.execute(sql, params).fetchone()[0]
    if rows > TEXT_ROWS or rows * ROW_VS_MERGED > merged_rows(conn, words):
        return None
    # One row, one JSON text: a row per location would hand the GIL over for each.
    sql = f"""SELECT json_group_array(json_array(c.c2, c.pk, t.name, t.address, t.city,
            t.postal_code, t.operator, t.evse_ids))
        FROM (SELECT {_SQUARED_CHORD} AS c2, g.id AS pk FROM {source} WHERE {where}) c
        CROSS JOIN location_fts t ON t.rowid = c.pk"""
    return matching(conn, words, json.loads(conn.execute(sql, params).fetchone()[0]))


def _circle(
    plan: Plan, match: str | None, lat: float, lon: float, radius: float
) -> tuple[str, list[str], dict[str, Any]]:
    """FROM and WHERE of the matches within ``radius`` km, with their parameters."""
    angle = min(radius / EARTH_RADIUS_KM, math.pi)
    chord = 2 * math.sin(angle / 2)
    reach = math.ceil(chord * 1e9) + 1  # the cube's half side, with a rounding margin
    params = _centre(plan, match, lat, lon)
    x, y, z = params["x"], params["y"], params["z"]
    params.update(x0=x - reach, x1=x + reach, y0=y - reach, y1=y + reach, z0=z - reach,
                  z1=z + reach, chord2=_chord2(radius))  # fmt: skip
    source = "location_geo g"
    if plan.filtered:
        source += " CROSS JOIN location_facets f ON f.pk = g.id"
    if plan.location:
        source += " CROSS JOIN locations l ON l.pk = g.id"
    conds = [
        "g.min_x >= :x0 AND g.max_x <= :x1 AND g.min_y >= :y0 AND g.max_y <= :y1"
        " AND g.min_z >= :z0 AND g.max_z <= :z1",
        f"{_SQUARED_CHORD} <= :chord2",
        *plan.conditions(),
    ]
    if match:
        # "+": a membership probe, not a way into the R*Tree (which must use the cube).
        conds.append("+g.id IN (SELECT rowid FROM location_fts WHERE location_fts MATCH :match)")
    return source, conds, params


def _everywhere(
    conn: sqlite3.Connection,
    plan: Plan,
    match: str | None,
    lat: float,
    lon: float,
    need: int,
    kept: bool = False,
) -> list[tuple[int, int]]:
    """The ``need`` nearest matches anywhere as (squared chord, pk): the matches drive, each
    one's unit vector read from its facets row (a lookup by pk, ~1 us; by id in the R*Tree
    ~4 us). ``kept``: from those _keep_matches stored."""
    if kept:
        sql = "SELECT c2, pk FROM temp.search_hits ORDER BY c2, pk LIMIT ?"
        return _plain(conn).execute(sql, (need,)).fetchall()
    source, conds = _all_matches(plan, match)
    sql = f"""SELECT {_FACET_SQUARED_CHORD} AS c2, f.pk FROM {source} {_where(conds)}
        ORDER BY c2, f.pk LIMIT :need"""
    params = dict(_centre(plan, match, lat, lon), need=need)
    return _plain(conn).execute(sql, params).fetchall()


def _count_nearer(
    conn: sqlite3.Connection,
    plan: Plan,
    match: str | None,
    lat: float,
    lon: float,
    chord2: float,
    kept: bool = False,
) -> int:
    """How many matches anywhere lie within the squared chord ``chord2``, the matches driving
    (as _everywhere: when they are few, cheaper than the R*Tree over a wide circle)."""
    if kept:
        sql = "SELECT count(*) FROM temp.search_hits WHERE c2 <= ?"
        return int(conn.execute(sql, (chord2,)).fetchone()[0])
    source, conds = _all_matches(plan, match)
    conds.append(f"{_FACET_SQUARED_CHORD} <= :chord2")
    params = dict(_centre(plan, match, lat, lon), chord2=chord2)
    return int(conn.execute(f"SELECT count(*) FROM {source} {_where(conds)}", params).fetchone()[0])


def _keep_matches(
    conn: sqlite3.Connection, plan: Plan, match: str, lat: float, lon: float, cap: int
) -> int:
    """Store the first ``cap`` matches (text and filters) in temp.search_hits with their
    squared chords, for _everywhere and _count_nearer; how many were stored.
    The text is then evaluated once (a one-letter word costs FTS5 a merge of up to 300,000
    rows in every statement that reads it) and each match's facets row read once."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS search_hits (c2 INTEGER, pk INTEGER)")
    conn.execute("DELETE FROM temp.search_hits")
    source, conds = _all_matches(plan, match)
    sql = f"""INSERT INTO temp.search_hits SELECT {_FACET_SQUARED_CHORD}, f.pk FROM {source}
        {_where(conds)} LIMIT {int(cap)}"""
    return int(conn.execute(sql, _centre(plan, match, lat, lon)).rowcount)


def _all_matches(plan: Plan, match: str | None) -> tuple[str, list[str]]:
    """FROM and WHERE of every match, anywhere, with its facets row as ``f``."""
    if match:
        source = "location_fts CROSS JOIN location_facets f ON f.pk = location_fts.rowid"
        conds = plan.conditions("location_fts MATCH :match")
    else:
        source = "location_facets f"
        conds = plan.conditions()
    if plan.location:
        source += " CROSS JOIN locations l ON l.pk = f.pk"
    return source, conds


_FACET_SQUARED_CHORD = _SQUARED_CHORD.replace("g.min_", "f.")


def _plain(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor that returns plain tuples: for queries that read thousands of rows, where the
    connection's sqlite3.Row objects would cost more than the query (and do not sort)."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor


def _centre(plan: Plan, match: str | None, lat: float, lon: float) -> dict[str, Any]:
    x, y, z = unit_vector(lat, lon)
    return dict(plan.params, match=match, x=x, y=y, z=z)


def _chord2(radius_km: float) -> float:
    """The squared chord (as _distances reads it) of a great-circle distance."""
    return (2e9 * math.sin(min(radius_km / EARTH_RADIUS_KM, math.pi) / 2)) ** 2


def _distances(rows: Iterable[tuple[int, int]]) -> list[tuple[float, int]]:
    """Squared chords (1e-18 units of the unit sphere) to great-circle kilometres."""
    diameter = 2 * EARTH_RADIUS_KM
    return [(diameter * math.asin(min(1.0, math.sqrt(c2) / 2e9)), pk) for c2, pk in rows]
