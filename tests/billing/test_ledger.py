"""The ledger: invoices issued once per CDR, gapless numbers, immutable documents, credit notes
in their own series, statements with late CDRs, VAT of the charging country, Decimal money."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from emsp_tui.billing.document_json import document_from_json, document_to_json
from emsp_tui.billing.documents.rf_reference import is_valid_rf
from emsp_tui.billing.model import Document, DocumentKind, LineKind
from emsp_tui.config import PricePlan
from emsp_tui.services.billing import BillingError, BillingService
from emsp_tui.store import Database, cdr_audits, cdrs
from emsp_tui.store import accounts as account_store
from emsp_tui.store import billing_documents as ledger
from tests.billing import ledger_support as s


class Clock:
    def __init__(self, now: datetime = s.NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "emsp.sqlite3").open()
    await database.run(s.add_card)
    yield database
    await database.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def billing(db: Database, clock: Clock) -> BillingService:
    return BillingService(db, s.settings(), clock)


async def put(db: Database, cdr_id: str, **options: object) -> tuple[str, str, str]:
    """Store a CDR and (unless a credit) its audit; see ledger_support.add_cdr."""
    return await db.run(lambda c: s.add_cdr(c, cdr_id, **options))


def assert_decimals(document: Document) -> None:
    for line in document.lines:
        for value in (line.quantity, line.unit_price, line.vat_rate, line.net):
            assert type(value) is Decimal
    totals = document.totals
    for value in (totals.net, totals.vat_total, totals.gross):
        assert type(value) is Decimal
    for amount in totals.vat:
        assert type(amount.rate) is Decimal
        assert type(amount.vat) is Decimal


async def test_an_invoice_bills_the_tariff_with_the_charging_countrys_vat(
    db: Database, billing: BillingService
) -> None:
    key = await put(db, "C1")
    invoice = await billing.issue_invoice(key)
    assert invoice.number == "INV-2026-000001"
    assert invoice.kind is DocumentKind.INVOICE
    assert invoice.issue_date == date(2026, 3, 15)
    assert invoice.supply_date == date(2026, 3, 15)
    (line,) = invoice.lines
    assert (line.kind, line.quantity, line.unit, line.unit_price) == (
        LineKind.CHARGING_TIME, Decimal(2), "h", Decimal("2.0000"),
    )  # fmt: skip
    assert invoice.totals.net == Decimal("4.00")
    assert invoice.totals.vat_total == Decimal("0.76")  # DE 19 %
    assert invoice.totals.gross == Decimal("4.76")
    assert invoice.charging is not None
    assert invoice.charging.country == "DE"
    assert invoice.charging.cdr_id == "C1"
    assert invoice.charging.evse_id == "BE*BEC*E041503003"
    assert invoice.audit is not None
    assert invoice.audit.matches
    assert invoice.supplier.vat_id == "NL123456789B01"
    assert invoice.payment_reference is not None
    assert is_valid_rf(invoice.payment_reference)
    assert invoice.due_date == date(2026, 3, 29)
    assert_decimals(invoice)


@pytest.mark.parametrize(
    ("country", "rate", "vat"),
    [("DE", "19", "0.76"), ("FR", "20", "0.80"), ("BE", "21", "0.84"), ("NL", "21", "0.84")],
)
async def test_vat_follows_the_country_of_the_charging(
    db: Database, billing: BillingService, country: str, rate: str, vat: str
) -> None:
    key = await put(db, "C1", country=country)
    invoice = await billing.issue_invoice(key)
    (amount,) = invoice.totals.vat
    assert amount.rate == Decimal(rate)
    assert amount.vat == Decimal(vat)
    assert invoice.charging is not None
    assert invoice.charging.country == country


async def test_the_driver_pays_the_tariff_not_the_operators_overcharge(
    db: Database, billing: BillingService
) -> None:
    def overcharged(conn: sqlite3.Connection) -> tuple[str, str, str]:
        key = s.add_cdr(conn, "C1", total_excl=14.0)
        cdr_audits.save_audit(conn, s.audit(key, s.TIME_2H, operator_excl="14.00"), s.NOW)
        return key

    invoice = await billing.issue_invoice(await db.run(overcharged))
    assert invoice.totals.net == Decimal("4.00")
    assert invoice.audit is not None
    assert not invoice.audit.matches
    assert invoice.audit.operator_total is None  # the CDR gave no incl. VAT figure here
    assert "14.00" in invoice.audit.sentence


async def test_issuing_twice_returns_the_same_invoice(
    db: Database, billing: BillingService, clock: Clock
) -> None:
    key = await put(db, "C1")
    first = await billing.issue_invoice(key)
    clock.now = datetime(2026, 4, 2, tzinfo=UTC)
    again = await asyncio.gather(*(billing.issue_invoice(key) for _ in range(5)))
    assert all(doc == first for doc in again)
    assert await billing.issue_for_cdr(key) == first
    assert await db.run(ledger.numbers, "INV", 2026) == [1]


async def test_concurrent_tasks_number_without_gaps(db: Database, billing: BillingService) -> None:
    keys = [await put(db, f"C{i}") for i in range(40)]
    issued = await asyncio.gather(*(billing.issue_invoice(k) for k in keys + keys))
    numbers = sorted({doc.number for doc in issued})
    assert numbers == [f"INV-2026-{n:06d}" for n in range(1, 41)]
    assert await db.run(ledger.numbers, "INV", 2026) == list(range(1, 41))


async def test_numbers_restart_each_year(
    db: Database, billing: BillingService, clock: Clock
) -> None:
    first = await billing.issue_invoice(await put(db, "C1"))
    clock.now = datetime(2027, 1, 1, 0, 5, tzinfo=UTC)
    second = await billing.issue_invoice(await put(db, "C2"))
    assert (first.number, second.number) == ("INV-2026-000001", "INV-2027-000001")


async def test_an_issued_document_cannot_be_updated_or_deleted(
    db: Database, billing: BillingService
) -> None:
    invoice = await billing.issue_invoice(await put(db, "C1"))
    statements = [
        "UPDATE billing_documents SET gross = '0.00'",
        "UPDATE billing_documents SET document_json = '{}' WHERE number = 'INV-2026-000001'",
        "DELETE FROM billing_documents",
        "UPDATE document_counters SET last = 0",
        "DELETE FROM document_counters",
    ]
    for sql in statements:
        with pytest.raises(sqlite3.IntegrityError, match=r"never|only count up"):
            await db.run(lambda c, q=sql: c.execute(q))
    assert await billing.document(invoice.number) == invoice
    stored = await db.run(ledger.by_number, invoice.number)
    assert stored is not None
    assert stored.document == invoice


async def test_a_number_not_taken_from_its_counter_is_refused(db: Database) -> None:
    def forged(conn: sqlite3.Connection) -> None:
        account_store.driver_account(conn, s.NOW)
        conn.execute(
            """INSERT INTO billing_documents (kind, series, year, seq, number, account_id,
                   issued_at, supply_date, document_json, gross, currency)
               VALUES ('INVOICE', 'INV', 2026, 7, 'INV-2026-000007', 1, 0, '2026-03-01', '{}',
                       '1.00', 'EUR')"""
        )

    with pytest.raises(sqlite3.IntegrityError, match="from its counter"):
        await db.run(forged)


async def test_a_failed_issue_leaves_no_gap(db: Database, billing: BillingService) -> None:
    good = await put(db, "C1")
    unaudited = await db.run(
        lambda c: cdrs.insert_cdr(c, None, s.cdr("C2"), s.NOW) and ("DE", "VOL", "C2")
    )
    stranger = await put(db, "C3", uid="NOTOURS")
    await billing.issue_invoice(good)
    with pytest.raises(BillingError, match="not been audited"):
        await billing.issue_invoice(unaudited)
    with pytest.raises(BillingError, match="not one of ours"):
        await billing.issue_invoice(stranger)
    with pytest.raises(BillingError, match="no CDR"):
        await billing.issue_invoice(("DE", "VOL", "NOPE"))
    second = await billing.issue_invoice(await put(db, "C4"))
    assert second.number == "INV-2026-000002"


async def test_a_cdr_without_a_tariff_is_held_for_support(
    db: Database, billing: BillingService
) -> None:
    def untariffed(conn: sqlite3.Connection) -> tuple[str, str, str]:
        from dataclasses import replace

        key = s.add_cdr(conn, "C1")
        cdr_audits.save_audit(conn, replace(s.audit(key), tariff_source="NONE"), s.NOW)
        return key

    with pytest.raises(BillingError, match="held for support"):
        await billing.issue_invoice(await db.run(untariffed))
    assert await db.run(ledger.numbers, "INV", 2026) == []


async def test_a_credit_cdr_is_answered_with_a_credit_note_naming_the_invoice(
    db: Database, billing: BillingService, clock: Clock
) -> None:
    key = await put(db, "C1")
    invoice = await billing.issue_invoice(key)
    clock.now = datetime(2026, 3, 20, tzinfo=UTC)
    credit_key = await put(db, "C1-CREDIT", credit_for="C1")
    with pytest.raises(BillingError, match="credit note"):
        await billing.issue_invoice(credit_key)
    note = await billing.issue_for_cdr(credit_key)
    assert note is not None
    assert note.kind is DocumentKind.CREDIT_NOTE
    assert note.number == "CN-2026-000001"
    assert (note.corrects, note.corrects_date) == (invoice.number, invoice.issue_date)
    assert note.reason is not None
    assert "C1-CREDIT" in note.reason
    assert note.lines == invoice.lines
    assert note.totals.gross == invoice.totals.gross
    assert await billing.issue_for_cdr(credit_key) == note  # once
    assert await billing.credit_notes(invoice.number) == [note]
    assert_decimals(note)


async def test_a_credit_cdr_for_a_cdr_never_invoiced_issues_both(
    db: Database, billing: BillingService
) -> None:
    await put(db, "C1")
    credit_key = await put(db, "C1-CREDIT", credit_for="C1", total_excl=1.0)
    note = await billing.issue_for_cdr(credit_key)
    assert note is not None
    assert note.corrects == "INV-2026-000001"
    assert note.totals.net == Decimal("1.00")  # a quarter of 4.00: the CDR credits 1 of 4


async def test_a_credit_cdr_that_only_takes_back_an_overcharge_credits_nothing(
    db: Database, billing: BillingService
) -> None:
    """The operator billed 14.00 for a 4.00 tariff and credits 10.00: the driver paid 4.00."""

    def overcharged(conn: sqlite3.Connection) -> None:
        key = s.add_cdr(conn, "C1", total_excl=14.0)
        cdr_audits.save_audit(conn, s.audit(key, s.TIME_2H, operator_excl="14.00"), s.NOW)

    await db.run(overcharged)
    credit_key = await put(db, "C1-CREDIT", credit_for="C1", total_excl=10.0)
    assert await billing.issue_for_cdr(credit_key) is None
    assert await db.run(ledger.numbers, "CN", 2026) == []
    # A second credit of 2.00 leaves the operator at 2.00, below the tariff: half its 4.00.
    half = await put(db, "C1-CREDIT-2", credit_for="C1", total_excl=2.0)
    note = await billing.issue_for_cdr(half)
    assert note is not None
    assert note.totals.net == Decimal("2.00")
    # And a third of 5.00 takes the operator below zero: the other half.
    rest = await put(db, "C1-CREDIT-3", credit_for="C1", total_excl=5.0)
    last = await billing.issue_for_cdr(rest)
    assert last is not None
    assert last.totals.net == Decimal("2.00")
    assert [n.number for n in await billing.credit_notes("INV-2026-000001")] == [
        note.number, last.number,
    ]  # fmt: skip
    assert await billing.issue_for_cdr(credit_key) is None  # the first still changes nothing


async def test_a_full_credit_cdr_cancels_an_undercharged_invoice_in_full(
    db: Database, billing: BillingService
) -> None:
    """The operator billed 3.00 for a 4.00 tariff (the driver paid 4.00), then credits it."""
    await put(db, "C1", total_excl=3.0)
    full = await put(db, "C1-CREDIT", credit_for="C1", total_excl=3.0)
    note = await billing.issue_for_cdr(full)
    assert note is not None
    assert note.totals.gross == Decimal("4.76")


async def test_credit_notes_by_hand_are_partial_and_never_exceed_the_invoice(
    db: Database, billing: BillingService
) -> None:
    invoice = await billing.issue_invoice(await put(db, "C1"))  # 4.76 gross
    with pytest.raises(BillingError, match="says why"):
        await billing.issue_credit_note(invoice.number, " ")
    part = await billing.issue_credit_note(
        invoice.number, "Charger fault: 30 min refunded", amount=Decimal("1.19")
    )
    assert part.number == "CN-2026-000001"
    assert part.corrects == invoice.number
    assert (part.totals.net, part.totals.vat_total, part.totals.gross) == (
        Decimal("1.00"), Decimal("0.19"), Decimal("1.19"),
    )  # fmt: skip
    with pytest.raises(BillingError, match=r"3\.57 EUR left"):
        await billing.issue_credit_note(invoice.number, "too much", amount=Decimal("4.00"))
    rest = await billing.issue_credit_note(invoice.number, "Goodwill: the rest")
    assert rest.number == "CN-2026-000002"
    assert rest.totals.gross == Decimal("3.57")
    with pytest.raises(BillingError, match="nothing is left"):
        await billing.issue_credit_note(invoice.number, "again")
    with pytest.raises(BillingError, match="no invoice"):
        await billing.issue_credit_note(part.number, "a credit note is not an invoice")
    assert await db.run(ledger.numbers, "CN", 2026) == [1, 2]
    assert await db.run(ledger.numbers, "INV", 2026) == [1]  # its own series


async def test_statement_totals_and_late_cdrs(
    db: Database, billing: BillingService, clock: Clock
) -> None:
    clock.now = datetime(2026, 2, 27, tzinfo=UTC)
    february = await billing.issue_invoice(
        await put(db, "FEB", end=datetime(2026, 2, 26, 18, tzinfo=UTC))
    )
    clock.now = datetime(2026, 3, 3, tzinfo=UTC)
    late = await billing.issue_invoice(  # charged in February, arrived in March
        await put(db, "LATE", end=datetime(2026, 2, 28, 23, tzinfo=UTC))
    )
    clock.now = datetime(2026, 3, 10, tzinfo=UTC)
    march = await billing.issue_invoice(
        await put(db, "MAR", country="FR", end=datetime(2026, 3, 9, tzinfo=UTC))
    )
    credit = await billing.issue_credit_note(february.number, "Goodwill", amount=Decimal("2.38"))

    statement = await billing.statement(1, "2026-03")
    assert [e.number for e in statement.entries] == [late.number, march.number, credit.number]
    assert [e.late for e in statement.entries] == [True, False, False]
    assert statement.entries[0].supply_date == date(2026, 2, 28)
    assert statement.invoiced == Decimal("4.76") + Decimal("4.80")
    assert statement.credited == Decimal("2.38")
    assert statement.balance == Decimal("7.18")
    assert type(statement.balance) is Decimal
    assert "Goodwill" in statement.entries[2].description

    february_statement = await billing.statement(1, "2026-02")
    assert [e.number for e in february_statement.entries] == [february.number]
    assert await billing.invoices(1, "2026-03") == [late, march]
    assert await billing.invoices(1) == [february, late, march]
    assert await billing.documents(1, "2026-03") == [late, march, credit]


async def test_the_account_decides_customer_and_plan(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    def business(conn: sqlite3.Connection) -> int:
        account = account_store.create_account(
            conn,
            account_store.Account(
                0, "Renée Dubois", "fleet@example.com", "Hauptstraße 1", "80331", "München",
                "DE", "Flotte Élan SARL", "DE811569869", "fleet",
            ),
            s.NOW,
        )  # fmt: skip
        s.add_card(conn, "FLEET01", account.id)
        return account.id

    account_id = await db.run(business)
    billing = BillingService(
        db, s.settings(fleet=PricePlan(markup_percent=Decimal(10), monthly_fee=Decimal(5))), clock
    )
    invoice = await billing.issue_invoice(await put(db, "C1", uid="FLEET01"))
    assert invoice.customer.company == "Flotte Élan SARL"
    assert invoice.customer.vat_id == "DE811569869"
    assert invoice.totals.net == Decimal("4.40")  # 10 % markup
    fee = await billing.issue_monthly_fee(account_id, "2026-03")
    assert fee is not None
    assert fee.lines[0].kind is LineKind.MONTHLY_FEE
    assert fee.totals.gross == Decimal("5.95")  # DE 19 %: where the customer lives
    assert await billing.issue_monthly_fee(account_id, "2026-03") == fee
    assert await billing.issue_monthly_fee(1, "2026-03") is None  # passthrough: no fee
    assert [d.number for d in await billing.invoices(account_id)] == [
        invoice.number, fee.number,
    ]  # fmt: skip
    assert await billing.invoices(1) == []


async def test_documents_survive_a_round_trip_through_json(
    db: Database, billing: BillingService
) -> None:
    invoice = await billing.issue_invoice(await put(db, "C1"))
    text = document_to_json(invoice)
    assert '"unit_price":"2.0000"' in text
    assert document_from_json(text) == invoice
    assert_decimals(document_from_json(text))


async def test_existing_cards_belong_to_the_driver_account(tmp_path: Path) -> None:
    """Migration 9 on a store with cards: each goes to account 1, created on first use."""
    from emsp_tui.store.db import Database as Db
    from emsp_tui.store.migrations import MIGRATIONS

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version, script in enumerate(MIGRATIONS[:8], start=1):
        for statement in script:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (?)", (version,))
    conn.execute(
        """INSERT INTO tokens (country_code, party_id, uid, type, contract_id, issuer, valid,
               whitelist, issued_at, last_updated)
           VALUES ('NL', 'EMS', 'OLD1', 'RFID', 'NL-EMS-OLD1', 'x', 1, 'ALLOWED',
                   '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')"""
    )
    conn.close()
    db = await Db(path).open()
    try:
        from emsp_tui.store import tokens

        assert await db.run(tokens.account_of_token, "nl", "ems", "old1") == 1
        assert await db.run(account_store.get_account, 1) is None
        driver = await db.run(account_store.driver_account, s.NOW)
        assert driver.id == 1
        assert driver.plan is None
        assert [t.token.uid for t in await db.run(tokens.tokens_of_account, 1)] == ["OLD1"]
    finally:
        await db.close()


async def test_the_drivers_account_is_edited_and_issued_documents_keep_their_details(
    db: Database, billing: BillingService
) -> None:
    driver = await billing.account()
    assert (driver.id, driver.name) == (1, "")
    before = await billing.issue_invoice(await put(db, "C1"))
    from dataclasses import replace

    edited = await billing.update_account(
        replace(driver, name="Zoë Martin", street="Rue de Rivoli 1", postal_code="75001",
                city="Paris", country="FR", email="zoe@example.org")
    )  # fmt: skip
    assert edited.name == "Zoë Martin"
    after = await billing.issue_invoice(await put(db, "C2"))
    assert after.customer.name == "Zoë Martin"
    assert after.customer.address.country == "FR"
    assert (await billing.document(before.number)) == before  # still addressed as issued
    assert before.customer.name == ""
    with pytest.raises(BillingError, match="no account 7"):
        await billing.account(7)
