"""OCPI 2.2.1 views of a ChargingSession: ChargingPeriods, Session, Session PATCH, CDR.

The session is read through `record.SessionRecord` (this module never imports `session`).

Volumes carry 4 decimals. Energy and time are rounded cumulatively (a period's volume is the
rounded running total at its end minus the one at its start), so the period volumes add up
exactly to `kwh`, `total_energy` and `total_time`. Energy, power and current are rounded down,
which keeps a value on the same side of any tariff threshold with at most 4 decimals.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any

from .pricing import Costs, Money, price_periods
from .record import Period, SessionRecord

SESSION_ONLY_DIMENSIONS = frozenset(
    {"CURRENT", "ENERGY_EXPORT", "ENERGY_IMPORT", "POWER", "STATE_OF_CHARGE"}
)
_Q = Decimal("0.0001")
_HOUR_MS = Decimal(3_600_000)


def iso(dt: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS[.mmm]Z`."""
    dt = dt.astimezone(UTC)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    ms = dt.microsecond // 1000
    return f"{text}.{ms:03d}Z" if ms else f"{text}Z"


def _down(x: float) -> Decimal:
    return Decimal(repr(x + 1e-9)).quantize(_Q, ROUND_FLOOR)  # 1e-9: float noise below a grid step


def _near(x: float) -> float:
    return float(Decimal(repr(x)).quantize(_Q, ROUND_HALF_EVEN))


def _hours(session: SessionRecord, ms: int) -> Decimal:
    """Hours since the session went ACTIVE (since creation if it never did), 4 decimals."""
    return (Decimal(session.ms_since_active(ms)) / _HOUR_MS).quantize(_Q, ROUND_HALF_EVEN)


def _dimensions(session: SessionRecord, p: Period, cdr: bool) -> list[dict[str, Any]]:
    end = session.period_end_ms(p)
    hours = float(_hours(session, end) - _hours(session, p.start_ms))
    if not p.charging:
        dims = [("PARKING_TIME", hours)]
    else:
        dims = [
            ("ENERGY", float(_down(p.kwh_end) - _down(p.kwh_start))),
            ("TIME", hours),
            ("MAX_POWER", float(_down(p.max_kw))),
            ("MIN_POWER", float(_down(p.min_kw))),
            ("MAX_CURRENT", float(_down(p.max_a))),
            ("MIN_CURRENT", float(_down(p.min_a))),
        ]
        if not cdr:
            span = end - p.start_ms
            power = (p.kwh_end - p.kwh_start) / (span / 3_600_000) if span else p.max_kw
            dims += [
                ("POWER", _near(power)),
                ("CURRENT", _near(p.amp_ms / span if span else p.max_a)),
            ]
    if not cdr:
        dims.append(("STATE_OF_CHARGE", round(p.soc, 2)))
    return [{"type": kind, "volume": volume} for kind, volume in dims]


def period_dicts(session: SessionRecord, *, cdr: bool, include_open: bool) -> list[dict[str, Any]]:
    """ChargingPeriod dicts; `cdr` drops the Session-only dimensions."""
    out = []
    for p in session.periods:
        if p.end_ms is None and not include_open:
            continue
        period: dict[str, Any] = {
            "start_date_time": iso(session.time_at(p.start_ms)),
            "dimensions": _dimensions(session, p, cdr),
        }
        if session.tariff is not None:
            period["tariff_id"] = session.tariff["id"]
        out.append(period)
    return out


def session_costs(session: SessionRecord) -> Costs | None:
    """The CPO's cost of the periods so far (the open one included); None without a tariff."""
    if session.tariff is None:
        return None
    periods = period_dicts(session, cdr=True, include_open=True)
    return price_periods(session.tariff, periods, session.time_zone, session.started_at)


def _currency(session: SessionRecord) -> str:
    return str(session.tariff["currency"]) if session.tariff is not None else "EUR"


def session_dict(session: SessionRecord, *, include_open_period: bool = True) -> dict[str, Any]:
    """The full OCPI Session as it stands; `last_updated` is the simulated now."""
    s = session.spec
    out: dict[str, Any] = {
        "country_code": s.country_code,
        "party_id": s.party_id,
        "id": s.session_id,
        "start_date_time": iso(session.started_at),
    }
    if session.ended_at is not None:
        out["end_date_time"] = iso(session.ended_at)
    out["kwh"] = float(_down(session.kwh))
    out["cdr_token"] = copy.deepcopy(s.cdr_token)
    out["auth_method"] = s.auth_method
    if s.authorization_reference:
        out["authorization_reference"] = s.authorization_reference
    out["location_id"] = s.location["id"]
    out["evse_uid"] = s.evse["uid"]
    out["connector_id"] = s.connector["id"]
    out["currency"] = _currency(session)
    periods = period_dicts(session, cdr=False, include_open=include_open_period)
    if periods:
        out["charging_periods"] = periods
    costs = session_costs(session)
    if costs is not None:
        out["total_cost"] = costs.total.to_price()
    out["status"] = session.status
    out["last_updated"] = iso(session.now)
    return out


