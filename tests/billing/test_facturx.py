"""The Factur-X (EN 16931) CII XML: valid against the official XSD (the factur-x library's
check), 380 for an invoice and 381 with BT-25 for a credit note, and figures that follow the
EN 16931 calculation rules (BR-CO-10, -13, -14, -15, -17)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import facturx
import pytest
from lxml import etree
from stdnum import iso11649

from emsp_tui.billing.documents.facturx import facturx_xml
from emsp_tui.billing.model import Document, cents
from tests.billing.sample_documents import BUSINESS_INVOICE, CREDIT_NOTE, INVOICE

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
SETTLEMENT = "//ram:ApplicableHeaderTradeSettlement"
SUMMATION = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"


def tree(document: Document) -> etree._Element:
    return etree.fromstring(facturx_xml(document))


def text(root: etree._Element, path: str) -> str:
    (found,) = root.xpath(path, namespaces=NS)
    return str(found.text)


@pytest.mark.parametrize(
    "document", [INVOICE, CREDIT_NOTE, BUSINESS_INVOICE], ids=lambda d: d.number
)
def test_the_xml_is_valid_against_the_en16931_xsd(document: Document) -> None:
    xml = facturx_xml(document)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert facturx.get_level(etree.fromstring(xml)) == "en16931"


def test_the_xsd_check_can_fail() -> None:
    """The control: the same XML without its seller is refused."""
    root = tree(INVOICE)
    (seller,) = root.xpath("//ram:SellerTradeParty", namespaces=NS)
    seller.getparent().remove(seller)
    with pytest.raises(Exception, match="not valid"):
        facturx.xml_check_xsd(etree.tostring(root), flavor="factur-x", level="en16931")


def test_an_invoice_is_380_with_its_number_dates_and_payment() -> None:
    root = tree(INVOICE)
    assert text(root, "//rsm:ExchangedDocument/ram:TypeCode") == "380"
    assert text(root, "//rsm:ExchangedDocument/ram:ID") == "INV-2026-000123"
    assert text(root, "//ram:IssueDateTime/udt:DateTimeString") == "20260315"
    assert text(root, "//ram:ActualDeliverySupplyChainEvent//udt:DateTimeString") == "20260314"
    assert text(root, f"{SETTLEMENT}/ram:InvoiceCurrencyCode") == "EUR"
    reference = text(root, f"{SETTLEMENT}/ram:PaymentReference")
    assert iso11649.is_valid(reference)
    assert text(root, "//ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == (
        "DE89370400440532013000"
    )
    assert text(root, "//ram:SpecifiedTradePaymentTerms//udt:DateTimeString") == "20260329"
    assert not root.xpath("//ram:InvoiceReferencedDocument", namespaces=NS)


def test_a_credit_note_is_381_and_names_the_invoice_it_corrects_bt25() -> None:
    root = tree(CREDIT_NOTE)
    assert text(root, "//rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert text(root, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == ("INV-2026-000123")
    assert text(root, "//ram:InvoiceReferencedDocument//qdt:DateTimeString") == "20260315"
    notes = [n.text for n in root.xpath("//ram:IncludedNote/ram:Content", namespaces=NS)]
    assert CREDIT_NOTE.reason in notes
    # Nothing to pay: no payment means, and the amounts stay positive (EN 16931 381).
    assert not root.xpath("//ram:SpecifiedTradeSettlementPaymentMeans", namespaces=NS)
    assert Decimal(text(root, f"{SUMMATION}/ram:GrandTotalAmount")) == Decimal("1.79")


def test_seller_and_buyer_with_addresses_and_vat_ids() -> None:
    root = tree(BUSINESS_INVOICE)
    seller = "//ram:SellerTradeParty"
    buyer = "//ram:BuyerTradeParty"
    assert text(root, f"{seller}/ram:Name") == "Lumière Mobility GmbH"
    assert text(root, f"{seller}/ram:SpecifiedTaxRegistration/ram:ID") == "DE123456789"
    assert root.xpath(f"{seller}//ram:ID/@schemeID", namespaces=NS) == ["VA"]
    assert text(root, f"{seller}/ram:PostalTradeAddress/ram:LineOne") == "Großstraße 7"
    assert text(root, f"{buyer}/ram:Name") == "Flotte Élan SARL"
    assert text(root, f"{buyer}/ram:DefinedTradeContact/ram:PersonName") == "Renée Dubois"
    assert text(root, f"{buyer}/ram:SpecifiedTaxRegistration/ram:ID") == "FR40303265045"
    assert text(root, f"{buyer}/ram:PostalTradeAddress/ram:CityName") == "München"
    assert text(root, f"{buyer}/ram:PostalTradeAddress/ram:CountryID") == "DE"
    consumer = tree(INVOICE)
    assert not consumer.xpath(f"{buyer}/ram:SpecifiedTaxRegistration", namespaces=NS)


def test_one_line_item_per_line_with_quantity_unit_price_and_net() -> None:
    root = tree(INVOICE)
    items = root.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NS)
    assert len(items) == 3
    energy = items[0]
    assert energy.findtext(".//ram:Name", namespaces=NS) == "Energy"
    assert energy.findtext(".//ram:ChargeAmount", namespaces=NS) == "0.3529"
    quantity = energy.find(".//ram:BilledQuantity", namespaces=NS)
    assert (quantity.text, quantity.get("unitCode")) == ("23.456", "KWH")
    assert energy.findtext(".//ram:LineTotalAmount", namespaces=NS) == "8.28"
    assert energy.findtext(".//ram:RateApplicablePercent", namespaces=NS) == "19"
    assert energy.findtext(".//ram:CategoryCode", namespaces=NS) == "S"
    units = [i.find(".//ram:BilledQuantity", namespaces=NS).get("unitCode") for i in items]
    assert units == ["KWH", "HUR", "C62"]


@pytest.mark.parametrize(
    "document", [INVOICE, BUSINESS_INVOICE, CREDIT_NOTE], ids=lambda d: d.number
)
def test_the_figures_follow_the_en16931_calculation_rules(document: Document) -> None:
    root = tree(document)
    line_totals = [
        Decimal(t.text)
        for t in root.xpath(
            "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
            namespaces=NS,
        )
    ]
    breakdown = root.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NS)
    vat = Decimal(0)
    for tax in breakdown:  # BR-CO-17: VAT = basis x rate / 100, rounded to the cent
        basis = Decimal(tax.findtext("ram:BasisAmount", namespaces=NS))
        rate = Decimal(tax.findtext("ram:RateApplicablePercent", namespaces=NS))
        amount = Decimal(tax.findtext("ram:CalculatedAmount", namespaces=NS))
        assert amount == cents(basis * rate / 100)
        vat += amount
    net = Decimal(text(root, f"{SUMMATION}/ram:LineTotalAmount"))
    assert net == sum(line_totals)  # BR-CO-10
    assert Decimal(text(root, f"{SUMMATION}/ram:TaxBasisTotalAmount")) == net  # BR-CO-13
    assert Decimal(text(root, f"{SUMMATION}/ram:TaxTotalAmount")) == vat  # BR-CO-14
    gross = Decimal(text(root, f"{SUMMATION}/ram:GrandTotalAmount"))
    assert gross == net + vat == document.totals.gross  # BR-CO-15
    assert root.xpath(f"{SUMMATION}/ram:TaxTotalAmount/@currencyID", namespaces=NS) == ["EUR"]


def test_two_vat_rates_give_two_breakdown_entries() -> None:
    root = tree(BUSINESS_INVOICE)
    rates = root.xpath(
        f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:RateApplicablePercent/text()", namespaces=NS
    )
    assert rates == ["7", "19"]


def test_the_xml_is_the_same_for_the_same_document() -> None:
    assert facturx_xml(INVOICE) == facturx_xml(replace(INVOICE))
