"""Partners and settings: who we roam with, what they sent us, sync now; home and theme."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import (
    Button,
    Footer,
    ProgressBar,
    Static,
    TabbedContent,
    TabPane,
)

from ..services.partner_status import PartnerStatus
from ..widgets.area_bar import AreaBar
from ..widgets.responsive_table import Col, ResponsiveTable
from ..widgets.safe_text import plain
from ..widgets.station_info import ago
from ..widgets.status import tone
from .base import AreaScreen, one_line
from .face import SyncView

DARK, LIGHT = "textual-dark", "textual-light"


class PartnerTable(ResponsiveTable):
    COLUMNS = (
        Col("name", "Partner", 14, flex=True),
        Col("role", "Role", 8),
        Col("state", "State", 14),
        Col("locations", "Stations", 8, justify="right"),
        Col("synced", "Last sync", 12, priority=1),
        Col("error", "Last error", 30, priority=2),
    )


class PartyTable(ResponsiveTable):
    COLUMNS = (
        Col("party", "Party", 8),
        Col("role", "Role", 5),
        Col("name", "Name", 16, flex=True),
        Col("status", "Status", 14),
        Col("locations", "Stations", 8, justify="right"),
        Col("evses", "Chargers", 8, justify="right", priority=1),
    )


class PartnersScreen(AreaScreen):
    HELP = """
