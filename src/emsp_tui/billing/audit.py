"""The CDR audit: each CDR recomputed with the tariff engine and compared with what the CPO billed.

Pure: a CDR (and the tariffs we stored) in, a `CdrAudit` out. The pricing is the project's one
tariff engine (`emsp_tui.tariff.price_charge` over the CDR's own charging periods), so
step_size, min/max price, restrictions and time zones follow reference section 7.1 exactly as
everywhere else.

How the figures in a `CdrAudit` are meant:
* ``tariff_source``: "CDR" when every tariff came from the CDR's ``tariffs``; "STORED" when at
  least one came from ``stored_tariffs`` (a ``notes`` entry names it); "NONE" when there was
  nothing to price with. A NONE audit never ``matches``: its ``tariff_total_*`` are 0 and None,
  its ``dimensions`` carry the operator's figures with ``tariff_net`` 0, and its sentence says
  the bill could not be checked and goes to support. What to bill then is the ledger's call.
* ``dimensions``: ENERGY, CHARGING_TIME, PARKING_TIME, SESSION_FEE, RESERVATION, each one the
  tariff prices or the CDR gives a figure for. ``quantity`` is what was billed, after
  step_size (2 h for 1.973 h at a 5-minute step); for a dimension the tariff does not price,
  the measured quantity. ``tariff_net`` is unrounded. Under min_price/max_price each
  dimension is scaled to the clamped total, so the dimensions always add up to
  ``tariff_total_excl`` (the spec defines only the clamped total). A minimum price with
  nothing else to charge is put in the session fee. ``vat_rate`` is None when the tariff
  gives no VAT or several rates for that dimension.
* ``differing``: the dimensions whose excl. VAT figure (or incl. VAT figure, where the CDR gives
  it) is more than a cent away from the tariff's (under a clamp: away from both the scaled and
  the unclamped figure). A total that differs while the CDR gives no per-dimension figures
  leaves ``differing`` empty with ``matches`` False.
* ``matches``: the totals agree within a cent, excl. VAT and (where the CDR gives it) incl.
  VAT; a CPO that rounds each dimension to the cent before adding also agrees.
* Credit CDRs (``credit``, negative costs) are audited on their magnitudes: every figure in
  the audit is positive, and the sentence says it is a credit and for which CDR.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..ocpi.enums import CdrDimensionType, TariffDimensionType
from ..ocpi.models import Cdr, ChargingPeriod, Price, Tariff
from ..tariff import ActualCharge, Quantities, TariffPrice, price_charge
from ..tariff.money import dec, format_amount
from .model import CENT, CdrAudit, DimensionPrice, LineKind, cents
from .time_zones import zone_of_country

ZERO = Decimal(0)
SECONDS_PER_HOUR = Decimal(3600)
FLAT = TariffDimensionType.FLAT


@dataclass(frozen=True)
class _Dimension:
    kind: LineKind
    bucket: str  # the TariffPrice attribute and PricedLine.bucket it comes from
    cost_field: str  # the CDR's own figure for it
    unit: str
    label: str  # for explain()
    name: str  # in a sentence


DIMENSIONS = (
    _Dimension(LineKind.ENERGY, "energy", "total_energy_cost", "kWh", "Energy", "energy"),
    _Dimension(
        LineKind.CHARGING_TIME, "time", "total_time_cost", "h", "Charging time", "charging time"
    ),
    _Dimension(
        LineKind.PARKING_TIME, "parking", "total_parking_cost", "h", "Parking time", "parking time"
    ),
    _Dimension(
        LineKind.SESSION_FEE,
        "fixed",
        "total_fixed_cost",
        "session",
        "Session fee",
        "the session fee",
    ),
    _Dimension(
        LineKind.RESERVATION,
        "reservation",
        "total_reservation_cost",
        "h",
        "Reservation",
        "the reservation",
    ),
)
BY_KIND = {d.kind: d for d in DIMENSIONS}


@dataclass
class _Sum:
    """One dimension summed over the tariffs that priced the CDR."""

    excl: Decimal = ZERO  # after the min/max clamp's share
    incl: Decimal = ZERO
    raw_excl: Decimal = ZERO  # before it
    raw_incl: Decimal = ZERO
    amount: Decimal = ZERO  # kWh for energy, seconds for the time dimensions
    fees: int = 0  # FLAT lines
    lines: int = 0
    vats: set[Decimal | None] = field(default_factory=set)


@dataclass(frozen=True)
class _Choice:
    tariffs: tuple[Tariff, ...]
    periods: list[ChargingPeriod] | None  # None: the CDR's own, unchanged
    source: str
    missing: tuple[str, ...]  # tariff ids the periods name that we do not have


def audit_cdr(
    cdr: Cdr, stored_tariffs: Sequence[Tariff] = (), time_zone: str | None = None
) -> CdrAudit:
    """Price ``cdr``'s charging periods with its tariffs (else the stored ones) and compare.

    ``time_zone`` is the Location's IANA zone (CdrLocation has none); without it, the zone of
    the CDR's country. See the module docstring for what each figure means.
    """
    notes: list[str] = []
    choice = _choose_tariffs(cdr, stored_tariffs, notes)
    if not choice.tariffs:
        return _unchecked(cdr, notes)
    tz = _zone(cdr, time_zone, choice.tariffs, notes)
    charge = ActualCharge.from_cdr(cdr)
    if choice.periods is not None:
        charge = dataclasses.replace(charge, periods=choice.periods)
    prices = [price_charge(tariff, charge, tz) for tariff in choice.tariffs]
    sums = {d.bucket: _Sum() for d in DIMENSIONS}
    for price in prices:
        _add(sums, price, notes)
    fee_tariffs = [p.tariff_id for p in prices if any(ln.bucket == "fixed" for ln in p.lines)]
    if len(fee_tariffs) > 1:
        # The spec bills FLAT once per session but says nothing of a session under two tariffs.
        notes.append(f"Tariffs {_join(fee_tariffs)} each charge a session fee: all are counted.")
    op_excl, op_incl = _magnitudes(cdr.total_cost)
    ours_excl = sum((p.excl_vat for p in prices), ZERO)
    ours_incl = sum((p.incl_vat for p in prices), ZERO)
    clamped = any(p.min_price_applied or p.max_price_applied for p in prices)
    dimensions, differing = _dimensions(cdr, sums, prices[0].measured, clamped, notes)
    excl_ok = _agrees(op_excl, ours_excl, sum((cents(s.excl) for s in sums.values()), ZERO))
    incl_ok = op_incl is None or _agrees(
        op_incl, ours_incl, sum((cents(s.incl) for s in sums.values()), ZERO)
    )
    matches = excl_ok and incl_ok
    words = _Words(cdr, op_incl is not None)
    shown_op, shown_ours = (op_excl, ours_excl) if op_incl is None else (op_incl, ours_incl)
    return CdrAudit(
        cdr_key=(cdr.country_code, cdr.party_id, cdr.id),
        currency=cdr.currency,
        matches=matches,
        operator_total_excl=op_excl,
        operator_total_incl=op_incl,
        tariff_total_excl=ours_excl,
        tariff_total_incl=ours_incl,
        dimensions=dimensions,
        differing=differing,
        tariff_source=choice.source,
        sentence=words.checked(
            shown_op, shown_ours, matches, differing, vat_only=excl_ok, missing=choice.missing
        ),
        notes=tuple(dict.fromkeys(notes)),
    )


def explain(audit: CdrAudit) -> list[str]:
    """One line per dimension, excl. VAT, e.g. "Energy: operator 10.00 EUR, tariff 8.50 EUR
    (12.5 kWh at 0.68 EUR/kWh)"; a differing one ends with the difference."""
    cur = audit.currency
    out = []
    for dim in audit.dimensions:
        spec = BY_KIND[dim.kind]
        op, ours = dim.operator_net, dim.tariff_net
        if audit.tariff_source == "NONE":
            shown = f"operator {_money(op, cur)}" if op is not None else "no figure"
            out.append(f"{spec.label}: {shown}, no tariff to check it against ({_qty(dim)})")
            continue
        if op is None:
            text = f"{spec.label}: tariff {_money(ours, cur)}, no figure from the operator"
        else:
            text = f"{spec.label}: operator {_money(op, cur)}, tariff {_money(ours, cur)}"
        text += f" ({_qty(dim)}"
        if dim.quantity > 0 and dim.unit in ("kWh", "h"):
            text += f" at {format_amount(ours / dim.quantity)} {cur}/{dim.unit}"
        elif dim.quantity > 1:
            text += f" at {format_amount(ours / dim.quantity)} {cur} each"
        text += ")"
        if dim.kind in audit.differing and op is not None:
            text += f": differs by {_money(abs(op - ours), cur)}"
        out.append(text)
    return out


