"""The PDFs a driver files: invoice or credit note (``document_pdf``) and the monthly
statement (``statement_pdf``). Pure: the same document gives the same bytes.

An invoice carries what art. 226 of the VAT Directive asks of a full invoice, the charging
facts, the audit sentence, the rounding rule, an EPC QR code for the transfer, and its
Factur-X EN 16931 XML embedded as ``factur-x.xml`` (AFRelationship /Alternative).
"""

from __future__ import annotations

from datetime import date

from emsp_tui.billing.documents.epc_qr import qr_image, transfer_for
from emsp_tui.billing.documents.facturx import FILENAME, XMP_CONFORMANCE_LEVEL, facturx_xml
from emsp_tui.billing.documents.pdf_base import (
    LINE,
    DocumentPdf,
    fixed_moment,
    moment,
    money,
    number,
    unit_price,
    xmp_metadata,
)
from emsp_tui.billing.documents.pdf_fonts import covered, strings_in
from emsp_tui.billing.documents.rf_reference import format_rf
from emsp_tui.billing.model import (
    ROUNDING_RULE,
    Address,
    Customer,
    Document,
    DocumentKind,
    Statement,
    Supplier,
)

TITLES = {DocumentKind.INVOICE: "Invoice", DocumentKind.CREDIT_NOTE: "Credit note"}
RIGHT_COLUMN = 120.0
LINE_WIDTHS = [66.0, 28.0, 38.0, 16.0, 32.0]
VAT_WIDTHS = [60.0, 40.0, 40.0, 40.0]


def _address_lines(address: Address) -> list[str]:
    return [address.street, f"{address.postal_code} {address.city}", address.country]


def _supplier_lines(supplier: Supplier) -> list[str]:
    return [*_address_lines(supplier.address), f"VAT ID {supplier.vat_id}", supplier.email]


def _customer_lines(customer: Customer) -> list[str]:
    lines = [customer.company] if customer.company else []
    lines += [customer.name, *_address_lines(customer.address)]
    if customer.vat_id:
        lines.append(f"VAT ID {customer.vat_id}")
    if not (customer.name.strip() or (customer.company or "").strip()):
        # A driver who never gave their details: say so rather than leave the block blank.
        return ["(no billing details given: add them in the app, Invoices, d)"]
    return [line for line in lines if line.strip()]


def _parties(pdf: DocumentPdf, supplier: Supplier, customer: Customer, right: list[str]) -> None:
    """Supplier top left, the document's own facts top right, then the customer."""
    top = pdf.get_y()
    pdf.text_line(supplier.name, bold=True, size=12, h=6)
    for text in _supplier_lines(supplier):
        pdf.text_line(text)
    bottom = pdf.get_y()
    pdf.set_xy(RIGHT_COLUMN, top)
    pdf.use_font(14)
    pdf.put(0, 7, right[0], bold=True, next_line=True)
    pdf.use_font(9)
    for text in right[1:]:
        pdf.set_x(RIGHT_COLUMN)
        pdf.put(0, LINE, text, next_line=True)
    pdf.set_xy(pdf.l_margin, max(bottom, pdf.get_y()) + 4)
    pdf.text_line("Bill to", bold=True)
    for text in _customer_lines(customer):
        pdf.text_line(text)


def _lines_and_totals(pdf: DocumentPdf, document: Document) -> None:
    currency = document.currency
    pdf.heading("Lines")
    pdf.row(
        ["Description", "Quantity", "Unit price excl. VAT", "VAT", "Net amount"],
        LINE_WIDTHS,
        "LRRRR",
        bold=True,
    )
    for line in document.lines:
        pdf.row(
            [
                line.description,
                f"{number(line.quantity)} {line.unit}",
                unit_price(line.unit_price, currency),
                f"{number(line.vat_rate)} %",
                money(line.net, currency),
            ],
            LINE_WIDTHS,
            "LRRRR",
        )
    totals = document.totals
    pdf.heading("VAT")
    pdf.row(["VAT rate", "Net amount", "VAT", "Gross amount"], VAT_WIDTHS, "LRRR", bold=True)
    for amount in totals.vat:
        pdf.row(
            [
                f"{number(amount.rate)} %",
                money(amount.net, currency),
                money(amount.vat, currency),
                money(amount.gross, currency),
            ],
            VAT_WIDTHS,
            "LRRR",
        )
    pdf.ln(2)
    gross_label = "Total incl. VAT" if document.kind is DocumentKind.INVOICE else "Total credited"
    for label, value, bold in (
        ("Total excl. VAT", totals.net, False),
        ("VAT", totals.vat_total, False),
        (gross_label, totals.gross, True),
    ):
        pdf.row(["", label, money(value, currency)], [110.0, 40.0, 30.0], "LLR", bold=bold)


def _charging(pdf: DocumentPdf, document: Document) -> None:
    charging = document.charging
    if charging is None:
        return
    pdf.heading("Charging session")
    pdf.facts(
        [
            ("Location", charging.location),
            ("EVSE", charging.evse_id),
            ("Operator", charging.operator),
            ("Start", moment(charging.start)),
            ("End", moment(charging.end)),
            ("Energy", f"{number(charging.energy_kwh)} kWh"),
            ("Session", charging.session_id or "not reported by the operator"),
            ("CDR", charging.cdr_id),
        ]
    )


