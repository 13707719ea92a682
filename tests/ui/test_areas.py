"""Pilot: wallet (show, block, unblock, another card), partners and sync, settings, help, errors."""

from __future__ import annotations

import asyncio
import logging
import random
import sys
from pathlib import Path

from textual.message import Message
from textual.widgets import Button, Input, OptionList, ProgressBar, Static

from emsp_tui.app import EmspApp
from emsp_tui.config import Settings
from emsp_tui.messages import SyncFinished, SyncProgressed
from emsp_tui.node import EmspNode
from emsp_tui.screens.confirm import ConfirmScreen
from emsp_tui.screens.help import HelpScreen
from emsp_tui.screens.home import HomeScreen
from emsp_tui.screens.palette import StationLookup
from emsp_tui.screens.partners import PartnersScreen, PartnerTable, PartyTable
from emsp_tui.screens.wallet import WalletScreen
from emsp_tui.services.events import CardChanged
from emsp_tui.services.sync import ModuleResult, PartnerResult, Progress
from emsp_tui.services.wallet import is_valid_contract_id
from emsp_tui.store import tokens as token_store
from emsp_tui.widgets.card_view import CardView
from emsp_tui.widgets.qr_code import QrCode, qr_matrix

from .support import FROZEN, card, make_app
from .test_stations_flow import SIZE, screen_text, settle


async def test_wallet_shows_the_card_blocks_and_unblocks_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)  # no card yet: the wallet issues the driver's first one
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        wallet = app.screen
        assert isinstance(wallet, WalletScreen)
        # Card changes reach the partners through the charging feature's token push.
        assert app.node.token_push.on_card_changed in app.node.events._handlers[CardChanged]
        assert len(wallet.cards) == 1
        token = wallet.cards[0].token
        assert is_valid_contract_id(token.contract_id)
        assert token.contract_id.startswith("NL-EMS-C")
        assert str(token.whitelist) == "ALLOWED"
        assert token.issuer == "Open eMSP"
        assert str(token.type) == "RFID"
        assert token.valid
        view = wallet.query_one(CardView)
        assert token.contract_id in screen_text(view.query_one("#card-details", Static))
        assert "Active" in screen_text(view.query_one("#card-state", Static))
        qr = wallet.query_one(QrCode)
        assert qr.data == token.contract_id
        assert qr.size.width == len(qr_matrix(token.contract_id))  # one cell per module column

        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is wallet
        stored = await app.node.db.run(token_store.get_token, "NL", "EMS", token.uid)
        assert stored is not None
        assert stored.blocked
        assert "Blocked" in screen_text(view.query_one("#card-state", Static))
        assert view.has_class("-blocked")

        await pilot.press("b")  # unblocking needs no confirmation
        await settle(pilot)
        stored = await app.node.db.run(token_store.get_token, "NL", "EMS", token.uid)
        assert stored is not None
        assert not stored.blocked

        await pilot.press("n")
        await settle(pilot)
        assert len(wallet.cards) == 2
        assert wallet.query_one("#cards", OptionList).option_count == 2
        assert len({c.token.contract_id for c in wallet.cards}) == 2


async def test_blocking_can_be_cancelled(tmp_path: Path) -> None:
    app = make_app(tmp_path, cards=[card(1)])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pilot.click("#no")
        await settle(pilot)
        stored = await app.node.db.run(token_store.get_token, "NL", "EMS", card(1).uid)
        assert stored is not None
        assert not stored.blocked


class FakeSync:
    """SyncService's shape: reports progress, then per-partner results.

    It stops half way until the test sets ``halfway`` (a class attribute: the app builds
    one SyncService per run from the class).
    """

    halfway: asyncio.Event | None = None

    def __init__(self, node: EmspNode) -> None:
        self.node = node

    async def sync_all(self, progress: object) -> list[PartnerResult]:
        progress(Progress("roammesh", "locations", 500, 1000))  # type: ignore[operator]
        if self.halfway is not None:
            await self.halfway.wait()
        progress(Progress("roammesh", "locations", 1000, 1000))  # type: ignore[operator]
        return [PartnerResult("roammesh", [ModuleResult("locations", stored=1000)])]