# --- choosing the tariffs -------------------------------------------------------------------


def _choose_tariffs(cdr: Cdr, stored: Sequence[Tariff], notes: list[str]) -> _Choice:
    """The tariffs named by the periods, from the CDR first, then from our store."""
    if cdr.tariffs and len(cdr.tariffs) == 1:  # the common case, quickly
        only = cdr.tariffs[0]
        key = only.id.upper()
        if only.currency.upper() == cdr.currency.upper() and all(
            p.tariff_id is None or p.tariff_id.upper() == key for p in cdr.charging_periods
        ):
            return _Choice((only,), None, "CDR", ())

    def usable(tariff: Tariff) -> bool:
        if tariff.currency.upper() == cdr.currency.upper():
            return True
        notes.append(f"Tariff {tariff.id} is in {tariff.currency}, the CDR in {cdr.currency}.")
        return False

    carried: dict[str, Tariff] = {}
    for tariff in cdr.tariffs or ():
        carried.setdefault(tariff.id.upper(), tariff)
    own_party = [
        t for t in stored if (t.country_code, t.party_id) == (cdr.country_code, cdr.party_id)
    ]
    candidates = own_party + [t for t in stored if t not in own_party]
    ours: dict[str, Tariff] = {}
    for tariff in candidates:
        ours.setdefault(tariff.id.upper(), tariff)
    chosen: dict[str, Tariff] = {}
    from_store: list[str] = []
    missing: list[str] = []
    named = dict.fromkeys(p.tariff_id.upper() for p in cdr.charging_periods if p.tariff_id)
    for key in named:
        found = carried.get(key)
        if found is None and (found := ours.get(key)) is not None:
            from_store.append(found.id)
        if found is not None and usable(found):
            chosen[key] = found
        else:
            missing.append(key)
    periods = None
    if any(p.tariff_id is None for p in cdr.charging_periods):
        default = _default_tariff(cdr, chosen, candidates, from_store, notes)
        if default is not None and usable(default):
            chosen.setdefault(default.id.upper(), default)
            if len(chosen) > 1:
                # Each tariff prices only its own periods: give the unnamed ones to the default.
                periods = [
                    p if p.tariff_id else p.model_copy(update={"tariff_id": default.id})
                    for p in cdr.charging_periods
                ]
    for tariff_id in missing:
        notes.append(f"The CDR names tariff {tariff_id}, which we do not have: not priced.")
    used = [t for t in dict.fromkeys(from_store) if t.upper() in chosen]
    for tariff_id in used:
        notes.append(f"Tariff {tariff_id} is not in the CDR: our stored copy was used.")
    source = "NONE" if not chosen else "STORED" if used else "CDR"
    return _Choice(tuple(chosen.values()), periods, source, tuple(missing))


