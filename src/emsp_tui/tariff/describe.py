"""Plain-words tariff descriptions, written from the same numbers the engine charges.

Prices are shown incl. VAT when a component gives VAT (absent VAT: the price as is, marked
"excl. VAT"). TIME/PARKING_TIME prices are per hour in OCPI; a tariff shows all its time
prices per minute when every one of them is a whole number of cents per minute (0.10/min),
otherwise all per hour (5.50/h), so the figure is never a rounded one and units never mix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ..ocpi.enums import ReservationRestrictionType, TariffDimensionType
from ..ocpi.models import Price, PriceComponent, Tariff, TariffElement, TariffRestrictions
from .money import dec, format_amount, shown_unit_price
from .restrictions import WEEKDAYS

ENERGY = TariffDimensionType.ENERGY
FLAT = TariffDimensionType.FLAT
TIME = TariffDimensionType.TIME
PARKING = TariffDimensionType.PARKING_TIME
RESERVATION = ReservationRestrictionType.RESERVATION
EXPIRES = ReservationRestrictionType.RESERVATION_EXPIRES
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class TariffDescription:
    lines: tuple[str, ...]  # one per element, in tariff order (or the alt text, see below)
    limits: str | None  # "min 0.50 EUR, max 20.00 EUR"
    vat: str | None  # "VAT included" / "excl. VAT" / None when everything is free
    summary: str  # one glance, for a results table: "0.59/kWh +idle"
    extra: str | None = None  # tariff_alt_text: extra information only (spec)
    url: str | None = None  # tariff_alt_url
    from_alt_text: bool = False  # the elements said nothing useful; lines are the alt text

    @property
    def sentence(self) -> str:
        return ", ".join([*self.lines, *(p for p in (self.limits, self.vat) if p)])

    @property
    def text(self) -> str:
        footer = ", ".join(p for p in (self.limits, self.vat) if p)
        return "\n".join(p for p in (*self.lines, footer, self.extra, self.url) if p)


def describe_tariff(tariff: Tariff, language: str = "en") -> TariffDescription:
    style = _Style.of(tariff)
    alt = _alt_text(tariff, language)
    summary = summarize_tariff(tariff)
    if alt is not None and not _says_anything(tariff):
        return TariffDescription(
            lines=(alt,),
            limits=None,
            vat=None,
            summary=summary,
            url=tariff.tariff_alt_url,
            from_alt_text=True,
        )
    return TariffDescription(
        lines=_lines(tariff, style),
        limits=_limits(tariff, style),
        vat=style.vat_note if _says_anything(tariff) else None,
        summary=summary,
        extra=alt,
        url=tariff.tariff_alt_url,
    )


def _lines(tariff: Tariff, style: _Style) -> tuple[str, ...]:
    """One line per element, each with its condition. An element priced exactly as a later
    unconditional one is merged into it: whether its condition holds changes nothing, and
    "0.79 EUR/kWh (above 50 kW)" then a bare "0.79 EUR/kWh" reads as a repeat (#10)."""
    elements = tariff.elements
    lines = []
    for n, element in enumerate(elements):
        if element.restrictions is not None and element.restrictions.reservation is None:
            same = [c.model_dump() for c in element.price_components]
            later = (e for e in elements[n + 1 :] if _unrestricted(e))
            fallback = next(later, None)
            if fallback is not None and [c.model_dump() for c in fallback.price_components] == same:
                continue
        lines.append(describe_element(element, tariff, style))
    return tuple(dict.fromkeys(lines))


def _unrestricted(element: TariffElement) -> bool:
    r = element.restrictions
    return r is None or not r.model_dump(exclude_none=True)


def summarize_tariff(tariff: Tariff) -> str:
    """A short price tag: ``0.59 EUR/kWh +idle``, ``0.45-0.69 EUR/kWh +fee``,
    ``0.10 EUR/min``, ``free``. Energy prices at most 2 decimals (display only)."""
    style = _Style.of(tariff)
    prices: dict[TariffDimensionType, list[Decimal]] = {d: [] for d in TariffDimensionType}
    for element in tariff.elements:
        if element.restrictions is None or element.restrictions.reservation is None:
            for c in element.price_components:
                prices[c.type].append(shown_unit_price(c))
    paid = {d for d, values in prices.items() if any(values)}
    unit = "/min" if style.per_minute else "/h"

    def span(dimension: TariffDimensionType) -> str:
        values = [
            style.time_figure(v) if dimension in (TIME, PARKING) else v for v in prices[dimension]
        ]
        places = 4 if dimension in (TIME, PARKING) else 2  # cents per minute do matter
        lo, hi = format_amount(min(values), places), format_amount(max(values), places)
        return f"{lo} {style.currency}" if lo == hi else f"{lo}-{hi} {style.currency}"

    flags = [("+time", TIME), ("+idle", PARKING), ("+fee", FLAT)]
    if ENERGY in paid:
        head = f"{span(ENERGY)}/kWh"
    elif TIME in paid:
        head, flags = f"{span(TIME)}{unit}", flags[1:]
    elif PARKING in paid:
        head, flags = f"idle {span(PARKING)}{unit}", flags[2:]
    elif FLAT in paid:
        return f"{span(FLAT)}/session"
    else:
        return "see details" if tariff.tariff_alt_text else "free"
    return " ".join([head, *(flag for flag, d in flags if d in paid)])


@dataclass(frozen=True)
class _Style:
    currency: str
    per_minute: bool
    vat_mode: str  # "incl", "excl" or "mixed"

    @classmethod
    def of(cls, tariff: Tariff) -> _Style:
        components = [c for e in tariff.elements for c in e.price_components]
        with_vat = [c.vat is not None for c in components]
        mode = "incl" if all(with_vat) else "excl" if not any(with_vat) else "mixed"
        timed = [shown_unit_price(c) for c in components if c.type in (TIME, PARKING)]
        per_minute = all(v * 100 % 60 == 0 for v in timed)
        return cls(tariff.currency, per_minute, mode)

    def time_figure(self, per_hour: Decimal) -> Decimal:
        return per_hour / 60 if self.per_minute else per_hour

    @property
    def vat_note(self) -> str:
        return {
            "incl": "VAT included",
            "excl": "excl. VAT",
            "mixed": "VAT included unless marked excl. VAT",
        }[self.vat_mode]


def describe_element(element: TariffElement, tariff: Tariff, style: _Style | None = None) -> str:
    """One line: the element's prices, then its restrictions in parentheses."""
    style = style or _Style.of(tariff)
    r = element.restrictions
    kind = r.reservation if r is not None else None
    components = [c for c in element.price_components if kind is None or c.type in (FLAT, TIME)]
    conditions = _conditions(r) if r is not None else []
    if not conditions and kind is None and all(dec(c.price) == 0 for c in components):
        return "free of charge"
    text = ", ".join(_component(c, kind, style) for c in components)
    return f"{text} ({', '.join(conditions)})" if conditions else text


def _component(c: PriceComponent, kind: ReservationRestrictionType | None, style: _Style) -> str:
    value = shown_unit_price(c)
    figure = style.time_figure(value) if c.type in (TIME, PARKING) else value
    money = f"{format_amount(figure)} {style.currency}"
    rate = f"{money}/min" if style.per_minute else f"{money}/h"
    suffix = " excl. VAT" if style.vat_mode == "mixed" and c.vat is None else ""
    free = value == 0
    if kind == RESERVATION:
        if c.type == FLAT:
            return "no reservation fee" if free else f"reservation fee {money}{suffix}"
        return "reservation free" if free else f"reservation {rate}{suffix}"
    if kind == EXPIRES:
        if c.type == FLAT:
            return "no expiry fee" if free else f"{money}{suffix} if the reservation expires unused"
        return "expired reservation free" if free else f"expired reservation {rate}{suffix}"
    if c.type == FLAT:
        return "no session fee" if free else f"{money} per session{suffix}"
    if c.type == ENERGY:
        return "energy free" if free else f"{money}/kWh{suffix}"
    if c.type == TIME:
        return "charging time free" if free else f"{rate}{suffix}"
    return "parking free" if free else f"parking {rate}{suffix} while not charging"


def _conditions(r: TariffRestrictions) -> list[str]:
    out = []
    clock = _clock(r.start_time, r.end_time)
    days = _days([WEEKDAYS.index(d) for d in r.day_of_week or []])
    if days or clock:
        out.append(" ".join(p for p in (days, clock) if p))
    if r.start_date or r.end_date:
        last = (
            (date.fromisoformat(r.end_date) - timedelta(days=1)).isoformat() if r.end_date else None
        )
        if r.start_date and last:
            out.append(f"from {r.start_date} to {last}")
        else:
            out.append(f"from {r.start_date}" if r.start_date else f"until {last}")
    out += _range(r.min_kwh, r.max_kwh, "kWh", low="after", high="up to")
    out += _range(r.min_power, r.max_power, "kW", low="above", high="below")
    out += _range(r.min_current, r.max_current, "A", low="above", high="below")
    min_duration = r.min_duration or None  # 0 s restricts nothing
    if min_duration is not None or r.max_duration is not None:
        out.append(_duration(min_duration, r.max_duration))
    return out


def _clock(start: str | None, end: str | None) -> str | None:
    end_shown = "24:00" if end == "00:00" else end
    if start and end:
        return f"{start}-{end_shown}"
    if start:
        return f"from {start}"
    if end and end != "00:00":
        return f"until {end}"
    return None


def _days(indexes: list[int]) -> str | None:
    wanted = sorted(set(indexes))
    if not wanted or len(wanted) == 7:
        return None
    runs: list[list[int]] = []
    for i in wanted:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}")
        else:
            parts += [DAY_NAMES[i] for i in run]
    return ", ".join(parts)


