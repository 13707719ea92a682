"""What search needs from a Location or a Tariff, derived once when it is written.

Filters then test plain columns (bit sets, maxima, counts) instead of parsing JSON per row.
Everything here is pure: no SQL, no clock.
"""

from __future__ import annotations

import math
import unicodedata
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..ocpi.enums import Status
from ..ocpi.models import Hours, Location

# Bit positions are stored in the database: append only, never reorder.
CONNECTOR_STANDARDS: tuple[str, ...] = (
    "CHADEMO", "CHAOJI", "DOMESTIC_A", "DOMESTIC_B", "DOMESTIC_C", "DOMESTIC_D", "DOMESTIC_E",
    "DOMESTIC_F", "DOMESTIC_G", "DOMESTIC_H", "DOMESTIC_I", "DOMESTIC_J", "DOMESTIC_K",
    "DOMESTIC_L", "DOMESTIC_M", "DOMESTIC_N", "DOMESTIC_O", "GBT_AC", "GBT_DC",
    "IEC_60309_2_single_16", "IEC_60309_2_three_16", "IEC_60309_2_three_32",
    "IEC_60309_2_three_64", "IEC_62196_T1", "IEC_62196_T1_COMBO", "IEC_62196_T2",
    "IEC_62196_T2_COMBO", "IEC_62196_T3A", "IEC_62196_T3C", "NEMA_5_20", "NEMA_6_30",
    "NEMA_6_50", "NEMA_10_30", "NEMA_10_50", "NEMA_14_30", "NEMA_14_50",
    "PANTOGRAPH_BOTTOM_UP", "PANTOGRAPH_TOP_DOWN", "TESLA_R", "TESLA_S",
)  # fmt: skip
FACILITIES: tuple[str, ...] = (
    "HOTEL", "RESTAURANT", "CAFE", "MALL", "SUPERMARKET", "SPORT", "RECREATION_AREA", "NATURE",
    "MUSEUM", "BIKE_SHARING", "BUS_STOP", "TAXI_STAND", "TRAM_STOP", "METRO_STATION",
    "TRAIN_STATION", "AIRPORT", "PARKING_LOT", "CARPOOL_PARKING", "FUEL_STATION", "WIFI",
)  # fmt: skip
STANDARD_BIT = {name: 1 << i for i, name in enumerate(CONNECTOR_STANDARDS)}
FACILITY_BIT = {name: 1 << i for i, name in enumerate(FACILITIES)}
WEEK_MINUTES = 7 * 24 * 60


def bits(names: object, table: dict[str, int]) -> int:
    mask = 0
    for name in names or ():  # type: ignore[attr-defined]
        mask |= table.get(str(name), 0)
    return mask


def names_of(mask: int, order: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for i, name in enumerate(order) if mask >> i & 1)


def epoch_ms(value: datetime) -> int:
    """An instant as integer milliseconds: compact, and it sorts (``last_updated`` columns)."""
    return round(value.timestamp() * 1000)


