"""Partner text is inert on screen (issue #11).

Stored at the driver's home: a station whose name, address, operator, directions, charger id
and tariff text are Textual/Rich markup (printable: no control-character rule stops it), a
station whose searchable texts carry ESC sequences, CR/LF, a BEL and a bidi override (data
stored before the models refused them), and a partner whose name, party and last error are the
same. The station page's parts get the control characters directly as well (the store's models
may no longer read them back). Each screen is checked as the terminal would get it: brackets
read literally, no markup styled or ran anything, nothing written but Textual's own codes.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.app import App, ComposeResult
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Static

from emsp_tui.app import EmspApp
from emsp_tui.messages import ActionFailed, SyncFinished
from emsp_tui.ocpi.enums import SessionStatus
from emsp_tui.ocpi.models import DisplayText, Location, Tariff
from emsp_tui.screens.confirm import ConfirmScreen
from emsp_tui.screens.partners import PartnersScreen, PartnerTable
from emsp_tui.screens.station import StationScreen, start_question
from emsp_tui.screens.stations import StationsScreen
from emsp_tui.services.charging_views import SessionView
from emsp_tui.services.station_info import tariff_offers
from emsp_tui.services.stations import StationDetail, StationKey
from emsp_tui.services.sync import PartnerResult
from emsp_tui.store import Database
from emsp_tui.store import locations as loc_store
from emsp_tui.store import partners as partner_store
from emsp_tui.store.partners import Partner, Party
from emsp_tui.store.sync_state import current_crawl_id
from emsp_tui.widgets.safe_text import markup_literal
from emsp_tui.widgets.session_panel import SessionPanel
from emsp_tui.widgets.station_info import EvseTable, about_text, tariffs_text
from emsp_tui.widgets.station_table import StationTable
from mock_backend.generator import Network

from .support import AMSTERDAM, FROZEN, LOCATIONS, SEED, card, make_app, settle

SIZE = (200, 40)  # wide: the long names fit their columns

MARKUP = {
    "id": "EVIL-MARKUP",
    "name": "Hostile [bold red]FREE[/] [@click=app.quit]tap[/]",
    "address": "[link=http://evil]x[/link] 1",
    "operator": "[@click=app.quit]tap[/] [$accent]Op",
    "direction": "[bold red]FREE[/] [/] then left",
    "evse_id": "[b]NL*EVL*E1",
    "tariff": "EVIL-T-MARKUP",
    "alt": "[@click=app.quit]FREE[/] [$error]charging",
}
CONTROL = {
    "id": "EVIL-CONTROL",
    "name": "Hostile\x1b[2J\x1b[31mX\r\nY\u202eZ",
    "address": "\x1b]0;pwned\x07 St 1",
    "operator": "\x1b[31mRed\x9b0m Op",
    "direction": "go\r\nleft\x1b[1A",
    "evse_id": "NL*EVL*\x1bE2",
    "tariff": "EVIL-T-CONTROL",
    "alt": "\x1b[5mFREE\u202e now",
}
PARTNER_NAME = "[@click=app.quit]evil[/]\x1b[2J"
PARTY_NAME = "[$error]Evil\u202e B.V."
PARTNER_ERROR = "[/] \x1b[31mboom\r\n"

# Everything a partner could use to move the cursor, recolour or reorder: C0 but the line
# breaks between rendered lines, DEL, C1, the bidi controls (written out here, not imported:
# the test does not trust the helper it checks).
CONTROL_CHAR = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
CONTROL_OR_SEPARATOR = re.compile(  # and the line breaks too, in one line of text
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
TEXTUAL_CODES = re.compile(r"\x1b\[[0-9;]*[mH]")  # Textual's own: styles and cursor position


def _hostile(base: Location, tariff: Tariff, texts: dict[str, str]) -> tuple[Location, Tariff]:
    """``base`` moved to the driver's home with the partner's texts, built as stored data is
    read (no validation: the models may refuse these at the boundary by now)."""
    evse = base.evses[0]  # type: ignore[index]
    connector = evse.connectors[0].model_copy(update={"tariff_ids": [texts["tariff"]]})
    evse = evse.model_copy(
        update={"uid": f"{texts['id']}-1", "evse_id": texts["evse_id"], "connectors": [connector]}
    )
    operator = base.operator.model_copy(update={"name": texts["operator"]})  # type: ignore[union-attr]
    coordinates = base.coordinates.model_copy(
        update={"latitude": f"{AMSTERDAM.latitude:.6f}", "longitude": f"{AMSTERDAM.longitude:.6f}"}
    )
    direction = DisplayText.model_construct(language="en", text=texts["direction"])
    location = base.model_copy(
        update={
            "id": texts["id"], "name": texts["name"], "address": texts["address"],
            "city": "Amsterdam", "coordinates": coordinates, "operator": operator,
            "directions": [direction], "evses": [evse],
        }
    )  # fmt: skip
    alt = DisplayText.model_construct(language="en", text=texts["alt"])
    return location, tariff.model_copy(update={"id": texts["tariff"], "tariff_alt_text": [alt]})


def _seed(conn: sqlite3.Connection) -> None:
    partner_id = int(conn.execute("SELECT id FROM partners WHERE name = 'roammesh'").fetchone()[0])
    net = Network(SEED, LOCATIONS)
    base = Location.model_validate(net.location_at(0))
    tariff = Tariff.model_validate(
        next(t for t in net.tariffs(0) if t["party_id"] == base.party_id)
    )
    markup, markup_tariff = _hostile(base, tariff, MARKUP)
    control, _ = _hostile(base, tariff, {**CONTROL, "tariff": tariff.id})
    crawl = current_crawl_id(conn, partner_id, "tariffs")
    loc_store.upsert_tariffs(conn, partner_id, [markup_tariff], crawl_id=crawl)
    crawl = current_crawl_id(conn, partner_id, "locations")
    loc_store.upsert_locations(conn, partner_id, [markup, control], crawl_id=crawl)
    evil = Partner(
        name=PARTNER_NAME, versions_url="http://evil.example/ocpi/versions", version="2.2.1",
        roles=[{"role": "CPO", "country_code": "NL", "party_id": "EVL"}], token_out="token-evil",
        registered_at=FROZEN, last_error=PARTNER_ERROR, last_error_at=FROZEN,
        parties=[Party("NL", "EVL", "CPO", PARTY_NAME)],
    )  # fmt: skip
    partner_store.save_partner(conn, evil, "token-evil-b")


def hostile_app(tmp_path: Path) -> EmspApp:
    app = make_app(tmp_path, cards=[card(1)])
    db = Database(app.settings.database_path)
    db.open_sync()
    db.transaction_sync(_seed)
    db.close_sync()
    return app


def painted(app: App[object]) -> tuple[str, str]:
    """What the terminal gets for a full redraw of the screen on top: the cells' text, line by
    line, and the characters written (text with Textual's codes)."""
    compositor = app.screen._compositor
    cells = "\n".join("".join(s.text for s in strip) for strip in compositor.render_strips())
    return cells, compositor.render_full_update().render_segments(app.console)


def assert_inert(app: App[object]) -> str:
    """No control character in any cell, and nothing written but Textual's own codes."""
    cells, written = painted(app)
    assert not CONTROL_CHAR.findall(cells), [c for c in CONTROL_CHAR.findall(cells)]
    leftover = TEXTUAL_CODES.sub("", written)
    assert not CONTROL_CHAR.findall(leftover.replace("\n", "")), CONTROL_CHAR.findall(leftover)
    assert app.is_running  # no [@click=app.quit] ran
    assert app.return_code is None
    return cells


async def click_on(pilot: Pilot[object], cells: str, text: str) -> None:
    """Click the first cell of ``text`` where it shows (an ASCII line: columns are characters)."""
    for y, line in enumerate(cells.split("\n")):
        if text in line:
            await pilot.click(offset=(line.index(text), y))
            await settle(pilot)
            return
    raise AssertionError(f"{text!r} is not on the screen")


async def shown(pilot: Pilot[object], app: App[object], *texts: str) -> None:
    """Wait until every one of ``texts`` is on the screen (toasts, the palette's results come
    after a refresh of their own); the assertions that follow say what is missing."""
    for _ in range(100):
        cells, _ = painted(app)
        if all(text in cells for text in texts):
            return
        await pilot.pause(0.02)


async def open_station(pilot: Pilot[object], app: EmspApp, location_id: str) -> StationScreen:
    app.push_screen(StationScreen(StationKey("DE", "VOL", location_id)))
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, StationScreen)
    assert screen.detail is not None
    return screen


