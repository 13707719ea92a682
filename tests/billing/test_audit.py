"""The CDR audit (billing/audit.py): CDRs recomputed with the tariff engine, expected by hand.

Spec figures: cdr_example.json bills 4.00 / 4.40 and we agree. The 2.2.1 complex tariff
example (tariff_4, Saturday) gives 12.375 / 13.975 in the 2.2.1 prose and we agree; the 2.3.0
breakdown table computes charging time at 1.20 EUR/h (12.28 / 13.861, ocpi/ocpi#579): a CDR
billed that way is flagged on charging time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from emsp_tui.billing.audit import audit_cdr, explain
from emsp_tui.billing.model import CdrAudit, DimensionPrice, LineKind
from emsp_tui.ocpi.models import Cdr, ChargingPeriod, Tariff
from tests.paths import OCPI_EXAMPLES
from tests.tariff.tariff_support import AMSTERDAM, BERLIN, D, el, example, local, pc, period, tariff

K = LineKind
BASE = json.loads((OCPI_EXAMPLES / "cdr_example.json").read_text())
Cost = tuple[str, ...]  # (excl_vat,) or (excl_vat, incl_vat)
MONDAY = "2025-01-13"


def cost(excl: str, incl: str | None = None) -> dict[str, float]:
    out = {"excl_vat": float(excl)}
    if incl is not None:
        out["incl_vat"] = float(incl)
    return out


def make_cdr(
    periods: Sequence[ChargingPeriod],
    tariffs: Sequence[Tariff] = (),
    *,
    end: datetime,
    total: Cost,
    country: str = "NLD",
    credit_of: str | None = None,
    dims: Mapping[str, Cost] | None = None,
    **costs: Cost,
) -> Cdr:
    """A CDR shaped like the spec's example, with these periods, tariffs and costs."""
    hours = {"ENERGY": 0.0, "PARKING_TIME": 0.0}
    for p in periods:
        for dim in p.dimensions:
            if dim.type in hours:
                hours[dim.type] += dim.volume
    data: dict[str, Any] = {
        **BASE,
        "cdr_location": {**BASE["cdr_location"], "country": country},
        "start_date_time": periods[0].start_date_time,
        "end_date_time": end,
        "charging_periods": list(periods),
        "tariffs": list(tariffs) or None,
        "total_cost": cost(*total),
        "total_energy": hours["ENERGY"],
        "total_time": (end - periods[0].start_date_time).total_seconds() / 3600,
        "total_parking_time": hours["PARKING_TIME"],
        "total_time_cost": None,
    }
    for name, figure in {**(dims or {}), **costs}.items():
        data[f"total_{name}_cost"] = cost(*figure)
    if credit_of is not None:
        data.update(credit=True, credit_reference_id=credit_of)
    return Cdr.model_validate(data)


def dim(audit: CdrAudit, kind: LineKind) -> DimensionPrice:
    return next(d for d in audit.dimensions if d.kind == kind)


def figures(audit: CdrAudit) -> dict[LineKind, tuple[Decimal, Decimal, Decimal | None]]:
    """kind -> (quantity, tariff_net, operator_net)."""
    return {d.kind: (d.quantity, d.tariff_net, d.operator_net) for d in audit.dimensions}


# --- the spec's examples ---------------------------------------------------------------------


def test_spec_cdr_example_agrees_with_its_own_tariff() -> None:
    # TIME 1.973 h (7102.8 s) at 2.00/h (10 %), step 300 s -> 2 h billed: 4.00 / 4.40, which is
    # the example's total_cost and total_time_cost. Its location is in Belgium (BEL).
    cdr = Cdr.model_validate_json((OCPI_EXAMPLES / "cdr_example.json").read_text())
    audit = audit_cdr(cdr)
    assert audit.matches
    assert audit.tariff_source == "CDR"
    assert audit.differing == ()
    assert (audit.operator_total_excl, audit.operator_total_incl) == (D("4.00"), D("4.40"))
    assert (audit.tariff_total_excl, audit.tariff_total_incl) == (D("4.00"), D("4.40"))
    assert audit.dimensions == (
        DimensionPrice(K.CHARGING_TIME, D(2), "h", D("4.00"), D("4.00"), D(10)),
    )
    assert audit.cdr_key == ("BE", "BEC", "12345")
    assert audit.sentence == "The operator's bill matches their tariff: 4.40 EUR."
    assert explain(audit) == [
        "Charging time: operator 4.00 EUR, tariff 4.00 EUR (2 h at 2.00 EUR/h)"
    ]


