"""Station search over the stored locations, on SQLite's own indexes.

Text: FTS5 (every word a prefix, accents ignored), relevance in tiers then name. Near a point
(search_near.py): the R*Tree gives the bounding box, exact distance orders those candidates
only; without a radius the box grows until it holds the page. A word of one or two letters has
no FTS5 prefix index: near a point, a small circle's text is then tested in Python
(search_text.py). Filters test ``location_facets``, narrow columns derived at write time
(location_index.py). A location is matched only through EVSEs that are not REMOVED, and only
published locations with such an EVSE are searchable at all: the facets, FTS and R*Tree tables
hold nothing else.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from dataclasses import dataclass

from . import search_near
from .location_index import CONNECTOR_STANDARDS, names_of
from .search_filters import Plan, count_matches, plan_filters, where
from .search_near import EARTH_RADIUS_KM, near_page
from .search_query import SearchQuery, price_column
from .search_text import query_words

__all__ = [
    "SearchPage", "SearchQuery", "StationHit", "count_label", "fts_query", "haversine_km",
    "search",
]  # fmt: skip
MAX_LIMIT = 200
_WORD = re.compile(r"[^\W_]+")


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
    energy_price: float | None  # cheapest per kWh incl. VAT (of the power class asked about)
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
    f.standards, f.max_w_ac, f.max_w_dc, f.{price}, f.price_currency"""


def _hits(
    conn: sqlite3.Connection,
    pks: list[int],
    distances: dict[int, float] | None = None,
    price: str = "energy_price",
) -> list[StationHit]:
    """The hits for ``pks``, in that order (one query for the page); ``price`` is the facets'
    price column to show (search_query.price_column)."""
    if not pks:
        return []
    columns = _HIT_COLUMNS.format(price=price)
    rows = conn.execute(
        f"""SELECT {columns} FROM json_each(?) j CROSS JOIN locations l ON l.pk = j.value
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
    price = price_column(query)
    match = fts_query(query.text)
    if query.near:
        words = None
        if match and search_near.TEXT_SHORTCUTS:
            words = query_words(conn, query.text)
            words = words if words is not None and words.short else None
        pks, distances, radius, total = near_page(
            conn, query.near, query.radius_km, plan, match, offset, limit, words
        )
        return SearchPage(_hits(conn, pks, distances, price), total, offset, limit, radius)
    if match:
        total = count_matches(conn, plan, match)
        pks = _text_page(conn, plan, match, total, offset, limit) if total > offset else []
        return SearchPage(_hits(conn, pks, None, price), total, offset, limit)
    # Neither text nor place: the matches may be most of the store. Count up to a cap (an
    # exact "183,406 stations" would cost a scan of every row for a figure nobody reads).
    cap = max(COUNT_CAP, offset + limit + 1)
    total = count_matches(conn, plan, None, cap=cap)
    capped = total >= cap and bool(plan.conditions())
    if capped:
        total = cap - 1
        pks = _walk_names(conn, plan, offset, limit)
    else:
        pks = _by_name(conn, plan, None, total, offset, limit) if total > offset else []
    return SearchPage(_hits(conn, pks, None, price), total, offset, limit, total_capped=capped)


COUNT_CAP = 1001  # count at most this many (minus one is shown as "1,000+")


def _walk_names(conn: sqlite3.Connection, plan: Plan, offset: int, limit: int) -> list[int]:
    """A page in name order, walking the name index and testing each row until the page is
    full. For filters that over COUNT_CAP stations pass, that stops early (7 ms for 1 in 100 at
    300,000); sorting every match instead would read them all."""
    source = "locations l INDEXED BY locations_by_name CROSS JOIN location_facets f ON f.pk = l.pk"
    sql = f"""SELECT l.pk FROM {source} {where(["l.visible = 1", *plan.conditions()])}
        ORDER BY l.sort_key, l.pk LIMIT :limit OFFSET :offset"""
    return [r[0] for r in conn.execute(sql, dict(plan.params, limit=limit, offset=offset))]


def _text_page(
    conn: sqlite3.Connection, plan: Plan, match: str, total: int, offset: int, limit: int
) -> list[int]:
    """Relevance in two tiers from FTS column filters: every word in the name first, then the
    other matches (address, city, postal code, operator, EVSE ids); by name within a tier.
    (bm25 would cost ~6 us for every match, too much for a prefix as short as "a".)"""
    in_name = f"{{name}} : ({match})"
    named = count_matches(conn, plan, in_name)
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
        sql = f"""SELECT w.pk FROM {source} {where(conds)}
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
    sql = f"""SELECT l.pk FROM {source} {where(conds)}
        ORDER BY l.sort_key, l.pk LIMIT :limit OFFSET :offset"""
    return [r[0] for r in conn.execute(sql, params)]