async def test_the_finder_shows_markup_names_literally_and_no_control_character(
    tmp_path: Path,
) -> None:
    app = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StationsScreen)
        table = screen.query_one(StationTable)
        keys = table.row_keys[:2]  # at home: the nearest
        assert {k.split("\x1f")[2] for k in keys} == {MARKUP["id"], CONTROL["id"]}
        table.move_cursor(row=table.row_keys.index(next(k for k in keys if "MARKUP" in k)))
        await settle(pilot)
        cells = assert_inert(app)
        assert MARKUP["name"] in cells  # the table cell, brackets and all
        assert MARKUP["address"] in cells  # the line under the table
        assert MARKUP["operator"] in cells
        assert "Hostile\ufffd[2J\ufffd[31mX\ufffd\ufffdY\ufffdZ" in cells  # shown, made harmless
        await click_on(pilot, cells, "tap[/]")
        assert_inert(app)


async def test_the_station_page_tariff_and_about_texts_are_literal(tmp_path: Path) -> None:
    app = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await open_station(pilot, app, MARKUP["id"])
        cells = assert_inert(app)
        assert MARKUP["name"] in cells
        assert MARKUP["evse_id"] in cells
        await click_on(pilot, cells, "tap[/]")  # in the title: app.quit, were it markup
        assert isinstance(app.screen, StationScreen)
        await pilot.press("p")
        await settle(pilot)
        cells = assert_inert(app)
        assert f"“{MARKUP['alt']}”" in cells
        assert f"tariff {MARKUP['tariff']}" in cells
        await pilot.press("i")
        await settle(pilot)
        cells = assert_inert(app)
        assert MARKUP["direction"] in cells  # "[/]" alone raises when read as markup
        assert MARKUP["operator"] in cells
        assert MARKUP["address"] in cells


