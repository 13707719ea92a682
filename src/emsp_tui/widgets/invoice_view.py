"""One invoice or credit note as a driver reads it: who, what was charged, each line, VAT per
rate, the totals, and the audit of the operator's bill in plain words. Its credit notes (or,
for a credit note, the invoice it corrects) are a list the driver opens with enter or a click.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..billing.model import Document, DocumentKind
from .safe_text import plain
from .status import tone

CENT = Decimal("0.01")
KIND_WORDS = {DocumentKind.INVOICE: "Invoice", DocumentKind.CREDIT_NOTE: "Credit note"}


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def number_words(value: Decimal) -> str:
    """A quantity or unit price without trailing zeros, money-like prices with two decimals."""
    if value == value.quantize(CENT):
        return f"{value.quantize(CENT):f}" if value != value.to_integral() else f"{value:.0f}"
    return f"{value.normalize():f}"


def price_words(value: Decimal) -> str:
    """A unit price with at least two decimals, up to the four it may carry."""
    cents = value.quantize(CENT)
    return f"{cents:f}" if value == cents else f"{value.normalize():f}"


def rate_words(rate: Decimal) -> str:
    return f"{rate.normalize():f} %"


def when_words(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} {moment.tzname() or ''}".rstrip()


def month_words(month: str, *, short: bool = False) -> str:
    """``"2026-03"`` -> ``"March 2026"`` (short: ``"Mar 2026"``)."""
    first = datetime.strptime(month, "%Y-%m")  # noqa: DTZ007 (only its name is used)
    return first.strftime("%b %Y" if short else "%B %Y")


def audit_title(document: Document) -> tuple[str, str]:
    """The audit's headline and its tone (a theme variable name)."""
    note = document.audit
    if note is None:
        return "", ""
    if note.matches:
        return "✓ Checked: the operator billed what their tariff gives", "success"
    return (
        "! The operator billed a different price than their tariff: you pay the tariff's price,"
        " and we take the difference up with them",
        "warning",
    )


