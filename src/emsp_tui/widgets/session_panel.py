"""The live charging session: status, time, energy, power chart, the driver's price so far
(the operator's figure under it, for support),
and the past charges as a table. Pure display: the SessionScreen feeds it views."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from ..ocpi.models import Price
from ..services.charging_attempt import AttemptView
from ..services.charging_views import CommandView, HistoryEntry, PowerSample, SessionView
from ..tariff.money import Money
from .responsive_table import Cells, Col, ResponsiveTable
from .safe_text import plain, terminal_safe

STATUS_WORDS = {
    "PENDING": "Getting ready",
    "ACTIVE": "Charging",
    "COMPLETED": "Finished",
    "INVALID": "Not valid",
    "RESERVATION": "Reserved",
}


def duration(delta: timedelta) -> str:
    """Always h:mm:ss, running or finished (``0:23:10``, never a bare ``23:10``)."""
    hours, rest = divmod(max(0, int(delta.total_seconds())), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


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
**Your price so far** is what you pay for the charge up to now: the operator's tariff under
your plan, with the VAT of the country you charge in (the invoice uses the same figures). The
**operator's figure** under it is what the operator reports, for support. Once the final bill
(CDR) is in, the amount of your invoice is shown. A *stale data* banner means the
operator has not sent an update for a while: the numbers may be behind. The line under the
place says where the figures come from: pushed by the operator as they change, or checked
with the operator every few seconds (an operator that does not push).
"""

    def compose(self) -> ComposeResult:
        yield Static("Stale data: no update from the operator for a while.", id="stale")
        yield Static(id="session-where")
        yield Static(id="session-source")
        yield Static(id="session-figures")
        yield Static("Power over the session", id="chart-label")
        yield PowerChart(id="power-chart")
        yield Static(id="session-cost")

    def show(self, view: SessionView, now: datetime) -> None:
        self.set_class(view.stale, "-stale")
        self.set_class(view.status == "ACTIVE", "-charging")
        where = view.location_name or view.address or view.location_id
        self.query_one("#session-where", Static).update(
            Text.assemble(
                (terminal_safe(where), "bold"),
                f" · charger {terminal_safe(view.evse_id or view.evse_uid)}",
            )
        )
        source = self.query_one("#session-source", Static)
        source.display = view.source is not None
        source.update(plain(view.source or "", style="italic"))
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
        end = view.ended_at or (now if view.is_open else view.last_updated)
        self.query_one(PowerChart).show(view.power_samples, view.started_at, end)
        self.query_one("#session-cost", Static).update(cost_text(view))


def cost_text(view: SessionView) -> Text:
    """The driver's price as the main figure; the operator's figure dimmer, under it (once
    the CDR is in: its total, shown for support, never as the bill)."""
    if view.cdr is not None:
        bill = view.bill
        amount = "—" if bill is None else f"{bill.gross:.2f} {bill.currency}"
        if bill is None:
            note = " · not priced yet"
        elif bill.invoice_number:
            note = f" · invoice {bill.invoice_number}"
        else:
            note = " · invoice pending"
        text = Text.assemble(
            ("Final bill   ", ""), (amount, "bold"), note, f" · {view.cdr.total_energy:.2f} kWh"
        )
        figure = price_words(view.cdr.total_cost, view.cdr.currency)
        return text + Text(f"\nOperator's figure (CDR)  {figure}", "dim")
    price = view.price
    ours = "—" if price is None else f"{price.gross:.2f} {price.currency}"
    vat = "" if price is None else f" ({price.vat_words})"
    text = Text.assemble(("Your price so far  ", ""), (ours, "bold"), vat)
    figure = price_words(view.cost, view.currency)
    return text + Text(f"\nOperator's figure  {figure}", "dim")


def command_text(command: CommandView, now: datetime) -> Text:
    """A start or stop on its way: what the operator said, and until when we wait."""
    text = Text()
    if command.advice is not None:
        text.append(terminal_safe(command.advice.sentence), style="bold")  # may quote the CPO
        text.append(f"\n{terminal_safe(command.advice.next_step)}")
    if command.being_confirmed:
        text.append("\nChecking with the operator")
        if command.deadline is not None:
            text.append(f" (until {command.deadline:%H:%M:%S} UTC at the latest)")
        text.append("…")
    elif command.pending:
        text.append("\nWaiting for the charger")
        if command.deadline is not None:
            left = max(0, int((command.deadline - now).total_seconds()))
            text.append(f" (up to {left} s more, until {command.deadline:%H:%M:%S} UTC)")
        text.append("…")
    return text


