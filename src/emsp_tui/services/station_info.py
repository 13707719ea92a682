"""What the station page says beside the raw Location: opening hours in words, which tariff
applies to which connectors, and the price of a charge the driver describes.

Pure functions (no store, no UI, no clock of their own: ``now`` is passed in).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..billing.plans import ChargerClass
from ..ocpi.enums import TariffType
from ..ocpi.models import EVSE, Connector, Hours, Location, Tariff
from ..store.location_index import minute_of_week, parse_periods, weekly_periods, zone
from ..tariff import PlannedCharge, TariffPrice, price_charge
from .driver_price import DriverPrice, DriverPricing
from .stations import StationDetail, connector_label, format_kw

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEK = 7 * 1440


# -- opening hours ------------------------------------------------------------------------------
def _clock(minute_of_day: int) -> str:
    return (
        "24:00" if minute_of_day == 1440 else f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"
    )


def opening_lines(hours: Hours | None) -> list[str]:
    """``["Mon-Sat 07:00-22:00", "Sun closed"]``; ``["Open 24/7"]`` without limits."""
    if hours is None or hours.twentyfourseven or not hours.regular_hours:
        return ["Open 24/7"]
    per_day: dict[int, list[str]] = {d: [] for d in range(1, 8)}
    for r in sorted(hours.regular_hours, key=lambda r: (r.weekday, r.period_begin)):
        end = "24:00" if r.period_end == "00:00" else r.period_end
        per_day[r.weekday].append(f"{r.period_begin}-{end}")
    groups: list[tuple[list[int], str]] = []
    for day in range(1, 8):
        text = ", ".join(per_day[day]) or "closed"
        if groups and groups[-1][1] == text and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], text))
    lines = []
    for days, text in groups:
        name = DAY_NAMES[days[0] - 1]
        if len(days) > 1:
            name += f"-{DAY_NAMES[days[-1] - 1]}"
        lines.append(f"{name} {text}")
    return lines


def opening_state(location: Location, now: datetime) -> tuple[bool, str]:
    """(open now, "Open now, until 22:00" / "Closed now, opens Mon 07:00" / "Open 24/7")."""
    hours = location.opening_times
    stamp = now.timestamp()
    for period in (hours.exceptional_closings or []) if hours else []:
        if period.period_begin.timestamp() <= stamp < period.period_end.timestamp():
            local_end = period.period_end.astimezone(zone(location.time_zone))
            return False, f"Closed now (exceptionally), until {local_end:%a %H:%M}"
    for period in (hours.exceptional_openings or []) if hours else []:
        if period.period_begin.timestamp() <= stamp < period.period_end.timestamp():
            local_end = period.period_end.astimezone(zone(location.time_zone))
            return True, f"Open now (exceptionally), until {local_end:%a %H:%M}"
    text = weekly_periods(hours) if hours else None
    if text is None:
        return True, "Open 24/7"
    periods = parse_periods(text)
    if not periods:
        return False, "Closed (no opening hours)"
    minute = minute_of_week(now, location.time_zone)
    for begin, end in periods:
        if begin <= minute < end:
            # A period ending at the week's end continues in one starting at 0 (Sun night).
            if end == WEEK and periods[0][0] == 0:
                end = WEEK + periods[0][1]
            return True, f"Open now, until {_when(end, minute)}"
    upcoming = [b for b, _ in periods if b > minute] or [periods[0][0] + WEEK]
    return False, f"Closed now, opens {_when(upcoming[0], minute, always_day=True)}"


def _when(at: int, minute: int, *, always_day: bool = False) -> str:
    """Minute of the week ``at`` as "22:00" when it is later today, else "Mon 07:00"."""
    day, of_day = divmod(at, 1440)
    today = minute // 1440
    if not always_day and day == today:
        return _clock(of_day)
    if not always_day and of_day == 0 and day - 1 == today:
        return _clock(1440)  # midnight tonight
    return f"{DAY_NAMES[day % 7]} {_clock(of_day)}"


# -- tariffs per connector ---------------------------------------------------------------------
@dataclass(frozen=True)
class TariffOffer:
    """One tariff and the connectors that use it (``tariff`` None: id not known here)."""

    tariff_id: str | None
    tariff: Tariff | None
    connectors: tuple[tuple[EVSE, Connector], ...]

    @property
    def ad_hoc(self) -> bool:
        return self.tariff is not None and self.tariff.type == TariffType.AD_HOC_PAYMENT

    @property
    def max_kw(self) -> float:
        return max(c.max_power_kw for _, c in self.connectors)

    @property
    def label(self) -> str:
        """``"CCS, CHAdeMO up to 50 kW"``."""
        names = dict.fromkeys(connector_label(c.standard) for _, c in self.connectors)
        return f"{', '.join(names)} up to {format_kw(self.max_kw)}"


def tariff_offers(detail: StationDetail) -> list[TariffOffer]:
    """Tariffs in the order the station's connectors name them; ad-hoc payment ones last."""
    groups: dict[str | None, list[tuple[EVSE, Connector]]] = {}
    for evse in detail.location.evses or []:
        if evse.status == "REMOVED":
            continue
        for connector in evse.connectors:
            for tariff_id in connector.tariff_ids or [None]:  # type: ignore[list-item]
                key = tariff_id.upper() if tariff_id else None
                groups.setdefault(key, []).append((evse, connector))
    offers = [
        TariffOffer(key, detail.tariffs.get(key) if key else None, tuple(conns))
        for key, conns in groups.items()
    ]
    return sorted(offers, key=lambda o: o.ad_hoc)


