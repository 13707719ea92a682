"""Slices of a charge and the TariffRestrictions test applied to them.

A slice is the engine's unit of pricing: a stretch of the session in which nothing
tariff-relevant changes (an OCPI charging period, or a piece of a planned charge cut at every
point where a restriction could switch). Restrictions are judged at the slice's start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from ..ocpi.enums import DayOfWeek
from ..ocpi.models import TariffRestrictions
from .money import ZERO, dec

DAY_SECONDS = 24 * 3600
WEEKDAYS = tuple(DayOfWeek)  # MONDAY first, as datetime.weekday() counts


@dataclass(frozen=True)
class Slice:
    """A stretch of a session with constant tariff-relevant conditions.

    Quantities are what happened inside the slice; the ``*_before`` / ``age`` facts and the
    power and current are what restrictions look at. ``None`` power/current = not known.
    """

    start: datetime
    end: datetime
    energy_kwh: Decimal = ZERO
    charging_s: Decimal = ZERO
    parking_s: Decimal = ZERO
    reservation_s: Decimal = ZERO
    reservation: bool = False
    energy_before_kwh: Decimal = ZERO
    age_s: Decimal = ZERO
    power_min_kw: Decimal | None = None
    power_max_kw: Decimal | None = None
    current_min_a: Decimal | None = None
    current_max_a: Decimal | None = None
    priced: bool = True  # False: another tariff prices it (it still counts for kWh and age)
    period_index: int | None = None  # the ChargingPeriod it came from, for actual charges


def parse_hhmm(text: str) -> int:
    """``"07:30"`` -> seconds after midnight."""
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def in_time_window(start: str | None, end: str | None, second_of_day: float) -> bool:
    """``start`` inclusive, ``end`` exclusive; ``end < start`` wraps past midnight and an
    ``end`` of ``00:00`` is the end of the day. Equal bounds cover the whole day."""
    if start is None and end is None:
        return True
    lo = parse_hhmm(start) if start is not None else 0
    hi = parse_hhmm(end) if end is not None else DAY_SECONDS
    if hi == 0:
        hi = DAY_SECONDS
    if lo < hi:
        return lo <= second_of_day < hi
    if lo > hi:
        return second_of_day >= lo or second_of_day < hi
    return True


def _seconds_of_day(local: datetime) -> float:
    return local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6


def _at_least(value: Decimal | None, bound: float | None) -> bool | None:
    if bound is None:
        return True
    if value is None:
        return None
    return value >= dec(bound)


def _below(value: Decimal | None, bound: float | None) -> bool | None:
    if bound is None:
        return True
    if value is None:
        return None
    return value < dec(bound)


def restrictions_match(
    restrictions: TariffRestrictions | None, piece: Slice, local: datetime, notes: set[str]
) -> bool:
    """All restrictions (AND) hold at the start of ``piece``; ``local`` is its start in the
    Location's time zone. The ``reservation`` field is the caller's business (it picks which
    elements are candidates at all). A restriction on an unknown power or current is not met,
    and ``notes`` says so."""
    r = restrictions
    if r is None:
        return True
    if not in_time_window(r.start_time, r.end_time, _seconds_of_day(local)):
        return False
    today = local.date()
    if r.start_date is not None and today < date.fromisoformat(r.start_date):
        return False
    if r.end_date is not None and today >= date.fromisoformat(r.end_date):
        return False
    if r.day_of_week and WEEKDAYS[local.weekday()] not in r.day_of_week:
        return False
    if r.min_kwh is not None and piece.energy_before_kwh < dec(r.min_kwh):
        return False
    if r.max_kwh is not None and piece.energy_before_kwh >= dec(r.max_kwh):
        return False
    if r.min_duration is not None and piece.age_s < r.min_duration:
        return False
    if r.max_duration is not None and piece.age_s >= r.max_duration:
        return False
    checks = (
        ("power", _at_least(piece.power_min_kw, r.min_power)),
        ("power", _below(piece.power_max_kw, r.max_power)),
        ("current", _at_least(piece.current_min_a, r.min_current)),
        ("current", _below(piece.current_max_a, r.max_current)),
    )
    for what, ok in checks:
        if ok is None:
            notes.add(f"{what} unknown: elements restricted on {what} were treated as not matching")
            return False
        if not ok:
            return False
    return True


def local_boundaries(restrictions: list[TariffRestrictions]) -> list[time]:
    """Every local time of day at which some restriction can switch (plus midnight, where
    dates and weekdays change)."""
    seconds = {0}
    for r in restrictions:
        for text in (r.start_time, r.end_time):
            if text is not None:
                seconds.add(parse_hhmm(text) % DAY_SECONDS)
    return [time(s // 3600, s % 3600 // 60) for s in sorted(seconds)]