def complex_saturday(charging: Cost, total: Cost) -> Cdr:
    # tariff_4 on Sat 13:30 Berlin: 114 min charging at 43 A, then 71 min parking.
    start = local("2025-01-18 13:30")
    periods = [
        period(start, "14", ENERGY=20, TIME=1.9, MIN_CURRENT=43, MAX_CURRENT=43),
        period(start + timedelta(minutes=114), "14", PARKING_TIME=1.1833),
    ]
    return make_cdr(
        periods,
        [example("tariff_4_complex.json")],
        end=start + timedelta(minutes=185),
        total=total,
        country="DEU",
        fixed=("2.50", "2.875"),
        time=charging,
        parking=("7.50", "8.25"),
    )


def test_spec_complex_tariff_saturday_as_the_2_2_1_text_computes_it() -> None:
    # FLAT 2.50 / 2.875; TIME 114 min at 1.25/h (element #4: >= 32 A, weekend) = 2.375 / 2.85,
    # not rounded (parking is billed); PARKING 71 -> 75 min at 6.00/h (Saturday 10-17) = 7.50
    # / 8.25. 12.375 / 13.975: the spec's 2.2.1 figures.
    audit = audit_cdr(complex_saturday(("2.375", "2.85"), ("12.375", "13.975")), time_zone=BERLIN)
    assert audit.matches
    assert audit.differing == ()
    assert figures(audit) == {
        K.CHARGING_TIME: (D("1.9"), D("2.375"), D("2.375")),
        K.PARKING_TIME: (D("1.25"), D("7.50"), D("7.50")),
        K.SESSION_FEE: (D(1), D("2.50"), D("2.50")),
    }


def test_spec_complex_tariff_at_the_wrong_price_of_ocpi_579_is_flagged_on_charging_time() -> None:
    # The 2.3.0 table: 114 min at 1.20/h = 2.28 / 2.736, total 12.28 / 13.861 (ocpi/ocpi#579).
    audit = audit_cdr(complex_saturday(("2.28", "2.736"), ("12.28", "13.861")), time_zone=BERLIN)
    assert not audit.matches
    assert audit.differing == (K.CHARGING_TIME,)
    assert audit.sentence == (
        "The operator billed 13.86 EUR; their tariff gives 13.98 EUR (the difference is in "
        "charging time); you pay 13.98 EUR."
    )
    assert (
        "Charging time: operator 2.28 EUR, tariff 2.38 EUR (1.9 h at 1.25 EUR/h)"
        in (explain(audit)[0])
    )


def test_reference_worked_example_cdr() -> None:
    # Reference 7.2 (our own numbers): FLAT 1.00; 25 kWh at 0.55 (50 kW) + 5.5 kWh at 0.35
    # (11 kW) = 15.675; parking 17 min -> 20 min at 6.00/h = 2.00. 18.675 / 22.59675.
    t1 = tariff(
        el(pc("FLAT", 1.00, 21)),
        el(pc("ENERGY", 0.35, 21), max_power=22.0),
        el(pc("ENERGY", 0.55, 21)),
        el(pc("PARKING_TIME", 6.00, 21, 300), start_time="09:00", end_time="18:00"),
        id="T1",
    )
    start = local("2025-01-15 16:40", AMSTERDAM)
    periods = [
        period(start, "T1", ENERGY=25, MAX_POWER=50),
        period(start + timedelta(minutes=30), "T1", ENERGY=5.5, MAX_POWER=11),
        period(start + timedelta(minutes=60), "T1", PARKING_TIME=0.2833),
    ]
    cdr = make_cdr(
        periods,
        [t1],
        end=start + timedelta(minutes=77),
        total=("18.675", "22.59675"),
        fixed=("1.00", "1.21"),
        energy=("15.675", "18.96675"),
        parking=("2.00", "2.42"),
    )
    audit = audit_cdr(cdr, time_zone=AMSTERDAM)
    assert audit.matches
    assert audit.differing == ()
    assert (audit.tariff_total_excl, audit.tariff_total_incl) == (D("18.675"), D("22.59675"))
    assert figures(audit)[K.ENERGY] == (D("30.5"), D("15.675"), D("15.675"))
    assert figures(audit)[K.PARKING_TIME][:2] == (D(1) / 3, D("2.00"))
    assert dim(audit, K.ENERGY).vat_rate == D(21)


