"""The live charging session: status, time, energy, power chart, cost (CPO and our estimate),
and the past charges as a table. Pure display: the SessionScreen feeds it views."""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Sparkline, Static

from ..ocpi.models import Price
from ..services.charging_views import CommandView, HistoryEntry, SessionView
from ..tariff.money import Money

STATUS_WORDS = {
    "PENDING": "Getting ready",
    "ACTIVE": "Charging",
    "COMPLETED": "Finished",
    "INVALID": "Not valid",
    "RESERVATION": "Reserved",
}


def duration(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds())) // 60
    seconds = max(0, int(delta.total_seconds())) % 60
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def price_words(price: Price | Money | None, currency: str) -> str:
    if price is None:
        return "—"
    value = price.incl_vat if price.incl_vat is not None else price.excl_vat
    return f"{float(value):.2f} {currency}"


def elapsed(view: SessionView, now: datetime) -> timedelta:
    if view.ended_at is not None or not view.is_open:
        return view.elapsed
    return max(timedelta(0), now - view.started_at)


class SessionPanel(Vertical):
    """One session at a glance; ``show(view, now)`` redraws it."""

    HELP = """
## Your charge

Status, time since start, energy so far and the present power with a chart over the session.
**Cost (operator)** is what the operator reports; **estimate** is our own tariff engine's price
of the same charge, until the final bill (CDR) arrives. A *stale data* banner means the
operator has not sent an update for a while: the numbers may be behind.
"""

    def compose(self) -> ComposeResult:
        yield Static("Stale data: no update from the operator for a while.", id="stale")
        yield Static(id="session-where")
        yield Static(id="session-figures")
        yield Static("Power over the session", id="chart-label")
        yield Sparkline([], id="power-chart")
        yield Static(id="session-cost")

    def show(self, view: SessionView, now: datetime) -> None:
        self.set_class(view.stale, "-stale")
        self.set_class(view.status == "ACTIVE", "-charging")
        where = view.location_name or view.address or view.location_id
        self.query_one("#session-where", Static).update(
            Text.assemble((where, "bold"), f" · charger {view.evse_uid}")
        )
        status = STATUS_WORDS.get(str(view.status), str(view.status).title())
        power = "—" if view.power_kw is None else f"{view.power_kw:.1f} kW"
        soc = "" if view.soc is None else f"\nBattery      {view.soc:.0f} %"
        self.query_one("#session-figures", Static).update(
            Text(
                f"Status       {status}\n"
                f"Time         {duration(elapsed(view, now))}\n"
                f"Energy       {view.kwh:.2f} kWh\n"
                f"Power now    {power}{soc}"
            )
        )
        self.query_one(Sparkline).data = [s.kw for s in view.power_samples] or [0.0]
        if view.cdr is not None:
            cost = Text.assemble(
                ("Final bill   ", ""),
                (price_words(view.cdr.total_cost, view.cdr.currency), "bold"),
                f" · {view.cdr.total_energy:.2f} kWh",
            )
        else:
            cost = Text(
                f"Cost (operator)  {price_words(view.cost, view.currency)}\n"
                f"Our estimate     {price_words(view.estimate, view.currency)} (estimate)"
            )
        self.query_one("#session-cost", Static).update(cost)


def command_text(command: CommandView, now: datetime) -> Text:
    """A start or stop on its way: what the operator said, and until when we wait."""
    text = Text()
    if command.advice is not None:
        text.append(command.advice.sentence, style="bold")
        text.append(f"\n{command.advice.next_step}")
    if command.pending:
        text.append("\nWaiting for the charger")
        if command.deadline is not None:
            left = max(0, int((command.deadline - now).total_seconds()))
            text.append(f" (up to {left} s more, until {command.deadline:%H:%M:%S} UTC)")
        text.append("…")
    return text


class HistoryTable(DataTable[Text | str]):
    """Past charges, newest first."""

    HELP = """
## History

Your charges, newest first: where, when, energy, how long and the cost. *CDR pending*: the
operator has not sent the final bill yet; the cost shown is the last one reported.
"""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_columns("Where", "When", "Energy", "Duration", "Cost")

    def show(self, entries: list[HistoryEntry]) -> None:
        self.clear()
        for e in entries:
            if e.cdr is not None:
                cost = Text(price_words(e.cdr.total_cost, e.cdr.currency))
            else:
                cost = Text.assemble(price_words(e.cost, e.currency), (" CDR pending", "italic"))
            self.add_row(
                e.location_name or e.address or e.location_id,
                f"{e.started_at:%Y-%m-%d %H:%M}",
                f"{e.kwh:.2f} kWh",
                duration(e.duration),
                cost,
                key=f"{e.country_code}-{e.party_id}-{e.session_id}-{e.started_at.isoformat()}",
            )
