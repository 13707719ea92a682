"""Invoices for the UI tests, issued by the real BillingService (with the real audit) on stored
CDRs, at fixed dates: one in February; in March one the operator overcharged, one for a charge
of February whose CDR arrived late, and two credit notes (one for the February invoice)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from emsp_tui.ocpi.models import Cdr
from emsp_tui.services.billing import BillingService, audit_with_store
from emsp_tui.store import Database, cdrs
from tests.billing import ledger_support as s

FEBRUARY = "INV-2026-000001"  # Berlin, matches its tariff
OVERCHARGED = "INV-2026-000002"  # Brussels: billed 15.40 EUR, the tariff gives 4.40 EUR
LATE = "INV-2026-000003"  # Amsterdam, charged 27 February, invoiced 3 March
PARTIAL_CREDIT = "CN-2026-000001"  # 1.00 EUR back on LATE
FEBRUARY_CREDIT = "CN-2026-000002"  # all of FEBRUARY, issued in March

PLACES = {
    "DE": ("Volt Hub Alexanderplatz", "Alexanderstraße 7", "Berlin", "10178"),
    "BE": ("Gent Zuid", "F.Rooseveltlaan 3A", "Gent", "9000"),
    "NL": ("Keizersgracht 12", "Keizersgracht 12", "Amsterdam", "1015 CJ"),
}
CDR_IDS = {FEBRUARY: "CDR-0001", OVERCHARGED: "CDR-0002", LATE: "CDR-0003"}


class Clock:
    def __init__(self) -> None:
        self.now = s.NOW

    def __call__(self) -> datetime:
        return self.now


def charge(cdr_id: str, country: str, end: datetime, total_excl: float) -> Cdr:
    record = s.cdr(cdr_id, country=country, end=end, total_excl=total_excl)
    name, street, city, postal = PLACES[country]
    loc = record.cdr_location.model_copy(
        update={"name": name, "address": street, "city": city, "postal_code": postal}
    )
    return record.model_copy(update={"cdr_location": loc, "session_id": f"S-{cdr_id}"})


async def seed_invoices(database: Path) -> None:
    db = await Database(database).open()
    clock = Clock()
    billing = BillingService(db, s.settings(), clock, auditor=audit_with_store)
    try:
        await db.run(s.add_card)
        account = await billing.account()
        await billing.update_account(
            replace(
                account,
                name="Alex de Vries",
                email="alex@example.org",
                street="Prinsengracht 263",
                postal_code="1016 GV",
                city="Amsterdam",
                country="NL",
            )
        )
        feb = datetime(2026, 2, 10, 17, 0, tzinfo=UTC)
        mar = datetime(2026, 3, 1, 18, 30, tzinfo=UTC)
        late = datetime(2026, 2, 27, 20, 0, tzinfo=UTC)
        for number, (country, end, total, issued) in {
            FEBRUARY: ("DE", feb, 4.0, feb + timedelta(hours=16)),
            OVERCHARGED: ("BE", mar, 14.0, mar + timedelta(hours=15)),
            LATE: ("NL", late, 4.0, datetime(2026, 3, 3, 8, 0, tzinfo=UTC)),
        }.items():
            record = charge(CDR_IDS[number], country, end, total)
            await db.run(cdrs.insert_cdr, None, record, end + timedelta(hours=1))
            clock.now = issued
            invoice = await billing.issue_invoice((s.OWNER[0], s.OWNER[1], record.id))
            assert invoice.number == number, invoice.number
        clock.now = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
        note = await billing.issue_credit_note(
            LATE, "Parking time after the cable was unplugged", amount=Decimal("1.00")
        )
        assert note.number == PARTIAL_CREDIT
        note = await billing.issue_credit_note(FEBRUARY, "The charger stopped after 10 minutes")
        assert note.number == FEBRUARY_CREDIT
    finally:
        await db.close()
