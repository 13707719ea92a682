"""One invoice or credit note, opened from the Invoices area (by number) or from a charge in
the History (by its CDR): the CDR at the top, then the document, its credit notes, and the PDF.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Footer, OptionList, Static

from ..billing.model import Document, DocumentKind
from ..services.charging_views import HistoryEntry
from ..widgets.invoice_view import InvoiceView
from ..widgets.safe_text import plain
from .base import AreaScreen, one_line
from .invoice_export import PdfExported, show_pdf_exported, start_pdf_export


@dataclass(frozen=True)
class ChargeBill:
    """A past charge whose CDR (and invoice) the driver opened from the History."""

    country_code: str  # the CPO that sent the CDR
    party_id: str
    cdr_id: str
    summary: Text  # the CDR in one or two lines

    @property
    def operator(self) -> str:
        return f"{self.country_code.upper()}*{self.party_id.upper()}"

    @classmethod
    def of(cls, entry: HistoryEntry) -> ChargeBill | None:
        cdr = entry.cdr
        if cdr is None:
            return None
        cost = cdr.total_cost
        incl = f"{cost.incl_vat:.2f} {cdr.currency} incl. VAT" if cost.incl_vat is not None else ""
        excl = f"{cost.excl_vat:.2f} {cdr.currency} excl. VAT"
        billed = f"{incl} ({excl})" if incl else excl
        summary = Text.assemble(
            ("Final bill (CDR) ", "dim"), plain(cdr.id, "bold"),
            plain(f" from operator {entry.country_code}*{entry.party_id}"), "\n",
            plain(f"{entry.location_name or entry.address or entry.location_id}: "
                  f"{cdr.total_energy:.2f} kWh, {cdr.total_time:.2f} h, billed {billed}"),
            ("\nreceived " + f"{cdr.received_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC", "dim"),
            (" (credited by the operator)" if cdr.credited else "", "dim"),
        )  # fmt: skip
        return cls(entry.country_code, entry.party_id, cdr.id, summary)


class InvoiceScreen(AreaScreen):
    HELP = """
An invoice (or credit note) as issued: the lines you pay (energy, charging time, parking
time, session fee), VAT per rate, the total, and what our check of the operator's bill found.
You always pay what the operator's tariff gives; when their bill differs, we take it up with
them. **p** saves the PDF (with a QR code for bank transfer) and shows where it is.
Credit notes for the invoice are listed at the bottom: enter or a click opens one.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="invoice.back", tooltip="Back"),
        Binding("p", "export_pdf", "Save PDF", id="invoice.pdf",
                tooltip="Save the document as a PDF you can file, and show where it is"),
    ]  # fmt: skip

    @dataclass
    class Loaded(Message):
        document: Document | None
        related: list[Document] = field(default_factory=list)
        error: str | None = None

    def __init__(self, number: str | None = None, *, charge: ChargeBill | None = None) -> None:
        super().__init__()
        self.number = number
        self.charge = charge
        self.document: Document | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="invoice-body"):
            yield Static(id="cdr-summary")
            yield Static(id="invoice-missing")
            yield InvoiceView(id="invoice")
        with Horizontal(id="invoice-actions"):
            yield Button("Save PDF (p)", id="export", compact=True, disabled=True)
            yield Button("Back (esc)", id="back", compact=True)
            yield Static(id="export-path")
        yield Footer()

    def on_mount(self) -> None:
        summary = self.query_one("#cdr-summary", Static)
        summary.display = self.charge is not None
        if self.charge is not None:
            summary.update(self.charge.summary)
        self.query_one("#invoice-missing", Static).display = False
        self.query_one(InvoiceView).display = False
        self.query_one("#export-path", Static).display = False
        self.query_one("#invoice-body").loading = True
        self.load()

    @work(exclusive=True, group="invoice", exit_on_error=False)
    async def load(self) -> None:
        try:
            await self.emsp.ready()
            billing = self.emsp.billing
            if self.number is not None:
                document = await billing.document(self.number)
            else:
                document = await self._invoice_of_charge()
            related = []
            if document is not None and document.kind is DocumentKind.INVOICE:
                related = await billing.credit_notes(document.number)
        except Exception as err:
            self.post_message(self.Loaded(None, error=one_line(err)))
        else:
            self.post_message(self.Loaded(document, related))

    async def _invoice_of_charge(self) -> Document | None:
        charge = self.charge
        if charge is None:
            return None
        account = await self.emsp.billing.account()
        for invoice in await self.emsp.billing.invoices(account.id):
            c = invoice.charging
            if c is not None and c.cdr_id == charge.cdr_id and c.operator == charge.operator:
                return invoice
        return None

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.query_one("#invoice-body").loading = False
        self.document = event.document
        missing = self.query_one("#invoice-missing", Static)
        view = self.query_one(InvoiceView)
        if event.error:
            self.failed("Could not read the invoice", event.error)
        if event.document is None:
            missing.display = True
            missing.update(
                "There is no invoice for this charge yet: we issue it once the operator's final"
                " bill (CDR) has been checked against their tariff."
                if self.charge is not None
                else f"There is no document {self.number}."
            )
        else:
            view.display = True
            view.show(event.document, event.related)
        self.query_one("#export", Button).disabled = event.document is None
        self.refresh_bindings()

    # -- actions ------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "export_pdf":
            return self.document is not None or None
        return True

    def action_back(self) -> None:
        self.dismiss()

    def action_export_pdf(self) -> None:
        if self.document is not None:
            start_pdf_export(self, self.document, "invoice-export")

    @on(PdfExported)
    def _exported(self, event: PdfExported) -> None:
        self.query_one("#export", Button).disabled = self.document is None
        show_pdf_exported(self, event)

    @on(Button.Pressed, "#export")
    def _export_pressed(self) -> None:
        self.action_export_pdf()

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(OptionList.OptionSelected, "#doc-related")
    def _open_related(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.push_screen(InvoiceScreen(event.option.id))

    def commands(self) -> Iterable[SystemCommand]:
        if self.document is not None:
            yield SystemCommand("Save PDF", f"{self.document.number} as a PDF (p)",
                                self.action_export_pdf)  # fmt: skip
