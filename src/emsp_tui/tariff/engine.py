"""The pricing core: an OCPI 2.2.1 Tariff and a charge give a price (reference section 7.1).

1. The charge becomes slices (see `charge`); restrictions are judged at each slice's start in
   the Location's local time.
2. Per slice and per dimension, the first element (tariff order) that has a component of that
   dimension and whose restrictions all match prices it; none matching = free.
3. FLAT is billed once per session (the first slice a FLAT element matches).
4. step_size once per session: the ENERGY total, and TIME+PARKING_TIME together (only the
   parking part when parking is billed), each rounded up to the step of the last component
   used; the extra is billed in the last slice of that dimension at its price.
5. VAT per component; 6. min_price/max_price clamp excl. and incl. VAT separately.
Reservation slices are priced only by elements with a ``reservation`` restriction.
No rounding of money anywhere: `Money.rounded` is for display.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from ..ocpi.enums import ReservationRestrictionType, TariffDimensionType
from ..ocpi.models import PriceComponent, Tariff, TariffRestrictions
from .charge import ActualCharge, PlannedCharge
from .money import HUNDRED, SECONDS_PER_HOUR, ZERO, Money, dec, unit_price, with_vat
from .restrictions import Slice, restrictions_match

ENERGY = TariffDimensionType.ENERGY
FLAT = TariffDimensionType.FLAT
TIME = TariffDimensionType.TIME
PARKING = TariffDimensionType.PARKING_TIME
RESERVATION = ReservationRestrictionType.RESERVATION
EXPIRES = ReservationRestrictionType.RESERVATION_EXPIRES

# Totals within this much above a step boundary count as on it: CDR hours carry 4 decimals
# (0.36 s, so up to 0.18 s off), and 10 min arriving as 0.1667 h = 600.12 s must not bill an
# 11th minute.
TIME_TOLERANCE_S = Decimal("0.2")
ENERGY_TOLERANCE_WH = Decimal("0.000001")


@dataclass(frozen=True)
class Quantities:
    energy_kwh: Decimal = ZERO
    charging_hours: Decimal = ZERO
    parking_hours: Decimal = ZERO
    reservation_hours: Decimal = ZERO


@dataclass(frozen=True)
class PricedLine:
    """One dimension of one slice priced by one element (or a step_size top-up)."""

    dimension: TariffDimensionType
    element_index: int  # 0-based index into tariff.elements
    component: PriceComponent
    slice_index: int
    quantity: Decimal  # kWh (ENERGY), hours (TIME, PARKING_TIME), 1 (FLAT)
    cost: Money
    seconds: Decimal | None = None  # exact seconds for time lines (quantity = seconds/3600)
    reservation: bool = False
    step_extra: bool = False  # the step_size rounding, billed in the last slice of its kind

    @property
    def unit_price(self) -> Money:
        return unit_price(self.component)

    @property
    def bucket(self) -> str:
        if self.reservation:
            return "reservation"
        return {FLAT: "fixed", ENERGY: "energy", TIME: "time", PARKING: "parking"}[self.dimension]


@dataclass(frozen=True)
class PricedSlice:
    """A slice as measured, and which element (0-based) priced each of its dimensions."""

    start: datetime
    end: datetime
    reservation: bool
    priced: bool
    quantities: Quantities
    elements: Mapping[TariffDimensionType, int] = field(default_factory=dict)
    period_index: int | None = None


@dataclass(frozen=True)
class TariffPrice:
    """The price of one charge under one tariff. All amounts exact (unrounded) Decimals."""

    tariff_id: str
    currency: str
    excl_vat: Decimal  # after min_price/max_price
    incl_vat: Decimal
    fixed: Money  # FLAT (session fee), reservation fees excluded
    energy: Money
    time: Money  # charging time
    parking: Money
    reservation: Money  # reservation FLAT + TIME
    subtotal: Money  # the five above together, before min_price/max_price
    billed: Quantities  # after step_size rounding
    measured: Quantities  # as the charge reported it, priced or not
    lines: tuple[PricedLine, ...]
    slices: tuple[PricedSlice, ...]
    min_price_applied: bool = False
    max_price_applied: bool = False
    notes: tuple[str, ...] = ()

    @property
    def total(self) -> Money:
        return Money(self.excl_vat, self.incl_vat)

    def rounded(self, places: int = 2) -> Money:
        """The total for display."""
        return self.total.rounded(places)


def price_charge(
    tariff: Tariff, charge: PlannedCharge | ActualCharge, time_zone: str | tzinfo
) -> TariffPrice:
    """Price ``charge`` under ``tariff``; ``time_zone`` is the Location's IANA ``time_zone``."""
    tz = ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone
    slices, expired, notes = charge.to_slices(tariff, tz)
    return price_slices(tariff, slices, tz, reservation_expired=expired, notes=notes)