# --- one dimension at a time (Europe/Amsterdam, January: UTC+1) --------------------------------

START = local(f"{MONDAY} 10:00", AMSTERDAM)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def test_energy_only() -> None:
    # 10 + 5.5 kWh at 0.30 (21 %) = 4.65 / 5.6265.
    t = tariff(el(pc("ENERGY", 0.30, 21)))
    periods = [period(at(0), "T", ENERGY=10, TIME=0.5), period(at(30), "T", ENERGY=5.5, TIME=0.5)]
    cdr = make_cdr(periods, [t], end=at(60), total=("4.65", "5.63"), energy=("4.65", "5.63"))
    audit = audit_cdr(cdr, time_zone=AMSTERDAM)
    assert audit.matches
    assert figures(audit) == {K.ENERGY: (D("15.5"), D("4.65"), D("4.65"))}
    assert audit.tariff_total_incl == D("5.6265")


def test_time_only() -> None:
    # 1.5 h at 2.40/h, no VAT = 3.60.
    t = tariff(el(pc("TIME", 2.40)))
    periods = [period(at(0), "T", ENERGY=7, TIME=1.5)]
    audit = audit_cdr(make_cdr(periods, [t], end=at(90), total=("3.60", "3.60"), time=("3.60",)))
    assert audit.matches
    assert figures(audit) == {K.CHARGING_TIME: (D("1.5"), D("3.60"), D("3.60"))}
    assert dim(audit, K.CHARGING_TIME).vat_rate is None


def test_parking_is_rounded_and_charging_time_is_not() -> None:
    # TIME 1.00/h step 900 + PARKING 3.00/h step 900: 50 min charging stays 50 min (0.8333..),
    # 18 min parking -> 30 min = 1.50. 0.8333.. + 1.50 = 2.3333...
    t = tariff(el(pc("TIME", 1.00, step=900), pc("PARKING_TIME", 3.00, step=900)))
    periods = [period(at(0), "T", ENERGY=9, TIME=50 / 60), period(at(50), "T", PARKING_TIME=0.3)]
    cdr = make_cdr(periods, [t], end=at(68), total=("2.33",), time=("0.83",), parking=("1.50",))
    audit = audit_cdr(cdr)
    assert audit.matches
    assert audit.differing == ()
    assert figures(audit)[K.PARKING_TIME] == (D("0.5"), D("1.50"), D("1.50"))
    assert dim(audit, K.CHARGING_TIME).quantity * 60 == D(repr(50 / 60)) * 60
    assert audit.sentence == "The operator's bill matches their tariff: 2.33 EUR excl. VAT."


def test_flat_session_fee_once() -> None:
    t = tariff(el(pc("FLAT", 1.50, 21)))
    periods = [period(at(0), "T", ENERGY=3, TIME=0.25), period(at(15), "T", ENERGY=4, TIME=0.25)]
    cdr = make_cdr(periods, [t], end=at(30), total=("1.50", "1.815"), fixed=("1.50", "1.815"))
    audit = audit_cdr(cdr)
    assert audit.matches
    assert figures(audit) == {K.SESSION_FEE: (D(1), D("1.50"), D("1.50"))}
    assert explain(audit) == ["Session fee: operator 1.50 EUR, tariff 1.50 EUR (1 session)"]