async def test_the_start_question_shows_the_charger_literally(tmp_path: Path) -> None:
    app = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await open_station(pilot, app, MARKUP["id"])
        await pilot.press("s")
        for _ in range(100):  # not settle(): the start waits for the answer in its worker
            if isinstance(app.screen, ConfirmScreen):
                break
            await pilot.pause(0.02)
        assert isinstance(app.screen, ConfirmScreen)
        cells = assert_inert(app)
        assert f"Start charger {MARKUP['evse_id']}?" in cells
        await pilot.press("n")


def control_detail() -> StationDetail:
    """The control-character station as the station page gets it, not read from the store."""
    net = Network(SEED, LOCATIONS)
    base = Location.model_validate(net.location_at(0))
    tariff = Tariff.model_validate(next(t for t in net.tariffs(0) if t["party_id"] == "VOL"))
    location, hostile_tariff = _hostile(base, tariff, CONTROL)
    key = StationKey("DE", "VOL", CONTROL["id"])
    return StationDetail(key, location, {CONTROL["tariff"]: hostile_tariff})


class StationParts(App[None]):
    """The station page's parts (chargers, price, about), built as the station screen does."""

    def __init__(self, detail: StationDetail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        yield EvseTable()
        yield Static(id="tariffs")
        yield Static(id="about")

    def on_mount(self) -> None:
        self.query_one(EvseTable).show(self.detail, FROZEN)
        self.query_one("#tariffs", Static).update(tariffs_text(tariff_offers(self.detail)))
        self.query_one("#about", Static).update(about_text(self, self.detail, FROZEN))


async def test_the_station_page_writes_no_escape_sequence_of_a_partner() -> None:
    detail = control_detail()
    app = StationParts(detail)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        cells = assert_inert(app)
        assert "NL*EVL*\ufffdE2" in cells  # the charger
        assert "\ufffd[5mFREE\ufffd now" in cells  # the tariff's own words
        assert "go\ufffd\ufffdleft\ufffd[1A" in cells  # directions: one line, CR LF shown
        assert "\ufffd[31mRed\ufffd0m Op" in cells
        assert "\ufffd]0;pwned\ufffd St 1" in cells
        evse = detail.location.evses[0].uid  # type: ignore[index]
        app.push_screen(ConfirmScreen("Start charging", start_question(detail, evse, "my card")))
        await pilot.pause()
        cells = assert_inert(app)
        assert "Start charger NL*EVL*\ufffdE2?" in cells


async def test_a_stored_station_with_control_characters_opens_inert(tmp_path: Path) -> None:
    """From the store: shown made safe, or refused by the models with a notice just as safe."""
    app = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.push_screen(StationScreen(StationKey("DE", "VOL", CONTROL["id"])))
        await settle(pilot)
        for tab in ("c", "p", "i"):
            await pilot.press(tab)
            await settle(pilot)
            assert_inert(app)


async def test_the_palette_lists_partner_stations_literally(tmp_path: Path) -> None:
    app = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"hostile")
        await shown(pilot, app, MARKUP["address"], "Hostile\ufffd")  # the palette's worker
        cells = assert_inert(app)
        assert f"Station: {MARKUP['name']}" in cells
        assert MARKUP["address"] in cells  # the help line, which the palette reads as markup