_INCL_DIVISOR = SECONDS_PER_HOUR * HUNDRED
_Element = tuple[
    int,
    ReservationRestrictionType | None,
    TariffRestrictions | None,
    dict[TariffDimensionType, PriceComponent],
]


class _Prepared:
    """A tariff as the inner loop reads it, built once per pricing: each element's first
    component per dimension, and each component's price and VAT factor as Decimals."""

    def __init__(self, tariff: Tariff) -> None:
        self.elements: list[_Element] = []
        self.rates: dict[int, tuple[Decimal, Decimal]] = {}  # id(component) -> price, 100+VAT
        for index, element in enumerate(tariff.elements):
            r = element.restrictions
            first: dict[TariffDimensionType, PriceComponent] = {}
            for c in element.price_components:
                first.setdefault(c.type, c)
                vat = c.vat
                factor = HUNDRED + dec(vat) if vat is not None else HUNDRED
                self.rates[id(c)] = (dec(c.price), factor)
            self.elements.append((index, r.reservation if r else None, r, first))


class _Matcher:
    """First-matching-element lookups for one slice (restrictions evaluated once each)."""

    def __init__(self, prepared: _Prepared, piece: Slice, tz: tzinfo, notes: set[str]) -> None:
        self.prepared, self.piece, self.notes = prepared, piece, notes
        self.local = piece.start.astimezone(tz)
        self.cache: dict[int, bool] = {}

    def first(
        self, dimension: TariffDimensionType, kinds: set[ReservationRestrictionType | None]
    ) -> tuple[int, PriceComponent] | None:
        for index, kind, r, components in self.prepared.elements:
            if kind not in kinds:
                continue
            component = components.get(dimension)
            if component is None:
                continue
            if index not in self.cache:
                self.cache[index] = restrictions_match(r, self.piece, self.local, self.notes)
            if self.cache[index]:
                return index, component
        return None


class _Lines:
    """The priced lines in order, each with its cost before the division by 3600 (x 100 incl.
    VAT), so that sums need a single division: 58 + 2 minutes at 2.00/h make 2.00, not
    1.99...9 (two divisions by 3600 each leave a repeating decimal cut at 28 digits)."""

    def __init__(self, prepared: _Prepared) -> None:
        self.rates = prepared.rates
        self.lines: list[PricedLine] = []
        self.bases: list[tuple[Decimal, Decimal]] = []  # excl x 3600, incl x 360000

    def add(
        self,
        dimension: TariffDimensionType,
        found: tuple[int, PriceComponent],
        slice_index: int,
        amount: Decimal,
        *,
        reservation: bool = False,
        step_extra: bool = False,
    ) -> PricedLine:
        """``amount`` is kWh for ENERGY, seconds for time dimensions, ignored for FLAT."""
        index, component = found
        seconds = None
        if dimension == FLAT:
            quantity = Decimal(1)
        elif dimension == ENERGY:
            quantity = amount
        else:
            seconds, quantity = amount, amount / SECONDS_PER_HOUR
        price, factor = self.rates[id(component)]
        base = price * (seconds if seconds is not None else quantity * SECONDS_PER_HOUR)
        excl, incl = ZERO + base, ZERO + base * factor
        line = PricedLine(
            dimension=dimension,
            element_index=index,
            component=component,
            slice_index=slice_index,
            quantity=quantity,
            cost=Money(excl / SECONDS_PER_HOUR, incl / _INCL_DIVISOR),
            seconds=seconds,
            reservation=reservation,
            step_extra=step_extra,
        )
        self.lines.append(line)
        self.bases.append((base, base * factor))
        return line

    def costs(self, names: tuple[str, ...]) -> tuple[dict[str, Money], Money]:
        """The cost per bucket (``PricedLine.bucket``) and in all, each added in line order."""
        sums = {name: [ZERO, ZERO] for name in names}
        excl = incl = ZERO
        for line, (base_excl, base_incl) in zip(self.lines, self.bases, strict=True):
            bucket = sums[line.bucket]
            bucket[0] += base_excl
            bucket[1] += base_incl
            excl += base_excl
            incl += base_incl
        buckets = {k: Money(v[0] / SECONDS_PER_HOUR, v[1] / _INCL_DIVISOR) for k, v in sums.items()}
        return buckets, Money(excl / SECONDS_PER_HOUR, incl / _INCL_DIVISOR)