async def test_partners_and_sync_now_with_progress(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.sync_factory = FakeSync  # type: ignore[assignment]
    seen: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        partners = app.screen
        assert isinstance(partners, PartnersScreen)
        table = partners.query_one(PartnerTable)
        assert table.row_count == 1
        assert table.get_row_at(0)[0].plain == "roammesh"
        parties = partners.query_one(PartyTable)
        assert [parties.get_row_at(i)[0].plain for i in range(parties.row_count)] == [
            "BE*FLC", "DE*VOL", "FR*BRS", "NL*GLP",
        ]  # fmt: skip
        version = app.data_version
        FakeSync.halfway = asyncio.Event()
        try:
            await pilot.press("s")
            for _ in range(5):
                await pilot.pause()
            bar = partners.query_one("#sync-progress", ProgressBar)
            assert app.sync_state.running
            assert bar.display
            assert (bar.total, bar.progress) == (1000, 500)
            assert "roammesh: locations 500/1000" in screen_text(
                partners.query_one("#sync-text", Static)
            )
            assert partners.query_one("#sync", Button).disabled  # one sync at a time
            assert "⟳ roammesh locations 50%" in app.status_line
            FakeSync.halfway.set()
            await settle(pilot)
        finally:
            FakeSync.halfway = None
        assert not partners.query_one("#sync-progress", ProgressBar).display
        progressed = [m.progress.done for m in seen if isinstance(m, SyncProgressed)]
        assert progressed
        assert progressed[-1] == 1000
        assert any(isinstance(m, SyncFinished) and not m.error for m in seen)
        assert not app.sync_state.running
        assert app.data_version == version + 1
        text = screen_text(partners.query_one("#sync-text", Static))
        assert "1000 objects from 1 partner" in text


async def test_sync_failure_is_a_readable_notification(tmp_path: Path) -> None:
    class Broken(FakeSync):
        async def sync_all(self, progress: object) -> list[PartnerResult]:
            raise RuntimeError("hub unreachable:\n connection refused")

    app = make_app(tmp_path)
    app.sync_factory = Broken  # type: ignore[assignment]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4", "s")
        await settle(pilot)
        assert app.sync_state.error == "hub unreachable: connection refused"
        assert any(n.severity == "error" and "unreachable" in n.message for n in app._notifications)


async def test_home_position_by_city_is_remembered(tmp_path: Path) -> None:
    app = make_app(tmp_path, home=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.near is None
        await pilot.press("4", "h")  # on the stations list h types into the search
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        box = app.screen.query_one("#home-input", Input)
        box.value = "atlantis"
        await pilot.press("enter")
        await settle(pilot)
        assert "unknown place" in screen_text(app.screen.query_one("#home-error", Static))
        box.value = "koln"
        await pilot.press("enter")
        await settle(pilot)
        assert app.home is not None
        assert app.home.label == "Köln"
        assert "Köln" in app.status_line
        assert 'label = "Köln"' in app.settings.config_file.read_text()
        reloaded = Settings(config_dir=app.settings.config_dir, data_dir=tmp_path / "data")
        assert reloaded.home == app.home
        await pilot.press("1")
        await settle(pilot)
        page = app.screen._page  # type: ignore[attr-defined]
        assert page.rows[0].hit.city == "Köln"  # nearest first from the new home


async def test_theme_toggle_is_saved(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.theme == "textual-light"
        assert 'theme = "textual-light"' in app.settings.config_file.read_text()
        await pilot.press("4", "t")
        await settle(pilot)
        await pilot.click("#theme-dark")
        await settle(pilot)
        assert app.theme == "textual-dark"
        assert str(app.screen.query_one("#theme-dark", Button).label) == "● Dark"


async def test_help_lists_every_area_and_closes(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        from emsp_tui.screens.help import help_markdown

        text = help_markdown(list(EmspApp.BINDINGS))
        for words in ("Stations", "Favourites", "Wallet", "Partners", "Start charging", "`*`"):
            assert words in text
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, HelpScreen)


async def test_palette_finds_stations_by_name(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        provider = StationLookup(app.screen)
        hits = [hit async for hit in provider.search("Dresden Süd")]
        assert [str(h.text) for h in hits] == ["Station: Schnellladepark Dresden Süd"]
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Stations", "Favourites", "Wallet", "Sync now", "Filters", "Help"):
            assert title in titles


async def test_a_node_that_cannot_start_is_a_notification_not_a_traceback(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    settings = Settings(config_dir=tmp_path / "config", data_dir=blocker)
    app = EmspApp(
        settings, node=EmspNode(settings, serve=False), now=lambda: FROZEN,
        rng=random.Random(1), sync_on_start=False,
    )  # fmt: skip
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.is_running
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors
        assert errors[0].title == "Could not start"
        await pilot.press("3")  # the other areas say so too, and stay usable
        await settle(pilot)
        assert isinstance(app.screen, WalletScreen)


async def test_log_records_go_to_a_file_while_the_ui_runs(tmp_path: Path) -> None:
    handler = logging.StreamHandler(sys.__stderr__)  # what `emsp -v` installs
    root = logging.getLogger()
    root.addHandler(handler)
    app = make_app(tmp_path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert handler.stream is not sys.__stderr__
            logging.getLogger("emsp_tui.test").warning("partner said no")
        assert "partner said no" in app.log_file.path.read_text()
        assert handler.stream is sys.__stderr__  # given back when the app ends
    finally:
        root.removeHandler(handler)
