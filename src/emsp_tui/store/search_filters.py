"""Search filters as SQL: conditions on ``location_facets f`` (and ``locations l`` for the
operator and the party), with their parameters; and the WHERE clause and match count that the
search paths share. Used by search.py and search_near.py.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .location_index import FACILITY_BIT, STANDARD_BIT, minute_of_week
from .search_query import SearchQuery, power_kind, price_column

__all__ = ["Plan", "count_matches", "plan_filters", "power_kind", "where"]


@dataclass
class Plan:
    """A query's filters: conditions on ``location_facets f`` and on ``locations l``."""

    facets: list[str]
    location: list[str]  # the operator and the party: on the wide rows, with their indexes
    params: dict[str, Any]

    @property
    def filtered(self) -> bool:
        return bool(self.facets or self.location)

    def conditions(self, *extra: str) -> list[str]:
        return [*extra, *self.facets, *self.location]


def plan_filters(conn: sqlite3.Connection, q: SearchQuery) -> Plan:
    facets: list[str] = []
    location: list[str] = []
    params: dict[str, Any] = {}
    avail = "_available" if q.available_only else ""
    if q.available_only:
        facets.append("f.max_w_available IS NOT NULL")
    kind = power_kind(q.power_type) if q.power_type else None
    if kind or q.min_kw:
        # Per-kind maxima make "DC, at least 50 kW" exact without looking at connectors.
        params["min_w"] = round((q.min_kw or 0.0) * 1000)
        facets.append(f"f.max_w{'_' + kind if kind else ''}{avail} >= :min_w")
    if q.connectors:
        names = sorted({str(c) for c in q.connectors})
        unknown = [name for name in names if name not in STANDARD_BIT]
        if unknown:
            raise ValueError(f"unknown connector standard(s): {', '.join(unknown)}")
        params["standards"] = sum(STANDARD_BIT[name] for name in names)
        facets.append(f"(f.standards{avail} & :standards) != 0")
        if kind or q.min_kw:
            # Both must hold for one connector: a 22 kW Type 2 beside a 150 kW CCS is no
            # 150 kW Type 2. Only this combination needs the connector rows.
            params.update({f"std{i}": name for i, name in enumerate(names)})
            params["min_kw"] = q.min_kw or 0.0
            status = " AND c.available = 1" if q.available_only else ""
            power = {"dc": " AND c.power_type = 'DC'", "ac": " AND c.power_type != 'DC'"}
            facets.append(
                "EXISTS (SELECT 1 FROM location_connectors c WHERE c.location_pk = f.pk"
                f"{status} AND c.max_kw >= :min_kw{power.get(kind or '', '')}"
                f" AND c.standard IN ({', '.join(f':std{i}' for i in range(len(names)))}))"
            )
    if q.partner_id is not None:
        params["partner_id"] = q.partner_id
        facets.append("f.partner_id = :partner_id")
    if q.facilities:
        names = sorted({str(f) for f in q.facilities})
        unknown = [name for name in names if name not in FACILITY_BIT]
        if unknown:
            raise ValueError(f"unknown facilities: {', '.join(unknown)}")
        params["facilities"] = sum(FACILITY_BIT[name] for name in names)
        facets.append("(f.facilities & :facilities) = :facilities")
    if q.max_price is not None:
        params["max_price"] = q.max_price
        # Only the price of the power class asked about (a DC search: the DC connectors');
        # unknown prices do not qualify.
        facets.append(f"f.{price_column(q)} <= :max_price")
    if q.open_now:
        facets.append(_open_now_sql(conn, q.now, params))
    if q.operator:
        params["operator"] = q.operator.strip()
        location.append("l.operator_name = :operator COLLATE NOCASE")
    if q.party:
        cc, pid = q.party.split("*", 1) if isinstance(q.party, str) else q.party
        params.update(cc=cc.strip().upper(), pid=pid.strip().upper())
        location.append("l.country_code = :cc AND l.party_id = :pid")
    return Plan(facets, location, params)


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
    return f"""(f.pk NOT IN ({exception.format(0)}) AND (f.hours_id IS NULL
        OR f.hours_id IN (SELECT p.hours_id FROM json_each(:zones) z
            JOIN opening_hours h ON h.time_zone = z.key
            JOIN opening_hours_periods p ON p.hours_id = h.id
            WHERE p.begin_minute <= z.value AND p.end_minute > z.value)
        OR f.pk IN ({exception.format(1)})))"""


# -- SQL shared by the search paths ---------------------------------------------------------
def where(conds: list[str]) -> str:
    return f"WHERE {' AND '.join(conds)}" if conds else ""


def count_matches(
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
    sql = f"SELECT count(*) FROM {source} {where(conds)}"  # no WHERE: SQLite counts pages
    if cap is not None and conds:  # (without conditions the exact count is the cheap one)
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {source} {where(conds)} LIMIT {int(cap)})"
    return int(conn.execute(sql, params).fetchone()[0])