def test_reservation_fee_and_time() -> None:
    # tariff_16: reservation fee 2.00 + 13 -> 15 min at 5.00/h = 3.25 / 3.90 (20 %); then the
    # session: FLAT 0.50 / 0.60 and 20 kWh at 0.25 = 5.00 / 5.50. 8.75 / 10.00 (as the spec).
    t = example("tariff_16_reservation_2_euro_fee_5_euro_per_hour.json")
    periods = [
        period(at(0), "20", RESERVATION_TIME=13 / 60),
        period(at(13), "20", ENERGY=20, TIME=1),
    ]
    cdr = make_cdr(
        periods,
        [t],
        end=at(73),
        total=("8.75", "10.00"),
        reservation=("3.25", "3.90"),
        fixed=("0.50", "0.60"),
        energy=("5.00", "5.50"),
    )
    audit = audit_cdr(cdr)
    assert audit.matches
    assert audit.differing == ()
    assert figures(audit)[K.RESERVATION] == (D("0.25"), D("3.25"), D("3.25"))
    assert figures(audit)[K.SESSION_FEE] == (D(1), D("0.50"), D("0.50"))


def test_energy_step_size_over_three_periods_lands_in_the_last() -> None:
    # 3 + 3 + 3 kWh at 1.00 / 2.00 / 5.00 (by kWh so far), step 10 kWh once per session:
    # 9 -> 10 kWh, the extra kWh in the last period at 5.00: 3 + 6 + 20 = 29.00 (ocpi#494).
    t = tariff(
        el(pc("ENERGY", 1.00, step=10000), max_kwh=3),
        el(pc("ENERGY", 2.00, step=10000), max_kwh=6),
        el(pc("ENERGY", 5.00, step=10000)),
    )
    periods = [period(at(10 * i), "T", ENERGY=3, TIME=1 / 6) for i in range(3)]
    cdr = make_cdr(periods, [t], end=at(30), total=("29.00",), energy=("29.00",))
    audit = audit_cdr(cdr)
    assert audit.matches
    assert figures(audit) == {K.ENERGY: (D(10), D("29.00"), D("29.00"))}
    wrong = make_cdr(periods, [t], end=at(30), total=("27.00",), energy=("27.00",))
    assert audit_cdr(wrong).differing == (K.ENERGY,)  # 9 kWh without the step: 3 + 6 + 15


def test_max_price_clamps_and_the_dimensions_add_up_to_it() -> None:
    # tariff_6: FLAT 0.50 (20 %) + 50 kWh at 0.25 (10 %) = 13.00 / 14.35 -> max 10.00 / 11.00.
    t = example("tariff_6_025kwh_start_max_price.json")
    periods = [period(at(0), "16", ENERGY=50, TIME=1)]
    unclamped_dims = make_cdr(
        periods,
        [t],
        end=at(60),
        total=("10.00", "11.00"),
        fixed=("0.50", "0.60"),
        energy=("12.50", "13.75"),
    )
    audit = audit_cdr(unclamped_dims)
    assert audit.matches
    assert audit.differing == ()
    assert (audit.tariff_total_excl, audit.tariff_total_incl) == (D(10), D(11))
    assert sum(d.tariff_net for d in audit.dimensions) == D(10)
    assert abs(dim(audit, K.ENERGY).tariff_net - D("12.50") * 10 / 13) < D("1e-20")
    assert "Tariff 16's maximum price applies." in audit.notes
    scaled_dims = make_cdr(
        periods, [t], end=at(60), total=("10.00", "11.00"), fixed=("0.38",), energy=("9.62",)
    )
    assert audit_cdr(scaled_dims).differing == ()
    above = make_cdr(periods, [t], end=at(60), total=("13.00", "14.35"), energy=("12.50",))
    assert not audit_cdr(above).matches