def price_slices(
    tariff: Tariff,
    slices: list[Slice],
    tz: tzinfo,
    *,
    reservation_expired: bool = False,
    notes: set[str] | None = None,
) -> TariffPrice:
    """The core both charge kinds share (public for the CDR audit and for tests)."""
    notes = set(notes or ())
    prepared = _Prepared(tariff)
    out = _Lines(prepared)
    priced: list[PricedSlice] = []
    flats_billed: set[str] = set()
    for index, piece in enumerate(slices):
        chosen: dict[TariffDimensionType, int] = {}
        if piece.priced:
            match = _Matcher(prepared, piece, tz, notes)
            if piece.reservation:
                new = _reservation_lines(
                    out, match, index, piece, reservation_expired, flats_billed
                )
            else:
                new = _charging_lines(out, match, index, piece, flats_billed)
            chosen = {line.dimension: line.element_index for line in new}
        priced.append(
            PricedSlice(
                start=piece.start,
                end=piece.end,
                reservation=piece.reservation,
                priced=piece.priced,
                quantities=_slice_measured(piece),
                elements=chosen,
                period_index=piece.period_index,
            )
        )
    _step_extras(out)
    lines = out.lines
    names = ("fixed", "energy", "time", "parking", "reservation")
    buckets, subtotal = out.costs(names)
    total, applied_min, applied_max = _clamp(tariff, subtotal, any(s.priced for s in slices))
    return TariffPrice(
        tariff_id=tariff.id,
        currency=tariff.currency,
        excl_vat=total.excl_vat,
        incl_vat=total.incl_vat,
        fixed=buckets["fixed"],
        energy=buckets["energy"],
        time=buckets["time"],
        parking=buckets["parking"],
        reservation=buckets["reservation"],
        subtotal=subtotal,
        billed=_billed(lines),
        measured=_measured(slices),
        lines=tuple(lines),
        slices=tuple(priced),
        min_price_applied=applied_min,
        max_price_applied=applied_max,
        notes=tuple(sorted(notes)),
    )


def _charging_lines(
    out_lines: _Lines, match: _Matcher, index: int, piece: Slice, flats_billed: set[str]
) -> list[PricedLine]:
    out = []
    regular: set[ReservationRestrictionType | None] = {None}
    for dimension, amount in (
        (ENERGY, piece.energy_kwh),
        (TIME, piece.charging_s),
        (PARKING, piece.parking_s),
    ):
        if amount > 0 and (found := match.first(dimension, regular)):
            out.append(out_lines.add(dimension, found, index, amount))
    if "session" not in flats_billed and (found := match.first(FLAT, regular)):
        flats_billed.add("session")
        out.append(out_lines.add(FLAT, found, index, ZERO))
    return out


def _reservation_lines(
    out_lines: _Lines,
    match: _Matcher,
    index: int,
    piece: Slice,
    expired: bool,
    flats_billed: set[str],
) -> list[PricedLine]:
    out = []
    if piece.reservation_s > 0:
        # An expired reservation's time is priced by a RESERVATION_EXPIRES element when one
        # has TIME (spec note on ReservationRestrictionType), else like any reservation.
        found = (match.first(TIME, {EXPIRES}) if expired else None) or match.first(
            TIME, {RESERVATION}
        )
        if found:
            out.append(out_lines.add(TIME, found, index, piece.reservation_s, reservation=True))
    # The expiry fee comes on top of the reservation's own fee (spec example 17: "additional").
    fees = [("reservation", RESERVATION)] + ([("expiry", EXPIRES)] if expired else [])
    for key, kind in fees:
        if key not in flats_billed and (found := match.first(FLAT, {kind})):
            flats_billed.add(key)
            out.append(out_lines.add(FLAT, found, index, ZERO, reservation=True))
    return out


def _step_extras(out: _Lines) -> None:
    """Adds the step_size top-ups to ``out``."""
    lines = list(out.lines)

    def of(dimension: TariffDimensionType, reservation: bool = False) -> list[PricedLine]:
        return [
            line
            for line in lines
            if line.dimension == dimension and line.reservation == reservation
        ]

    extras: list[tuple[PricedLine, Decimal]] = []
    energy = of(ENERGY)
    if energy:
        total_wh = sum((line.quantity for line in energy), ZERO) * 1000
        extra_wh = _round_up(total_wh, energy[-1].component.step_size, ENERGY_TOLERANCE_WH)
        if extra_wh:
            extras.append((energy[-1], extra_wh / 1000))
    # TIME and PARKING_TIME share one rounding; with parking billed only parking is rounded.
    for group in (of(PARKING) or of(TIME), of(TIME, reservation=True)):
        if group:
            total_s = sum((line.seconds or ZERO for line in group), ZERO)
            extra_s = _round_up(total_s, group[-1].component.step_size, TIME_TOLERANCE_S)
            if extra_s:
                extras.append((group[-1], extra_s))
    for last, amount in extras:
        out.add(
            last.dimension,
            (last.element_index, last.component),
            last.slice_index,
            amount,
            reservation=last.reservation,
            step_extra=True,
        )