# -- "30 kWh in 40 min" ------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanInput:
    energy_kwh: float
    duration: timedelta | None = None
    power_kw: float | None = None
    parking: timedelta = timedelta(0)


_QUANTITY = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(kwh|kw|hours?|hrs?|h|minutes?|mins?|m)?(?![a-z])", re.IGNORECASE
)
_CLAUSES = re.compile(r"[+;]|,(?!\d)|\bthen\b|\band\b", re.IGNORECASE)  # "12,5" is a number
_PARKING_WORDS = re.compile(r"\b(idle|park(?:ed|ing)?|block(?:ing)?|wait(?:ing)?|stay)\b", re.I)


def parse_plan(text: str) -> PlanInput:
    """Read a charge in words: ``30 kWh in 40 min``, ``20 kWh at 11 kW``, ``+ 30 min idle``."""
    energy: float | None = None
    power: float | None = None
    charging = timedelta(0)
    parking = timedelta(0)
    timed = False
    for clause in _CLAUSES.split(text):
        idle = bool(_PARKING_WORDS.search(clause))
        last_unit = ""
        for match in _QUANTITY.finditer(clause):
            value = float(match.group(1).replace(",", "."))
            unit = (match.group(2) or "").lower()
            if not unit and last_unit.startswith("h"):
                unit = "min"  # "1h30" / "1 h 30"
            if unit == "kwh":
                energy = value
            elif unit == "kw":
                power = value
            elif unit.startswith("h") or unit.startswith("m"):
                delta = timedelta(hours=value) if unit.startswith("h") else timedelta(minutes=value)
                if idle:
                    parking += delta
                else:
                    charging += delta
                    timed = True
            else:
                raise ValueError(f"what is {match.group(1)}? Write kWh, kW, h or min")
            last_unit = unit
    if energy is None or energy <= 0:
        raise ValueError("say how much energy, e.g. 30 kWh in 40 min")
    if not timed and power is None:
        raise ValueError("say how long or how fast, e.g. 30 kWh in 40 min, or 30 kWh at 50 kW")
    if timed and charging <= timedelta(0):
        raise ValueError("the charging time must be more than zero")
    if power is not None and power <= 0:
        raise ValueError("the power must be more than zero")
    return PlanInput(energy, charging if timed else None, power, parking)


@dataclass(frozen=True)
class Estimate:
    offer: TariffOffer
    price: TariffPrice | None  # None: the tariff is not known here
    power_kw: float
    duration: timedelta
    note: str | None = None


def _span(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def estimate(detail: StationDetail, plan: PlanInput, now: datetime) -> list[Estimate]:
    """The plan priced under each tariff of the station, starting ``now``.

    A plan faster than a connector can charge is priced at that connector's power instead
    (the charge takes longer, which matters for time-based prices), and says so.
    """
    out = []
    for offer in tariff_offers(detail):
        if plan.power_kw is not None:
            power = plan.power_kw
        else:
            assert plan.duration is not None
            power = plan.energy_kwh / (plan.duration.total_seconds() / 3600)
        note = None
        duration = timedelta(hours=plan.energy_kwh / power)
        if plan.duration is not None and plan.power_kw is None:
            duration = plan.duration
        if offer.max_kw and power > offer.max_kw + 1e-9:
            power = offer.max_kw
            duration = timedelta(hours=plan.energy_kwh / power)
            note = f"at most {format_kw(power)} here: about {_span(duration)}"
        if offer.tariff is None:
            out.append(Estimate(offer, None, power, duration, "price not published"))
            continue
        charge = PlannedCharge(
            start=now, energy_kwh=plan.energy_kwh, power_kw=power, duration=duration,
            parking=plan.parking,
        )  # fmt: skip
        price = price_charge(offer.tariff, charge, zone(detail.location.time_zone))
        out.append(Estimate(offer, price, power, duration, note))
    return out


# -- the price reminder before the start ---------------------------------------------------------
@dataclass(frozen=True)
class StartPrice:
    """A charge the driver describes, priced for one charger: the tariff's price and what the
    driver pays (their plan, the station country's VAT: as the invoice will say)."""

    estimate: Estimate
    tariff: Tariff
    charger: ChargerClass
    driver: DriverPrice | None  # None: no VAT rate known for the station's country


def start_prices(
    detail: StationDetail,
    evse_uid: str | None,
    plan: PlanInput,
    now: datetime,
    pricing: DriverPricing,
    account_plan: str | None,
) -> list[StartPrice]:
    """The reminder's prices: each tariff of the charger (``evse_uid``; None: of the whole
    station, for the Price tab's estimate), ad-hoc payment ones left out."""
    out = []
    for found in estimate(detail, plan, now):
        offer = found.offer
        here = [c for e, c in offer.connectors if evse_uid is None or e.uid == evse_uid]
        if not here or found.price is None or offer.tariff is None or offer.ad_hoc:
            continue
        driver = pricing.price(
            found.price, detail.location.country, plan=account_plan, connector=here[0]
        )
        out.append(StartPrice(found, offer.tariff, pricing.charger(here[0]), driver))
    return out