def _payment(pdf: DocumentPdf, document: Document) -> None:
    transfer = transfer_for(document)
    if transfer is None:
        return
    payload = transfer.payload()
    if pdf.get_y() + 50 > pdf.page_break_trigger:  # heading, code and details stay together
        pdf.add_page()
    pdf.heading("Payment")
    top = pdf.get_y()
    pdf.image(qr_image(payload), x=pdf.l_margin, y=top, w=36, h=36)
    pdf.set_xy(pdf.l_margin + 40, top)
    pairs = [
        ("Amount", money(transfer.amount, document.currency)),
        ("Beneficiary", transfer.name),
        ("IBAN", transfer.iban),
        ("Reference", format_rf(transfer.reference)),
    ]
    if transfer.bic:
        pairs.insert(3, ("BIC", transfer.bic))
    if document.due_date is not None:
        pairs.append(("Due date", document.due_date.isoformat()))
    for label, value in pairs:
        pdf.set_x(pdf.l_margin + 40)
        pdf.row([label, value], [25.0, 100.0], "LL")
    pdf.set_x(pdf.l_margin + 40)
    pdf.row(["Scan the code with your banking app to pay by SEPA transfer."], [125.0], "L")
    pdf.set_y(max(pdf.get_y(), top + 38))


def document_pdf(document: Document) -> bytes:
    """The invoice or credit note as a PDF/A-3B with its Factur-X XML embedded."""
    title = f"{TITLES[document.kind]} {document.number}"
    created = fixed_moment(document.issue_date)
    footer = f"{title} · {document.supplier.name}"
    reduced = covered(strings_in(document))
    pdf = DocumentPdf(title, document.supplier.name, created, footer, reduced)
    pdf.set_xmp_metadata(
        xmp_metadata(title, document.supplier.name, created, (FILENAME, XMP_CONFORMANCE_LEVEL))
    )
    right = [
        TITLES[document.kind],
        f"No. {document.number}",
        f"Issue date {document.issue_date.isoformat()}",
        f"Supply date {document.supply_date.isoformat()}",
    ]
    _parties(pdf, document.supplier, document.customer, right)
    if document.kind is DocumentKind.CREDIT_NOTE:
        pdf.heading("Correction")
        corrected = document.corrects or "(not named)"
        if document.corrects_date is not None:
            corrected += f" of {document.corrects_date.isoformat()}"
        pdf.text_line(f"This credit note corrects invoice {corrected}.")
        if document.reason:
            pdf.text_line(f"Reason: {document.reason}")
    _charging(pdf, document)
    _lines_and_totals(pdf, document)
    if document.audit is not None:
        pdf.heading("Tariff check")
        pdf.text_line(document.audit.sentence)
    _payment(pdf, document)
    pdf.ln(3)
    pdf.text_line(f"Rounding: {ROUNDING_RULE}", size=8, h=4)
    pdf.text_line(
        f"The structured invoice data (Factur-X, EN 16931 profile) is embedded as {FILENAME}.",
        size=8,
        h=4,
    )
    pdf.embed_file(
        bytes=facturx_xml(document),
        basename=FILENAME,
        modification_date=created,
        mime_type="text/xml",
        associated_file_relationship="Alternative",
        desc="Factur-X invoice data (EN 16931)",
        compress=True,
    )
    return bytes(pdf.output())


STATEMENT_WIDTHS = [32.0, 21.0, 22.0, 22.0, 59.0, 24.0]


def _statement_date(statement: Statement) -> date:
    """The statement's date for its PDF: its latest document, else the month's first day."""
    if statement.entries:
        return max(entry.issue_date for entry in statement.entries)
    return date.fromisoformat(f"{statement.month}-01")


def statement_pdf(statement: Statement) -> bytes:
    """The month's invoices and credit notes with totals; late CDRs marked as such."""
    title = f"Statement {statement.month}"
    created = fixed_moment(_statement_date(statement))
    footer = f"{title} · {statement.customer.name}"
    reduced = covered(strings_in(statement))
    pdf = DocumentPdf(title, statement.supplier.name, created, footer, reduced)
    pdf.set_xmp_metadata(xmp_metadata(title, statement.supplier.name, created, None))
    month = date.fromisoformat(f"{statement.month}-01").strftime("%B %Y")
    _parties(pdf, statement.supplier, statement.customer, ["Monthly statement", month])
    currency = statement.currency
    pdf.heading("Documents")
    pdf.row(
        ["Number", "Type", "Issued", "Supplied", "Description", "Amount"],
        STATEMENT_WIDTHS,
        "LLLLLR",
        bold=True,
    )
    for entry in statement.entries:
        credit = entry.kind is DocumentKind.CREDIT_NOTE
        pdf.row(
            [
                entry.number,
                TITLES[entry.kind],
                entry.issue_date.isoformat(),
                entry.supply_date.isoformat() + (" *" if entry.late else ""),
                entry.description,
                money(-entry.gross if credit else entry.gross, currency),
            ],
            STATEMENT_WIDTHS,
            "LLLLLR",
        )
        if entry.late:
            pdf.set_x(pdf.l_margin + STATEMENT_WIDTHS[0])
            pdf.use_font(7.5)
            pdf.put(
                0, 4, f"* Late: charged on {entry.supply_date.isoformat()}, in an earlier month."
            )
            pdf.ln(4)
            pdf.use_font(9)
    pdf.ln(2)
    for label, value, bold in (
        ("Invoiced", statement.invoiced, False),
        ("Credited", -statement.credited, False),
        ("Balance", statement.balance, True),
    ):
        pdf.row(["", label, money(value, currency)], [124.0, 30.0, 26.0], "LLR", bold=bold)
    if any(entry.late for entry in statement.entries):
        pdf.ln(3)
        pdf.text_line(
            "* Late: the operator sent the charging record after that month had closed; it is "
            "billed in this statement, with its own supply date, and not moved to another month.",
            size=8,
            h=4,
        )
    return bytes(pdf.output())