def _default_tariff(
    cdr: Cdr,
    chosen: dict[str, Tariff],
    candidates: list[Tariff],
    from_store: list[str],
    notes: list[str],
) -> Tariff | None:
    """The tariff for periods that name none: the CDR's first, else one already chosen, else
    our stored one (the CPO's own first)."""
    if cdr.tariffs:
        return cdr.tariffs[0]
    if chosen:
        return next(iter(chosen.values()))
    if not candidates:
        return None
    if len(candidates) > 1:
        notes.append(
            f"The CDR names no tariff and we store {len(candidates)}: {candidates[0].id} was used."
        )
    from_store.append(candidates[0].id)
    return candidates[0]


def _zone(cdr: Cdr, time_zone: str | None, tariffs: Sequence[Tariff], notes: list[str]) -> tzinfo:
    if time_zone:
        try:
            return ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            notes.append(f"Unknown time zone {time_zone!r}.")
    local = any(
        r is not None
        and (r.start_time or r.end_time or r.start_date or r.end_date or r.day_of_week)
        for t in tariffs
        for r in (e.restrictions for e in t.elements)
    )
    country = cdr.cdr_location.country
    name = zone_of_country(country)
    if name is not None:
        if local:
            notes.append(f"Local times read in {name}, the zone of {country}.")
        return ZoneInfo(name)
    if local:
        notes.append(f"No time zone known for {country}: local times read in UTC.")
    return UTC


# --- summing the engine's prices ------------------------------------------------------------


