"""The two kinds of charge the engine prices, both turned into slices.

* `ActualCharge`: OCPI charging periods (a Session so far, or a CDR) plus the end time.
  Each period is one slice, taken as the CPO reported it (OCPI obliges the CPO to start a new
  period whenever another element could apply).
* `PlannedCharge`: start, kWh, power/duration, idle time after charging, optional reservation.
  It is cut at every instant a restriction could switch (local times of day, midnights, DST
  changes, kWh and duration thresholds), which prices it exactly with the same core.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from itertools import pairwise

from ..ocpi.enums import CdrDimensionType
from ..ocpi.models import Cdr, ChargingPeriod, Session, Tariff, TariffRestrictions
from .money import SECONDS_PER_HOUR, ZERO, dec
from .restrictions import Slice, local_boundaries

ONE_US = timedelta(microseconds=1)
_MICROS = Decimal(1_000_000)
_ENERGY_QUANTUM = Decimal("1e-12")  # kWh


def _seconds(delta: timedelta) -> Decimal:
    return Decimal(delta // ONE_US) / _MICROS


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def _optional_dec(value: float | Decimal | None) -> Decimal | None:
    return None if value is None else dec(value)


@dataclass(frozen=True)
class PlannedCharge:
    """A charge that has not happened: what a driver is about to do.

    ``start`` is the plug-in time. Give ``energy_kwh`` plus ``power_kw`` or ``duration`` (or
    all three: then the energy is spread evenly over ``duration`` while power restrictions see
    ``power_kw``). ``parking`` is the idle time after charging; ``reservation`` the time from
    making a reservation until ``start``. With ``reservation_expired`` only the reservation is
    priced (the driver never came). ``current_a`` (summed over phases) is only needed for
    tariffs with current restrictions.
    """

    start: datetime
    energy_kwh: float | Decimal = 0
    power_kw: float | Decimal | None = None
    duration: timedelta | None = None
    parking: timedelta = timedelta(0)
    current_a: float | Decimal | None = None
    reservation: timedelta = timedelta(0)
    reservation_expired: bool = False

    def __post_init__(self) -> None:
        _aware(self.start, "start")
        if dec(self.energy_kwh) < 0:
            raise ValueError("energy_kwh must not be negative")
        if self.power_kw is not None and dec(self.power_kw) <= 0:
            raise ValueError("power_kw must be positive")
        for name in ("duration", "parking", "reservation"):
            value = getattr(self, name)
            if value is not None and value < timedelta(0):
                raise ValueError(f"{name} must not be negative")
        if dec(self.energy_kwh) > 0 and self.power_kw is None and self.duration is None:
            raise ValueError("give power_kw or duration with energy_kwh")
        if dec(self.energy_kwh) > 0 and self.charging_duration <= timedelta(0):
            raise ValueError("energy_kwh needs a charging duration above zero")

    @property
    def charging_duration(self) -> timedelta:
        if self.duration is not None:
            return self.duration
        if self.power_kw is None:
            return timedelta(0)
        hours = dec(self.energy_kwh) / dec(self.power_kw)
        return timedelta(microseconds=int((hours * SECONDS_PER_HOUR * _MICROS).to_integral_value()))

    @property
    def charging_power_kw(self) -> Decimal:
        """The power restrictions see while charging."""
        if self.power_kw is not None:
            return dec(self.power_kw)
        hours = _seconds(self.charging_duration) / SECONDS_PER_HOUR
        return dec(self.energy_kwh) / hours if hours else ZERO

    def to_slices(self, tariff: Tariff, tz: tzinfo) -> tuple[list[Slice], bool, set[str]]:
        restrictions = [e.restrictions for e in tariff.elements if e.restrictions is not None]
        start = _aware(self.start, "start")
        slices: list[Slice] = []
        if self.reservation > timedelta(0):
            slices += _reservation_slices(start - self.reservation, start, restrictions, tz)
        if self.reservation_expired:
            return slices, True, set()
        charge_end = start + self.charging_duration
        slices += self._charging_slices(start, charge_end, restrictions, tz)
        park_end = charge_end + self.parking
        for a, b in _cuts(charge_end, park_end, start, restrictions, tz, {}):
            slices.append(
                Slice(
                    start=a,
                    end=b,
                    parking_s=_seconds(b - a),
                    energy_before_kwh=dec(self.energy_kwh),
                    age_s=_seconds(a - start),
                    power_min_kw=ZERO,
                    power_max_kw=ZERO,
                    current_min_a=ZERO,
                    current_max_a=ZERO,
                )
            )
        if not any(not s.reservation for s in slices):
            # Nothing happens at all: one empty slice still carries FLAT and min_price.
            slices.append(Slice(start=start, end=start, power_min_kw=ZERO, power_max_kw=ZERO))
        return slices, False, set()

    def _charging_slices(
        self, start: datetime, end: datetime, restrictions: list[TariffRestrictions], tz: tzinfo
    ) -> list[Slice]:
        total = dec(self.energy_kwh)
        span_us = (end - start) // ONE_US
        # Cut exactly where energy so far crosses a kWh threshold (rounded up to the next
        # microsecond, with the energy there pinned to the threshold itself).
        pinned: dict[datetime, Decimal] = {}
        for r in restrictions:
            for bound in (r.min_kwh, r.max_kwh):
                if bound is not None and 0 < dec(bound) < total:
                    at_us = math.ceil(dec(bound) / total * span_us)
                    pinned[start + timedelta(microseconds=at_us)] = dec(bound)

        def energy_at(moment: datetime) -> Decimal:
            if moment >= end:
                return total
            # Fixed exponent, so the slices' energies add up to the total exactly.
            share = total * Decimal((moment - start) // ONE_US) / span_us
            return pinned.get(moment, share.quantize(_ENERGY_QUANTUM))

        power = self.charging_power_kw
        current = _optional_dec(self.current_a)
        out = []
        for a, b in _cuts(start, end, start, restrictions, tz, pinned):
            before = energy_at(a)
            out.append(
                Slice(
                    start=a,
                    end=b,
                    energy_kwh=energy_at(b) - before,
                    charging_s=_seconds(b - a),
                    energy_before_kwh=before,
                    age_s=_seconds(a - start),
                    power_min_kw=power,
                    power_max_kw=power,
                    current_min_a=current,
                    current_max_a=current,
                )
            )
        return out


def _reservation_slices(
    start: datetime, end: datetime, restrictions: list[TariffRestrictions], tz: tzinfo
) -> list[Slice]:
    return [
        Slice(
            start=a,
            end=b,
            reservation_s=_seconds(b - a),
            reservation=True,
            age_s=_seconds(a - start),
            power_min_kw=ZERO,
            power_max_kw=ZERO,
            current_min_a=ZERO,
            current_max_a=ZERO,
        )
        for a, b in _cuts(start, end, start, restrictions, tz, {})
    ]


def _cuts(
    start: datetime,
    end: datetime,
    anchor: datetime,
    restrictions: list[TariffRestrictions],
    tz: tzinfo,
    extra: dict[datetime, Decimal],
) -> list[tuple[datetime, datetime]]:
    """[start, end) cut at every instant a restriction can switch; [] when empty."""
    if end <= start:
        return []
    points = {start, end, *(t for t in extra if start < t < end)}
    # Local times of day (both readings of an ambiguous one) on every local day touched.
    first = start.astimezone(tz).date() - timedelta(days=1)
    days = (end.astimezone(tz).date() - first).days + 2
    clocks = local_boundaries(restrictions)
    for n in range(days):
        day = first + timedelta(days=n)
        for clock in clocks:
            for fold in (0, 1):
                moment = datetime.combine(day, clock.replace(fold=fold), tzinfo=tz).astimezone(UTC)
                if start < moment < end:
                    points.add(moment)
    for r in restrictions:
        for seconds in (r.min_duration, r.max_duration):
            if seconds is not None:
                moment = anchor + timedelta(seconds=seconds)
                if start < moment < end:
                    points.add(moment)
    ordered = sorted(points)
    # A UTC offset change (DST) inside a piece moves the local clock without passing any
    # boundary above (e.g. a 02:30 start in the spring gap): cut at the change too.
    pieces: list[tuple[datetime, datetime]] = []
    todo = list(pairwise(ordered))
    while todo:
        a, b = todo.pop(0)
        change = _offset_change(a, b, tz)
        if change is None:
            pieces.append((a, b))
        else:
            todo[:0] = [(a, change), (change, b)]
    return pieces


def _offset_change(a: datetime, b: datetime, tz: tzinfo) -> datetime | None:
    last = b - ONE_US
    if last <= a or a.astimezone(tz).utcoffset() == last.astimezone(tz).utcoffset():
        return None
    lo, hi, offset = a, last, a.astimezone(tz).utcoffset()
    while hi - lo > ONE_US:
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == offset:
            lo = mid
        else:
            hi = mid
    return hi


@dataclass(frozen=True)
class ActualCharge:
    """Charging periods as the CPO reported them (Session or CDR), ending at ``end``.

    ``start`` anchors min/max_duration (default: the first non-reservation period).
    Periods with a RESERVATION_TIME dimension are reservation periods; ``reservation_expired``
    defaults to "there was a reservation and nothing else".
    """

    periods: Sequence[ChargingPeriod]
    end: datetime
    start: datetime | None = None
    reservation_expired: bool | None = None

    @classmethod
    def from_cdr(cls, cdr: Cdr) -> ActualCharge:
        reserved = any(cls._is_reservation(p) for p in cdr.charging_periods)
        # A reservation CDR starts at the reservation; session age then starts at plug-in.
        start = None if reserved else cdr.start_date_time
        return cls(periods=cdr.charging_periods, end=cdr.end_date_time, start=start)

    @classmethod
    def from_session(cls, session: Session, now: datetime) -> ActualCharge:
        """A session so far: priced up to its end, or up to ``now`` while it runs."""
        return cls(
            periods=session.charging_periods or [],
            end=session.end_date_time or now,
            start=session.start_date_time,
        )

    def to_slices(self, tariff: Tariff, tz: tzinfo) -> tuple[list[Slice], bool, set[str]]:
        notes: set[str] = set()
        periods = sorted(self.periods, key=lambda p: p.start_date_time)
        end = _aware(self.end, "end")
        if not periods:
            # No period reported yet: nothing measured, but the session (and its FLAT) exists.
            at = _aware(self.start, "start") if self.start else end
            return [Slice(start=at, end=end, power_min_kw=ZERO, power_max_kw=ZERO)], False, notes
        reserved = [self._is_reservation(p) for p in periods]
        charging_starts = [
            p.start_date_time for p, r in zip(periods, reserved, strict=True) if not r
        ]
        anchor = _aware(self.start, "start") if self.start else None
        anchor = anchor or (charging_starts[0] if charging_starts else None)
        reservation_anchor = next(
            (p.start_date_time for p, r in zip(periods, reserved, strict=True) if r), None
        )
        slices: list[Slice] = []
        energy_so_far = ZERO
        for index, period in enumerate(periods):
            a = period.start_date_time
            b = periods[index + 1].start_date_time if index + 1 < len(periods) else max(end, a)
            priced = period.tariff_id is None or period.tariff_id.upper() == tariff.id.upper()
            if not priced:
                notes.add(f"period {index} belongs to tariff {period.tariff_id}: not priced here")
            if reserved[index]:
                hours = dec(period.volume(CdrDimensionType.RESERVATION_TIME) or 0)
                slices.append(
                    Slice(
                        start=a,
                        end=b,
                        reservation=True,
                        reservation_s=hours * SECONDS_PER_HOUR,
                        age_s=_seconds(a - (reservation_anchor or a)),
                        priced=priced,
                        power_min_kw=ZERO,
                        power_max_kw=ZERO,
                        current_min_a=ZERO,
                        current_max_a=ZERO,
                        period_index=index,
                    )
                )
                continue
            piece = _period_slice(period, index, a, b, energy_so_far, anchor or a, priced, notes)
            slices.append(piece)
            energy_so_far += piece.energy_kwh
        expired = self.reservation_expired
        if expired is None:
            expired = any(reserved) and not charging_starts
        return slices, expired, notes

    @staticmethod
    def _is_reservation(period: ChargingPeriod) -> bool:
        return period.volume(CdrDimensionType.RESERVATION_TIME) is not None


def _period_slice(
    period: ChargingPeriod,
    index: int,
    a: datetime,
    b: datetime,
    energy_before: Decimal,
    anchor: datetime,
    priced: bool,
    notes: set[str],
) -> Slice:
    reported: dict[CdrDimensionType, float] = {}
    for dim in period.dimensions:
        reported.setdefault(dim.type, dim.volume)  # the first of a type, as period.volume()

    def volume(kind: CdrDimensionType) -> Decimal | None:
        found = reported.get(kind)
        return None if found is None else dec(found)

    energy = volume(CdrDimensionType.ENERGY) or ZERO
    time_h, parking_h = volume(CdrDimensionType.TIME), volume(CdrDimensionType.PARKING_TIME)
    if time_h is None and parking_h is None:
        # No time dimension reported: the period's wall-clock length is charging time if
        # energy flowed (or energy is not reported), else parking time.
        wall = _seconds(b - a) / SECONDS_PER_HOUR
        charging = CdrDimensionType.ENERGY not in reported or energy > 0
        time_h, parking_h = (wall, ZERO) if charging else (ZERO, wall)
        if wall:
            notes.add("periods without TIME/PARKING_TIME: time taken from their start/end")
    charging_s = (time_h or ZERO) * SECONDS_PER_HOUR
    parking_s = (parking_h or ZERO) * SECONDS_PER_HOUR
    idle = charging_s == 0 and energy == 0
    derived = energy / (charging_s / SECONDS_PER_HOUR) if charging_s else None
    if idle:
        derived = ZERO
    power = volume(CdrDimensionType.POWER)
    power_min = volume(CdrDimensionType.MIN_POWER)
    power_max = volume(CdrDimensionType.MAX_POWER)
    current = volume(CdrDimensionType.CURRENT)
    current_min = volume(CdrDimensionType.MIN_CURRENT)
    current_max = volume(CdrDimensionType.MAX_CURRENT)
    # min_* restrictions look at the lowest value reported for the period, max_* at the
    # highest; fall back to whatever else was reported (an idle period draws nothing).
    return Slice(
        start=a,
        end=b,
        energy_kwh=energy,
        charging_s=charging_s,
        parking_s=parking_s,
        energy_before_kwh=energy_before,
        age_s=_seconds(a - anchor),
        power_min_kw=_first(power_min, power, power_max, derived),
        power_max_kw=_first(power_max, power, power_min, derived),
        current_min_a=_first(current_min, current, current_max, ZERO if idle else None),
        current_max_a=_first(current_max, current, current_min, ZERO if idle else None),
        priced=priced,
        period_index=index,
    )


def _first(*values: Decimal | None) -> Decimal | None:
    return next((v for v in values if v is not None), None)