The roaming partners we are connected to (a hub, or CPOs directly), the parties behind a
hub, and how many of their stations we hold. **Sync now** (s) fetches what changed.
Settings: your home position and the theme are saved in config.toml.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "app.sync", "Sync now", id="partners.sync",
                tooltip="Fetch stations and tariffs from every partner"),
        Binding("r", "refresh", "Refresh", id="partners.refresh", tooltip="Read the list again"),
        Binding("h", "app.set_home", "Home", id="partners.home",
                tooltip="Set the position distances are measured from"),
        Binding("t", "settings", "Settings", id="partners.settings",
                tooltip="Home position and theme"),
    ]  # fmt: skip

    @dataclass
    class Loaded(Message):
        infos: list[PartnerStatus]
        error: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.infos: list[PartnerStatus] = []

    def compose(self) -> ComposeResult:
        yield AreaBar("partners")
        with TabbedContent(id="partner-tabs", initial="partners-tab"):
            with TabPane("Partners", id="partners-tab"):
                yield PartnerTable(id="partner-table")
                yield Static(id="parties-title")
                yield PartyTable(id="party-table")
                with Horizontal(id="sync-row"):
                    yield Button("Sync now", id="sync", compact=True, tooltip="Fetch what changed")
                    yield ProgressBar(id="sync-progress", show_eta=False)
                    yield Static(id="sync-text")
            with TabPane("Settings", id="settings-tab"), VerticalScroll():
                yield Static("Home position", classes="setting-title")
                with Horizontal(classes="setting-row"):
                    yield Static(id="home-text")
                    yield Button("Change…", id="change-home", compact=True)
                yield Static("Theme", classes="setting-title")
                with Horizontal(classes="setting-row"):
                    yield Button("● Dark", id="theme-dark", compact=True)
                    yield Button("○ Light", id="theme-light", compact=True)
                yield Static("Our OCPI endpoints", classes="setting-title")
                yield Static(id="endpoints")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(PartnerTable).loading = True
        self.watch(self.app, "sync_state", self._show_sync)
        self.watch(self.app, "data_version", self._reload, init=False)
        self.watch(self.app, "home", lambda _: self._show_settings())
        self.watch(self.app, "theme", lambda _: self._show_settings())
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def _reload(self) -> None:
        self.load()

    @work(exclusive=True, group="partners", exit_on_error=False)
    async def load(self) -> None:
        try:
            await self.emsp.ready()
            infos = await self.emsp.partner_status.overview()
        except Exception as err:
            self.post_message(self.Loaded([], one_line(err)))
        else:
            self.post_message(self.Loaded(infos))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        table = self.query_one(PartnerTable)
        table.loading = False
        if event.error:
            self.failed("Could not read partners", event.error)
            return
        self.infos = event.infos
        now = self.emsp.now()
        rows: list[tuple[str, dict[str, Text | str]]] = []
        for p in event.infos:
            state = Text(
                f"{'●' if p.ok else '✕'} {p.status.lower()}",
                style=tone(self.app, "success" if p.ok else "error"),
            )
            synced = p.last_sync
            rows.append((p.name, {
                "name": p.name, "role": ",".join(p.roles) or "-", "state": state,
                "locations": str(p.stations),
                "synced": ago(synced, now) if synced else Text("never", style="dim"),
                "error": Text(p.last_error or "", style=tone(self.app, "error")),
            }))  # fmt: skip
        table.set_rows(rows, keep=table.current_key)
        if not rows:
            self.query_one("#parties-title", Static).update(
                "No partners yet. Connect one with: emsp partners add VERSIONS_URL --token TOKEN_A"
                " (or try 'emsp demo')."
            )
            self.query_one(PartyTable).set_rows([])
        else:
            self._show_parties()
        self._show_settings()

    @on(PartnerTable.RowHighlighted, "#partner-table")
    def _show_parties(self) -> None:
        name = self.query_one(PartnerTable).current_key
        info = next((i for i in self.infos if i.name == name), None)
        if info is None:
            return
        rows: list[tuple[str, dict[str, Text | str]]] = []
        for party in info.parties:
            ok = party.status == "CONNECTED"
            rows.append((f"{party.key}:{party.role}", {
                "party": party.key, "role": party.role, "name": party.name or "",
                "status": Text(f"{'●' if ok else '✕'} {party.status.lower()}",
                               style=tone(self.app, "success" if ok else "error")),
                "locations": str(party.stations),
                "evses": str(party.evses),
            }))  # fmt: skip
        behind = "Behind the hub" if info.is_hub else "Parties"
        self.query_one("#parties-title", Static).update(plain(f"{behind} {info.name}:"))
        table = self.query_one(PartyTable)
        named = any(p.name for p in info.parties)
        table.hide(frozenset() if named else frozenset({"name"}))
        table.set_rows(rows)

    def _show_sync(self, state: SyncView) -> None:
        bar = self.query_one("#sync-progress", ProgressBar)
        text = self.query_one("#sync-text", Static)
        self.query_one("#sync", Button).disabled = state.running
        bar.display = state.running
        if state.running:
            p = state.progress
            bar.update(total=p.total if p and p.total else None, progress=p.done if p else 0)
            words = f"{p.partner}: {p.module} {p.done}/{p.total or '?'}" if p else "Starting…"
            text.update(plain(words))
            return
        if state.finished_at is None:
            text.update("")
            return
        when = ago(state.finished_at, self.emsp.now())
        if state.error:
            text.update(plain(f"Sync failed ({when}): {state.error}", tone(self.app, "error")))
        else:
            stored = sum(m.stored for r in state.results for m in r.modules)
            failed = sum(1 for r in state.results if r.error)
            words = f"Synced {when}: {stored} objects from {len(state.results)} partner(s)"
            text.update(plain(words + (f", {failed} failed" if failed else "")))

    def _show_settings(self) -> None:
        home = self.emsp.home
        self.query_one("#home-text", Static).update(
            plain(
                f"{home.label}  ({home.latitude:.4f}, {home.longitude:.4f})" if home else "Not set"
            )
        )
        dark = self.app.current_theme.dark
        self.query_one("#theme-dark", Button).label = f"{'●' if dark else '○'} Dark"
        self.query_one("#theme-light", Button).label = f"{'○' if dark else '●'} Light"
        self.query_one("#theme-dark", Button).set_class(dark, "-chosen")
        self.query_one("#theme-light", Button).set_class(not dark, "-chosen")
        self.query_one("#endpoints", Static).update(
            Text.assemble(
                ("versions URL  ", "dim"), self.emsp.node.versions_url,
                ("\nidentity      ", "dim"),
                f"{self.emsp.settings.identity.country_code}*{self.emsp.settings.identity.party_id}"
                f" {self.emsp.settings.identity.name}",
                ("\nconfig        ", "dim"), str(self.emsp.settings.config_file),
                ("\nlog           ", "dim"), str(self.emsp.log_file.path),
            )
        )  # fmt: skip

    @on(Button.Pressed, "#theme-dark, #theme-light")
    def _theme(self, event: Button.Pressed) -> None:
        self.app.theme = LIGHT if event.button.id == "theme-light" else DARK

    @on(Button.Pressed, "#sync")
    async def _sync(self) -> None:
        await self.app.run_action("sync")

    @on(Button.Pressed, "#change-home")
    async def _home(self) -> None:
        await self.app.run_action("set_home")

    def action_refresh(self) -> None:
        self.load()

    def action_settings(self) -> None:
        self.query_one("#partner-tabs", TabbedContent).active = "settings-tab"

    def commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Settings", "Home position, theme, our endpoints (t)", self.action_settings
        )
        yield SystemCommand("Refresh partners", "Read the list again (r)", self.action_refresh)