def fold(text: str) -> str:
    """Case- and accent-free form for sorting: 'Ålesund' sorts with 'alesund'."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# -- opening times --------------------------------------------------------------------------
def _minute(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def weekly_periods(hours: Hours | None) -> str | None:
    """Regular hours as canonical '[begin, end)' minutes of the local week; None = 24/7.

    A period whose end is not after its begin runs past midnight (``22:00``-``06:00``,
    ``08:00``-``00:00``); equal bounds are the whole day. Sunday night wraps to Monday.
    """
    if hours is None or hours.twentyfourseven:
        return None
    spans: list[tuple[int, int]] = []
    for regular in hours.regular_hours or []:
        day = (regular.weekday - 1) * 1440
        begin, end = _minute(regular.period_begin), _minute(regular.period_end)
        if end <= begin:
            end += 1440
        begin, end = day + begin, day + end
        if end > WEEK_MINUTES:
            spans += [(begin, WEEK_MINUTES), (0, end - WEEK_MINUTES)]
        else:
            spans.append((begin, end))
    merged: list[list[int]] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    return ",".join(f"{b}-{e}" for b, e in merged)


def parse_periods(text: str) -> list[tuple[int, int]]:
    return [(int(b), int(e)) for b, e in (p.split("-") for p in text.split(",") if p)]


def exceptions(hours: Hours | None) -> list[tuple[int, int, int]]:
    """(opening 1/0, begin epoch s, end epoch s) of the exceptional openings and closings."""
    if hours is None:
        return []
    found = [
        (1, int(p.period_begin.timestamp()), int(p.period_end.timestamp()))
        for p in hours.exceptional_openings or []
    ]
    found += [
        (0, int(p.period_begin.timestamp()), int(p.period_end.timestamp()))
        for p in hours.exceptional_closings or []
    ]
    return found


def unit_vector(latitude: float, longitude: float) -> tuple[int, int, int]:
    """The point on the unit sphere, in 1e-9 (fits rtree_i32; about 6 mm on the Earth)."""
    phi, lam = math.radians(latitude), math.radians(longitude)
    cos_phi = math.cos(phi)
    return (
        round(cos_phi * math.cos(lam) * 1e9),
        round(cos_phi * math.sin(lam) * 1e9),
        round(math.sin(phi) * 1e9),
    )


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # a malformed time_zone: UTC is the least surprising guess


def minute_of_week(now: datetime, time_zone: str) -> int:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(zone(time_zone))
    return local.weekday() * 1440 + local.hour * 60 + local.minute


# -- a location's rows ------------------------------------------------------------------------
class Derived(NamedTuple):
    """What the store needs of one Location, derived without the database: no pk, no shared
    opening-hours id, no tariff price yet (the writer fills those in).

    Plain values only, so a worker process can derive a page and hand it over cheaply
    (services/location_pages.py); the same function serves pushes in process.
    """

    key: tuple[str, str, str]  # (country_code, party_id, id), upper case
    last_updated: int  # epoch ms
    document: str  # the Location as JSON (as received, or serialised)
    head: tuple[object, ...]  # locations columns from `publish` on
    visible: bool
    facets: tuple[object, ...] | None  # location_facets columns after partner_id, up to facilities
    periods: str | None  # weekly_periods(opening_times); None = 24/7
    time_zone: str
    # The connectors' tariffs (owner's ids, upper case), and each again with the power class
    # of a connector not REMOVED that it prices ('T2', 'DC:T2'): prices per class.
    tariff_ids: tuple[str, ...]
    plugs: list[tuple[str, str, int, float]]  # location_connectors columns after location_pk
    exceptions: list[tuple[int, int, int]]  # location_hours_exceptions after location_pk
    text: tuple[str | None, ...]  # location_fts columns
    text_crc: int
    latitude: float
    longitude: float
    xyz: tuple[int, int, int]  # unit_vector(latitude, longitude)


@dataclass(slots=True)
class Rows:
    """The rows a batch of Locations turns into, one list per table, ready for executemany."""

    locations: list[tuple[object, ...]] = field(default_factory=list)
    facets: list[tuple[object, ...]] = field(default_factory=list)
    documents: list[tuple[int, str]] = field(default_factory=list)
    plugs: list[tuple[object, ...]] = field(default_factory=list)
    exceptions: list[tuple[int, int, int, int]] = field(default_factory=list)
    fts: list[tuple[object, ...]] = field(default_factory=list)
    geo: list[tuple[int, int, int, int, int, int, int]] = field(default_factory=list)


_PHASES = {"AC_3_PHASE": 3, "AC_2_PHASE": 2}
# plain str: fast compares
_REMOVED, _AVAILABLE, _UNKNOWN = str(Status.REMOVED), str(Status.AVAILABLE), str(Status.UNKNOWN)
HoursIds = Callable[[str, str], int]
Prices = Mapping[tuple[str, str, str], tuple[float, str]]


def location_key(loc: Location) -> tuple[str, str, str]:
    return (loc.country_code.upper(), loc.party_id.upper(), loc.id.upper())


def derive_location(loc: Location, document: str) -> Derived:
    """Everything the store derives from ``loc`` (see :class:`Derived`); ``document`` is its
    JSON as kept. Written for speed: it runs for every one of a full sync's Locations."""
    plugs: dict[tuple[str, str, int], float] = {}  # (standard, power type, available): max W
    tariff_ids: set[str] = set()
    total = available = unknown = 0
    # Fastest connector in watts: [AC, AC on an AVAILABLE EVSE, DC, DC available]; -1 = none
    watts = [-1, -1, -1, -1]
    standards = standards_avail = 0
    evse_ids: list[str] = []
    standard_bit, phases = STANDARD_BIT, _PHASES
    for evse in loc.evses or ():
        status = evse.status
        usable, is_available = status != _REMOVED, status == _AVAILABLE
        for conn in evse.connectors:
            # As Connector.max_power_kw (in W), without its enum lookups: this runs a million times.
            w = conn.max_electric_power or conn.max_voltage * conn.max_amperage * phases.get(
                conn.power_type, 1
            )
            standard, power_type = conn.standard, conn.power_type
            if conn.tariff_ids:
                for tariff_id in conn.tariff_ids:
                    tariff_ids.add(tariff_id.upper())
                    if usable:  # which power class the tariff prices ('DC:T2')
                        tariff_ids.add(("DC:" if power_type == "DC" else "AC:") + tariff_id.upper())
            if usable:
                plug = (standard, power_type, int(is_available))
                if w > plugs.get(plug, -1):
                    plugs[plug] = w
                bit = standard_bit.get(standard, 0)
                standards |= bit
                k = 2 if power_type == "DC" else 0
                if w > watts[k]:
                    watts[k] = w
                if is_available:
                    standards_avail |= bit
                    if w > watts[k + 1]:
                        watts[k + 1] = w
        if usable:
            total += 1
            if evse.evse_id:
                evse_ids.append(evse.evse_id.upper())
            if is_available:
                available += 1
            elif status == _UNKNOWN:
                unknown += 1
    visible = bool(loc.publish and total)
    operator = loc.operator.name if loc.operator else None
    latitude, longitude = float(loc.coordinates.latitude), float(loc.coordinates.longitude)
    tariffs = f" {' '.join(sorted(tariff_ids))} " if tariff_ids else None
    text = (loc.name, loc.address, loc.city, loc.postal_code, operator, " ".join(evse_ids))
    text_crc = zlib.crc32(
        f"{loc.name}\x1f{loc.address}\x1f{loc.city}\x1f{loc.postal_code}\x1f{operator}\x1f{text[5]}".encode()
    )
    hours = loc.opening_times
    head = (
        int(loc.publish), int(visible), loc.name, loc.address, loc.city, loc.postal_code,
        loc.country, operator, latitude, longitude, loc.time_zone, fold(loc.name or loc.address),
        total, tariffs, text_crc, unknown,
    )  # fmt: skip
    facets = periods = None
    if visible:
        periods = weekly_periods(hours) if hours is not None else None
        ac, ac_avail, dc, dc_avail = watts
        facets = (
            available, max(ac, dc), max(ac_avail, dc_avail) if available else None,
            ac if ac >= 0 else None, ac_avail if ac_avail >= 0 else None,
            dc if dc >= 0 else None, dc_avail if dc_avail >= 0 else None,
            standards, standards_avail,
            bits(loc.facilities, FACILITY_BIT) if loc.facilities else 0,
        )  # fmt: skip
    return Derived(
        location_key(loc), epoch_ms(loc.last_updated), document, head, visible, facets, periods,
        loc.time_zone, tuple(tariff_ids), [(*k, w / 1000) for k, w in plugs.items()],
        exceptions(hours) if hours is not None else [], text, text_crc, latitude, longitude,
        unit_vector(latitude, longitude),
    )  # fmt: skip


