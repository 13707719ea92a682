"""Regressions from issue #10 on the charging screens, on the seeded network (no HTTP): which
charger a start takes (#2), the card in the start question and the stop key (#14), the power
chart's scale (#4), one elapsed format (#5) and the charger's name on the session (#15)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Static

from emsp_tui.ocpi.enums import AuthMethod, SessionStatus, TokenType
from emsp_tui.ocpi.models import CdrToken, Session
from emsp_tui.screens.confirm import ConfirmScreen
from emsp_tui.screens.session import SessionScreen
from emsp_tui.screens.station import StationScreen
from emsp_tui.services.charging_views import PowerSample, SessionView
from emsp_tui.services.stations import StationKey
from emsp_tui.store import Database
from emsp_tui.store import sessions as session_store
from emsp_tui.widgets.session_panel import PowerChart, SessionPanel, duration
from emsp_tui.widgets.station_info import EvseTable

from .support import FROZEN, card, make_app

SIZE = (100, 30)
BUSY_THEN_FREE = StationKey("NL", "GLP", "NL-GLP-000003")  # charger 1 in use, 2 free
NO_REMOTE = StationKey("DE", "VOL", "DE-VOL-000004")  # RFID reader only


async def wait_idle(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_station(pilot: Pilot[Any], key: StationKey) -> StationScreen:
    await wait_idle(pilot)
    pilot.app.push_screen(StationScreen(key))
    for _ in range(50):
        await pilot.pause(0.02)
        screen = pilot.app.screen
        if isinstance(screen, StationScreen) and screen.detail is not None:
            await pilot.pause()
            return screen
    raise AssertionError("the station did not load")


async def dialog(pilot: Pilot[Any]) -> ConfirmScreen:
    for _ in range(50):
        await pilot.pause(0.02)
        if isinstance(pilot.app.screen, ConfirmScreen):
            return pilot.app.screen
    raise AssertionError("no question asked")


# -- #2: the charger under the cursor --------------------------------------------------------
async def test_the_cursor_starts_on_a_free_charger_and_the_arrows_reach_it(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, cards=[card(1)])
    async with app.run_test(size=SIZE) as pilot:
        station = await open_station(pilot, BUSY_THEN_FREE)
        table = station.query_one(EvseTable)
        assert app.focused is table
        assert table.current_key == "NL-GLP-000003-2"
        await pilot.press("s")
        assert "Start charger NL*GLP*E3*2?" in (await dialog(pilot)).text
        await pilot.press("n")
        await wait_idle(pilot)
        await pilot.press("up")
        assert table.current_key == "NL-GLP-000003-1"
        await pilot.press("s")
        assert "Start charger NL*GLP*E3*1?" in (await dialog(pilot)).text


async def test_a_charger_without_remote_start_says_so_before_asking(tmp_path: Path) -> None:
    app = make_app(tmp_path, cards=[card(1)])
    async with app.run_test(size=SIZE) as pilot:
        await open_station(pilot, NO_REMOTE)
        await pilot.press("s")
        await wait_idle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        [note] = [n for n in app._notifications if n.title == "Not started"]
        assert "can't be started from the app" in note.message


# -- #14: which card; no stop key without a charge ---------------------------------------------
async def test_the_start_question_names_the_card(tmp_path: Path) -> None:
    app = make_app(tmp_path, cards=[card(1)])
    async with app.run_test(size=SIZE) as pilot:
        await open_station(pilot, BUSY_THEN_FREE)
        await pilot.press("s")
        assert f"card {card(1).visual_number}" in (await dialog(pilot)).text


async def test_stop_is_not_in_the_footer_when_nothing_charges(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_idle(pilot)
        await pilot.press("5")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)
        assert "x" not in app.screen.active_bindings


# -- a session in the store, as a CPO would have pushed it -------------------------------------
START = FROZEN - timedelta(minutes=23, seconds=10)


def seed_session(database: Path) -> None:
    session = Session(
        country_code="NL", party_id="GLP", id="S-1", start_date_time=START, kwh=4.2,
        cdr_token=CdrToken(
            country_code="NL", party_id="EMS", uid=card(1).uid, type=TokenType.RFID,
            contract_id=card(1).contract_id,
        ),
        auth_method=AuthMethod.COMMAND, location_id=BUSY_THEN_FREE.location_id,
        evse_uid="NL-GLP-000003-1", connector_id="1", currency="EUR",
        status=SessionStatus.ACTIVE, last_updated=FROZEN,
    )  # fmt: skip
    db = Database(database)
    db.open_sync()
    db.transaction_sync(session_store.put_session, None, session, FROZEN)
    db.close_sync()


async def session_screen(pilot: Pilot[Any]) -> SessionScreen:
    await wait_idle(pilot)
    await pilot.press("5")
    for _ in range(50):
        await pilot.pause(0.02)
        screen = pilot.app.screen
        if isinstance(screen, SessionScreen) and screen.view is not None:
            return screen
    raise AssertionError("no session shown")


async def test_the_session_names_the_charger_as_the_station_does(tmp_path: Path) -> None:
    app = make_app(tmp_path, cards=[card(1)])
    seed_session(app.settings.database_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await session_screen(pilot)
        where = str(screen.query_one("#session-where", Static).render())
        assert "charger NL*GLP*E3*1" in where


# -- #5: one elapsed format --------------------------------------------------------------------
async def test_elapsed_is_h_mm_ss_while_charging_and_when_finished(tmp_path: Path) -> None:
    app = make_app(tmp_path, cards=[card(1)])
    seed_session(app.settings.database_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await session_screen(pilot)
        figures = str(screen.query_one("#session-figures", Static).render())
        assert "Time         0:23:10" in figures
    assert duration(timedelta(hours=1, minutes=2, seconds=3)) == "1:02:03"


# -- #4: the chart has a scale -----------------------------------------------------------------
def chart_lines(screen: SessionScreen) -> list[str]:
    return str(screen.query_one(PowerChart).render()).splitlines()


async def test_the_power_chart_has_a_kw_scale_and_says_when_it_has_no_data(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, cards=[card(1)])
    seed_session(app.settings.database_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await session_screen(pilot)
        assert chart_lines(screen) == ["No power data yet."]
        view = screen.view
        assert isinstance(view, SessionView)
        steady = tuple(PowerSample(START + timedelta(minutes=m), 11.0, m * 0.18) for m in range(23))
        screen.workers.cancel_group(screen, "session-follow")
        screen.query_one(SessionPanel).show(replace(view, power_samples=steady), FROZEN)
        await pilot.pause()
        top, middle, bottom, axis = chart_lines(screen)
        assert top.startswith("15 kW ┤")  # a scale, and 11 kW reads as nearly 3/4 of it
        assert set(bottom.split("┤")[1]) == {"█"}
        assert set(middle.split("┤")[1]) == {"█"}
        assert set(top.split("┤")[1]) == {"▂"}
        assert axis.split("└")[1].startswith(f"{START:%H:%M}")
        assert axis.endswith(f"{FROZEN:%H:%M}")


# -- issue #12: the driver's price as the main figure, the operator's dimmer -------------------
async def test_the_live_screen_shows_the_drivers_price_and_the_operators_figure(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, cards=[card(1)])
    seed_session(app.settings.database_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await session_screen(pilot)
        cost = screen.query_one("#session-cost", Static).render()
        assert isinstance(cost, Content)
        # 4.2 kWh at the station's 0.45 EUR/kWh incl. VAT, passthrough plan, NL 21 %
        first, second = cost.plain.splitlines()
        assert first == "Your price so far  1.89 EUR (incl. 21 % NL VAT)"
        assert second == "Operator's figure  —"  # the CPO reported no cost yet
        dim = [cost.plain[s.start : s.end] for s in cost.spans if "dim" in str(s.style)]
        assert dim == ["\nOperator's figure  —"]  # the second line only
        assert "Our estimate" not in cost.plain
        assert "Cost (operator)" not in cost.plain


def test_the_final_bill_is_the_invoice_never_the_cdr_total() -> None:
    from decimal import Decimal

    from emsp_tui.ocpi.models import Price
    from emsp_tui.services.charging_views import CdrSummary, FinalBill
    from emsp_tui.widgets.session_panel import cost_text

    view = SessionView(
        "NL", "GLP", "S-1", SessionStatus.COMPLETED, "L", "E", "1", None, None, "U", "C", None,
        START, FROZEN, FROZEN - START, 20.0, 0.0, None, (), "EUR", Price(excl_vat=14.0),
        None, FROZEN, FROZEN, False,
        CdrSummary("CDR-9", Price(excl_vat=14.0, incl_vat=16.66), "EUR", 20.0, 0.5, FROZEN),
    )  # fmt: skip
    invoiced = replace(view, bill=FinalBill(Decimal("10.71"), "EUR", "INV-2026-000004"))
    first, second = cost_text(invoiced).plain.splitlines()
    assert first == "Final bill   10.71 EUR · invoice INV-2026-000004 · 20.00 kWh"
    assert second == "Operator's figure (CDR)  16.66 EUR"  # for support only
    pending = replace(view, bill=FinalBill(Decimal("10.71"), "EUR", None))
    assert cost_text(pending).plain.startswith("Final bill   10.71 EUR · invoice pending")
    assert cost_text(view).plain.startswith("Final bill   — · not priced yet")