def _add(sums: dict[str, _Sum], price: TariffPrice, notes: list[str]) -> None:
    """One tariff's price into the per-dimension sums, with its min/max clamp shared out."""
    for note in price.notes:
        if " belongs to tariff " not in note:  # another tariff of the CDR prices that period
            notes.append(f"{note[:1].upper()}{note[1:]}.")
    for line in price.lines:
        s = sums[line.bucket]
        s.lines += 1
        s.vats.add(None if line.component.vat is None else dec(line.component.vat))
        if line.dimension == FLAT:
            s.fees += 1
        else:
            s.amount += line.seconds if line.seconds is not None else line.quantity
    clamped = price.min_price_applied or price.max_price_applied
    excl = _shares(price, "excl_vat") if clamped else None
    incl = _shares(price, "incl_vat") if clamped else None
    for d in DIMENSIONS:
        money = getattr(price, d.bucket)
        s = sums[d.bucket]
        s.raw_excl += money.excl_vat
        s.raw_incl += money.incl_vat
        s.excl += money.excl_vat if excl is None else excl[d.bucket]
        s.incl += money.incl_vat if incl is None else incl[d.bucket]
    if clamped:
        if price.min_price_applied:
            notes.append(f"Tariff {price.tariff_id}'s minimum price applies.")
        if price.max_price_applied:
            notes.append(f"Tariff {price.tariff_id}'s maximum price applies.")
        if sums["fixed"].fees == 0 and (excl or {}).get("fixed"):
            sums["fixed"].fees = 1


def _shares(price: TariffPrice, side: str) -> dict[str, Decimal]:
    """The clamped total (excl. or incl. VAT) shared over the dimensions in proportion, exact:
    the largest takes the rounding remainder. Nothing priced: all in the session fee."""
    total: Decimal = getattr(price, side)
    parts = {d.bucket: getattr(getattr(price, d.bucket), side) for d in DIMENSIONS}
    subtotal = sum(parts.values(), ZERO)
    if subtotal == 0:
        return {**dict.fromkeys(parts, ZERO), "fixed": total}
    shares = {k: v * total / subtotal for k, v in parts.items()}
    largest = max(shares, key=lambda k: abs(parts[k]))
    shares[largest] += total - sum(shares.values(), ZERO)
    return shares


def _dimensions(
    cdr: Cdr, sums: dict[str, _Sum], measured: Quantities, clamped: bool, notes: list[str]
) -> tuple[tuple[DimensionPrice, ...], tuple[LineKind, ...]]:
    out: list[DimensionPrice] = []
    differing: list[LineKind] = []
    for d in DIMENSIONS:
        s = sums[d.bucket]
        op: Price | None = getattr(cdr, d.cost_field)
        if not s.lines and op is None and not s.excl:
            continue
        op_excl, op_incl = _magnitudes(op) if op is not None else (None, None)
        quantity, unit = _quantity(d, s, measured)
        if len(s.vats) > 1:
            notes.append(f"{d.label} is priced at several VAT rates.")
        vat = next(iter(s.vats)) if len(s.vats) == 1 else None
        out.append(DimensionPrice(d.kind, quantity, unit, s.excl, op_excl, vat))
        if _off(op_excl, s.excl, s.raw_excl, clamped) or _off(op_incl, s.incl, s.raw_incl, clamped):
            differing.append(d.kind)
    return tuple(out), tuple(differing)


def _quantity(d: _Dimension, s: _Sum, measured: Quantities) -> tuple[Decimal, str]:
    """Billed quantity (after step_size) where the tariff prices it, else the measured one."""
    if d.bucket == "energy":
        return (s.amount if s.lines else measured.energy_kwh), d.unit
    if d.bucket in ("time", "parking"):
        if s.lines:
            return s.amount / SECONDS_PER_HOUR, d.unit
        hours = measured.charging_hours if d.bucket == "time" else measured.parking_hours
        return hours, d.unit
    if d.bucket == "fixed":
        return Decimal(s.fees), d.unit
    if s.amount:
        return s.amount / SECONDS_PER_HOUR, "h"
    if s.fees:
        return Decimal(s.fees), "reservation"
    return measured.reservation_hours, "h"


def _magnitudes(price: Price) -> tuple[Decimal, Decimal | None]:
    """A CDR figure without its sign (a credit CDR's are negative)."""
    incl = None if price.incl_vat is None else abs(dec(price.incl_vat))
    return abs(dec(price.excl_vat)), incl


def _off(op: Decimal | None, ours: Decimal, unclamped: Decimal, clamped: bool) -> bool:
    if op is None or abs(op - ours) <= CENT:
        return False
    return not clamped or abs(op - unclamped) > CENT