async def test_the_partners_screen_shows_partner_names_and_errors_literally(
    tmp_path: Path,
) -> None:
    app = hostile_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PartnersScreen)
        table = screen.query_one(PartnerTable)
        evil = next(k for k in table.row_keys if "evil" in k)
        table.move_cursor(row=table.row_keys.index(evil))
        await settle(pilot)
        cells = assert_inert(app)
        assert "Parties [@click=app.quit]evil[/]\ufffd[2J:" in cells
        assert "[$error]Evil\ufffd B.V." in cells
        assert "[/] \ufffd[31mboom" in cells


@pytest.mark.parametrize(
    "error", ["[/] no such tag", "[@click=app.quit]x[/]", "\x1b[2J\x1b[31mboom\r\n"]
)
async def test_an_error_a_partner_returned_is_a_literal_notice(tmp_path: Path, error: str) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.screen.post_message(ActionFailed("Favourite not saved", error))
        await settle(pilot)
        await shown(pilot, app, "Favourite not saved")
        cells = assert_inert(app)  # a markup error would have ended the app
        assert "Favourite not saved" in cells
        assert error.replace("\x1b", "\ufffd").replace("\r\n", "")[:12] in cells


@given(st.text())
def test_markup_literal_reads_back_as_the_text_itself(text: str) -> None:
    """Where Textual insists on markup, escaping every bracket gives the text back, unstyled."""
    content = Content.from_markup(markup_literal(text))
    assert content.plain == CONTROL_OR_SEPARATOR.sub("\ufffd", text)
    assert not content.spans


def session_view(texts: dict[str, str]) -> SessionView:
    """A charge running at the partner's station, pushed by its operator."""
    return SessionView(
        country_code="DE", party_id="VOL", id="S1", status=SessionStatus.ACTIVE,
        location_id=texts["id"], evse_uid=f"{texts['id']}-1", connector_id="1",
        location_name=texts["name"], address=texts["address"], token_uid="04A1B2C3D4E501",
        contract_id="NL-EMS-C12345671-X", authorization_reference=None, started_at=FROZEN,
        ended_at=None, elapsed=timedelta(minutes=5), kwh=3.2, power_kw=11.0, soc=None,
        power_samples=(), currency="EUR", cost=None, estimate=None, last_updated=FROZEN,
        received_at=FROZEN, stale=False, cdr=None, evse_id=texts["evse_id"],
        operator=texts["operator"], pushed=True,
    )  # fmt: skip


class Panel(App[None]):
    def __init__(self, view: SessionView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        yield SessionPanel()

    def on_mount(self) -> None:
        self.query_one(SessionPanel).show(self.view, FROZEN)


async def test_the_live_session_shows_markup_in_names_literally() -> None:
    app = Panel(session_view(MARKUP))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        cells = assert_inert(app)
        assert f"{MARKUP['name']} · charger {MARKUP['evse_id']}" in cells
        assert f"Updates pushed by {MARKUP['operator']}" in cells


async def test_the_live_session_writes_no_escape_sequence_of_a_partner() -> None:
    app = Panel(session_view(CONTROL))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert_inert(app)


async def test_a_partners_sync_error_is_a_literal_notice(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.post_message(SyncFinished([PartnerResult(PARTNER_NAME, error=PARTNER_ERROR)]))
        await settle(pilot)
        await shown(pilot, app, "Sync failed")
        cells = assert_inert(app)
        assert "Sync failed" in cells
