"""Plain-words descriptions: exact strings, and the numbers are the ones the engine charges."""

from __future__ import annotations

import random
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from emsp_tui.ocpi.models import Tariff
from emsp_tui.tariff import (
    PlannedCharge,
    describe_element,
    describe_tariff,
    format_amount,
    price_charge,
    summarize_tariff,
)

from .tariff_support import BERLIN, D, el, example, local, pc, tariff

START = local("2025-01-13 10:00")


def test_simple_per_kwh() -> None:
    d = describe_tariff(example("tariff_8_simple_025kwh.json"))
    assert d.lines == ("0.275 EUR/kWh",)
    assert d.sentence == "0.275 EUR/kWh, VAT included"
    assert d.summary == "0.28 EUR/kWh"


def test_sentence_with_every_kind_of_price() -> None:
    t = tariff(
        el(pc("ENERGY", 0.50, 20)),
        el(pc("TIME", 5.00, 20), min_duration=3600),
        el(pc("FLAT", 1.00, 20)),
        min_price={"excl_vat": 0.50, "incl_vat": 0.60},
        max_price={"excl_vat": 20.00, "incl_vat": 24.00},
    )
    d = describe_tariff(t)
    assert d.sentence == (
        "0.60 EUR/kWh, 0.10 EUR/min (from the 2nd hour), 1.20 EUR per session, "
        "min 0.60 EUR, max 24.00 EUR, VAT included"
    )
    assert d.summary == "0.60 EUR/kWh +time +fee"


def test_worked_example_tariff() -> None:
    t = tariff(
        el(pc("FLAT", 1.00, 21.0)),
        el(pc("ENERGY", 0.35, 21.0), max_power=22.0),
        el(pc("ENERGY", 0.55, 21.0)),
        el(pc("PARKING_TIME", 6.00, 21.0, 300), start_time="09:00", end_time="18:00"),
    )
    d = describe_tariff(t)
    # 6.00/h + 21 % = 7.26/h is not a whole number of cents per minute: shown per hour.
    assert d.lines == (
        "1.21 EUR per session",
        "0.4235 EUR/kWh (below 22 kW)",
        "0.6655 EUR/kWh",
        "parking 7.26 EUR/h while not charging (09:00-18:00)",
    )
    assert d.summary == "0.42-0.67 EUR/kWh +idle +fee"


def test_complex_example_spells_out_days_times_and_current() -> None:
    d = describe_tariff(example("tariff_4_complex.json"))
    assert d.text == "\n".join(
        [
            "2.875 EUR per session",
            "1.20 EUR/h (below 32 A)",
            "2.40 EUR/h (Mon-Fri, above 32 A)",
            "1.50 EUR/h (Sat, Sun, above 32 A)",
            "parking 5.50 EUR/h while not charging (Mon-Fri 09:00-18:00)",
            "parking 6.60 EUR/h while not charging (Sat 10:00-17:00)",
            "VAT included",
            "https://company.com/tariffs/14",
        ]
    )
    assert d.summary == "1.20-2.40 EUR/h +idle +fee"


def test_prices_without_vat_say_so() -> None:
    d = describe_tariff(example("tariff_14_step_size.json"))
    assert d.lines == (
        "1.20 EUR/h, parking 1.00 EUR/h while not charging (00:00-17:00)",
        "2.40 EUR/h, parking 1.00 EUR/h while not charging (17:00-20:00)",
        "2.40 EUR/h (20:00-24:00)",
    )
    assert d.vat == "excl. VAT"


def test_per_minute_when_every_time_price_is_whole_cents_per_minute() -> None:
    d = describe_tariff(example("tariff_10_025kwh_parking_start.json"))
    assert d.sentence == (
        "0.60 EUR per session, 0.275 EUR/kWh, parking 0.04 EUR/min while not charging, VAT included"
    )
    assert d.summary == "0.28 EUR/kWh +idle +fee"


def test_reservation_elements() -> None:
    d = describe_tariff(example("tariff_17_reservation_with_expire_fee.json"))
    assert d.lines == (
        "4.80 EUR if the reservation expires unused",
        "reservation 0.04 EUR/min",
        "0.60 EUR per session, 0.275 EUR/kWh",
    )
    d = describe_tariff(example("tariff_16_reservation_2_euro_fee_5_euro_per_hour.json"))
    assert d.lines[0] == "reservation fee 2.40 EUR, reservation 0.10 EUR/min"


def test_min_price_and_free_tariff() -> None:
    assert describe_tariff(example("tariff_12_025kwh_min_price.json")).sentence == (
        "0.275 EUR/kWh, min 0.55 EUR, VAT included"
    )
    free = describe_tariff(example("tariff_5_free_of_charge.json"))
    assert (free.sentence, free.summary) == ("free of charge", "free")


def test_alt_text_is_extra_information_in_the_chosen_language() -> None:
    t = example("tariff_2_alt_text.json")
    assert describe_tariff(t).extra == "2.00 euro p/hour including VAT."
    assert describe_tariff(t, language="nl").extra == "2.00 euro p/uur inclusief BTW."
    assert describe_tariff(t).lines == ("1.9988 EUR/h",)