def test_time_of_day_across_midnight_in_the_local_zone() -> None:
    # ENERGY 0.20 from 22:00 to 06:00 local (wraps midnight), else 0.40. Amsterdam periods at
    # 21:30 (5 kWh, 0.40), 22:00 (10, 0.20), 00:30 (5, 0.20), 06:00 (2, 0.40) = 5.80.
    t = tariff(el(pc("ENERGY", 0.20), start_time="22:00", end_time="06:00"), el(pc("ENERGY", 0.40)))
    clock = [f"{MONDAY} 21:30", f"{MONDAY} 22:00", "2025-01-14 00:30", "2025-01-14 06:00"]
    kwh = [5, 10, 5, 2]
    periods = [period(local(c, AMSTERDAM), "T", ENERGY=k) for c, k in zip(clock, kwh, strict=True)]
    end = local("2025-01-14 06:30", AMSTERDAM)
    cdr = make_cdr(periods, [t], end=end, total=("5.80",), energy=("5.80",))
    assert audit_cdr(cdr, time_zone=AMSTERDAM).matches
    by_country = audit_cdr(cdr)  # NLD -> Europe/Amsterdam
    assert by_country.matches
    assert "Local times read in Europe/Amsterdam, the zone of NLD." in by_country.notes
    # Read in UTC the same periods start at 20:30, 21:00, 23:30, 05:00: 2 + 4 + 1 + 0.4.
    in_utc = audit_cdr(cdr, time_zone="UTC")
    assert in_utc.tariff_total_excl == D("7.40")
    assert in_utc.differing == (K.ENERGY,)


# --- flagged, fallbacks, credits ---------------------------------------------------------------

OVERCHARGE_TARIFF = tariff(el(pc("FLAT", 4.00)), el(pc("ENERGY", 0.68)))


def overcharge(**costs: Cost) -> Cdr:
    periods = [period(at(0), "T", ENERGY=7.5, TIME=0.5), period(at(30), "T", ENERGY=5, TIME=0.5)]
    total = costs.pop("total", ("14.00", "14.00"))
    return make_cdr(periods, [OVERCHARGE_TARIFF], end=at(60), total=total, dims=costs)


def test_an_overcharged_dimension_is_flagged_with_both_figures() -> None:
    # 12.5 kWh at 0.68 = 8.50 + FLAT 4.00 = 12.50; the CPO bills 10.00 energy, 14.00 in all.
    audit = audit_cdr(overcharge(energy=("10.00", "10.00"), fixed=("4.00", "4.00")))
    assert not audit.matches
    assert audit.differing == (K.ENERGY,)
    assert (audit.operator_total_excl, audit.tariff_total_excl) == (D(14), D("12.50"))
    assert audit.sentence == (
        "The operator billed 14.00 EUR; their tariff gives 12.50 EUR (the difference is in "
        "energy); you pay 12.50 EUR."
    )
    assert explain(audit) == [
        "Energy: operator 10.00 EUR, tariff 8.50 EUR (12.5 kWh at 0.68 EUR/kWh): "
        "differs by 1.50 EUR",
        "Session fee: operator 4.00 EUR, tariff 4.00 EUR (1 session)",
    ]


def test_a_wrong_total_without_dimension_figures_is_flagged_on_the_total() -> None:
    audit = audit_cdr(overcharge())
    assert not audit.matches
    assert audit.differing == ()
    assert audit.sentence == (
        "The operator billed 14.00 EUR; their tariff gives 12.50 EUR; you pay 12.50 EUR."
    )
    assert [d.operator_net for d in audit.dimensions] == [None, None]


def test_a_cent_of_rounding_is_not_a_difference() -> None:
    assert audit_cdr(overcharge(total=("12.51", "12.51"))).matches
    assert audit_cdr(overcharge(total=("12.49",))).matches
    assert not audit_cdr(overcharge(total=("12.52",))).matches