class InvoiceView(Vertical):
    """Fill with :meth:`show`; posts ``OptionList.OptionSelected`` (option id: a document
    number) when the driver opens a credit note or the corrected invoice."""

    def compose(self) -> ComposeResult:
        yield Static(id="doc-head")
        yield Static(id="doc-parties")
        yield Static(id="doc-charging")
        yield Static(id="doc-lines")
        yield Static(id="doc-totals")
        yield Static(id="doc-audit-title")
        yield Static(id="doc-audit")
        yield Static(id="doc-payment")
        yield Static(id="doc-related-title")
        yield OptionList(id="doc-related")

    def show(self, document: Document, related: Sequence[Document] = ()) -> None:
        self._head(document)
        self._parties(document)
        self._charging(document)
        self.query_one("#doc-lines", Static).update(self._lines(document))
        self.query_one("#doc-totals", Static).update(self._totals(document))
        self._audit(document)
        self._payment(document)
        self._related(document, related)

    def _head(self, doc: Document) -> None:
        title = Text.assemble((f"{KIND_WORDS[doc.kind]} {doc.number}", "bold"))
        dates = f"  issued {doc.issue_date:%Y-%m-%d}"
        if doc.due_date is not None:
            dates += f", due {doc.due_date:%Y-%m-%d}"
        title.append(dates, style="dim")
        if doc.kind is DocumentKind.CREDIT_NOTE:
            corrects = f"Corrects invoice {doc.corrects or '?'}"
            if doc.corrects_date is not None:
                corrects += f" of {doc.corrects_date:%Y-%m-%d}"
            title.append("\n")
            title.append(plain(f"{corrects}: {doc.reason or 'no reason given'}"))
        self.query_one("#doc-head", Static).update(title)

    def _parties(self, doc: Document) -> None:
        c = doc.customer
        who = c.company + ", " + c.name if c.company else c.name
        address = ", ".join(
            p for p in (c.address.street, f"{c.address.postal_code} {c.address.city}".strip(),
                        c.address.country) if p
        )  # fmt: skip
        customer = ", ".join(p for p in (who, address) if p) or "(no billing details yet)"
        if c.vat_id:
            customer += f", VAT id {c.vat_id}"
        s = doc.supplier
        text = Text.assemble(("To   ", "dim"), plain(customer), "\n", ("From ", "dim"))
        text.append(plain(f"{s.name}, VAT id {s.vat_id}" if s.vat_id else s.name))
        self.query_one("#doc-parties", Static).update(text)

    def _charging(self, doc: Document) -> None:
        widget = self.query_one("#doc-charging", Static)
        c = doc.charging
        widget.display = c is not None
        if c is None:
            return
        text = Text.assemble(("Charging ", "dim"), plain(c.location, "bold"), "\n")
        text.append(plain(f"{when_words(c.start)} to {when_words(c.end)}, "))
        text.append(f"{number_words(c.energy_kwh)} kWh\n")
        ids = f"EVSE {c.evse_id}, operator {c.operator}"
        ids += f", session {c.session_id}" if c.session_id else ""
        text.append(plain(f"{ids}, CDR {c.cdr_id}", "dim"))
        widget.update(text)

    def _lines(self, doc: Document) -> Table:
        table = Table(expand=True, box=None, padding=(0, 1), show_edge=False)
        table.add_column("What", ratio=1, no_wrap=False)
        table.add_column("Quantity", justify="right", no_wrap=True)
        table.add_column("Unit price", justify="right", no_wrap=True)
        table.add_column("VAT", justify="right", no_wrap=True)
        table.add_column("Net", justify="right", no_wrap=True)
        for line in doc.lines:
            table.add_row(
                plain(line.description),
                f"{number_words(line.quantity)} {line.unit}",
                f"{price_words(line.unit_price)} {doc.currency}/{line.unit}",
                rate_words(line.vat_rate),
                f"{line.net:.2f}",
            )
        return table

    def _totals(self, doc: Document) -> Text:
        """Right-aligned under the lines' Net column: net, VAT per rate, what is paid."""
        totals, cur = doc.totals, doc.currency
        rows = [("Net", money(totals.net, cur))]
        rows += [(f"VAT {rate_words(v.rate)} on {money(v.net, cur)}", money(v.vat, cur))
                 for v in totals.vat]  # fmt: skip
        what = "Total you pay" if doc.kind is DocumentKind.INVOICE else "Total credited to you"
        width = max(len(amount) for _, amount in [*rows, ("", money(totals.gross, cur))])
        text = Text(justify="right")
        for label, amount in rows:
            text.append(f"{label}  {amount:>{width}}\n")
        text.append(f"{what}  {money(totals.gross, cur):>{width}}", style="bold")
        return text

    def _audit(self, doc: Document) -> None:
        headline, colour = audit_title(doc)
        title = self.query_one("#doc-audit-title", Static)
        body = self.query_one("#doc-audit", Static)
        title.display = body.display = doc.audit is not None
        title.update(Text(headline, style=tone(self.app, colour) + Style(bold=True)))
        body.update(plain(doc.audit.sentence) if doc.audit else "")

    def _payment(self, doc: Document) -> None:
        widget = self.query_one("#doc-payment", Static)
        widget.display = doc.kind is DocumentKind.INVOICE and doc.payment_reference is not None
        if widget.display:
            due = f" by {doc.due_date:%Y-%m-%d}" if doc.due_date else ""
            if doc.supplier.iban.strip():
                words = (
                    f"Pay{due} to {doc.supplier.iban}, reference {doc.payment_reference}"
                    " (the PDF has a QR code for your banking app)"
                )
            else:
                words = (
                    f"Due{due}, reference {doc.payment_reference}"
                    " (no bank account of ours is set up for transfers yet)"
                )
            widget.update(plain(words))

    def _related(self, doc: Document, related: Sequence[Document]) -> None:
        title = self.query_one("#doc-related-title", Static)
        options = self.query_one("#doc-related", OptionList)
        options.clear_options()
        if doc.kind is DocumentKind.CREDIT_NOTE:
            title.update(Text("The invoice it corrects (enter or click to open)", style="bold"))
            if doc.corrects:
                options.add_option(Option(plain(f"Invoice {doc.corrects}"), id=doc.corrects))
        else:
            count = len(related)
            title.update(
                Text(
                    f"Credit notes for this invoice: {count} (enter or click to open)"
                    if count
                    else "No credit note corrects this invoice.",
                    style="bold" if count else "dim",
                )
            )
            for note in related:
                line = plain(
                    f"{note.number}  {note.issue_date:%Y-%m-%d}  "
                    f"-{money(note.totals.gross, note.currency)}  {note.reason or ''}"
                )
                options.add_option(Option(line, id=note.number))
        options.display = options.option_count > 0
        if options.option_count:
            options.highlighted = 0
        title.display = doc.kind is DocumentKind.INVOICE or options.option_count > 0
