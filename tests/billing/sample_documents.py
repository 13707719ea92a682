"""Sample billing documents for the document tests: an invoice (energy, charging time and a
session fee at 19 % VAT, with accents and a charging session), the credit note that corrects
part of it, and a monthly statement with a CDR that arrived late."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from emsp_tui.billing.model import (
    Address,
    AuditNote,
    Charging,
    Customer,
    Document,
    DocumentKind,
    Line,
    LineKind,
    Statement,
    StatementEntry,
    Supplier,
)

SUPPLIER = Supplier(
    name="Lumière Mobility GmbH",
    address=Address("Großstraße 7", "10115", "Berlin", "DE"),
    vat_id="DE123456789",
    email="billing@lumiere.example",
    iban="DE89 3704 0044 0532 0130 00",
    bic="COBADEFFXXX",
)
CUSTOMER = Customer(
    name="Zoë Müller-Lüdenscheidt",
    address=Address("Rue de la Paix 12", "75002", "Paris", "FR"),
    email="zoe@example.org",
)
BUSINESS = Customer(
    name="Renée Dubois",
    address=Address("Hauptstraße 1", "80331", "München", "DE"),
    email="fleet@example.com",
    company="Flotte Élan SARL",
    vat_id="FR40303265045",
)

ENERGY = Line(LineKind.ENERGY, "Energy", Decimal("23.456"), "kWh", Decimal("0.3529"), Decimal("19"))
TIME = Line(
    LineKind.CHARGING_TIME, "Charging time", Decimal("1.25"), "h", Decimal("1.20"), Decimal("19")
)
FEE = Line(
    LineKind.SESSION_FEE, "Session fee", Decimal("1"), "session", Decimal("0.50"), Decimal("19")
)

CHARGING = Charging(
    location="Café Müller, Friedrichstraße 12, 10117 Berlin",
    evse_id="DE*VOL*E0001*1",
    operator="Volta Laden (DE*VOL)",
    country="DE",
    start=datetime(2026, 3, 14, 17, 5, tzinfo=UTC),
    end=datetime(2026, 3, 14, 18, 20, tzinfo=UTC),
    energy_kwh=Decimal("23.456"),
    session_id="SES-0042",
    cdr_id="CDR-0042",
)

INVOICE = Document(
    kind=DocumentKind.INVOICE,
    number="INV-2026-000123",
    issue_date=date(2026, 3, 15),
    supply_date=date(2026, 3, 14),
    currency="EUR",
    supplier=SUPPLIER,
    customer=CUSTOMER,
    lines=(ENERGY, TIME, FEE),
    charging=CHARGING,
    audit=AuditNote(
        matches=False,
        operator_total=Decimal("14.00"),
        tariff_total=Decimal("12.23"),
        sentence="The operator billed 14.00 EUR; their tariff gives 12.23 EUR; you pay 12.23 EUR.",
    ),
    due_date=date(2026, 3, 29),
)

BUSINESS_INVOICE = Document(
    kind=DocumentKind.INVOICE,
    number="INV-2026-000124",
    issue_date=date(2026, 3, 16),
    supply_date=date(2026, 3, 16),
    currency="EUR",
    supplier=SUPPLIER,
    customer=BUSINESS,
    lines=(
        ENERGY,
        FEE,
        Line(
            LineKind.MONTHLY_FEE, "Plan Flex", Decimal("1"), "month", Decimal("4.99"), Decimal("7")
        ),
    ),
)

CREDIT_NOTE = Document(
    kind=DocumentKind.CREDIT_NOTE,
    number="CN-2026-000004",
    issue_date=date(2026, 3, 20),
    supply_date=date(2026, 3, 14),
    currency="EUR",
    supplier=SUPPLIER,
    customer=CUSTOMER,
    lines=(TIME,),
    charging=CHARGING,
    corrects=INVOICE.number,
    corrects_date=INVOICE.issue_date,
    reason="The operator sent a credit CDR: the charging time was not billable.",
)

STATEMENT = Statement(
    month="2026-03",
    currency="EUR",
    supplier=SUPPLIER,
    customer=CUSTOMER,
    entries=(
        StatementEntry(
            "INV-2026-000101",
            DocumentKind.INVOICE,
            date(2026, 3, 2),
            date(2026, 2, 27),
            "Charging at Bahnhof Süd, 27 Feb",
            Decimal("8.40"),
            late=True,
        ),
        StatementEntry(
            INVOICE.number,
            DocumentKind.INVOICE,
            INVOICE.issue_date,
            INVOICE.supply_date,
            "Charging at Café Müller, 14 Mar",
            INVOICE.totals.gross,
        ),
        StatementEntry(
            CREDIT_NOTE.number,
            DocumentKind.CREDIT_NOTE,
            CREDIT_NOTE.issue_date,
            CREDIT_NOTE.supply_date,
            "Correction of INV-2026-000123",
            CREDIT_NOTE.totals.gross,
        ),
    ),
)
