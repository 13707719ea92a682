"""Charging in the app without a network: the start flow's local refusals, and area 5."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from emsp_tui.config import BillingSettings, ClassRates, PricePlan
from emsp_tui.ocpi.models import Location, Tariff
from emsp_tui.screens.confirm import ConfirmScreen
from emsp_tui.screens.session import SessionScreen
from emsp_tui.screens.station import StationScreen, start_question
from emsp_tui.services.driver_price import DriverPricing
from emsp_tui.services.station_info import parse_plan, start_prices
from emsp_tui.services.stations import StationDetail, StationKey
from tests.receiver import payloads

from .support import card, make_app

SIZE = (100, 30)
KEY = StationKey("NL", "GLP", "NL-GLP-000002")


async def wait_idle(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_station(pilot: Pilot[Any]) -> StationScreen:
    await wait_idle(pilot)
    pilot.app.push_screen(StationScreen(KEY))
    await wait_idle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, StationScreen)
    assert screen.detail is not None
    return screen


async def test_start_without_a_valid_card_says_what_to_do(tmp_path: Path) -> None:
    app = make_app(tmp_path, cards=[card(1, valid=False)])
    async with app.run_test(size=SIZE) as pilot:
        await open_station(pilot)
        await pilot.press("s")
        await wait_idle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)  # nothing to confirm, nothing sent
        assert app.node.charging.attempt is None
        [note] = [n for n in app._notifications if n.title == "Not started"]
        assert "no valid charging card" in note.message
        assert "wallet" in note.message


async def test_start_asks_with_the_price_and_no_means_nothing_sent(tmp_path: Path) -> None:
    app = make_app(tmp_path, cards=[card(1)])
    async with app.run_test(size=SIZE) as pilot:
        station = await open_station(pilot)
        await pilot.press("s")
        await pilot.pause()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert "Start charger" in dialog.text
        assert "Price:" in dialog.text or "no price" in dialog.text
        assert "Fees such as" not in dialog.text  # #12: only fees the tariff really has
        await pilot.press("n")
        await wait_idle(pilot)
        assert app.screen is station
        assert app.node.charging.attempt is None  # the service's: no attempt, nothing sent


async def test_area_5_shows_charging_with_nothing_running(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        await pilot.press("5")
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        assert screen.view is None
        assert screen.query_one("#no-session").display
        assert screen.check_action("stop", ()) is False  # nothing to stop: not even shown


# -- issue #12: the reminder is the driver's price; only true words about fees -----------------
def _detail(*components: dict[str, Any]) -> StationDetail:
    location = Location.model_validate(payloads.location())  # DEU, AC 11 kW, tariff T1
    tariff = Tariff.model_validate(
        {
            "country_code": "DE", "party_id": "VOL", "id": "T1", "currency": "EUR",
            "elements": [{"price_components": list(components)}],
            "last_updated": "2026-03-01T00:00:00Z",
        }
    )  # fmt: skip
    return StationDetail(StationKey("DE", "VOL", "LOC-1"), location, {"T1": tariff})


ENERGY = {"type": "ENERGY", "price": 0.40, "vat": 19, "step_size": 1}
FLAT = {"type": "FLAT", "price": 1.00, "vat": 19, "step_size": 1}
PARKING = {"type": "PARKING_TIME", "price": 6.00, "vat": 19, "step_size": 60}
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHARGE = "11 kWh in 60 min"


def _question(detail: StationDetail, plans: dict[str, PricePlan], plan: str | None) -> str:
    pricing = DriverPricing(BillingSettings(plans=plans))
    prices = start_prices(detail, "EVSE-1", parse_plan(CHARGE), NOW, pricing, plan)
    return start_question(detail, "EVSE-1", "my card", prices, pricing.plan(plan), CHARGE)


def test_the_reminder_names_no_fee_the_tariff_does_not_have() -> None:
    text = _question(_detail(ENERGY), {}, None)
    assert "Price: 0.476 EUR/kWh, VAT included" in text  # 0.40 + 19 %
    # 11 kWh x 0.40 = 4.40 net, + 19 % DE VAT 0.836 -> 0.84
    assert "For 11 kWh in 60 min you pay about 5.24 EUR (incl. 19 % DE VAT)." in text
    assert text.endswith("The operator lists no start fee and no idle-time fee.")
    assert "Your plan" not in text


def test_the_reminder_names_the_fees_the_tariff_has() -> None:
    assert _question(_detail(ENERGY, FLAT), {}, None).endswith(
        "The start fee listed above is charged too."
    )
    assert _question(_detail(ENERGY, FLAT, PARKING), {}, None).endswith(
        "The start fee and the idle-time fee listed above are charged too."
    )


def test_with_a_markup_plan_the_reminder_is_the_drivers_price() -> None:
    plans = {"plus": PricePlan(markup_percent=Decimal(10), session_fee=Decimal("0.50"))}
    text = _question(_detail(ENERGY, FLAT), plans, "plus")
    assert "Operator's price: " in text
    assert "\nPrice:" not in text
    assert 'Your plan "plus": the operator\'s price + 10 %, and a service fee of 0.50 EUR' in text
    # (4.40 + 1.00) x 1.1 = 5.94, + 0.50 = 6.44 net; 19 % 1.2236 -> 1.22; 7.66
    assert "you pay about 7.66 EUR (incl. 19 % DE VAT)." in text
    own = {"own": PricePlan(own_rates={"AC": ClassRates(energy_per_kwh=Decimal("0.30"))})}
    mine = _question(_detail(ENERGY, FLAT), own, "own")
    assert mine.endswith("Your plan's own rates replace the operator's price and fees.")
    assert "you pay about 3.93 EUR" in mine  # 11 x 0.30 = 3.30 + 0.627 -> 0.63


def test_no_price_published_says_only_that() -> None:
    detail = _detail(ENERGY)
    bare = StationDetail(detail.key, detail.location, {})
    text = start_question(bare, "EVSE-1", "my card")
    assert text.endswith("The operator publishes no price for this charger: check it on site.")


def test_the_price_tab_can_price_the_whole_station_for_the_driver() -> None:
    detail = _detail(ENERGY)
    pricing = DriverPricing()
    [whole] = start_prices(detail, None, parse_plan(CHARGE), NOW, pricing, None)
    [one] = start_prices(detail, "EVSE-1", parse_plan(CHARGE), NOW, pricing, None)
    assert whole.driver == one.driver
    assert start_prices(detail, "NO-SUCH-EVSE", parse_plan(CHARGE), NOW, pricing, None) == []