def session_patch_since(
    session: SessionRecord, sent: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """PATCH body for a receiver that holds `sent` (the last PUT body with every later PATCH
    applied, see `apply_patch`): the fields that changed, the periods closed since (PATCH
    appends them; the open period is never sent) and `last_updated`. None when nothing changed.
    Raises ValueError when `sent` holds a period that differs from ours (send a PUT instead)."""
    current = session_dict(session, include_open_period=False)
    closed = current.pop("charging_periods", [])
    updated = current.pop("last_updated")
    patch = {k: v for k, v in current.items() if sent is None or sent.get(k) != v}
    held = list(sent.get("charging_periods") or []) if sent is not None else []
    if closed[: len(held)] != held:
        raise ValueError("the receiver holds charging periods that differ from the session's")
    if len(closed) > len(held):
        patch["charging_periods"] = closed[len(held) :]
    if not patch:
        return None
    patch["last_updated"] = updated
    return patch


def apply_patch(view: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """What a receiver holds after a Session PATCH: fields replaced, periods appended."""
    out = dict(view)
    for key, value in patch.items():
        if key == "charging_periods":
            out[key] = [*(view.get(key) or []), *value]
        else:
            out[key] = value
    return out


def _cdr_location(session: SessionRecord) -> dict[str, Any]:
    loc, evse, conn = session.spec.location, session.spec.evse, session.spec.connector
    out: dict[str, Any] = {"id": loc["id"]}
    if loc.get("name"):
        out["name"] = loc["name"]
    out["address"], out["city"] = loc["address"], loc["city"]
    for key in ("postal_code", "state"):
        if loc.get(key):
            out[key] = loc[key]
    out["country"] = loc["country"]
    out["coordinates"] = copy.deepcopy(loc["coordinates"])
    out.update(
        {
            "evse_uid": evse["uid"],
            "evse_id": evse.get("evse_id") or evse["uid"],
            "connector_id": conn["id"],
            "connector_standard": conn["standard"],
            "connector_format": conn["format"],
            "connector_power_type": conn["power_type"],
        }
    )
    return out


def _sum(periods: list[dict[str, Any]], *kinds: str) -> float:
    total = sum(
        (
            Decimal(repr(d["volume"]))
            for p in periods
            for d in p["dimensions"]
            if d["type"] in kinds
        ),
        Decimal(0),
    )
    return float(total)


def cdr_dict(session: SessionRecord, cdr_id: str) -> dict[str, Any]:
    """The CDR of a COMPLETED session. A session that never went ACTIVE gets one unpriced
    PARKING_TIME period and zero cost."""
    end = session.ended_at
    if end is None:
        raise RuntimeError("a CDR needs a completed session")
    s = session.spec
    if session.was_active:
        periods = period_dicts(session, cdr=True, include_open=True)
        costs = session_costs(session)
    else:
        hours = float(_hours(session, session.elapsed_ms))
        periods = [
            {
                "start_date_time": iso(session.started_at),
                "dimensions": [{"type": "PARKING_TIME", "volume": hours}],
            }
        ]
        costs = None
    out: dict[str, Any] = {
        "country_code": s.country_code,
        "party_id": s.party_id,
        "id": cdr_id,
        "start_date_time": iso(session.started_at),
        "end_date_time": iso(end),
        "session_id": s.session_id,
        "cdr_token": copy.deepcopy(s.cdr_token),
        "auth_method": s.auth_method,
    }
    if s.authorization_reference:
        out["authorization_reference"] = s.authorization_reference
    out["cdr_location"] = _cdr_location(session)
    out["currency"] = _currency(session)
    if costs is not None and session.tariff is not None:
        out["tariffs"] = [copy.deepcopy(dict(session.tariff))]
    out["charging_periods"] = periods
    by_dim = costs.by_dimension if costs is not None else {}
    out["total_cost"] = (costs.total if costs is not None else Money()).to_price()

    def part(key: str, dimension: str) -> None:
        price = by_dim.get(dimension, Money()).to_price()
        if any(price.values()):
            out[key] = price

    part("total_fixed_cost", "FLAT")
    out["total_energy"] = _sum(periods, "ENERGY")
    part("total_energy_cost", "ENERGY")
    out["total_time"] = _sum(periods, "TIME", "PARKING_TIME")  # = hours from start to end
    part("total_time_cost", "TIME")
    out["total_parking_time"] = _sum(periods, "PARKING_TIME")
    part("total_parking_cost", "PARKING_TIME")
    out["last_updated"] = iso(end)
    return out