def test_a_cpo_rounding_each_dimension_first_agrees() -> None:
    # 3 kWh at 0.335 = 1.005, 0.5 h at 2.01 = 1.005, parking 0.5 h at 2.01 = 1.005: 3.015 in
    # all; rounded per dimension 1.01 x 3 = 3.03, 0.015 above our total (3.05 is 0.02 above).
    t = tariff(el(pc("ENERGY", 0.335), pc("TIME", 2.01), pc("PARKING_TIME", 2.01)))
    periods = [period(at(0), "T", ENERGY=3, TIME=0.5), period(at(30), "T", PARKING_TIME=0.5)]
    each = {"energy": ("1.01",), "time": ("1.01",), "parking": ("1.01",)}
    audit = audit_cdr(make_cdr(periods, [t], end=at(60), total=("3.03",), dims=each))
    assert audit.matches
    assert audit.differing == ()
    assert not audit_cdr(make_cdr(periods, [t], end=at(60), total=("3.05",), dims=each)).matches


def test_a_vat_only_difference_is_named() -> None:
    # Excl. VAT right (4.65), incl. VAT at 19 % instead of the tariff's 21 %.
    t = tariff(el(pc("ENERGY", 0.30, 21)))
    periods = [period(at(0), "T", ENERGY=15.5, TIME=1)]
    cdr = make_cdr(periods, [t], end=at(60), total=("4.65", "5.53"), energy=("4.65", "5.53"))
    audit = audit_cdr(cdr)
    assert not audit.matches
    assert audit.differing == (K.ENERGY,)
    assert audit.sentence == (
        "The operator billed 5.53 EUR; their tariff gives 5.63 EUR (the difference is in "
        "energy); you pay 5.63 EUR."
    )
    no_dims = make_cdr(periods, [t], end=at(60), total=("4.65", "5.53"))
    assert "(the difference is in the VAT)" in audit_cdr(no_dims).sentence


def test_without_tariffs_in_the_cdr_the_stored_tariff_is_used() -> None:
    periods = [period(at(0), "T", ENERGY=12.5, TIME=1)]
    cdr = make_cdr(periods, end=at(60), total=("12.50",))
    other_party = tariff(el(pc("ENERGY", 9.99)), party_id="OTH")  # same id "T": ranks after
    audit = audit_cdr(
        cdr,
        [
            other_party,
            OVERCHARGE_TARIFF.model_copy(update={"country_code": "BE", "party_id": "BEC"}),
        ],
    )
    assert audit.tariff_source == "STORED"
    assert audit.matches
    assert audit.tariff_total_excl == D("12.50")
    assert "Tariff T is not in the CDR: our stored copy was used." in audit.notes


def test_a_period_without_tariff_id_uses_the_stored_tariff() -> None:
    cdr = make_cdr([period(at(0), ENERGY=12.5, TIME=1)], end=at(60), total=("12.50",))
    audit = audit_cdr(cdr, [OVERCHARGE_TARIFF])
    assert audit.tariff_source == "STORED"
    assert audit.matches


def test_nothing_to_price_with_cannot_be_checked() -> None:
    periods = [period(at(0), "X", ENERGY=12.5, TIME=1)]
    cdr = make_cdr(periods, end=at(60), total=("14.00", "16.94"), energy=("14.00", "16.94"))
    audit = audit_cdr(cdr, [OVERCHARGE_TARIFF])  # stored, but for tariff T, not X
    assert audit.tariff_source == "NONE"
    assert not audit.matches
    assert (audit.tariff_total_excl, audit.tariff_total_incl) == (D(0), None)
    assert audit.dimensions == (DimensionPrice(K.ENERGY, D("12.5"), "kWh", D(0), D(14), None),)
    assert audit.sentence == (
        "The operator billed 16.94 EUR, which could not be checked: the CDR carries no tariff "
        "and we have none stored for it, so support checks it before it is billed."
    )
    assert "The CDR names tariff X, which we do not have: not priced." in audit.notes
    assert explain(audit) == [
        "Energy: operator 14.00 EUR, no tariff to check it against (12.5 kWh)"
    ]


