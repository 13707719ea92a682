"""The mock CPO's own price calculator for OCPI 2.2.1 tariffs (reference section 7.1).

Written apart from the eMSP's tariff engine (`emsp_tui.tariff`) on purpose: CDRs are
later audited against that engine, so the two must not share code. Never import from there.

How a session is priced (`price_periods`):
* Periods are OCPI ChargingPeriod dicts; a period is priced with this tariff only if its
  `tariff_id` is the tariff's id (no `tariff_id`: no tariff applies, free).
* Per period and dimension, the first element (list order) that has a component of that
  dimension and whose restrictions all match wins; no match: that dimension is free. Elements
  with a `reservation` restriction price reservations, never charging.
* Restrictions look at the period's start: local time (the location's `time_zone`), session age
  (since `session_start`, default the first period's start), kWh used in earlier periods, power
  (`MAX_POWER`, else `POWER`, else ENERGY/TIME, else 0) and current (`MAX_CURRENT`, else
  `CURRENT`, else 0). Min bounds are inclusive, max bounds exclusive; `end_time` before
  `start_time` wraps past midnight, `end_time` 00:00 is the end of the day.
* FLAT: once per session (the first period where a FLAT element matches).
* step_size, once per session: the billed ENERGY total (step unit 1 Wh), and the billed TIME +
  PARKING_TIME total together (unit 1 s), are rounded up to a multiple of the step of the last
  billed component; the extra is billed in that last period at its price (so with parking after
  charging only the final parking part grows).
* VAT per component (`excl x (1 + vat/100)`); no `vat` means no VAT. The total is clamped to
  `min_price`/`max_price`, excl. and incl. VAT separately (incl. only when the bound gives it).
  Money is exact `Decimal`; `Money.to_price()` rounds to 4 decimals for the wire.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DIMENSIONS = ("FLAT", "ENERGY", "TIME", "PARKING_TIME")
WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
# Step units per wire unit: ENERGY is billed in Wh steps of a kWh volume, times in s of hours.
_UNITS = {
    "FLAT": Decimal(1),
    "ENERGY": Decimal(1000),
    "TIME": Decimal(3600),
    "PARKING_TIME": Decimal(3600),
}
_ZERO = Decimal(0)
_WIRE = Decimal("0.0001")


def dec(value: Any) -> Decimal:
    """A JSON number as Decimal without binary noise (0.35 -> Decimal('0.35'))."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(float(value)))


def zone(name: str | None) -> tzinfo:
    """The IANA zone, UTC when absent or unknown."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_datetime(value: str | datetime) -> datetime:
    """An OCPI DateTime (string or datetime) as aware UTC; a missing offset means UTC."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@dataclass(frozen=True)
class Money:
    excl_vat: Decimal = _ZERO
    incl_vat: Decimal = _ZERO

    def __add__(self, other: Money) -> Money:
        return Money(self.excl_vat + other.excl_vat, self.incl_vat + other.incl_vat)

    @property
    def is_zero(self) -> bool:
        return self.excl_vat == 0 and self.incl_vat == 0

    def to_price(self) -> dict[str, float]:
        """OCPI Price, rounded to 4 decimals."""
        return {
            "excl_vat": float(self.excl_vat.quantize(_WIRE, ROUND_HALF_UP)),
            "incl_vat": float(self.incl_vat.quantize(_WIRE, ROUND_HALF_UP)),
        }


@dataclass(frozen=True)
class PeriodFacts:
    """What restrictions look at, at the start of a period."""

    local_start: datetime  # in the location's time zone
    age_seconds: float  # since the session started
    kwh_before: float  # energy of the earlier periods
    power_kw: float
    current_a: float  # summed over phases


def _hhmm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _within(value: float, low: Any, high: Any) -> bool:
    return (low is None or value >= float(low)) and (high is None or value < float(high))