def test_alt_text_is_the_fallback_when_elements_say_nothing() -> None:
    t = tariff(
        el(pc("FLAT", 0)),
        tariff_alt_text=[{"language": "en", "text": "Pay at the parking machine."}],
    )
    d = describe_tariff(t)
    assert d.from_alt_text
    assert d.lines == ("Pay at the parking machine.",)
    assert d.summary == "see details"


@pytest.mark.parametrize(
    ("restrictions", "expected"),
    [
        (
            {
                "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"],
                "start_time": "07:00",
                "end_time": "22:00",
            },
            "Mon-Fri 07:00-22:00",
        ),
        ({"start_time": "22:00", "end_time": "06:00"}, "22:00-06:00"),
        ({"start_time": "17:00"}, "from 17:00"),
        ({"day_of_week": ["MONDAY", "WEDNESDAY", "SATURDAY", "SUNDAY"]}, "Mon, Wed, Sat, Sun"),
        ({"start_date": "2025-12-24", "end_date": "2025-12-27"}, "from 2025-12-24 to 2025-12-26"),
        ({"end_date": "2026-01-01"}, "until 2025-12-31"),
        ({"min_power": 22}, "above 22 kW"),
        ({"min_power": 7.4, "max_power": 22}, "7.4-22 kW"),
        ({"max_kwh": 1}, "up to 1 kWh"),
        ({"min_kwh": 20, "max_kwh": 50}, "20-50 kWh"),
        ({"min_current": 16}, "above 16 A"),
        ({"min_duration": 3600}, "from the 2nd hour"),
        ({"min_duration": 2700}, "after 45 min"),
        ({"max_duration": 3600}, "for the first hour"),
        ({"max_duration": 10800}, "for the first 3 hours"),
        ({"max_duration": 1800}, "for the first 30 min"),
        ({"min_duration": 3600, "max_duration": 7200}, "in the 2nd hour"),
        ({"min_duration": 7200, "max_duration": 14400}, "from the 3rd to the 4th hour"),
        ({"min_duration": 900, "max_duration": 1800}, "from 15 min to 30 min"),
    ],
)
def test_restriction_phrases(restrictions: dict[str, Any], expected: str) -> None:
    t = tariff(el(pc("ENERGY", 0.30), **restrictions))
    assert describe_element(t.elements[0], t) == f"0.30 EUR/kWh ({expected})"


def test_summary_of_an_energy_range() -> None:
    summary = summarize_tariff(example("tariffrestriction_example_max_power.json"))
    assert summary == "0.24-0.60 EUR/kWh"


# --- the numbers in the description are the engine's -------------------------------------


def one_unit_price(t: Tariff, kind: str, per_minute: bool) -> Decimal:
    """What the engine charges (incl. VAT) for one unit of ``kind`` as the text states it."""
    unit = timedelta(minutes=1) if per_minute else timedelta(hours=1)
    if kind == "ENERGY":
        plan = PlannedCharge(start=START, energy_kwh=1, power_kw=11)
    elif kind == "TIME":
        plan = PlannedCharge(start=START, duration=unit)
    elif kind == "PARKING_TIME":
        plan = PlannedCharge(start=START, parking=unit)
    else:
        plan = PlannedCharge(start=START)
    return price_charge(t, plan, BERLIN).incl_vat


FIGURE = re.compile(r"(\d+\.\d+) EUR(/kWh|/min|/h| per session)")


def check_figure_matches_price(t: Tariff) -> None:
    line = describe_tariff(t).lines[0]
    figure, unit = FIGURE.search(line).groups()  # type: ignore[union-attr]
    kind = t.elements[0].price_components[0].type
    charged = one_unit_price(t, kind, per_minute=unit == "/min")
    assert figure == format_amount(charged), (line, charged)


@pytest.mark.parametrize(
    ("kind", "price", "vat", "figure"),
    [
        ("ENERGY", 0.25, 10.0, "0.275"),
        ("ENERGY", 0.59, None, "0.59"),
        ("TIME", 6.00, None, "0.10"),
        ("TIME", 6.00, 21.0, "7.26"),
        ("PARKING_TIME", 5.00, 20.0, "0.10"),
        ("FLAT", 1.00, 19.0, "1.19"),
    ],
)
def test_the_figure_shown_is_exactly_what_one_unit_costs(
    kind: str, price: float, vat: float | None, figure: str
) -> None:
    t = tariff(el(pc(kind, price, vat)))
    line = describe_tariff(t).lines[0]
    assert figure in line
    unit = FIGURE.search(line).group(2)  # type: ignore[union-attr]
    assert one_unit_price(t, kind, per_minute=unit == "/min") == D(figure)


def test_figures_match_prices_for_many_tariffs() -> None:
    rng = random.Random(2211)
    for _ in range(150):
        kind = rng.choice(["ENERGY", "TIME", "PARKING_TIME", "FLAT"])
        price = rng.randrange(1, 1500) / 100
        vat = rng.choice([None, 0.0, 5.5, 7.0, 10.0, 19.0, 20.0, 21.0, 25.0])
        check_figure_matches_price(tariff(el(pc(kind, price, vat, step=1))))