def test_a_credit_cdr_is_audited_on_its_magnitudes() -> None:
    data = json.loads((OCPI_EXAMPLES / "cdr_example.json").read_text())
    data.update(
        id="12345-C",
        credit=True,
        credit_reference_id="12345",
        total_cost={"excl_vat": -4.00, "incl_vat": -4.40},
        total_time_cost={"excl_vat": -4.00, "incl_vat": -4.40},
    )
    audit = audit_cdr(Cdr.model_validate(data))
    assert audit.matches
    assert audit.differing == ()
    assert (audit.operator_total_excl, audit.operator_total_incl) == (D("4.00"), D("4.40"))
    assert dim(audit, K.CHARGING_TIME).operator_net == D("4.00")
    assert audit.sentence == (
        "This is a credit of 4.40 EUR from the operator for their CDR 12345; it matches their "
        "tariff."
    )
    data["total_cost"] = {"excl_vat": -5.00, "incl_vat": -5.50}
    data["total_time_cost"] = {"excl_vat": -5.00, "incl_vat": -5.50}
    wrong = audit_cdr(Cdr.model_validate(data))
    assert wrong.differing == (K.CHARGING_TIME,)
    assert wrong.sentence == (
        "This is a credit of 5.50 EUR from the operator for their CDR 12345; their tariff gives "
        "4.40 EUR for the same charging (the difference is in charging time)."
    )


def test_each_tariff_prices_its_own_periods() -> None:
    # Period 0 names A (ENERGY 0.50), period 1 names B (ENERGY 0.30 + FLAT 1.00), period 2
    # names none: the CDR's first tariff (A). 4 x 0.50 + 5 x 0.30 + 1.00 + 2 x 0.50 = 5.50.
    a = tariff(el(pc("ENERGY", 0.50)), id="A")
    b = tariff(el(pc("ENERGY", 0.30)), el(pc("FLAT", 1.00)), id="B")
    periods = [
        period(at(0), "A", ENERGY=4, TIME=0.25),
        period(at(15), "B", ENERGY=5, TIME=0.25),
        period(at(30), ENERGY=2, TIME=0.25),
    ]
    audit = audit_cdr(make_cdr(periods, [a, b], end=at(45), total=("5.50",)))
    assert audit.matches
    assert audit.tariff_total_excl == D("5.50")
    assert figures(audit)[K.ENERGY][:2] == (D(11), D("4.50"))
    missing = make_cdr(
        [*periods[:2], period(at(30), "Z", ENERGY=2)], [a, b], end=at(45), total=("5.50",)
    )
    partial = audit_cdr(missing)
    assert partial.tariff_total_excl == D("4.50")
    assert not partial.matches
    assert partial.sentence.endswith("Part of the charging names a tariff we do not have (Z).")


def test_a_right_total_split_differently_matches_and_says_so() -> None:
    # 12.50 in all, but the CPO books 1.00 of the energy as session fee.
    audit = audit_cdr(overcharge(total=("12.50",), energy=("7.50",), fixed=("5.00",)))
    assert audit.matches
    assert audit.differing == (K.ENERGY, K.SESSION_FEE)
    assert audit.sentence == (
        "The operator's bill matches their tariff: 12.50 EUR excl. VAT. They split it "
        "differently (energy and the session fee)."
    )


def test_two_tariffs_with_a_session_fee_are_both_counted_and_noted() -> None:
    a = tariff(el(pc("FLAT", 1.00)), id="A")
    b = tariff(el(pc("FLAT", 0.50)), id="B")
    periods = [period(at(0), "A", ENERGY=1, TIME=0.5), period(at(30), "B", ENERGY=1, TIME=0.5)]
    audit = audit_cdr(make_cdr(periods, [a, b], end=at(60), total=("1.50",)))
    assert audit.matches
    assert figures(audit)[K.SESSION_FEE][:2] == (D(2), D("1.50"))
    assert "Tariffs A and B each charge a session fee: all are counted." in audit.notes