def _agrees(op: Decimal, ours: Decimal, ours_rounded_per_dimension: Decimal) -> bool:
    return abs(op - ours) <= CENT or abs(op - ours_rounded_per_dimension) <= CENT


# --- nothing to price with ------------------------------------------------------------------


def _unchecked(cdr: Cdr, notes: list[str]) -> CdrAudit:
    op_excl, op_incl = _magnitudes(cdr.total_cost)
    charging = dec(cdr.total_time) - dec(cdr.total_parking_time or 0)
    reserved = sum(
        (dec(p.volume(CdrDimensionType.RESERVATION_TIME) or 0) for p in cdr.charging_periods),
        ZERO,
    )
    quantities = {
        "energy": (dec(cdr.total_energy), "kWh"),
        "time": (max(charging, ZERO), "h"),
        "parking": (dec(cdr.total_parking_time or 0), "h"),
        "fixed": (Decimal(1), "session"),
        "reservation": (reserved, "h") if reserved else (Decimal(1), "reservation"),
    }
    dimensions = []
    for d in DIMENSIONS:
        op: Price | None = getattr(cdr, d.cost_field)
        if op is not None:
            quantity, unit = quantities[d.bucket]
            dimensions.append(
                DimensionPrice(d.kind, quantity, unit, ZERO, _magnitudes(op)[0], None)
            )
    shown = op_excl if op_incl is None else op_incl
    return CdrAudit(
        cdr_key=(cdr.country_code, cdr.party_id, cdr.id),
        currency=cdr.currency,
        matches=False,
        operator_total_excl=op_excl,
        operator_total_incl=op_incl,
        tariff_total_excl=ZERO,
        tariff_total_incl=None,
        dimensions=tuple(dimensions),
        differing=(),
        tariff_source="NONE",
        sentence=_Words(cdr, op_incl is not None).unchecked(shown),
        notes=tuple(dict.fromkeys(notes)),
    )


# --- the sentence ---------------------------------------------------------------------------


class _Words:
    """The audit in one plain sentence; amounts incl. VAT when the CDR gives that figure."""

    def __init__(self, cdr: Cdr, incl_vat: bool) -> None:
        self.currency = cdr.currency
        self.suffix = "" if incl_vat else " excl. VAT"
        self.credit = bool(cdr.credit)
        ref = cdr.credit_reference_id
        self.credited = f" for their CDR {ref}" if ref else ""

    def money(self, amount: Decimal) -> str:
        return f"{cents(amount)} {self.currency}{self.suffix}"

    def checked(
        self,
        op: Decimal,
        ours: Decimal,
        matches: bool,
        differing: Sequence[LineKind],
        *,
        vat_only: bool,
        missing: Sequence[str],
    ) -> str:
        names = _join([BY_KIND[k].name for k in differing])
        if matches:
            split = f" They split it differently ({names})." if differing else ""
            if self.credit:
                return (
                    f"This is a credit of {self.money(op)} from the operator{self.credited}; "
                    f"it matches their tariff.{split}"
                )
            return f"The operator's bill matches their tariff: {self.money(ours)}.{split}"
        where = (
            f" (the difference is in {names})"
            if differing
            else " (the difference is in the VAT)"
            if vat_only
            else ""
        )
        if self.credit:
            text = (
                f"This is a credit of {self.money(op)} from the operator{self.credited}; "
                f"their tariff gives {self.money(ours)} for the same charging{where}."
            )
        else:
            text = (
                f"The operator billed {self.money(op)}; their tariff gives {self.money(ours)}"
                f"{where}; you pay {self.money(ours)}."
            )
        if missing:
            text += f" Part of the charging names a tariff we do not have ({_join(missing)})."
        return text

    def unchecked(self, op: Decimal) -> str:
        what = (
            f"This credit of {self.money(op)} from the operator{self.credited}"
            if self.credit
            else f"The operator billed {self.money(op)}, which"
        )
        return (
            f"{what} could not be checked: the CDR carries no tariff and we have none stored "
            "for it, so support checks it before it is billed."
        )


def _join(words: Sequence[str]) -> str:
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _money(amount: Decimal, currency: str) -> str:
    return f"{cents(amount)} {currency}"


def _qty(dim: DimensionPrice) -> str:
    number = f"{dim.quantity.quantize(Decimal('0.0001')).normalize():f}"
    unit = dim.unit if dim.unit in ("kWh", "h") or number == "1" else f"{dim.unit}s"
    return f"{number} {unit}"
