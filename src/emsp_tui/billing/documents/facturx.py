"""The UN/CEFACT CII XML of a document in the Factur-X / ZUGFeRD EN 16931 profile.

Built with the standard library's ElementTree: the XML is a fixed tree of about sixty elements,
so a typed model (drafthorse) or a BT-keyed dict (factur-x's generate_xml, whose format changed
in 7.x) would add dependencies without removing any rule we must know anyway. The tests check
the result against the Factur-X EN 16931 XSD with the factur-x library. Element order follows
that XSD (Factur-X 1.09).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

from emsp_tui.billing.documents.rf_reference import rf_reference_for
from emsp_tui.billing.model import Address, Document, DocumentKind, Line

FILENAME = "factur-x.xml"
GUIDELINE_EN16931 = "urn:cen.eu:en16931:2017"
XMP_CONFORMANCE_LEVEL = "EN 16931"  # fx:ConformanceLevel in the PDF's XMP metadata

_NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
for _prefix, _uri in _NS.items():
    ET.register_namespace(_prefix, _uri)

# UN/ECE Recommendation 20 unit codes for our units.
UNIT_CODES = {"kWh": "KWH", "h": "HUR", "min": "MIN", "session": "C62", "month": "MON"}
PAYMENT_MEANS_SEPA_TRANSFER = "58"


def _q(tag: str) -> str:
    prefix, _, name = tag.partition(":")
    return f"{{{_NS[prefix]}}}{name}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, _q(tag), attrs)
    if text is not None:
        element.text = text
    return element


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _number(value: Decimal) -> str:
    """A quantity, rate or unit price without trailing zeros or exponent (19, 0.3529, 12.5)."""
    return f"{value.normalize():f}"


def _date(parent: ET.Element, tag: str, day: date, prefix: str = "udt") -> None:
    holder = _sub(parent, tag)
    _sub(holder, f"{prefix}:DateTimeString", day.strftime("%Y%m%d"), format="102")


def _address(parent: ET.Element, address: Address) -> None:
    postal = _sub(parent, "ram:PostalTradeAddress")
    _sub(postal, "ram:PostcodeCode", address.postal_code)
    _sub(postal, "ram:LineOne", address.street)
    _sub(postal, "ram:CityName", address.city)
    _sub(postal, "ram:CountryID", address.country)


def _party(
    parent: ET.Element,
    tag: str,
    name: str,
    contact: str | None,
    address: Address,
    email: str,
    vat_id: str | None,
) -> None:
    party = _sub(parent, tag)
    _sub(party, "ram:Name", name)
    if contact:
        _sub(_sub(party, "ram:DefinedTradeContact"), "ram:PersonName", contact)
    _address(party, address)
    _sub(_sub(party, "ram:URIUniversalCommunication"), "ram:URIID", email, schemeID="EM")
    if vat_id:
        _sub(_sub(party, "ram:SpecifiedTaxRegistration"), "ram:ID", vat_id, schemeID="VA")


def _tax(parent: ET.Element, rate: Decimal, basis: Decimal | None, vat: Decimal | None) -> None:
    tax = _sub(parent, "ram:ApplicableTradeTax")
    if vat is not None:
        _sub(tax, "ram:CalculatedAmount", _amount(vat))
    _sub(tax, "ram:TypeCode", "VAT")
    if basis is not None:
        _sub(tax, "ram:BasisAmount", _amount(basis))
    _sub(tax, "ram:CategoryCode", "S")
    _sub(tax, "ram:RateApplicablePercent", _number(rate))


def _line(parent: ET.Element, position: int, line: Line) -> None:
    item = _sub(parent, "ram:IncludedSupplyChainTradeLineItem")
    _sub(_sub(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(position))
    _sub(_sub(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.description)
    agreement = _sub(item, "ram:SpecifiedLineTradeAgreement")
    price = _sub(agreement, "ram:NetPriceProductTradePrice")
    _sub(price, "ram:ChargeAmount", _number(line.unit_price))
    delivery = _sub(item, "ram:SpecifiedLineTradeDelivery")
    unit = UNIT_CODES.get(line.unit, "C62")
    _sub(delivery, "ram:BilledQuantity", _number(line.quantity), unitCode=unit)
    settlement = _sub(item, "ram:SpecifiedLineTradeSettlement")
    _tax(settlement, line.vat_rate, None, None)
    summation = _sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _sub(summation, "ram:LineTotalAmount", _amount(line.net))


def facturx_xml(document: Document) -> bytes:
    """The CII XML (UTF-8, with declaration) of an invoice (380) or credit note (381, BT-25
    naming the invoice it corrects)."""
    totals = document.totals
    root = ET.Element(_q("rsm:CrossIndustryInvoice"))
    context = _sub(root, "rsm:ExchangedDocumentContext")
    guideline = _sub(context, "ram:GuidelineSpecifiedDocumentContextParameter")
    _sub(guideline, "ram:ID", GUIDELINE_EN16931)

    header = _sub(root, "rsm:ExchangedDocument")
    _sub(header, "ram:ID", document.number)
    _sub(header, "ram:TypeCode", document.kind.type_code)
    _date(header, "ram:IssueDateTime", document.issue_date)
    notes = [document.reason] if document.reason else []
    if document.charging is not None:
        charging = document.charging
        notes.append(
            f"Charging at {charging.location}, EVSE {charging.evse_id}, operator "
            f"{charging.operator}, {charging.start.isoformat()} to {charging.end.isoformat()}, "
            f"CDR {charging.cdr_id}"
        )
    if document.audit is not None:
        notes.append(document.audit.sentence)
    for note in notes:
        _sub(_sub(header, "ram:IncludedNote"), "ram:Content", note)

    transaction = _sub(root, "rsm:SupplyChainTradeTransaction")
    for position, line in enumerate(document.lines, start=1):
        _line(transaction, position, line)

    agreement = _sub(transaction, "ram:ApplicableHeaderTradeAgreement")
    supplier, customer = document.supplier, document.customer
    _party(
        agreement,
        "ram:SellerTradeParty",
        supplier.name,
        None,
        supplier.address,
        supplier.email,
        supplier.vat_id,
    )
    _party(
        agreement,
        "ram:BuyerTradeParty",
        customer.company or customer.name,
        customer.name if customer.company else None,
        customer.address,
        customer.email,
        customer.vat_id,
    )

    delivery = _sub(transaction, "ram:ApplicableHeaderTradeDelivery")
    event = _sub(delivery, "ram:ActualDeliverySupplyChainEvent")
    _date(event, "ram:OccurrenceDateTime", document.supply_date)

    settlement = _sub(transaction, "ram:ApplicableHeaderTradeSettlement")
    is_invoice = document.kind is DocumentKind.INVOICE
    if is_invoice:
        reference = document.payment_reference or rf_reference_for(document.number)
        _sub(settlement, "ram:PaymentReference", reference)
    _sub(settlement, "ram:InvoiceCurrencyCode", document.currency)
    if is_invoice:
        means = _sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _sub(means, "ram:TypeCode", PAYMENT_MEANS_SEPA_TRANSFER)
        account = _sub(means, "ram:PayeePartyCreditorFinancialAccount")
        _sub(account, "ram:IBANID", "".join(supplier.iban.split()).upper())
        if supplier.bic:
            institution = _sub(means, "ram:PayeeSpecifiedCreditorFinancialInstitution")
            _sub(institution, "ram:BICID", supplier.bic)
    for amount in totals.vat:
        _tax(settlement, amount.rate, amount.net, amount.vat)
    terms = _sub(settlement, "ram:SpecifiedTradePaymentTerms")
    if is_invoice:
        _sub(terms, "ram:Description", "Payable by SEPA transfer with the payment reference.")
    else:
        _sub(terms, "ram:Description", "Credited to the customer; nothing to pay.")
    if document.due_date is not None and is_invoice:
        _date(terms, "ram:DueDateDateTime", document.due_date)
    summation = _sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _sub(summation, "ram:LineTotalAmount", _amount(totals.net))
    _sub(summation, "ram:TaxBasisTotalAmount", _amount(totals.net))
    _sub(summation, "ram:TaxTotalAmount", _amount(totals.vat_total), currencyID=document.currency)
    _sub(summation, "ram:GrandTotalAmount", _amount(totals.gross))
    _sub(summation, "ram:DuePayableAmount", _amount(totals.gross))
    if document.corrects is not None:
        preceding = _sub(settlement, "ram:InvoiceReferencedDocument")
        _sub(preceding, "ram:IssuerAssignedID", document.corrects)
        if document.corrects_date is not None:
            _date(preceding, "ram:FormattedIssueDateTime", document.corrects_date, "qdt")

    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data