def attempt_text(attempt: AttemptView, now: datetime) -> Text:
    """The driver's charge attempt on the station page: the start on its way, the charge
    running, or over (then nothing is waited for any more)."""
    if attempt.ended:
        return Text("Your charge here has finished: the bill is in Charging (5).")
    if attempt.charging:
        return Text("Charging now: follow it in Charging (5).", style="bold")
    if attempt.command is not None:
        return command_text(attempt.command, now)
    if attempt.tap_advice is not None:
        return plain(attempt.tap_advice.sentence, style="bold")
    return Text()


def nice_ceiling(value: float) -> float:
    """The axis top: a round number a little above the value (11 kW: 15, 50 kW: 60)."""
    target = max(value * 1.1, 1.0)
    exponent = 10.0 ** math.floor(math.log10(target))
    steps = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
    return float(next(m * exponent for m in steps if m * exponent >= target))


BARS = " ▁▂▃▄▅▆▇█"


class PowerChart(Widget):
    """kW over the session: bars with a kW scale on the left and the clock underneath."""

    ROWS = 3  # bar rows; then the time axis

    DEFAULT_CSS = """
    PowerChart { height: 4; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._samples: tuple[PowerSample, ...] = ()
        self._span: tuple[datetime, datetime] | None = None

    def show(self, samples: tuple[PowerSample, ...], start: datetime, end: datetime) -> None:
        self._samples, self._span = samples, (start, max(end, start))
        self.refresh()

    def render(self) -> RenderResult:
        if not self._samples or self._span is None:
            return Text("No power data yet.", style="italic")
        return chart_text(self._samples, *self._span, max(20, self.size.width))


def chart_text(
    samples: tuple[PowerSample, ...], start: datetime, end: datetime, width: int
) -> Text:
    top = nice_ceiling(max(s.kw for s in samples))
    pad = len(f"{top:g} kW") + 1
    columns = max(1, width - pad - 1)
    span = max((end - start).total_seconds(), 1.0)
    values: list[float | None] = []
    for n in range(columns):
        at = start + timedelta(seconds=span * (n + 0.5) / columns)
        known = [s.kw for s in samples if s.at <= at]
        values.append(known[-1] if known else None)
    lines = []
    for row in range(PowerChart.ROWS):
        low = top * (PowerChart.ROWS - 1 - row) / PowerChart.ROWS
        cells = []
        for value in values:
            if value is None:
                cells.append(" ")
                continue
            fill = (value - low) / (top / PowerChart.ROWS)
            cells.append(BARS[max(0, min(8, round(fill * 8)))])
        label = f"{top:g} kW" if row == 0 else ""
        lines.append(f"{label:>{pad - 1}} ┤{''.join(cells)}")
    left, right = f"{start:%H:%M}", f"{end:%H:%M}"
    gap = max(1, columns - len(left) - len(right))
    lines.append(f"{'0':>{pad - 1}} └{left}{'─' * gap}{right}")
    return Text("\n".join(lines))


def when_words(moment: datetime) -> str:
    """Day and clock, short enough for 80 columns: ``3 Dec 14:05``."""
    return f"{moment.day} {moment:%b %H:%M}"


class HistoryTable(ResponsiveTable):
    """Past charges, newest first. The cost is never cut: at narrow widths the place name
    shrinks and the duration goes first; the start time tells two charges at one station apart."""

    HELP = """
## History

Your charges, newest first: where, when, energy, how long and the cost. Once the operator's
final bill (CDR) is in, the cost is what you pay: your invoice (*Invoiced*), or the tariff's
price under your plan until it is issued (*To invoice*); with neither, the operator's figure.
*CDR pending*: the final bill has not come yet; the cost shown is the last one the operator
reported.
"""

    COLUMNS = (
        Col("where", "Where", 12, flex=True, ideal=22),
        Col("when", "When", 12),
        Col("energy", "Energy", 10, justify="right"),
        Col("duration", "Duration", 8, priority=2, justify="right"),
        Col("cost", "Cost", 11, justify="right"),
        Col("bill", "Bill", 11, priority=1),
    )

    def show(self, entries: list[HistoryEntry]) -> None:
        rows: list[tuple[str, Cells]] = []
        for e in entries:
            if e.cdr is not None and e.bill is not None:
                cost = f"{e.bill.gross:.2f} {e.bill.currency}"
                bill = Text("Invoiced" if e.bill.invoice_number else "To invoice")
            elif e.cdr is not None:  # not priced by us yet: the operator's figure, as before
                cost, bill = price_words(e.cdr.total_cost, e.cdr.currency), Text("")
            else:
                cost, bill = price_words(e.cost, e.currency), Text("CDR pending", "italic")
            key = f"{e.country_code}-{e.party_id}-{e.session_id}-{e.started_at.isoformat()}"
            rows.append((key, {
                "where": e.location_name or e.address or e.location_id,
                "when": when_words(e.started_at),
                "energy": f"{e.kwh:.2f} kWh",
                "duration": duration(e.duration),
                "cost": cost,
                "bill": bill,
            }))  # fmt: skip
        self.set_rows(rows)
