"""Invoices (area 6): the months with their totals on the left, that month's invoices on the
right with each credit note under the invoice it corrects; enter or a click opens one.

A month is the month a document was issued in (as on the monthly statement): a charge of an
earlier month whose CDR arrived late is listed where it was invoiced, and marked late.
``d`` edits the billing details that new invoices show.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, DataTable, Footer, OptionList, Static
from textual.widgets.option_list import Option

from ..billing.model import Document, DocumentKind
from ..widgets.area_bar import AreaBar
from ..widgets.invoice_view import month_words
from ..widgets.responsive_table import Cells, Col, ResponsiveTable
from ..widgets.status import tone
from .base import AreaScreen, one_line
from .billing_details import BillingDetailsScreen
from .invoice import InvoiceScreen
from .invoice_export import PdfExported, show_pdf_exported, start_pdf_export

ZERO = Decimal(0)


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


@dataclass(frozen=True)
class Month:
    """One month's documents (issued in it) and their totals, per currency."""

    month: str
    documents: tuple[Document, ...]

    def _sum(self, kind: DocumentKind) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for d in self.documents:
            if d.kind is kind:
                out[d.currency] = out.get(d.currency, ZERO) + d.totals.gross
        return out

    @property
    def invoiced(self) -> dict[str, Decimal]:
        return self._sum(DocumentKind.INVOICE)

    @property
    def credited(self) -> dict[str, Decimal]:
        return self._sum(DocumentKind.CREDIT_NOTE)

    @property
    def balance(self) -> dict[str, Decimal]:
        credited = self.credited
        out = dict(self.invoiced)
        for cur, amount in credited.items():
            out[cur] = out.get(cur, ZERO) - amount
        return out

    @property
    def late(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if is_late(d))


def is_late(document: Document) -> bool:
    """An invoice for a charge that ended in an earlier month than the invoice's."""
    return (
        document.kind is DocumentKind.INVOICE
        and document.charging is not None
        and month_of(document.supply_date) < month_of(document.issue_date)
    )


def amounts(by_currency: dict[str, Decimal]) -> str:
    return " + ".join(f"{v:.2f} {c}" for c, v in sorted(by_currency.items())) or "0.00 EUR"


def months_of(documents: Sequence[Document]) -> list[Month]:
    """Newest month first; documents in issue order."""
    grouped: dict[str, list[Document]] = {}
    for d in documents:
        grouped.setdefault(month_of(d.issue_date), []).append(d)
    return [Month(m, tuple(grouped[m])) for m in sorted(grouped, reverse=True)]


class DocumentsTable(ResponsiveTable):
    """A month's invoices, each followed by the credit notes that correct it."""

    COLUMNS = (
        Col("number", "Number", 15),
        Col("date", "Issued", 6),
        Col("what", "What", 12, flex=True, ideal=30),
        Col("amount", "Amount", 11, justify="right"),
        Col("audit", "Check", 10, priority=1),
    )

    def show(self, month: Month, everything: Sequence[Document], *, keep: str | None) -> None:
        notes: dict[str, list[Document]] = {}
        for d in everything:
            if d.kind is DocumentKind.CREDIT_NOTE and d.corrects:
                notes.setdefault(d.corrects, []).append(d)
        here = {d.number for d in month.documents}
        rows: list[tuple[str, Cells]] = []
        for d in month.documents:
            if d.kind is DocumentKind.INVOICE:
                rows.append((d.number, self._invoice(d)))
                rows += [(n.number, self._credit(n, under=True)) for n in notes.get(d.number, [])]
            elif d.corrects not in here:  # its invoice is in another month
                rows.append((d.number, self._credit(d, under=False)))
        self.set_rows(rows, keep=keep)

    def _invoice(self, d: Document) -> Cells:
        c = d.charging
        if c is None:
            what = ", ".join(ln.description for ln in d.lines)
        else:
            what = f"{c.location}, {c.end:%d %b}"
        if is_late(d):
            what = f"late: charged {d.supply_date:%d %b}, {what}"
        audit = Text("")
        if d.audit is not None:
            audit = (
                Text("✓ checked", style=tone(self.app, "success"))
                if d.audit.matches
                else Text("! disputed", style=tone(self.app, "warning"))
            )
        return {
            "number": d.number,
            "date": f"{d.issue_date:%d %b}",
            "what": what,
            "amount": f"{d.totals.gross:.2f} {d.currency}",
            "audit": audit,
        }

    def _credit(self, d: Document, *, under: bool) -> Cells:
        reason = d.reason or "credit note"
        what = f"↳ credit: {reason}" if under else f"credit for {d.corrects}: {reason}"
        return {
            "number": Text(d.number, style="italic"),
            "date": f"{d.issue_date:%d %b}",
            "what": Text(what, style="italic"),
            "amount": f"-{d.totals.gross:.2f} {d.currency}",
            "audit": Text("credit", style="dim"),
        }


