"""EmspApp: the driver's terminal app. Owns the node (database, OCPI endpoints) and the services.

Six areas (MODES): stations, favourites, wallet, partners, charging, invoices. Workers do every
bit of database and network work and post messages; the app turns them into reactives the
screens watch.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, TextIO

from textual import on, work
from textual._path import CSSPathType
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen

from . import paths
from .config import HomePosition, Settings
from .messages import NodeStarted, SettingsSaveFailed, SyncFinished, SyncProgressed
from .node import EmspNode
from .screens.face import EmspFace, SyncView
from .screens.favourites import FavouritesScreen
from .screens.help import HelpScreen
from .screens.invoices import InvoicesScreen
from .screens.palette import StationLookup
from .screens.partners import PartnersScreen
from .screens.session import SessionScreen
from .screens.stations import StationsScreen
from .screens.wallet import WalletScreen
from .services.sync import Progress, SyncService
from .widgets.safe_text import notify_plain

STYLES = Path(__file__).parent / "styles"
DARK, LIGHT = "textual-dark", "textual-light"

log = logging.getLogger(__name__)


class NodeUnavailable(Exception):
    """The node could not start; the message says why in one line."""


def one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


class LogToFile:
    """While the UI owns the terminal, log records go to a file instead of over the screen.

    Handlers that write to the real terminal (``emsp -v``'s stderr handler) or into Textual's
    print capture (where they would vanish, e.g. uvicorn's) are pointed at ``path``, and
    put back when the app ends.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: TextIO | None = None
        self._moved: list[tuple[logging.StreamHandler[TextIO], TextIO]] = []

    @staticmethod
    def _to_terminal(stream: object) -> bool:
        return (
            stream in (sys.__stderr__, sys.__stdout__) or type(stream).__name__ == "_PrintCapture"
        )

    def route(self) -> None:
        known = logging.Logger.manager.loggerDict.values()
        loggers = [logging.getLogger(), *(v for v in known if isinstance(v, logging.Logger))]
        for logger in loggers:
            for handler in logger.handlers:
                if (
                    type(handler) is logging.StreamHandler
                    and self._to_terminal(handler.stream)
                    and all(handler is not h for h, _ in self._moved)
                ):
                    if self._file is None:
                        paths.ensure_private_dir(self.path.parent)
                        self._file = self.path.open("a", encoding="utf-8")
                    self._moved.append((handler, handler.stream))
                    handler.setStream(self._file)

    def restore(self) -> None:
        for handler, stream in self._moved:
            handler.setStream(stream)
        self._moved.clear()
        if self._file is not None:
            self._file.close()
            self._file = None


class EmspApp(App[int]):
    TITLE = "emsp"
    SUB_TITLE = "OCPI 2.2.1 eMSP"
    CSS_PATH: ClassVar[CSSPathType | None] = [
        STYLES / "app.tcss",
        STYLES / "stations.tcss",
        STYLES / "station.tcss",
        STYLES / "favourites.tcss",
        STYLES / "wallet.tcss",
        STYLES / "partners.tcss",
        STYLES / "dialogs.tcss",
        STYLES / "charging.tcss",
        STYLES / "invoices.tcss",
    ]
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "stations": StationsScreen,
        "favourites": FavouritesScreen,
        "wallet": WalletScreen,
        "partners": PartnersScreen,
        "charging": SessionScreen,
        "invoices": InvoicesScreen,
    }
    DEFAULT_MODE = "stations"
    COMMANDS = App.COMMANDS | {StationLookup}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "area('stations')", "Stations", show=False, id="area.stations",
                tooltip="Find stations: search, filters, nearest first"),
        Binding("2", "area('favourites')", "Favourites", show=False, id="area.favourites",
                tooltip="Your starred stations with live availability"),
        Binding("3", "area('wallet')", "Wallet", show=False, id="area.wallet",
                tooltip="Your charging cards: show, block, get another"),
        Binding("4", "area('partners')", "Partners", show=False, id="area.partners",
                tooltip="Roaming partners, sync, and settings"),
        Binding("5", "area('charging')", "Charging", show=False, id="area.charging",
                tooltip="The charge running now, and your past charges"),
        Binding("6", "area('invoices')", "Invoices", show=False, id="area.invoices",
                tooltip="Your invoices by month, credit notes, and PDFs to file"),
        Binding("f2", "area('stations')", show=False, priority=True, id="area.stations.fkey"),
        Binding("f3", "area('favourites')", show=False, priority=True, id="area.favourites.fkey"),
        Binding("f4", "area('wallet')", show=False, priority=True, id="area.wallet.fkey"),
        Binding("f5", "area('partners')", show=False, priority=True, id="area.partners.fkey"),
        Binding("f1,question_mark", "help", "Help", key_display="?", id="help",
                tooltip="Every key, and what each area is for"),
        Binding("ctrl+t", "toggle_dark", "Light/dark", show=False, id="theme.toggle",
                tooltip="Switch between the dark and the light theme"),
    ]  # fmt: skip

    status_line: reactive[str] = reactive("")
    home: reactive[HomePosition | None] = reactive(None, init=False)
    sync_state: reactive[SyncView] = reactive(SyncView, init=False)
    data_version: reactive[int] = reactive(0, init=False)  # bumped when the store changed

    def __init__(
        self,
        settings: Settings,
        *,
        demo_hub: tuple[str, str] | None = None,
        demo_speed: float | None = None,
        node: EmspNode | None = None,
        now: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
        sync_on_start: bool = True,
        sync_factory: Callable[[EmspNode], SyncService] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.node = node or EmspNode(settings, clock=self.now, rng=rng)
        self.demo_hub = demo_hub
        self.demo_speed = demo_speed  # the demo's simulated time factor; None: real time
        # the services come from the composition root; the app builds none
        self.stations = self.node.stations
        self.wallet = self.node.wallet
        self.partner_status = self.node.partner_status
        self.billing = self.node.billing
        self.sync_on_start = sync_on_start
        self.sync_factory = sync_factory or (lambda started: started.new_sync())
        self.log_file = LogToFile(settings.data_dir / "emsp.log")
        self._node_ready = asyncio.Event()
        self._started = False
        self._start_error: str | None = None
        self.theme = settings.theme if settings.theme in self.available_themes else DARK
        self.set_reactive(EmspApp.home, settings.home)

    # -- lifetime -------------------------------------------------------------------------------
    def _fatal_error(self) -> None:
        """As Textual's crash report, but without each frame's local variables: a frame of
        an OCPI call holds the credentials token (the Authorization header), and the report
        is printed to the terminal and pasted into bug reports."""
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        report = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(Segments(self.console.render(report, self.console.options)))
        self._close_messages_no_wait()

    def on_mount(self) -> None:
        self.log_file.route()
        self._update_status_line()
        self.start_node()

    @work(exclusive=True, group="node", exit_on_error=False)
    async def start_node(self) -> None:
        try:
            await self.node.start()
            self._started = True
        except Exception as err:
            self._start_error = one_line(err)
        finally:
            self.log_file.route()  # the receiver's server configured its own logging
            self._node_ready.set()
        if self._start_error:
            self.post_message(NodeStarted(error=self._start_error))
            return
        registered = registration_error = None
        try:
            # Before connecting partners, so that the new card is pushed to them on connect.
            await self.wallet.ensure_card()
        except Exception as err:
            self.log.warning(f"could not issue the first card: {err}")
        if self.demo_hub:
            url, token = self.demo_hub
            self.demo_hub = None
            try:
                partner = await self.node.partners.add(url, token, name="demo-hub")
                registered = partner.name
            except Exception as err:
                registration_error = one_line(err)
        self.post_message(NodeStarted(None, registered, registration_error))

    async def ready(self) -> EmspNode:
        """The started node, once it is; raises NodeUnavailable if it could not start."""
        await self._node_ready.wait()
        if self._start_error:
            raise NodeUnavailable(self._start_error)
        return self.node

    @on(NodeStarted)
    def _node_started(self, event: NodeStarted) -> None:
        if event.error:
            notify_plain(self, event.error, title="Could not start", severity="error", timeout=15)
            return
        if event.registration_error:
            notify_plain(
                self, event.registration_error, title="Could not connect", severity="error"
            )
        if event.registered:
            notify_plain(
                self, f"Connected to {event.registered}; fetching stations…", title="Partner"
            )
        if self.sync_on_start:
            self.action_sync()
        self.check_running_charges()

    @work(exclusive=True, group="charges", exit_on_error=False)
    async def check_running_charges(self) -> None:
        """After a restart: say so when a charge is still running (it lives in area 5)."""
        try:
            running = await self.node.charging.sessions()
        except Exception:
            return
        if running:
            self.notify("A charge is still running: press 5 to see it.", title="Charging")

    async def on_unmount(self) -> None:
        if self._started:
            await self.node.stop()
        self.log_file.restore()

    # -- sync -----------------------------------------------------------------------------------
    def action_sync(self) -> None:
        if self.sync_state.running:
            self.notify("A sync is already running.")
            return
        self.sync_state = SyncView(running=True)
        self.run_sync()

    @work(exclusive=True, group="sync", exit_on_error=False)
    async def run_sync(self) -> None:
        try:
            node = await self.ready()

            def progressed(progress: Progress) -> None:
                self.post_message(SyncProgressed(progress))

            results = await self.sync_factory(node).sync_all(progressed)
            await self._pull_cdrs(node)
        except Exception as err:
            self.post_message(SyncFinished(error=one_line(err)))
        else:
            self.post_message(SyncFinished(results))

    @staticmethod
    async def _pull_cdrs(node: EmspNode) -> None:
        """Every sync pulls new CDRs too (pushes get lost in the field); a partner whose pull
        fails is logged and does not fail the sync of the roaming data."""
        for name, error in (await node.charging.sync.pull_all_cdrs()).items():
            if error:
                log.warning("CDRs of %s not pulled: %s", name, error)

    @on(SyncProgressed)
    def _sync_progressed(self, event: SyncProgressed) -> None:
        if self.sync_state.running:
            self.sync_state = SyncView(running=True, progress=event.progress)

    @on(SyncFinished)
    def _sync_finished(self, event: SyncFinished) -> None:
        self.sync_state = SyncView(
            results=tuple(event.results), error=event.error, finished_at=self.now()
        )
        failed = [r for r in event.results if r.error]
        if event.error:
            notify_plain(self, event.error, title="Sync failed", severity="error", timeout=10)
        for result in failed:
            notify_plain(
                self, f"{result.partner}: {result.error}", title="Sync failed", severity="error"
            )
        self.data_version += 1

    # -- state the screens watch ------------------------------------------------------------------
    def watch_home(self) -> None:
        self._update_status_line()

    def watch_sync_state(self) -> None:
        self._update_status_line()

    def _update_status_line(self) -> None:
        parts = []
        if self.demo_speed is not None and self.demo_speed != 1:
            # the demo's chargers run on simulated time: say so, or its kWh and bills puzzle
            parts.append(f"demo: time \N{MULTIPLICATION SIGN}{self.demo_speed:g}")
        sync = self.sync_state
        if sync.running:
            p = sync.progress
            if p and p.total:
                parts.append(f"⟳ {p.partner} {p.module} {min(100, 100 * p.done // p.total)}%")
            else:
                parts.append("⟳ syncing…")
        parts.append(f"⌂ {self.home.label}" if self.home else "⌂ not set: ctrl+p")
        self.status_line = "  ".join(parts)

    @property
    def near(self) -> tuple[float, float] | None:
        return (self.home.latitude, self.home.longitude) if self.home else None

    def set_home(self, home: HomePosition | None) -> None:
        self.home = home
        self.settings.home = home
        self.save_settings()
        self.data_version += 1

    def watch_theme(self, theme: str) -> None:
        if self.settings.theme != theme:
            self.settings.theme = theme
            self.save_settings()

    @work(thread=True, exclusive=True, group="settings", exit_on_error=False)
    def save_settings(self) -> None:
        try:
            self.settings.save()
        except OSError as err:
            self.post_message(SettingsSaveFailed(one_line(err)))

    @on(SettingsSaveFailed)
    def _settings_not_saved(self, event: SettingsSaveFailed) -> None:
        notify_plain(self, event.error, title="Settings not saved", severity="warning")

    # -- actions ----------------------------------------------------------------------------------
    def action_area(self, area: str) -> None:
        if self.current_mode != area:
            self.switch_mode(area)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
        else:
            self.push_screen(HelpScreen(list(self.BINDINGS), type(self.screen)))

    def action_toggle_dark(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK

    def action_set_home(self) -> None:
        from .screens.home import HomeScreen

        def chosen(home: HomePosition | bool | None) -> None:
            if home is not False:
                self.set_home(home if isinstance(home, HomePosition) else None)

        self.push_screen(HomeScreen(self.home), chosen)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Stations", "Find stations (1)", lambda: self.action_area("stations"))
        yield SystemCommand(
            "Favourites", "Your starred stations (2)", lambda: self.action_area("favourites")
        )
        yield SystemCommand("Wallet", "Your charging cards (3)", lambda: self.action_area("wallet"))
        yield SystemCommand(
            "Partners and settings", "Roaming partners, sync, home, theme (4)",
            lambda: self.action_area("partners"),
        )  # fmt: skip
        yield SystemCommand(
            "Charging", "The charge running now, and history (5)",
            lambda: self.action_area("charging"),
        )  # fmt: skip
        yield SystemCommand(
            "Charging session", "The charge running now (5)", lambda: self.action_area("charging")
        )
        yield SystemCommand(
            "Charging history", "Your past charges and their final bills (5, then h)",
            self.action_history,
        )  # fmt: skip
        yield SystemCommand(
            "Invoices", "Your invoices by month, credit notes, PDF (6)",
            lambda: self.action_area("invoices"),
        )  # fmt: skip
        yield SystemCommand(
            "Billing details", "Name, address, e-mail, company and VAT id on your invoices",
            self.action_billing_details,
        )  # fmt: skip
        yield SystemCommand(
            "Tap card at a charger", "Open a station (1), then t: the charger reads your card",
            lambda: self.action_area("stations"),
        )  # fmt: skip
        yield SystemCommand("Help", "Every key, and what each area is for (?)", self.action_help)
        yield SystemCommand(
            "Set home position", "Where distances are measured from", self.action_set_home
        )
        yield SystemCommand(
            "Sync now", "Fetch stations and tariffs from partners", self.action_sync
        )
        yield SystemCommand(
            "Light or dark theme", "Switch between the two (ctrl+t)", self.action_toggle_dark
        )
        yield SystemCommand(
            "New charging card", "Ask for another virtual card", self.action_new_card
        )
        yield from getattr(screen, "commands", lambda: ())()

    def action_history(self) -> None:
        self.action_area("charging")
        self.call_after_refresh(self.run_action, "screen.tab('history')")

    def action_billing_details(self) -> None:
        from .screens.billing_details import BillingDetailsScreen

        self.action_area("invoices")
        self.call_after_refresh(self.push_screen, BillingDetailsScreen())

    def action_new_card(self) -> None:
        self.action_area("wallet")
        self.call_after_refresh(self.run_action, "screen.new_card")


def _is_a_face(app: EmspApp) -> EmspFace:
    """For mypy: the app gives its screens everything screens.face.EmspFace promises."""
    return app