def _num(value: float) -> str:
    return format(dec(value).normalize(), "f")


def _range(lo: float | None, hi: float | None, unit: str, *, low: str, high: str) -> list[str]:
    if lo is not None and hi is not None:
        return [f"{_num(lo)}-{_num(hi)} {unit}"]
    if lo is not None:
        return [f"{low} {_num(lo)} {unit}"]
    if hi is not None:
        return [f"{high} {_num(hi)} {unit}"]
    return []


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _span(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def _duration(lo: int | None, hi: int | None) -> str:
    hourly = all(v is None or v % 3600 == 0 for v in (lo, hi))
    if lo is not None and hi is not None:
        if hourly and hi - lo == 3600:
            return f"in the {_ordinal(lo // 3600 + 1)} hour"
        if hourly:
            return f"from the {_ordinal(lo // 3600 + 1)} to the {_ordinal(hi // 3600)} hour"
        return f"from {_span(lo)} to {_span(hi)}"
    if lo is not None:
        return f"from the {_ordinal(lo // 3600 + 1)} hour" if hourly else f"after {_span(lo)}"
    assert hi is not None
    if hourly:
        return "for the first hour" if hi == 3600 else f"for the first {hi // 3600} hours"
    return f"for the first {_span(hi)}"


def _limits(tariff: Tariff, style: _Style) -> str | None:
    def shown(price: Price) -> str:
        if style.vat_mode != "excl" and price.incl_vat is not None:
            return f"{format_amount(dec(price.incl_vat))} {style.currency}"
        suffix = " excl. VAT" if style.vat_mode != "excl" else ""
        return f"{format_amount(dec(price.excl_vat))} {style.currency}{suffix}"

    parts = []
    if tariff.min_price is not None:
        parts.append(f"min {shown(tariff.min_price)}")
    if tariff.max_price is not None:
        parts.append(f"max {shown(tariff.max_price)}")
    return ", ".join(parts) or None


def _says_anything(tariff: Tariff) -> bool:
    """Elements carry information: some price is not zero."""
    return any(dec(c.price) != 0 for e in tariff.elements for c in e.price_components)


def _alt_text(tariff: Tariff, language: str) -> str | None:
    texts = tariff.tariff_alt_text or []
    for wanted in (language, "en"):
        for t in texts:
            if t.language.lower() == wanted.lower():
                return str(t.text)
    return str(texts[0].text) if texts else None
