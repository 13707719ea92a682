"""Charging: the session running now (live, by push) and the history of past charges.

One worker per screen reads the charging service's subscription and posts messages; it
belongs to the screen, so popping the screen (or leaving the area) cancels it and ends the
subscription. The clock is the app's ``now``. The driver's charge attempt (its start and the
session it led to) is the service's: this screen renders what it publishes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Button, DataTable, Footer, Static, TabbedContent, TabPane

from ..services.charging_attempt import AttemptView
from ..services.charging_events import (
    AttemptChanged,
    CdrArrived,
    ChargingError,
    CommandChanged,
    SessionChanged,
)
from ..services.charging_views import CommandView, HistoryEntry, SessionView
from ..widgets.safe_text import notify_plain
from ..widgets.session_panel import HistoryTable, SessionPanel, command_text
from .base import AreaScreen, one_line
from .confirm import ConfirmScreen
from .invoice import ChargeBill, InvoiceScreen


class SessionScreen(AreaScreen):
    HELP = """
Charging: the charge running now, live from the operator, and your past charges.
Stop with **x** (you are asked first). The cost is shown twice: as the operator reports it
and as our tariff engine estimates it, until the final bill (CDR) arrives.
A start or stop the operator has not clearly answered yet is *being confirmed*: its result, or
the session itself, decides; it is never shown as failed before that. Under the place: whether
the operator pushes updates, or we check with it every few seconds.
In the History, enter (or a click on the highlighted row, or **i**) shows a charge's final bill
(CDR) and its invoice.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="session.back", tooltip="Back"),
        Binding("x", "stop", "Stop charging", id="session.stop",
                tooltip="Ask the operator to stop this charge (you confirm first)"),
        Binding("n", "tab('now')", "Now", id="session.now", tooltip="The charge running now"),
        Binding("h", "tab('history')", "History", id="session.history",
                tooltip="Your past charges, with their final bills"),
        Binding("i", "open_bill", "Bill/invoice", id="session.bill",
                tooltip="The highlighted charge's final bill (CDR) and its invoice"),
    ]  # fmt: skip

    @dataclass
    class Loaded(Message):
        sessions: list[SessionView]
        history: list[HistoryEntry]
        attempt: AttemptView | None = None

    @dataclass
    class SessionUpdated(Message):
        view: SessionView

        def can_replace(self, message: Message) -> bool:
            return (
                isinstance(message, SessionScreen.SessionUpdated)
                and message.view.key == self.view.key
            )

    @dataclass
    class CommandUpdated(Message):
        view: CommandView

    @dataclass
    class AttemptUpdated(Message):
        view: AttemptView

    @dataclass
    class HistoryLoaded(Message):
        entries: list[HistoryEntry] = field(default_factory=list)

    @dataclass
    class Failed(Message):
        title: str
        sentence: str
        next_step: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.attempt: AttemptView | None = None  # as last published by the service
        self.view: SessionView | None = None  # the session shown
        self.stop_command: CommandView | None = None
        self.history: list[HistoryEntry] = []  # as shown, in the table's order

    def compose(self) -> ComposeResult:
        with TabbedContent(id="charging-tabs", initial="now"):
            with TabPane("Now", id="now"):
                yield Static(self._demo_notice(), id="demo-time")
                yield Static(id="command-state")
                yield Static("No charge is running.", id="no-session")
                yield SessionPanel(id="session")
                yield Button("Stop charging", id="stop", variant="error", compact=True)
            with TabPane("History", id="history"):
                yield HistoryTable(id="history-table")
        yield Footer()

    def _demo_notice(self) -> str:
        """The demo's chargers run on simulated time: energy grows faster than the clock here."""
        speed = self.emsp.demo_speed
        if speed is None or speed == 1:
            return ""
        return (
            f"Demo: the simulated chargers run {speed:g} times faster than real time, "
            "so energy and cost grow faster than the time shown."
        )

    def on_mount(self) -> None:
        self.query_one("#demo-time", Static).display = bool(self._demo_notice())
        self.query_one(SessionPanel).display = False
        self.query_one("#stop", Button).display = False
        self._show_command()
        self.set_interval(1, self._tick)
        self.follow()

    # -- the one worker: initial read, then every push --------------------------------------
    @work(exclusive=True, group="session-follow", exit_on_error=False)
    async def follow(self) -> None:
        node = await self.emsp.ready()
        charging = node.charging
        queue = charging.subscribe()
        try:
            try:
                sessions = await charging.sessions()
                history = await charging.history()
            except Exception as err:
                self.post_message(self.Failed("Could not load your charges", one_line(err)))
                sessions, history = [], []
            self.post_message(self.Loaded(sessions, history, charging.attempt))
            while True:
                event = await queue.get()
                if isinstance(event, AttemptChanged):
                    self.post_message(self.AttemptUpdated(event.view))
                elif isinstance(event, SessionChanged):
                    self.post_message(self.SessionUpdated(event.view))
                    if not event.view.is_open:
                        self.post_message(self.HistoryLoaded(await charging.history()))
                elif isinstance(event, CommandChanged):
                    self.post_message(self.CommandUpdated(event.view))
                elif isinstance(event, CdrArrived):
                    self.post_message(self.HistoryLoaded(await charging.history()))
        finally:
            charging.unsubscribe(queue)

    # -- what the worker reports ------------------------------------------------------------
    def _following(self) -> bool:
        """The attempt is what this screen is about, until it has ended."""
        return self.attempt is not None and not self.attempt.ended

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        if event.attempt is not None:
            self._attempt_updated(self.AttemptUpdated(event.attempt))
        self._show_command()
        if self.view is None and event.sessions and not self._following():
            self._show(event.sessions[0])
        self._show_history(event.history)

    @on(AttemptUpdated)
    def _attempt_updated(self, event: AttemptUpdated) -> None:
        self.attempt = event.view
        session = event.view.session
        if session is not None and (
            self._following() or (self.view is not None and self.view.key == session.key)
        ):
            self._show(session)
        self._show_command()

    @on(SessionUpdated)
    def _session_updated(self, event: SessionUpdated) -> None:
        view = event.view
        if self.view is not None and view.key == self.view.key:
            self._show(view)
        elif self._following():
            return  # the attempt's session comes with the attempt
        elif view.is_open and (self.view is None or not self.view.is_open):
            self._show(view)

    @on(CommandUpdated)
    def _command_updated(self, event: CommandUpdated) -> None:
        view = event.view
        if self.stop_command is not None and view.id == self.stop_command.id:
            self.stop_command = view
            self._show_command()

    @on(HistoryLoaded)
    def _history(self, event: HistoryLoaded) -> None:
        self._show_history(event.entries)

    def _show_history(self, entries: list[HistoryEntry]) -> None:
        self.history = entries
        self.query_one(HistoryTable).show(entries)
        self.refresh_bindings()

    @on(Failed)
    def _failed(self, event: Failed) -> None:
        notify_plain(
            self, event.sentence, event.next_step or "", title=event.title, severity="error",
            timeout=10,
        )  # fmt: skip

    # -- drawing ----------------------------------------------------------------------------
    def _show(self, view: SessionView) -> None:
        self.view = view
        self.query_one("#no-session").display = False
        panel = self.query_one(SessionPanel)
        panel.display = True
        panel.show(view, self.emsp.now())
        self.query_one("#stop", Button).display = view.is_open
        self.refresh_bindings()

    def _show_command(self) -> None:
        state = self.query_one("#command-state", Static)
        now = self.emsp.now()
        start = self.attempt.command if self._following() and self.attempt else None
        shown = self.stop_command or start
        started = (
            shown is not None
            and shown is start
            and not shown.pending
            and self.view is not None
            and self.view.is_open
        )
        if shown is None or started:  # the charge is running: the panel says it all
            state.update("")
            state.display = False
            return
        state.display = True
        state.update(command_text(shown, now))
        state.set_class(
            shown.advice is not None and str(shown.advice.severity) == "error", "-error"
        )

    def _tick(self) -> None:
        if self.view is not None and self.view.is_open:
            self.query_one(SessionPanel).show(self.view, self.emsp.now())
        start = self.attempt.command if self.attempt else None
        shown = self.stop_command or start
        if shown is not None and shown.pending:
            self._show_command()

    # -- actions ----------------------------------------------------------------------------
    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.dismiss()
        else:
            self.emsp.action_area("stations")

    def action_tab(self, tab: str) -> None:
        self.query_one("#charging-tabs", TabbedContent).active = tab

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":  # hidden, not greyed, when nothing is charging
            return self.view is not None and self.view.is_open
        if action == "open_bill":
            tabs = self.query_one("#charging-tabs", TabbedContent)
            return tabs.active == "history" and bool(self.history)
        return True

    @on(TabbedContent.TabActivated, "#charging-tabs")
    def _tab_changed(self) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#history-table")
    def _history_row(self) -> None:
        self.action_open_bill()

    def action_open_bill(self) -> None:
        """A row of the History: its CDR and invoice, or why there is none yet."""
        row = self.query_one(HistoryTable).cursor_row
        if not 0 <= row < len(self.history):
            return
        charge = ChargeBill.of(self.history[row])
        if charge is None:
            self.notify(
                "The operator has not sent the final bill (CDR) for this charge yet;"
                " its invoice follows it.",
                title="No bill yet",
            )
            return
        self.app.push_screen(InvoiceScreen(charge=charge))

    def action_stop(self) -> None:
        view = self.view
        if view is None or not view.is_open:
            return
        if self.stop_command is not None and self.stop_command.pending:
            self.notify("Already asking the operator to stop this charge.")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.send_stop(view)

        self.app.push_screen(
            ConfirmScreen("Stop charging", f"Stop charging at {view.kwh:.1f} kWh?", "Stop"),
            answered,
        )

    @on(Button.Pressed, "#stop")
    def _stop_pressed(self) -> None:
        self.action_stop()

    @work(exclusive=True, group="session-stop", exit_on_error=False)
    async def send_stop(self, view: SessionView) -> None:
        try:
            node = await self.emsp.ready()
            command = await node.charging.stop(view)
        except ChargingError as err:
            found = err.advice
            self.post_message(self.Failed("Not stopped", found.sentence, found.next_step))
        except Exception as err:
            self.post_message(self.Failed("Not stopped", one_line(err)))
        else:
            self.post_message(self.StopSent(command))

    @dataclass
    class StopSent(Message):
        view: CommandView

    @on(StopSent)
    def _stop_sent(self, event: StopSent) -> None:
        self.stop_command = event.view
        self._show_command()
        if event.view.advice is not None and str(event.view.advice.severity) == "error":
            notify_plain(
                self, event.view.advice.sentence, event.view.advice.next_step,
                title="Not stopped", severity="error", timeout=10,
            )  # fmt: skip

    def commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Stop charging", "Stop the charge running now (x)", self.action_stop)
        yield SystemCommand(
            "Charging history", "Your past charges (h)", lambda: self.action_tab("history")
        )
