"""Search near a point: pages of stations by distance, on the R*Tree and the facets.

Each location is a point on the unit sphere (location_index.unit_vector): a circle is a cube in
the R*Tree and the distance is arithmetic on its coordinates (chord, then great circle). Without
a radius the circle grows from FIRST_RADIUS_KM until it holds the page; when the matches anywhere
are few, the distance to each gives the page directly. A word of one or two letters near a point
is tested in Python against the circle's own text (search_text.py) when that is cheaper than
FTS5's merge. SQLite sorts and counts: only a page of rows comes back to Python.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable
from typing import Any

from .location_index import unit_vector
from .search_filters import Plan, count_matches, where
from .search_text import Words, matching, merged_rows

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
HALF_CIRCUMFERENCE_KM = math.pi * EARTH_RADIUS_KM
FIRST_RADIUS_KM = 2.0

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


def near_page(
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
                anywhere = count_matches(conn, plan, match)
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
    sql = f"""SELECT {_FACET_SQUARED_CHORD} AS c2, f.pk FROM {source} {where(conds)}
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
    return int(conn.execute(f"SELECT count(*) FROM {source} {where(conds)}", params).fetchone()[0])


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
        {where(conds)} LIMIT {int(cap)}"""
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