class InvoicesScreen(AreaScreen):
    HELP = """
Your invoices, by month. One invoice per charge, issued once the operator's final bill (CDR)
has been checked against their tariff: you pay what the tariff gives, never an unexplained
total. *disputed*: the operator billed something else; we take that up with them.
A credit note (a correction, money back to you) is listed under the invoice it corrects.
A charge of an earlier month whose bill arrived late is shown as *late* in the month it was
invoiced. Enter (or a click) opens a document; **p** saves its PDF.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="invoices.open",
                tooltip="Open the invoice or credit note: lines, VAT, the check of the bill"),
        Binding("p", "export_pdf", "Save PDF", id="invoices.pdf",
                tooltip="Save the highlighted document as a PDF and show where it is"),
        Binding("d", "details", "Your details", id="invoices.details",
                tooltip="Your billing details: name, address, e-mail, company and VAT id"),
        Binding("r", "refresh", "Refresh", show=False, id="invoices.refresh",
                tooltip="Read the invoices again"),
    ]  # fmt: skip

    @dataclass
    class Loaded(Message):
        documents: list[Document] = field(default_factory=list)
        error: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.documents: list[Document] = []
        self.months: list[Month] = []
        self.shown_once = False  # the first showing loads from on_mount

    def compose(self) -> ComposeResult:
        yield AreaBar("invoices")
        with Horizontal(id="invoices-body"):
            with Vertical(id="months-pane"):
                yield Static("Months", id="months-title")
                yield OptionList(id="months")
            with Vertical(id="documents-pane"):
                yield Static(id="month-summary")
                yield Static(id="no-invoices")
                yield DocumentsTable(id="documents")
                with Horizontal(id="invoices-actions"):
                    yield Button("Open (enter)", id="open", compact=True)
                    yield Button("Save PDF (p)", id="export", compact=True)
                    yield Static(id="export-path")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#no-invoices").display = False
        self.query_one("#export-path").display = False
        self.query_one("#documents", DocumentsTable).loading = True
        self.watch(self.app, "data_version", self._data_changed, init=False)
        self.load()

    def _data_changed(self) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        # back in the area: a CDR may have been invoiced meanwhile (no push reaches this screen)
        if self.shown_once:
            self.load()
        self.shown_once = True

    @work(exclusive=True, group="invoices", exit_on_error=False)
    async def load(self) -> None:
        try:
            await self.emsp.ready()
            account = await self.emsp.billing.account()
            documents = await self.emsp.billing.documents(account.id)
        except Exception as err:
            self.post_message(self.Loaded(error=one_line(err)))
        else:
            self.post_message(self.Loaded(documents))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        table = self.query_one("#documents", DocumentsTable)
        table.loading = False
        if event.error:
            self.failed("Could not read your invoices", event.error)
            return
        keep = self._current_month()
        self.documents = event.documents
        self.months = months_of(event.documents)
        options = self.query_one("#months", OptionList)
        options.clear_options()
        options.add_options([Option(self._month_line(m), id=m.month) for m in self.months])
        empty = not self.months
        self.query_one("#no-invoices", Static).display = empty
        table.display = not empty
        self.query_one("#invoices-actions").display = not empty
        if empty:
            self.query_one("#month-summary", Static).update("")
            self.query_one("#no-invoices", Static).update(
                "No invoices yet. Each charge gets its invoice once the operator's final bill"
                " (CDR) has arrived and been checked against their tariff."
            )
        else:
            ids = [m.month for m in self.months]
            options.highlighted = ids.index(keep) if keep in ids else 0
            self._show_month()
            table.focus()
        self.refresh_bindings()

    def _month_line(self, month: Month) -> Text:
        line = Text(month_words(month.month, short=True), style="bold")
        line.append(f"\n{amounts(month.balance)}", style="")
        return line

    def _current_month(self) -> str | None:
        options = self.query_one("#months", OptionList)
        if options.highlighted is None or options.option_count == 0:
            return None
        return options.get_option_at_index(options.highlighted).id

    def _month(self) -> Month | None:
        current = self._current_month()
        return next((m for m in self.months if m.month == current), None)

    def _show_month(self) -> None:
        month = self._month()
        if month is None:
            return
        table = self.query_one("#documents", DocumentsTable)
        table.show(month, self.documents, keep=self._current_number())
        count = sum(1 for d in month.documents if d.kind is DocumentKind.INVOICE)
        notes = len(month.documents) - count
        summary = Text.assemble(
            (f"{month_words(month.month)}: you pay {amounts(month.balance)}", "bold"),
            f"\n{count} invoice{'s' if count != 1 else ''} {amounts(month.invoiced)}",
        )
        if notes:
            summary.append(f", {notes} credit note{'s' if notes != 1 else ''}")
            summary.append(f" -{amounts(month.credited)}")
        if month.late:
            late = len(month.late)
            summary.append(
                f"\n{late} charge{'s' if late != 1 else ''} of an earlier month, billed late",
                style=tone(self.app, "warning"),
            )
        self.query_one("#month-summary", Static).update(summary)

    def _current_number(self) -> str | None:
        table = self.query_one("#documents", DocumentsTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return key.value

    def _current(self) -> Document | None:
        number = self._current_number()
        return next((d for d in self.documents if d.number == number), None)

    @on(OptionList.OptionHighlighted, "#months")
    def _month_highlighted(self) -> None:
        self._show_month()

    @on(OptionList.OptionSelected, "#months")
    def _month_selected(self) -> None:
        self.query_one("#documents", DocumentsTable).focus()

    @on(DataTable.RowSelected, "#documents")
    def _row_selected(self) -> None:
        self.action_open()

    # -- actions ------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "export_pdf"):  # hidden while there is nothing to open
            return bool(self.documents)
        return True

    def action_open(self) -> None:
        if isinstance(self.focused, OptionList):
            self.query_one("#documents", DocumentsTable).focus()
            return
        document = self._current()
        if document is not None:
            self.app.push_screen(InvoiceScreen(document.number))

    def action_refresh(self) -> None:
        self.load()

    def action_details(self) -> None:
        self.app.push_screen(BillingDetailsScreen())

    def action_export_pdf(self) -> None:
        document = self._current()
        if document is not None:
            start_pdf_export(self, document, "invoices-export")

    @on(PdfExported)
    def _exported(self, event: PdfExported) -> None:
        self.query_one("#export", Button).disabled = False
        show_pdf_exported(self, event)

    @on(Button.Pressed, "#open")
    def _open_pressed(self) -> None:
        document = self._current()
        if document is not None:
            self.app.push_screen(InvoiceScreen(document.number))

    @on(Button.Pressed, "#export")
    def _export_pressed(self) -> None:
        self.action_export_pdf()

    def commands(self) -> Iterable[SystemCommand]:
        document = self._current()
        if document is not None:
            yield SystemCommand("Open this invoice", document.number, self.action_open)
            yield SystemCommand("Save this invoice as PDF", document.number,
                                self.action_export_pdf)  # fmt: skip