def add_rows(
    out: Rows,
    pk: int,
    d: Derived,
    head: tuple[int, int],
    hours_id_of: HoursIds,
    prices: Prices,
) -> None:
    """Append the rows of one derived Location to ``out``: locations, facets, connector
    kinds, hours exceptions, JSON. ``head`` is (partner_id, crawl_id). The FTS and
    R*Tree rows are the caller's: it knows whether they changed."""
    out.locations.append((pk, *d.key, head[0], head[1], d.last_updated, *d.head))
    out.documents.append((pk, d.document))
    out.plugs.extend((pk, *p) for p in d.plugs)
    if d.exceptions:
        out.exceptions.extend((pk, *x) for x in d.exceptions)
    if d.facets is not None:
        hours_id = hours_id_of(d.time_zone, d.periods) if d.periods is not None else None
        price = currency = price_ac = price_dc = None
        if d.tariff_ids:
            cc, pid = d.key[0], d.key[1]
            offers = [prices[(cc, pid, t)] for t in d.tariff_ids if (cc, pid, t) in prices]
            if offers:
                price, currency = min(offers)
                price_ac = _cheapest(prices, cc, pid, d.tariff_ids, "AC:")
                price_dc = _cheapest(prices, cc, pid, d.tariff_ids, "DC:")
        out.facets.append(
            (pk, head[0], *d.facets, hours_id, price, currency, *d.xyz, price_ac, price_dc)
        )


def _cheapest(
    prices: Prices, cc: str, pid: str, tariff_ids: tuple[str, ...], power_class: str
) -> float | None:
    """The cheapest search price among the tariffs of one power class ('AC:' or 'DC:')."""
    found = [
        prices[(cc, pid, t[3:])][0]
        for t in tariff_ids
        if t.startswith(power_class) and (cc, pid, t[3:]) in prices
    ]
    return min(found) if found else None
