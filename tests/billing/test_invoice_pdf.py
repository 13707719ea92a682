"""The PDFs read back with pypdf: the text a driver reads (number, lines, VAT, totals, accents
and the euro sign, charging facts, audit, rounding rule, payment), the embedded Factur-X XML
(/Alternative, the exact XML facturx.py builds, XSD-valid, with its XMP metadata), PDF/A-3B
identification, and byte-identical re-rendering, also in a fresh process."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta, timezone
from decimal import Decimal
from io import BytesIO

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader

from emsp_tui.billing.documents.facturx import facturx_xml
from emsp_tui.billing.documents.pdf import document_pdf, statement_pdf
from emsp_tui.billing.documents.pdf_fonts import covered
from emsp_tui.billing.model import ROUNDING_RULE, Address, Line, LineKind
from tests.billing.sample_documents import BUSINESS_INVOICE, CREDIT_NOTE, INVOICE, STATEMENT
from tests.paths import REPO


@pytest.fixture(scope="module")
def invoice_pdf() -> bytes:
    return document_pdf(INVOICE)


def read_text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_text_holds_what_a_full_invoice_must_say(invoice_pdf: bytes) -> None:
    text = read_text(invoice_pdf)
    for expected in (
        "Invoice",
        "No. INV-2026-000123",
        "Issue date 2026-03-15",
        "Supply date 2026-03-14",
        # supplier: name, address, VAT id; customer: name and address
        "Lumière Mobility GmbH",
        "Großstraße 7",
        "10115 Berlin",
        "VAT ID DE123456789",
        "Zoë Müller-Lüdenscheidt",
        "Rue de la Paix 12",
        "75002 Paris",
        # lines: description, quantity, unit price, VAT rate, net
        "Energy 23.456 kWh 0.3529 € 19 % 8.28 €",
        "Charging time 1.25 h 1.20 € 19 % 1.50 €",
        "Session fee 1 session 0.50 € 19 % 0.50 €",
        # VAT per rate, totals
        "19 % 10.28 € 1.95 € 12.23 €",
        "Total excl. VAT 10.28 €",
        "VAT 1.95 €",
        "Total incl. VAT 12.23 €",
    ):
        assert expected in text, expected


def test_the_text_holds_the_charging_facts_audit_rounding_and_payment(invoice_pdf: bytes) -> None:
    text = read_text(invoice_pdf)
    for expected in (
        "Café Müller, Friedrichstraße 12, 10117 Berlin",
        "EVSE DE*VOL*E0001*1",
        "Operator Volta Laden (DE*VOL)",
        "Start 2026-03-14 17:05 UTC",
        "End 2026-03-14 18:20 UTC",
        "Session SES-0042",
        "CDR CDR-0042",
        INVOICE.audit.sentence if INVOICE.audit else "",
        " ".join(ROUNDING_RULE.split()),
        "Amount 12.23 €",
        "IBAN DE89 3704 0044 0532 0130 00",
        "Reference RF98 INV2 0260 0012 3",
        "Due date 2026-03-29",
        "factur-x.xml",
    ):
        assert expected in text, expected


def test_the_invoice_carries_one_image_the_qr_code_and_the_credit_note_none() -> None:
    def images(pdf: bytes) -> int:
        page = PdfReader(BytesIO(pdf)).pages[0]
        return len(page.images)

    assert images(document_pdf(INVOICE)) == 1
    assert images(document_pdf(CREDIT_NOTE)) == 0


def test_a_credit_note_names_the_invoice_it_corrects_and_why() -> None:
    text = read_text(document_pdf(CREDIT_NOTE))
    assert "Credit note" in text
    assert "No. CN-2026-000004" in text
    assert "This credit note corrects invoice INV-2026-000123 of 2026-03-15." in text
    assert "Reason: The operator sent a credit CDR: the charging time was not billable." in text
    assert "Total credited 1.79 €" in text
    assert "Payment" not in text


def test_a_business_customer_shows_company_and_vat_id_and_each_rate() -> None:
    text = read_text(document_pdf(BUSINESS_INVOICE))
    assert "Flotte Élan SARL Renée Dubois" in text
    assert "VAT ID FR40303265045" in text
    assert "7 % 4.99 € 0.35 € 5.34 €" in text
    assert "19 % 8.78 € 1.67 € 10.45 €" in text


def test_factur_x_xml_is_embedded_as_the_alternative_and_is_what_facturx_built(
    invoice_pdf: bytes,
) -> None:
    reader = PdfReader(BytesIO(invoice_pdf))
    (attachment,) = reader.attachment_list
    assert attachment.name == "factur-x.xml"
    assert attachment.associated_file_relationship == "/Alternative"
    assert attachment.subtype == "/text/xml"
    assert attachment.content == facturx_xml(INVOICE)
    # PDF/A-3: the file is an associated file of the document (catalog /AF).
    (associated,) = reader.trailer["/Root"]["/AF"]
    assert associated.get_object()["/F"] == "factur-x.xml"
    # The factur-x library finds it and validates it.
    name, xml = facturx.get_xml_from_pdf(invoice_pdf, check_xsd=True)
    assert name == "factur-x.xml"
    assert xml == facturx_xml(INVOICE)


def test_the_metadata_identify_pdf_a_3b_and_the_factur_x_profile(invoice_pdf: bytes) -> None:
    reader = PdfReader(BytesIO(invoice_pdf))
    assert reader.pdf_header == "%PDF-1.7"
    metadata = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    xmp = etree.fromstring(metadata.split(b"?>", 1)[1].rsplit(b"<?xpacket", 1)[0])
    ns = {
        "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
        "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
        "xmp": "http://ns.adobe.com/xap/1.0/",
        "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    }

    def value(path: str) -> str:
        (found,) = xmp.xpath(path, namespaces=ns)
        return str(found.text)

    assert value("//pdfaid:part") == "3"
    assert value("//pdfaid:conformance") == "B"
    assert value("//fx:DocumentType") == "INVOICE"
    assert value("//fx:DocumentFileName") == "factur-x.xml"
    assert value("//fx:Version") == "1.0"
    assert value("//fx:ConformanceLevel") == "EN 16931"
    assert value("//pdfaSchema:prefix") == "fx"
    assert value("//xmp:CreateDate") == "2026-03-15T00:00:00+00:00"
    (intent,) = reader.trailer["/Root"]["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1"


def test_the_same_document_renders_byte_identical(invoice_pdf: bytes) -> None:
    assert document_pdf(replace(INVOICE)) == invoice_pdf
    assert statement_pdf(STATEMENT) == statement_pdf(replace(STATEMENT))
    assert document_pdf(CREDIT_NOTE) != invoice_pdf


def test_a_fresh_process_renders_the_same_bytes(invoice_pdf: bytes) -> None:
    script = (
        "import sys\n"
        "from emsp_tui.billing.documents.pdf import document_pdf\n"
        "from tests.billing.sample_documents import INVOICE\n"
        "sys.stdout.buffer.write(document_pdf(INVOICE))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, check=True, timeout=60
    )
    assert result.stdout == invoice_pdf


def test_a_name_outside_the_european_scripts_still_renders() -> None:
    customer = replace(INVOICE.customer, name="ნინო ჯავახიშვილი")
    assert not covered([customer.name])
    pdf = document_pdf(replace(INVOICE, customer=customer))
    assert "ნინო ჯავახიშვილი" in read_text(pdf)
    assert "Total incl. VAT 12.23 €" in read_text(pdf)


def test_greek_and_cyrillic_names_use_the_fast_fonts_and_render() -> None:
    names = ["Γιώργος Παπαδόπουλος", "Пётр Иванов"]
    assert covered(names)
    text = read_text(
        document_pdf(replace(INVOICE, customer=replace(INVOICE.customer, name=names[0])))
    )
    assert names[0] in text


def test_a_long_invoice_flows_onto_a_second_page_with_numbered_footers() -> None:
    line = Line(LineKind.ENERGY, "Energy", Decimal("1.5"), "kWh", Decimal("0.40"), Decimal("19"))
    document = replace(INVOICE, lines=(line,) * 40)
    pdf = document_pdf(document)
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 2
    assert "page 1/2" in reader.pages[0].extract_text()
    assert "page 2/2" in reader.pages[1].extract_text()
    assert "Total incl. VAT 28.56 €" in read_text(pdf)  # 40 x 0.60 = 24.00 net, 4.56 VAT
    (attachment,) = PdfReader(BytesIO(pdf)).attachment_list
    assert attachment.content == facturx_xml(document)


def test_the_statement_lists_entries_marks_the_late_one_and_totals() -> None:
    pdf = statement_pdf(STATEMENT)
    text = read_text(pdf)
    assert "Monthly statement March 2026" in text
    assert "INV-2026-000101 Invoice 2026-03-02 2026-02-27 * Charging at Bahnhof Süd" in text
    assert "* Late: charged on 2026-02-27, in an earlier month." in text
    assert "INV-2026-000123 Invoice 2026-03-15 2026-03-14 Charging at Café Müller" in text
    assert (
        "CN-2026-000004 Credit note 2026-03-20 2026-03-14 Correction of INV-2026-000123 -1.79 €"
        in text
    )
    assert "Invoiced 20.63 €" in text
    assert "Credited -1.79 €" in text
    assert "Balance 18.84 €" in text
    assert list(PdfReader(BytesIO(pdf)).attachment_list) == []


def test_a_statement_without_late_entries_has_no_late_note() -> None:
    statement = replace(STATEMENT, entries=STATEMENT.entries[1:])
    text = read_text(statement_pdf(statement))
    assert "Late" not in text
    assert "Balance 10.44 €" in text


def test_documents_rendered_in_parallel_threads_are_the_same_bytes(invoice_pdf: bytes) -> None:
    """The parsed font is shared between documents: threads must not mix up their state."""
    documents = [INVOICE, CREDIT_NOTE, BUSINESS_INVOICE] * 4
    expected = [document_pdf(d) for d in documents]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(document_pdf, documents)) == expected
    assert expected[0] == invoice_pdf


def test_charging_times_are_shown_in_the_zone_they_carry() -> None:
    berlin = timezone(timedelta(hours=1))
    charging = INVOICE.charging
    assert charging is not None
    local = replace(
        charging, start=charging.start.astimezone(berlin), end=charging.end.astimezone(berlin)
    )
    text = read_text(document_pdf(replace(INVOICE, charging=local)))
    assert "Start 2026-03-14 18:05 UTC+01:00" in text
    assert "End 2026-03-14 19:20 UTC+01:00" in text


def test_a_driver_without_billing_details_is_told_where_to_add_them() -> None:
    """A fresh account has no name or address: the PDF says so instead of a blank block."""
    nobody = replace(INVOICE.customer, name="", address=Address("", "", "", ""), company=None)
    text = PdfReader(BytesIO(document_pdf(replace(INVOICE, customer=nobody)))).pages[0]
    assert "no billing details given" in text.extract_text()
