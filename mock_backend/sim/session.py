"""One charging session over simulated time: physics, status and charging periods.

Time is kept in whole milliseconds since the session was created (`spec.start`, floored to the
millisecond), so period boundaries land exactly on tariff switches and print exactly.
Lifecycle: PENDING for `visit.pending_seconds`, then ACTIVE (charging, then parked once the
target SoC is reached or the car stops drawing power), then COMPLETED when the driver leaves
(`visit.idle_seconds` after charging ended, or `visit.leave_after_seconds` after it started)
or `stop()` is called.

A new period starts whenever the tariff-relevant state changes (charging <-> parked, or which
element prices a dimension: time of day, session age, kWh, power or current class), and
every `period_seconds` regardless. Within a charging period power and current are sampled at
each integration step (<= `max_step_seconds`); energy uses the mid-point power of the step.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from . import views
from .power import charging_power_kw, current_a, is_dc
from .pricing import Costs, PeriodFacts, active_elements, next_switch, select_tariff, zone
from .record import Period, SessionSpec
from .vehicles import Visit, plan_visit

PENDING, CHARGING, PARKED, ENDED = "PENDING", "CHARGING", "PARKED", "ENDED"
_HOUR_MS = 3_600_000
# Share of the metered energy that ends up in the battery (the rest heats charger and cables).
_EFFICIENCY_DC, _EFFICIENCY_AC = 0.94, 0.90


class ChargingSession:
    """See the module docstring. Not thread-safe; no wall clock, no I/O."""

    def __init__(
        self,
        spec: SessionSpec,
        visit: Visit | None = None,
        *,
        period_seconds: float = 900.0,
        max_step_seconds: float = 10.0,
    ) -> None:
        if spec.start.tzinfo is None:
            raise ValueError("spec.start must be an aware datetime")
        self.spec = spec
        self.visit = (
            visit if visit is not None else plan_visit(random.Random(spec.seed), spec.connector)
        )
        self.vehicle = self.visit.vehicle
        start = spec.start.astimezone(UTC)
        self.created = start.replace(microsecond=start.microsecond // 1000 * 1000)
        self.tariff: Mapping[str, Any] | None = select_tariff(spec.tariffs, self.created)
        self.time_zone: str = spec.location.get("time_zone") or "UTC"
        self._tz = zone(self.time_zone)
        self._period_ms = max(1, round(period_seconds * 1000))
        self._step_ms = max(1, round(max_step_seconds * 1000))
        self._t = 0
        self._carry = 0.0
        self._phase = PENDING
        self._active_ms: int | None = None
        self._charged_until: int | None = None  # when charging ended
        self._ended_ms: int | None = None
        self._soc = self.visit.start_soc
        self._kwh = 0.0
        self._kw = 0.0
        self._amps = 0.0
        self.periods: list[Period] = []
        self._switch_ms: int | None = None  # cached next tariff time switch (-1: none)

    # -- clock and state ---------------------------------------------------------------------

    def time_at(self, ms: int) -> datetime:
        """The instant `ms` milliseconds after creation."""
        return self.created + timedelta(milliseconds=ms)

    @property
    def now(self) -> datetime:
        return self.time_at(self._t)

    @property
    def status(self) -> str:
        """PENDING, ACTIVE or COMPLETED."""
        return {PENDING: "PENDING", ENDED: "COMPLETED"}.get(self._phase, "ACTIVE")

    @property
    def charging(self) -> bool:
        return self._phase == CHARGING

    @property
    def done(self) -> bool:
        return self._phase == ENDED

    @property
    def kwh(self) -> float:
        return self._kwh

    @property
    def power_kw(self) -> float:
        return self._kw

    @property
    def current_a(self) -> float:
        return self._amps

    @property
    def soc(self) -> float:
        return self._soc

    @property
    def started_at(self) -> datetime:
        """When it went ACTIVE (the creation time while PENDING or if it never did)."""
        return self.time_at(self._active_ms if self._active_ms is not None else 0)

    @property
    def ended_at(self) -> datetime | None:
        return None if self._ended_ms is None else self.time_at(self._ended_ms)

    @property
    def elapsed_ms(self) -> int:
        """Simulated milliseconds since creation."""
        return self._t

    @property
    def was_active(self) -> bool:
        return self._active_ms is not None

    def period_end_ms(self, period: Period) -> int:
        return self._t if period.end_ms is None else period.end_ms

    def ms_since_active(self, ms: int) -> int:
        return ms - (self._active_ms or 0)

    # -- driving it --------------------------------------------------------------------------

    def advance(self, dt_seconds: float) -> None:
        """Move simulated time forward by `dt_seconds` (>= 0)."""
        if dt_seconds < 0:
            raise ValueError("time only moves forward")
        if self._phase == ENDED:
            return
        self._carry += dt_seconds * 1000
        whole = math.floor(self._carry)
        self._carry -= whole
        target = self._t + whole
        while self._t < target and self._phase != ENDED:
            self._step(target)

    def advance_to(self, now: datetime) -> None:
        """Move simulated time forward to `now` (aware); earlier times are ignored."""
        behind = (now - self.now).total_seconds() - self._carry / 1000
        if behind > 0:
            self.advance(behind)

    def stop(self, now: datetime | None = None) -> None:
        """The driver stops (command, unplug): COMPLETED at `now` (default: the current time)."""
        if now is not None:
            self.advance_to(now)
        if self._phase != ENDED:
            self._end(self._t)

    # -- internals ---------------------------------------------------------------------------

    def _power(self, soc: float) -> float:
        return charging_power_kw(self.vehicle, self.spec.connector, soc)

    def _leave_ms(self) -> int | None:
        if self._active_ms is None:
            return None
        visit, times = self.visit, []
        if visit.leave_after_seconds is not None:
            times.append(self._active_ms + round(visit.leave_after_seconds * 1000))
        if self._charged_until is not None:
            times.append(self._charged_until + round(visit.idle_seconds * 1000))
        return min(times, default=None)

    def _next_switch_ms(self) -> int | None:
        if self.tariff is None or self._active_ms is None:
            return None
        if self._switch_ms is None or 0 <= self._switch_ms <= self._t:
            found = next_switch(self.tariff, self.time_zone, self.started_at, self.now)
            self._switch_ms = (
                -1
                if found is None
                else math.ceil((found - self.created).total_seconds() * 1000 - 1e-6)
            )
        return None if self._switch_ms < 0 else self._switch_ms

    def _step(self, target: int) -> None:
        t = self._t
        if self._phase == PENDING:
            begins = round(self.visit.pending_seconds * 1000)
            if target < begins:
                self._t = target
                return
            self._t = begins
            self._activate()
            return
        leave = self._leave_ms()
        if leave is not None and leave <= t:
            self._end(t)
            return
        end = min(target, self.periods[-1].start_ms + self._period_ms)
        for limit in (leave, self._next_switch_ms()):
            if limit is not None and limit > t:
                end = min(end, limit)
        if self._phase == CHARGING:
            end = self._charge(t, min(end, t + self._step_ms))
        self._t = end
        leave = self._leave_ms()
        if leave is not None and leave <= end:
            self._end(end)
            return
        self._settle()

    def _charge(self, t: int, end: int) -> int:
        """Integrate from t to end; returns where the step really ended (earlier when full)."""
        cap = self.vehicle.battery_kwh
        eff = _EFFICIENCY_DC if is_dc(self.spec.connector) else _EFFICIENCY_AC
        hours = (end - t) / _HOUR_MS
        mid = self._power(min(100.0, self._soc + self._kw * hours / 2 * eff / cap * 100))
        needed = max(0.0, (self.visit.target_soc - self._soc) / 100 * cap / eff)
        energy = mid * hours
        if energy >= needed:
            end = min(end, t + max(1, math.ceil(needed / mid * _HOUR_MS))) if mid > 0 else t
            energy, self._soc = needed, self.visit.target_soc
            self._phase, self._charged_until = PARKED, end
        else:
            self._soc += energy * eff / cap * 100
        period = self.periods[-1]
        self._kwh += energy
        period.kwh_end = self._kwh
        period.amp_ms += current_a(self.vehicle, self.spec.connector, self._soc, mid) * (end - t)
        return end

    def _activate(self) -> None:
        self._active_ms = self._t
        self._phase = CHARGING
        self._update_power()
        if self._phase == CHARGING and self._soc >= self.visit.target_soc:
            self._phase, self._charged_until = PARKED, self._t
            self._update_power()
        self._open_period()

    def _update_power(self) -> None:
        if self._phase == CHARGING:
            self._kw = self._power(self._soc)
            if self._kw <= 0:  # nothing can flow (e.g. no DC on this car): parked from now
                self._phase, self._charged_until = PARKED, self._t
        if self._phase != CHARGING:
            self._kw = 0.0
        self._amps = current_a(self.vehicle, self.spec.connector, self._soc, self._kw)

    def _signature(self) -> tuple[int | None, ...]:
        if self.tariff is None:
            return ()
        facts = PeriodFacts(
            local_start=self.now.astimezone(self._tz),
            age_seconds=self.ms_since_active(self._t) / 1000,
            kwh_before=self._kwh,
            power_kw=self._kw,
            current_a=self._amps,
        )
        return tuple(active_elements(self.tariff, facts).values())

    def _open_period(self) -> None:
        if self.periods and self.periods[-1].start_ms == self._t:
            self.periods.pop()  # never leave an empty period behind
        elif self.periods:
            self.periods[-1].end_ms = self._t
        period = Period(
            self._t, self._phase == CHARGING, self._signature(), self._kwh, self._kwh, soc=self._soc
        )
        period.sample(self._kw, self._amps)
        self.periods.append(period)

    def _settle(self) -> None:
        """After a step: new instantaneous power; a new period when something relevant changed."""
        self._update_power()
        period = self.periods[-1]
        period.soc = self._soc
        if (
            period.charging != (self._phase == CHARGING)
            or period.elements != self._signature()
            or self._t - period.start_ms >= self._period_ms
        ):
            self._open_period()
        else:
            period.sample(self._kw, self._amps)

    def _end(self, ms: int) -> None:
        self._t = ms
        if self._phase in (CHARGING, PARKED) and self._charged_until is None:
            self._charged_until = ms
        self._phase = ENDED
        self._ended_ms = ms
        self._kw = self._amps = 0.0
        if self.periods:
            if self.periods[-1].start_ms == ms and len(self.periods) > 1:
                self.periods.pop()
            self.periods[-1].end_ms = ms
            self.periods[-1].soc = self._soc

    # -- the OCPI views (built in views.py) ------------------------------------------------

    def charging_periods(
        self, *, cdr: bool = False, include_open: bool = True
    ) -> list[dict[str, Any]]:
        """The periods as OCPI ChargingPeriod dicts; `cdr` leaves out Session-only dimensions."""
        return views.period_dicts(self, cdr=cdr, include_open=include_open)

    def costs(self) -> Costs | None:
        """The CPO's running cost of the periods so far (None: no tariff applies)."""
        return views.session_costs(self)

    def session_dict(self, *, include_open_period: bool = True) -> dict[str, Any]:
        """The full OCPI Session; without the open period for a PUT that PATCHes will follow."""
        return views.session_dict(self, include_open_period=include_open_period)

    def session_patch_since(self, sent: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The PATCH body that brings a receiver holding `sent` up to date (see views)."""
        return views.session_patch_since(self, sent)

    def cdr_dict(self, cdr_id: str) -> dict[str, Any]:
        """The final CDR (the session must be COMPLETED)."""
        return views.cdr_dict(self, cdr_id)
