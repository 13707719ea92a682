"""Station finder, detail and favourites: a thin facade over the store for the driver screens.

Every database call is ``await db.run(fn, ...)`` (one transaction on the database thread).
Rows come back ready to show: the one-glance price is the tariff engine's own summary, so what
the table says and what the detail page and the estimate say come from the same numbers.
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from ..ocpi.enums import TariffType
from ..ocpi.models import Location, Tariff
from ..store import Database
from ..store import favourites as fav_store
from ..store.locations import get_location
from ..store.search import SearchPage, SearchQuery, StationHit, count_label, haversine_km, search
from ..store.search_query import price_kind
from ..store.tariffs import tariffs_for_location
from ..tariff import energy_price_per_kwh, summarize_tariff

log = logging.getLogger(__name__)
Key = tuple[str, str, str]

# Short names drivers know; anything else is shown as the OCPI name.
CONNECTOR_LABELS = {
    "IEC_62196_T2": "Type 2", "IEC_62196_T2_COMBO": "CCS", "CHADEMO": "CHAdeMO",
    "IEC_62196_T1": "Type 1", "IEC_62196_T1_COMBO": "CCS1", "IEC_62196_T3A": "Type 3A",
    "IEC_62196_T3C": "Type 3C", "DOMESTIC_F": "Schuko", "DOMESTIC_E": "Type E",
    "TESLA_S": "Tesla", "TESLA_R": "Tesla R", "GBT_AC": "GB/T AC", "GBT_DC": "GB/T DC",
    "CHAOJI": "ChaoJi", "PANTOGRAPH_BOTTOM_UP": "Pantograph", "PANTOGRAPH_TOP_DOWN": "Pantograph",
    "IEC_60309_2_single_16": "CEE blue", "IEC_60309_2_three_16": "CEE red 16A",
    "IEC_60309_2_three_32": "CEE red 32A", "IEC_60309_2_three_64": "CEE red 64A",
}  # fmt: skip

# The connector toggles of the filter bar: one key, one plug family.
CONNECTOR_GROUPS: dict[str, tuple[str, ...]] = {
    "Type 2": ("IEC_62196_T2",),
    "CCS": ("IEC_62196_T2_COMBO", "IEC_62196_T1_COMBO"),
    "CHAdeMO": ("CHADEMO",),
}


def connector_label(standard: str) -> str:
    return CONNECTOR_LABELS.get(str(standard), str(standard))


def format_kw(kw: float) -> str:
    return f"{kw:.0f} kW" if kw == int(kw) else f"{kw:.1f} kW"


def format_distance(km: float | None) -> str:
    if km is None:
        return ""
    if km < 1:
        return f"{round(km * 1000 / 10) * 10:.0f} m"
    return f"{km:.1f} km" if km < 10 else f"{km:.0f} km"


class StationKey(NamedTuple):
    country_code: str
    party_id: str
    location_id: str

    @classmethod
    def of(cls, hit: StationHit) -> StationKey:
        return cls(hit.country_code, hit.party_id, hit.id)


@dataclass(frozen=True, slots=True)
class StationRow:
    """A search hit with what the results table shows beside the store's counts."""

    hit: StationHit
    price: str  # the engine's one-glance summary, "" when no tariff is known
    fastest: str  # "150 kW CCS"
    unknown: int  # EVSEs whose status is UNKNOWN (not counted as available)
    favourite: bool

    @property
    def key(self) -> StationKey:
        return StationKey.of(self.hit)


@dataclass(frozen=True, slots=True)
class StationPage:
    rows: list[StationRow]
    total: int  # nearest first: the matches within radius_km (the circle grows as you page)
    offset: int
    currency: str | None  # the one currency of every priced row, else None
    radius_km: float | None = None
    limit: int = 0
    total_capped: bool = False  # total is a floor (see SearchPage.total_capped)

    @property
    def has_more(self) -> bool:
        """Another page may follow: nearest first, a full page always may (further away)."""
        if self.radius_km is not None:
            return len(self.rows) >= self.limit > 0
        return self.total_capped or self.offset + len(self.rows) < self.total

    @property
    def total_label(self) -> str:
        return count_label(self.total, self.total_capped)


