"""The ledger's documents as the driver receives them: an issued invoice, its credit note and
the month's statement rendered to PDF (read back with pypdf), the Factur-X XML valid against
the EN 16931 XSD, and the EPC transfer for the amount on the invoice."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import facturx
import pytest
from pypdf import PdfReader

from emsp_tui.billing.documents.epc_qr import transfer_for
from emsp_tui.billing.documents.facturx import facturx_xml
from emsp_tui.billing.documents.pdf import document_pdf, statement_pdf
from emsp_tui.billing.documents.rf_reference import is_valid_rf
from emsp_tui.services.billing import BillingService
from emsp_tui.store import Database
from tests.billing import ledger_support as s


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "emsp.sqlite3").open()
    await database.run(s.add_card)
    yield database
    await database.close()


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_issued_documents_render_and_validate(db: Database) -> None:
    billing = BillingService(db, s.settings(), lambda: datetime(2026, 3, 20, tzinfo=UTC))
    key = await db.run(lambda c: s.add_cdr(c, "C1", country="FR"))
    invoice = await billing.issue_invoice(key)
    credit = await billing.issue_credit_note(invoice.number, "Charger fault", amount=Decimal(1))

    text = text_of(document_pdf(invoice))
    assert invoice.number in text
    assert "Charging time" in text
    assert "4.80" in text  # gross: 4.00 + 20 % French VAT
    assert "0.80" in text
    for document in (invoice, credit):
        assert facturx.xml_check_xsd(facturx_xml(document), flavor="factur-x", level="en16931")
    assert invoice.number in text_of(document_pdf(credit))  # names the invoice it corrects

    transfer = transfer_for(invoice)
    assert transfer is not None
    assert transfer.amount == Decimal("4.80")
    assert transfer.iban == "NL91ABNA0417164300"
    assert is_valid_rf(transfer.reference)
    assert transfer.reference == invoice.payment_reference

    statement = await billing.statement(1, "2026-03")
    statement_text = text_of(statement_pdf(statement))
    assert invoice.number in statement_text
    assert credit.number in statement_text