def restrictions_match(restrictions: Mapping[str, Any] | None, facts: PeriodFacts) -> bool:
    """Whether a TariffElement's restrictions (all combined with AND) hold for `facts`."""
    if not restrictions:
        return True
    r = restrictions
    if r.get("reservation") is not None:
        return False
    local = facts.local_start
    if r.get("start_time") is not None or r.get("end_time") is not None:
        now = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        start = _hhmm(r["start_time"]) if r.get("start_time") else 0
        end = _hhmm(r["end_time"]) if r.get("end_time") else 86400
        end = end or 86400  # "00:00" as an end is the end of the day
        inside = start <= now < end if start < end else (now >= start or now < end)
        if not inside:
            return False
    days = r.get("day_of_week")
    if days and WEEKDAYS[local.weekday()] not in days:
        return False
    if r.get("start_date") and local.date() < date.fromisoformat(r["start_date"]):
        return False
    if r.get("end_date") and local.date() >= date.fromisoformat(r["end_date"]):
        return False
    return (
        _within(facts.kwh_before, r.get("min_kwh"), r.get("max_kwh"))
        and _within(facts.current_a, r.get("min_current"), r.get("max_current"))
        and _within(facts.power_kw, r.get("min_power"), r.get("max_power"))
        and _within(facts.age_seconds, r.get("min_duration"), r.get("max_duration"))
    )


def _component(element: Mapping[str, Any], dimension: str) -> Mapping[str, Any] | None:
    components: list[Mapping[str, Any]] = element.get("price_components") or []
    for component in components:
        if component.get("type") == dimension:
            return component
    return None


def active_elements(tariff: Mapping[str, Any], facts: PeriodFacts) -> dict[str, int | None]:
    """Per dimension, the index of the first element that prices it under `facts` (or None)."""
    found: dict[str, int | None] = dict.fromkeys(DIMENSIONS)
    for index, element in enumerate(tariff.get("elements") or []):
        open_dims = [d for d in DIMENSIONS if found[d] is None and _component(element, d)]
        if open_dims and restrictions_match(element.get("restrictions"), facts):
            for d in open_dims:
                found[d] = index
    return found


def select_tariff(tariffs: Sequence[Mapping[str, Any]], at: datetime) -> Mapping[str, Any] | None:
    """The tariff a session started at `at` runs on: the first valid REGULAR/untyped one, else
    the first valid one of another type except AD_HOC_PAYMENT; None when nothing fits."""

    def valid(t: Mapping[str, Any]) -> bool:
        starts, ends = t.get("start_date_time"), t.get("end_date_time")
        return (starts is None or parse_datetime(starts) <= at) and (
            ends is None or at < parse_datetime(ends)
        )

    usable = [t for t in tariffs if t.get("type") != "AD_HOC_PAYMENT" and valid(t)]
    regular = [t for t in usable if t.get("type") in (None, "REGULAR")]
    chosen = regular or usable
    return chosen[0] if chosen else None


def next_switch(
    tariff: Mapping[str, Any], time_zone: str | None, session_start: datetime, after: datetime
) -> datetime | None:
    """The first instant after `after` at which a time-based restriction of the tariff may
    switch (time of day, local midnight for dates/weekdays, session age), or None."""
    tz = zone(time_zone)
    today = after.astimezone(tz).date()
    candidates: list[datetime] = []
    midnight = False
    for element in tariff.get("elements") or []:
        r = element.get("restrictions") or {}
        if r.get("reservation") is not None:
            continue
        for key in ("start_time", "end_time"):
            if r.get(key):
                at = time.fromisoformat(r[key])
                candidates += [
                    datetime.combine(today + timedelta(days=n), at, tzinfo=tz) for n in (0, 1)
                ]
        if r.get("day_of_week") or r.get("start_date") or r.get("end_date"):
            midnight = True
        for key in ("min_duration", "max_duration"):
            if r.get(key) is not None:
                candidates.append(session_start + timedelta(seconds=float(r[key])))
    if midnight:
        candidates.append(datetime.combine(today + timedelta(days=1), time(0), tzinfo=tz))
    future = [c.astimezone(UTC) for c in candidates if c > after]
    return min(future, default=None)


@dataclass(frozen=True)
class Line:
    """One billed quantity."""

    period: int  # index in the periods priced
    dimension: str
    element: int  # index of the TariffElement
    quantity: Decimal  # kWh, hours or 1 (FLAT), after step rounding
    price: Decimal  # per unit, excl. VAT
    vat: Decimal | None
    cost: Money


@dataclass(frozen=True)
class Costs:
    total: Money  # after min_price / max_price
    by_dimension: Mapping[str, Money]  # every DIMENSIONS key, before the clamp
    lines: tuple[Line, ...]