@dataclass(frozen=True)
class Filters:
    """What the driver narrowed the search to (everything SearchQuery can test)."""

    connectors: frozenset[str] = frozenset()  # group names of CONNECTOR_GROUPS
    min_kw: float | None = None
    power_type: str | None = None  # "AC" or "DC"
    available_only: bool = False
    open_now: bool = False
    operator: str | None = None
    max_price: float | None = None  # per kWh incl. VAT
    facilities: frozenset[str] = frozenset()

    @property
    def active(self) -> bool:
        return self != Filters()

    def chips(self) -> list[str]:
        chips = [g for g in CONNECTOR_GROUPS if g in self.connectors]
        if self.min_kw:
            chips.append(f"≥ {format_kw(self.min_kw)}")
        if self.power_type:
            chips.append(f"{self.power_type} only")
        if self.available_only:
            chips.append("available now")
        if self.open_now:
            chips.append("open now")
        if self.max_price is not None:
            chips.append(f"≤ {self.max_price:.2f}/kWh")
        if self.operator:
            chips.append(self.operator)
        chips += [f.replace("_", " ").lower() for f in sorted(self.facilities)]
        return chips

    def query(
        self, text: str, *, near: tuple[float, float] | None, now: datetime, limit: int = 50,
        offset: int = 0,
    ) -> SearchQuery:  # fmt: skip
        standards = [s for g in sorted(self.connectors) for s in CONNECTOR_GROUPS[g]]
        return SearchQuery(
            text=text.strip(), near=near, connectors=standards, min_kw=self.min_kw,
            power_type=self.power_type, available_only=self.available_only,
            open_now=self.open_now, now=now, operator=self.operator,
            facilities=sorted(self.facilities), max_price=self.max_price,
            offset=offset, limit=limit,
        )  # fmt: skip

    def toggled(self, **changes: object) -> Filters:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class StationDetail:
    key: StationKey
    location: Location
    tariffs: dict[str, Tariff] = field(default_factory=dict)  # id (upper case) -> Tariff
    favourite: bool = False
    distance_km: float | None = None


@dataclass(frozen=True, slots=True)
class FavouriteRow:
    key: StationKey
    added_at: datetime
    row: StationRow | None  # None: no longer listed


# -- database-thread functions -----------------------------------------------------------------
@functools.lru_cache(maxsize=1024)
def _summary(data: str) -> tuple[str, bool]:
    """(summary, ad hoc) of a tariff's JSON; cached, tariffs are shared by many stations."""
    tariff = Tariff.model_validate_json(data)
    return summarize_tariff(tariff), tariff.type == TariffType.AD_HOC_PAYMENT


# The plug a driver means by "fastest": DC plugs first (a station's fastest charger is DC
# whenever it has one), then in order of how common they are in Europe.
_PLUG_ORDER = (
    "IEC_62196_T2_COMBO", "CHADEMO", "IEC_62196_T1_COMBO", "GBT_DC", "CHAOJI", "TESLA_S",
    "IEC_62196_T2", "IEC_62196_T1", "GBT_AC", "DOMESTIC_F",
)  # fmt: skip
_DC_PLUGS = {"IEC_62196_T2_COMBO", "CHADEMO", "IEC_62196_T1_COMBO", "GBT_DC", "CHAOJI"}


def fastest_label(hit: StationHit) -> str:
    """``150 kW CCS``: the station's top power and the plug that most likely gives it."""
    if not hit.max_kw:
        return ""
    plugs = [p for p in _PLUG_ORDER if p in hit.connectors] or list(hit.connectors)
    if "DC" not in hit.power_types:
        plugs = [p for p in plugs if p not in _DC_PLUGS] or plugs
    return (
        f"{format_kw(hit.max_kw)} {connector_label(plugs[0])}" if plugs else format_kw(hit.max_kw)
    )


def _unknown_counts(conn: sqlite3.Connection, hits: Sequence[StationHit]) -> dict[Key, int]:
    """EVSEs with status UNKNOWN per station (never counted as available)."""
    try:
        rows = conn.execute(
            """SELECT l.country_code, l.party_id, l.id, l.evses_unknown
               FROM json_each(?) j JOIN locations l
                 ON l.country_code = json_extract(j.value, '$[0]')
                AND l.party_id = json_extract(j.value, '$[1]')
                AND l.id = json_extract(j.value, '$[2]')
               WHERE l.evses_unknown > 0""",
            (json.dumps([[h.country_code, h.party_id, h.id] for h in hits]),),
        ).fetchall()
    except sqlite3.OperationalError:  # the store's derived tables changed shape
        log.warning("cannot count UNKNOWN EVSEs", exc_info=True)
        return {}
    return {(r[0], r[1], r[2]): r[3] for r in rows}