def _round_up(total: Decimal, step: int, tolerance: Decimal) -> Decimal:
    """What must be added to ``total`` to reach a whole number of steps (0 if step < 1)."""
    if step < 1 or total <= 0:
        return ZERO
    steps = math.ceil((total - tolerance) / step)
    return max(steps, 1) * step - total


def _measured(slices: list[Slice]) -> Quantities:
    energy = charging = parking = reserved = ZERO
    for s in slices:  # one pass, each total added in slice order
        if not s.reservation:
            energy += s.energy_kwh
        charging += s.charging_s
        parking += s.parking_s
        reserved += s.reservation_s
    return Quantities(
        energy_kwh=energy,
        charging_hours=charging / SECONDS_PER_HOUR,
        parking_hours=parking / SECONDS_PER_HOUR,
        reservation_hours=reserved / SECONDS_PER_HOUR,
    )


def _slice_measured(s: Slice) -> Quantities:
    """``_measured([s])``, without the generators."""
    return Quantities(
        energy_kwh=ZERO if s.reservation else ZERO + s.energy_kwh,
        charging_hours=(ZERO + s.charging_s) / SECONDS_PER_HOUR,
        parking_hours=(ZERO + s.parking_s) / SECONDS_PER_HOUR,
        reservation_hours=(ZERO + s.reservation_s) / SECONDS_PER_HOUR,
    )


def _billed(lines: list[PricedLine]) -> Quantities:
    """kWh and seconds per kind of line (one pass, each added in line order)."""
    totals = dict.fromkeys(((ENERGY, False), (TIME, False), (PARKING, False), (TIME, True)), ZERO)
    for ln in lines:
        key = (ln.dimension, ln.reservation)
        if key in totals:
            totals[key] += ln.quantity if ln.dimension == ENERGY else ln.seconds or ZERO
    return Quantities(
        energy_kwh=totals[ENERGY, False],
        charging_hours=totals[TIME, False] / SECONDS_PER_HOUR,
        parking_hours=totals[PARKING, False] / SECONDS_PER_HOUR,
        reservation_hours=totals[TIME, True] / SECONDS_PER_HOUR,
    )


def _clamp(tariff: Tariff, subtotal: Money, any_priced: bool) -> tuple[Money, bool, bool]:
    """min_price/max_price, excl. and incl. VAT separately (spec notes on Tariff).

    A bound without ``incl_vat`` gets one at the session's own VAT ratio (or the tariff's
    single VAT rate when nothing was charged, or none at all)."""
    excl, incl = subtotal.excl_vat, subtotal.incl_vat
    if not any_priced:
        return subtotal, False, False
    ratio = _vat_ratio(tariff, subtotal)
    applied_min = applied_max = False
    if tariff.min_price is not None:
        lo_excl = dec(tariff.min_price.excl_vat)
        lo_incl = dec(tariff.min_price.incl_vat) if tariff.min_price.incl_vat is not None else None
        lo_incl = lo_excl * ratio if lo_incl is None else lo_incl
        if excl < lo_excl:
            excl, applied_min = lo_excl, True
        if incl < lo_incl:
            incl, applied_min = lo_incl, True
    if tariff.max_price is not None:
        hi_excl = dec(tariff.max_price.excl_vat)
        hi_incl = dec(tariff.max_price.incl_vat) if tariff.max_price.incl_vat is not None else None
        hi_incl = hi_excl * ratio if hi_incl is None else hi_incl
        if excl > hi_excl:
            excl, applied_max = hi_excl, True
        if incl > hi_incl:
            incl, applied_max = hi_incl, True
    return Money(excl, incl), applied_min, applied_max


def _vat_ratio(tariff: Tariff, subtotal: Money) -> Decimal:
    if subtotal.excl_vat > 0:
        return subtotal.incl_vat / subtotal.excl_vat
    rates = {c.vat for e in tariff.elements for c in e.price_components}
    if len(rates) == 1 and (rate := rates.pop()) is not None:
        return with_vat(Decimal(1), rate)
    return Decimal(1)