@dataclass
class _Draft:
    period: int
    dimension: str
    element: int
    component: Mapping[str, Any]
    units: Decimal  # Wh, s or 1


def _facts(
    dims: Mapping[str, Decimal], local: datetime, age: float, kwh_before: Decimal
) -> PeriodFacts:
    power = dims.get("MAX_POWER", dims.get("POWER"))
    if power is None:
        hours = dims.get("TIME", _ZERO)
        power = dims.get("ENERGY", _ZERO) / hours if hours > 0 else _ZERO
    current = dims.get("MAX_CURRENT", dims.get("CURRENT", _ZERO))
    return PeriodFacts(local, age, float(kwh_before), float(power), float(current))


def _round_up_last(group: list[_Draft]) -> None:
    if not group:
        return
    last = group[-1]
    step = dec(last.component.get("step_size") or 0)
    if step <= 0:
        return
    total = sum((d.units for d in group), _ZERO)
    rounded = (total / step).to_integral_value(ROUND_CEILING) * step
    last.units += rounded - total


def price_periods(
    tariff: Mapping[str, Any],
    periods: Sequence[Mapping[str, Any]],
    time_zone: str | None,
    session_start: datetime | None = None,
) -> Costs:
    """The cost of the periods under `tariff` (see the module docstring for the rules)."""
    tz = zone(time_zone)
    tariff_id = str(tariff.get("id", "")).upper()
    elements = tariff.get("elements") or []
    start = session_start
    if start is None and periods:
        start = parse_datetime(periods[0]["start_date_time"])
    kwh_before = _ZERO
    flat_billed = False
    drafts: list[_Draft] = []
    for index, period in enumerate(periods):
        dims: dict[str, Decimal] = {}
        for dim in period.get("dimensions") or []:
            dims.setdefault(dim["type"], dec(dim["volume"]))
        begins = parse_datetime(period["start_date_time"])
        assert start is not None
        facts = _facts(dims, begins.astimezone(tz), (begins - start).total_seconds(), kwh_before)
        kwh_before += dims.get("ENERGY", _ZERO)
        if str(period.get("tariff_id") or "").upper() != tariff_id or not tariff_id:
            continue
        for dimension, element in active_elements(tariff, facts).items():
            if element is None:
                continue
            if dimension == "FLAT":
                if flat_billed:
                    continue
                flat_billed, units = True, Decimal(1)
            else:
                units = dims.get(dimension, _ZERO) * _UNITS[dimension]
                if units <= 0:
                    continue
            component = _component(elements[element], dimension)
            assert component is not None
            drafts.append(_Draft(index, dimension, element, component, units))
    _round_up_last([d for d in drafts if d.dimension == "ENERGY"])
    _round_up_last([d for d in drafts if d.dimension in ("TIME", "PARKING_TIME")])

    lines: list[Line] = []
    by_dimension = dict.fromkeys(DIMENSIONS, Money())
    for d in drafts:
        price = dec(d.component["price"])
        vat = None if d.component.get("vat") is None else dec(d.component["vat"])
        excl = d.units * price / _UNITS[d.dimension]  # multiply first: 1200 s x 6 / 3600 = 2
        incl = excl * (1 + vat / 100) if vat is not None else excl
        cost = Money(excl, incl)
        lines.append(
            Line(d.period, d.dimension, d.element, d.units / _UNITS[d.dimension], price, vat, cost)
        )
        by_dimension[d.dimension] += cost
    total = sum(by_dimension.values(), Money())
    return Costs(_clamp(total, tariff), by_dimension, tuple(lines))


def _clamp(total: Money, tariff: Mapping[str, Any]) -> Money:
    excl, incl = total.excl_vat, total.incl_vat
    low, high = tariff.get("min_price"), tariff.get("max_price")
    if low:
        excl = max(excl, dec(low["excl_vat"]))
        if low.get("incl_vat") is not None:
            incl = max(incl, dec(low["incl_vat"]))
    if high:
        excl = min(excl, dec(high["excl_vat"]))
        if high.get("incl_vat") is not None:
            incl = min(incl, dec(high["incl_vat"]))
    return Money(excl, incl)