def _rank_price(tariff: Tariff) -> Decimal:
    """The engine's per-kWh figure the list ranks a station's tariffs by (unknown: last)."""
    price = energy_price_per_kwh(tariff)
    return Decimal("Infinity") if price is None else price


def _rows(
    conn: sqlite3.Connection, hits: Sequence[StationHit], power_kind: str | None = None
) -> list[StationRow]:
    """Rows ready to show; with ``power_kind`` ('ac', 'dc') the price is that class's."""
    if not hits:
        return []
    unknown = _unknown_counts(conn, hits)
    favourites = fav_store.favourite_keys(conn)
    rows = []
    for hit in hits:
        key = (hit.country_code, hit.party_id, hit.id)
        offers = set()
        for tariff in tariffs_for_location(conn, *key, power_kind):
            summary, ad_hoc = _summary(tariff.model_dump_json(exclude_none=True))
            if not ad_hoc:  # card payment at the charger is not what our drivers pay
                offers.add((_rank_price(tariff), summary))
        ranked = sorted(offers)
        price = ranked[0][1] if ranked else ""
        if len({s for _, s in ranked}) > 1:
            price += " …"  # other tariffs too (e.g. AC and DC): the detail page has them all
        rows.append(
            StationRow(hit, price, fastest_label(hit), unknown.get(key, 0), key in favourites)
        )
    return rows


def price_labels(
    conn: sqlite3.Connection, hits: Sequence[StationHit], power_kind: str | None = None
) -> list[str]:
    """The list's one-glance price of each hit, in the app's words (the CLI's fallback)."""
    return [row.price for row in _rows(conn, hits, power_kind)]


def _search(conn: sqlite3.Connection, query: SearchQuery) -> StationPage:
    page: SearchPage = search(conn, query)
    rows = _rows(conn, page.hits, price_kind(query))
    currencies = {r.hit.currency for r in rows if r.hit.currency}
    currency = currencies.pop() if len(currencies) == 1 else None
    radius = getattr(page, "radius_km", None)
    return StationPage(
        rows, page.total, page.offset, currency, radius, page.limit, page.total_capped
    )


def _detail(
    conn: sqlite3.Connection, key: StationKey, near: tuple[float, float] | None
) -> StationDetail | None:
    location = get_location(conn, *key)
    if location is None:
        return None
    tariffs = {t.id.upper(): t for t in tariffs_for_location(conn, *key)}
    distance = None
    if near is not None:
        coords = location.coordinates
        distance = haversine_km(float(coords.latitude), float(coords.longitude), *near)
    return StationDetail(key, location, tariffs, fav_store.is_favourite(conn, *key), distance)


def _favourites(conn: sqlite3.Connection, near: tuple[float, float] | None) -> list[FavouriteRow]:
    favourites = fav_store.list_favourites(conn, near)
    listed = [f.station for f in favourites if f.station is not None]
    rows = {r.key: r for r in _rows(conn, listed)}
    return [
        FavouriteRow(StationKey(*f.key), f.added_at, rows.get(StationKey(*f.key)))
        for f in favourites
    ]


def _operators(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT operator_name FROM locations WHERE visible = 1"
        " AND operator_name IS NOT NULL ORDER BY operator_name COLLATE NOCASE"
    )
    return [r[0] for r in rows]


class StationService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def search(self, query: SearchQuery) -> StationPage:
        return await self.db.run(_search, query)

    async def detail(
        self, key: StationKey, near: tuple[float, float] | None = None
    ) -> StationDetail | None:
        return await self.db.run(_detail, key, near)

    async def toggle_favourite(self, key: StationKey, now: datetime) -> bool:
        """Star or unstar; returns whether it is a favourite now."""
        return await self.db.run(fav_store.toggle_favourite, *key, now)

    async def favourites(self, near: tuple[float, float] | None = None) -> list[FavouriteRow]:
        return await self.db.run(_favourites, near)

    async def operators(self) -> list[str]:
        return await self.db.run(_operators)