def test_an_unknown_time_zone_falls_back_to_the_country() -> None:
    night = tariff(el(pc("ENERGY", 0.20), start_time="22:00", end_time="06:00"))
    periods = [period(local(f"{MONDAY} 23:00", AMSTERDAM), "T", ENERGY=10)]
    cdr = make_cdr(periods, [night], end=local("2025-01-14 00:00", AMSTERDAM), total=("2.00",))
    audit = audit_cdr(cdr, time_zone="Mars/Olympus_Mons")
    assert audit.matches  # 23:00 in Amsterdam is night; in UTC (22:00) too, so check the notes
    assert audit.notes[:2] == (
        "Unknown time zone 'Mars/Olympus_Mons'.",
        "Local times read in Europe/Amsterdam, the zone of NLD.",
    )
    abroad = make_cdr(
        periods, [night], end=local("2025-01-14 00:00", AMSTERDAM), total=("2.00",), country="USA"
    )
    assert "No time zone known for USA: local times read in UTC." in audit_cdr(abroad).notes


def test_a_tariff_in_another_currency_cannot_price_the_cdr() -> None:
    chf = tariff(el(pc("ENERGY", 0.50)), currency="CHF")
    cdr = make_cdr([period(at(0), "T", ENERGY=4)], [chf], end=at(30), total=("2.00",))
    audit = audit_cdr(cdr)
    assert audit.tariff_source == "NONE"
    assert "Tariff T is in CHF, the CDR in EUR." in audit.notes


def test_engine_notes_reach_the_audit() -> None:
    # A current restriction on a CDR that reports no current: the element is not used, and
    # the audit says so.
    t = tariff(el(pc("ENERGY", 0.60), min_current=16), el(pc("ENERGY", 0.30)))
    cdr = make_cdr([period(at(0), "T", ENERGY=10, TIME=1)], [t], end=at(60), total=("6.00",))
    audit = audit_cdr(cdr)
    assert audit.tariff_total_excl == D("3.00")
    assert audit.differing == ()
    assert not audit.matches
    assert audit.notes == (
        "Current unknown: elements restricted on current were treated as not matching.",
    )


# --- property: hand-computed totals always match; one wrong dimension is always found --------

PRICES = st.decimals(min_value=D("0.01"), max_value=D("2.00"), places=2)
KWH = st.lists(st.decimals(min_value=D("0"), max_value=D("80"), places=3), min_size=1, max_size=5)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    p=PRICES,
    f=st.none() | PRICES,
    vat=st.none() | st.sampled_from([D(0), D(19), D(21)]),
    kwh=KWH,
    which=st.sampled_from(["energy", "fixed"]),
    delta=st.decimals(min_value=D("0.02"), max_value=D("50"), places=2),
    sign=st.sampled_from([1, -1]),
)
def test_hand_computed_totals_match_and_a_perturbed_dimension_is_found(
    p: Decimal,
    f: Decimal | None,
    vat: Decimal | None,
    kwh: list[Decimal],
    which: str,
    delta: Decimal,
    sign: int,
) -> None:
    components = [pc("ENERGY", float(p), None if vat is None else float(vat))]
    if f is not None:
        components.append(pc("FLAT", float(f), None if vat is None else float(vat)))
    t = tariff(el(*components))
    periods = [period(at(15 * i), "T", ENERGY=float(k), TIME=0.25) for i, k in enumerate(kwh)]
    ratio = 1 + (vat if vat is not None else D(0)) / 100
    parts = {"energy": p * sum(kwh)} | ({"fixed": f} if f is not None else {})

    def build(parts: dict[str, Decimal]) -> Cdr:
        excl = sum(parts.values(), D(0))
        costs = {k: (str(v), str(v * ratio)) for k, v in parts.items()}
        total = (str(excl), str(excl * ratio))
        return make_cdr(periods, [t], end=at(15 * len(kwh)), total=total, dims=costs)

    audit = audit_cdr(build(parts))
    assert audit.matches
    assert audit.differing == ()
    which = which if which in parts else "energy"
    moved = parts[which] + sign * delta
    if moved < 0:
        moved = parts[which] + delta
    wrong = audit_cdr(build({**parts, which: moved}))
    kind = K.ENERGY if which == "energy" else K.SESSION_FEE
    assert not wrong.matches
    assert wrong.differing == (kind,)
