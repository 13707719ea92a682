"""The ledger: invoices, credit notes and monthly statements for our drivers' charges.

* ``issue_invoice(cdr_key)``: one invoice per CDR, issued once (a second call returns the same
  document). The driver pays their plan applied to the CDR's audited tariff price
  (``billing.plans.retail_lines``), with the VAT of the country where they charged.
* ``issue_for_cdr(cdr_key)``: an invoice, or for a credit CDR (``credit``,
  ``credit_reference_id``) a credit note naming the invoice of the CDR it corrects.
* ``issue_credit_note(invoice_number, ...)``: by hand (support), whole or partial, with a reason.
* ``statement(account_id, "YYYY-MM")``: the documents issued in that month (UTC); invoices for a
  charge of an earlier month are marked late.

Every document is numbered and stored in one transaction (``store.billing_documents.issue``):
gapless per series and year, never changed afterwards.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from ..billing.audit import audit_cdr
from ..billing.documents.rf_reference import rf_reference_for
from ..billing.model import (
    Address,
    AuditNote,
    CdrAudit,
    Charging,
    Customer,
    Document,
    DocumentKind,
    Line,
    LineKind,
    Statement,
    StatementEntry,
    Supplier,
    cents,
    totals,
)
from ..billing.plans import ChargerClass, charger_class, line_for, plan_named, retail_lines
from ..billing.vat import VatRates, vat_rates
from ..config import BillingSettings
from ..ocpi.models import Cdr
from ..store import Database, cdr_audits, cdrs, locations, tariffs, tokens
from ..store import accounts as account_store
from ..store import billing_documents as ledger
from ..store.accounts import Account
from ..store.billing_documents import StoredDocument

CdrKey = tuple[str, str, str]
Auditor = Callable[[sqlite3.Connection, Cdr], CdrAudit]
ZERO = Decimal(0)


class BillingError(Exception):
    """A document cannot be issued; the message says why, in plain words."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def audit_with_store(conn: sqlite3.Connection, cdr: Cdr) -> CdrAudit:
    """Audit a CDR with its own tariffs, else the ones we stored (those its periods name and
    those of its location), in the stored location's time zone when we have it."""
    owner, loc = (cdr.country_code, cdr.party_id), cdr.cdr_location
    named = {p.tariff_id.upper() for p in cdr.charging_periods if p.tariff_id}
    stored = [t for t in (tariffs.get_tariff(conn, *owner, i) for i in sorted(named)) if t]
    stored += tariffs.tariffs_for_location(conn, *owner, loc.id)
    location = locations.get_location(conn, *owner, loc.id)
    return audit_cdr(cdr, stored, location.time_zone if location else None)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """``"2026-03"`` -> [2026-03-01, 2026-04-01) in UTC."""
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def supplier_of(settings: BillingSettings) -> Supplier:
    s = settings.supplier
    address = Address(s.street, s.postal_code, s.city, s.country)
    return Supplier(s.name, address, s.vat_id, s.email, s.iban, s.bic)


def customer_of(account: Account) -> Customer:
    address = Address(account.street, account.postal_code, account.city, account.country)
    return Customer(account.name, address, account.email, account.company, account.vat_id)


@dataclass
class BillingService:
    """Built from explicit parts: the database, the billing settings, a clock; ``auditor``
    audits a CDR that has no stored audit yet (None: such a CDR cannot be invoiced yet)."""

    db: Database
    settings: BillingSettings
    clock: Callable[[], datetime] = utc_now
    auditor: Auditor | None = None
    rates: VatRates = field(default_factory=vat_rates)

    # -- issuing ---------------------------------------------------------------------------
    async def issue_invoice(self, cdr_key: CdrKey) -> Document:
        return (await self.db.run(self._invoice, cdr_key)).document

    async def issue_for_cdr(self, cdr_key: CdrKey) -> Document | None:
        """The CDR's invoice, or the credit note of a credit CDR (issued once either way);
        None for a credit CDR that changes nothing the driver paid (see _credit_for_cdr)."""
        stored = await self.db.run(self._for_cdr, cdr_key)
        return stored.document if stored else None

    async def issue_for_cdrs(
        self, cdr_keys: Sequence[CdrKey], batch: int = 1000
    ) -> list[str | BillingError | None]:
        """``issue_for_cdr`` for many CDRs (a backfill), one transaction per ``batch`` keys.
        Per key, in order: the document's number, None (a credit CDR that needs no credit
        note) or the BillingError that refused it. A refused key is rolled back to its own
        savepoint, so the numbering stays gapless."""
        out: list[str | BillingError | None] = []
        for start in range(0, len(cdr_keys), batch):
            chunk = cdr_keys[start : start + batch]
            out += await self.db.run(self._for_cdrs, chunk)
        return out

    async def issue_credit_note(
        self,
        invoice_number: str,
        reason: str,
        *,
        amount: Decimal | None = None,
        lines: Sequence[Line] | None = None,
    ) -> Document:
        """Correct an invoice by hand. ``amount`` (gross, incl. VAT): credit that share of every
        line (VAT is recomputed per rate, so the gross can differ by a cent); ``lines``: exactly
        these; neither: whatever of the invoice is not credited yet."""
        if not reason.strip():
            raise BillingError("a credit note says why it corrects the invoice")
        return (
            await self.db.run(self._manual_credit, invoice_number, reason, amount, lines)
        ).document

    async def issue_monthly_fee(self, account_id: int, month: str) -> Document | None:
        """The plan's monthly fee for ``month`` (once; None when the plan has none). VAT of
        the account's country (a service to a consumer: taxed where they live)."""
        return await self.db.run(self._monthly_fee, account_id, month)

    async def save_audit(self, audit: CdrAudit) -> None:
        await self.db.run(cdr_audits.save_audit, audit, self.clock())

    # -- accounts --------------------------------------------------------------------------
    async def account(self, account_id: int = account_store.DRIVER) -> Account:
        """An account's billing details (the app's driver by default, created on first use)."""
        return await self.db.run(self._account, account_id)

    async def update_account(self, account: Account) -> Account:
        """Change billing details or plan; documents already issued keep what they said."""

        def update(conn: sqlite3.Connection) -> Account | None:
            self._account(conn, account.id)
            return account_store.update_account(conn, account)

        updated = await self.db.run(update)
        assert updated is not None
        return updated

    # -- reading ---------------------------------------------------------------------------
    async def document(self, number: str) -> Document | None:
        stored = await self.db.run(ledger.by_number, number)
        return stored.document if stored else None

    async def invoices(self, account_id: int, month: str | None = None) -> list[Document]:
        return await self._documents(account_id, month, DocumentKind.INVOICE)

    async def documents(self, account_id: int, month: str | None = None) -> list[Document]:
        """Invoices and credit notes, in issue order."""
        return await self._documents(account_id, month, None)

    async def credit_notes(self, invoice_number: str) -> list[Document]:
        """The credit notes correcting an invoice, oldest first."""

        def find(conn: sqlite3.Connection) -> list[StoredDocument]:
            invoice = ledger.by_number(conn, invoice_number)
            return ledger.corrections_of(conn, invoice.id) if invoice else []

        return [s.document for s in await self.db.run(find)]

    async def statement(self, account_id: int, month: str) -> Statement:
        start, end = month_bounds(month)

        def read(conn: sqlite3.Connection) -> tuple[Account, list[StoredDocument]]:
            return self._account(conn, account_id), ledger.for_account(conn, account_id, start, end)

        account, stored = await self.db.run(read)
        entries = tuple(_entry(s.document, start.date()) for s in stored)
        currency = stored[0].document.currency if stored else "EUR"
        return Statement(month, currency, supplier_of(self.settings), customer_of(account), entries)

    async def _documents(
        self, account_id: int, month: str | None, kind: DocumentKind | None
    ) -> list[Document]:
        since, until = month_bounds(month) if month else (None, None)
        stored = await self.db.run(ledger.for_account, account_id, since, until, kind)
        return [s.document for s in stored]

    # -- in the transaction ----------------------------------------------------------------
    def _account(self, conn: sqlite3.Connection, account_id: int) -> Account:
        if account_id == account_store.DRIVER:
            return account_store.driver_account(conn, self.clock())
        found = account_store.get_account(conn, account_id)
        if found is None:
            raise BillingError(f"there is no account {account_id}")
        return found

    def _cdr(self, conn: sqlite3.Connection, key: CdrKey) -> Cdr:
        stored = cdrs.get_cdr(conn, *key)
        if stored is None:
            raise BillingError(f"there is no CDR {'/'.join(key)}")
        return stored.cdr

    def _issue(
        self, conn: sqlite3.Connection, document: Document, series: str, account_id: int, *,
        cdr_key: CdrKey | None = None, corrects_id: int | None = None, period: str | None = None,
    ) -> StoredDocument:  # fmt: skip
        return ledger.issue(
            conn, document, series=series, account_id=account_id, issued_at=self.clock(),
            cdr_key=cdr_key, corrects_id=corrects_id, period=period,
            payment_reference=rf_reference_for,
        )  # fmt: skip

    def _for_cdrs(
        self, conn: sqlite3.Connection, keys: Sequence[CdrKey]
    ) -> list[str | BillingError | None]:
        out: list[str | BillingError | None] = []
        for key in keys:
            conn.execute("SAVEPOINT issue_one")
            try:
                # An invoice reads the CDR once more: look at the credit flag only, first.
                row = conn.execute(
                    "SELECT credit FROM cdrs WHERE country_code = ? AND party_id = ? AND id = ?",
                    (key[0].upper(), key[1].upper(), key[2]),
                ).fetchone()
                credit = row is None or bool(row[0])
                stored = self._for_cdr(conn, key) if credit else self._invoice(conn, key)
            except BillingError as refused:
                conn.execute("ROLLBACK TO issue_one")
                out.append(refused)
            else:
                out.append(stored.document.number if stored else None)
            conn.execute("RELEASE issue_one")
        return out

    def _for_cdr(self, conn: sqlite3.Connection, key: CdrKey) -> StoredDocument | None:
        cdr = self._cdr(conn, key)
        if cdr.credit:
            return self._credit_for_cdr(conn, cdr)
        return self._invoice(conn, key)

    def _invoice(self, conn: sqlite3.Connection, key: CdrKey) -> StoredDocument:
        held = ledger.for_cdr(conn, DocumentKind.INVOICE, key)
        if held is not None:
            return held
        cdr = self._cdr(conn, key)
        if cdr.credit:
            raise BillingError("a credit CDR is answered with a credit note, not an invoice")
        token = cdr.cdr_token
        account_id = tokens.account_of_token(conn, token.country_code, token.party_id, token.uid)
        if account_id is None:
            raise BillingError(f"the CDR's card {token.uid} is not one of ours")
        account = self._account(conn, account_id)
        audit = cdr_audits.get_audit(conn, key)
        if audit is None and self.auditor is not None:
            audit = self.auditor(conn, cdr)
            cdr_audits.save_audit(conn, audit, self.clock())
        if audit is None:
            raise BillingError("the CDR has not been audited against its tariff yet")
        if audit.tariff_source == "NONE":
            # Never bill an unexplained total: without a tariff the CDR goes to support.
            raise BillingError("the CDR could not be checked against a tariff: held for support")
        plan = plan_named(self.settings, account.plan)
        vat = self.rates.rate(cdr.cdr_location.country)
        lines = retail_lines(audit, plan, vat, charger=self._charger(conn, cdr))
        document = self._invoice_document(cdr, audit, account, lines)
        return self._issue(conn, document, self.settings.invoice_series, account_id, cdr_key=key)

    def _charger(self, conn: sqlite3.Connection, cdr: Cdr) -> ChargerClass:
        loc = cdr.cdr_location
        max_kw: Decimal | None = None
        power_type = str(loc.connector_power_type)
        stored = locations.get_location(conn, cdr.country_code, cdr.party_id, loc.id)
        for evse in (stored.evses or []) if stored else []:
            if evse.uid.upper() != loc.evse_uid.upper():
                continue
            for connector in evse.connectors:
                if connector.id.upper() == loc.connector_id.upper():
                    max_kw = Decimal(repr(connector.max_power_kw))
        return charger_class(power_type, max_kw, self.settings.high_power_kw)

    def _invoice_document(
        self, cdr: Cdr, audit: CdrAudit, account: Account, lines: tuple[Line, ...]
    ) -> Document:
        loc = cdr.cdr_location
        place = ", ".join(
            p for p in (loc.name, loc.address, f"{loc.postal_code or ''} {loc.city}".strip()) if p
        )
        country = self.rates.country(loc.country)
        charging = Charging(
            place, loc.evse_id, f"{cdr.country_code.upper()}*{cdr.party_id.upper()}", country,
            cdr.start_date_time, cdr.end_date_time, Decimal(repr(cdr.total_energy)),
            cdr.session_id, cdr.id,
        )  # fmt: skip
        tariff_total = audit.tariff_total_incl
        operator = audit.operator_total_incl
        note = AuditNote(
            audit.matches,
            cents(operator) if operator is not None else None,
            cents(tariff_total if tariff_total is not None else audit.tariff_total_excl),
            _sentence(audit.sentence, lines, audit.currency or cdr.currency, country),
        )
        today = self.clock().astimezone(UTC).date()
        return Document(
            DocumentKind.INVOICE, "", today, cdr.end_date_time.astimezone(UTC).date(),
            audit.currency or cdr.currency, supplier_of(self.settings), customer_of(account),
            lines, charging=charging, audit=note,
            due_date=today + timedelta(days=self.settings.payment_days),
        )  # fmt: skip

    def _credit_for_cdr(self, conn: sqlite3.Connection, credit: Cdr) -> StoredDocument | None:
        """A credit CDR lowers what the operator bills for the CDR it names. The driver paid
        the tariff's price, so they are credited only when the operator's corrected total
        falls below it: all of it for a full credit, the difference's share otherwise, and
        nothing when the credit only takes back an overcharge (None)."""
        key = (credit.country_code.upper(), credit.party_id.upper(), credit.id)
        held = ledger.for_cdr(conn, DocumentKind.CREDIT_NOTE, key)
        if held is not None:
            return held
        if not credit.credit_reference_id:
            raise BillingError("the credit CDR names no CDR it corrects")
        original_key = (key[0], key[1], credit.credit_reference_id)
        original = self._cdr(conn, original_key)
        invoice = self._invoice(conn, original_key)  # issued now if it never was
        audit = cdr_audits.get_audit(conn, original_key)
        billed = abs(Decimal(repr(original.total_cost.excl_vat)))
        tariff = audit.tariff_total_excl if audit is not None else billed
        before, this = _credits_before(conn, original_key, credit.id)
        corrected = billed - before - this

        def due(operator_total: Decimal) -> Decimal:
            """The share of the invoice the driver owes while the operator asks this much:
            all until a credit, then at most the operator's figure, never above the tariff."""
            if operator_total >= billed:
                return Decimal(1)
            if tariff <= 0 or operator_total <= 0:
                return ZERO
            return min(Decimal(1), operator_total / tariff)

        share = due(billed - before) - due(corrected)
        gross = invoice.document.totals.gross
        remaining = gross - self._credited(conn, invoice)
        share = min(share, remaining / gross) if gross else ZERO
        if not cents(invoice.document.totals.net * share):
            return None
        currency = credit.currency
        reason = (
            f"The operator credited CDR {original.id} with credit CDR {credit.id}: they now"
            f" bill {cents(corrected)} {currency} excl. VAT, their tariff gives"
            f" {cents(tariff)} {currency}."
        )
        return self._credit(conn, invoice, reason, share=share, cdr_key=key)

    def _credited(self, conn: sqlite3.Connection, invoice: StoredDocument) -> Decimal:
        notes = ledger.corrections_of(conn, invoice.id)
        return sum((c.document.totals.gross for c in notes), ZERO)

    def _manual_credit(
        self, conn: sqlite3.Connection, number: str, reason: str, amount: Decimal | None,
        lines: Sequence[Line] | None,
    ) -> StoredDocument:  # fmt: skip
        invoice = ledger.by_number(conn, number)
        if invoice is None or invoice.document.kind is not DocumentKind.INVOICE:
            raise BillingError(f"there is no invoice {number}")
        gross = invoice.document.totals.gross
        if amount is not None:
            if amount <= 0:
                raise BillingError("a credit note credits a positive amount")
            share = amount / gross if gross else Decimal(1)
            return self._credit(conn, invoice, reason, share=share)
        return self._credit(conn, invoice, reason, lines=tuple(lines) if lines else None)

    def _credit(
        self,
        conn: sqlite3.Connection,
        invoice: StoredDocument,
        reason: str,
        *,
        share: Decimal | None = None,
        lines: tuple[Line, ...] | None = None,
        cdr_key: CdrKey | None = None,
    ) -> StoredDocument:
        doc = invoice.document
        gross = doc.totals.gross
        remaining = gross - self._credited(conn, invoice)
        if lines is None:
            if share is None:
                share = remaining / gross if gross else ZERO
            lines = _share_of(doc.lines, share)
        document = Document(
            DocumentKind.CREDIT_NOTE, "", self.clock().astimezone(UTC).date(), doc.supply_date,
            doc.currency, doc.supplier, doc.customer, lines, charging=doc.charging,
            corrects=doc.number, corrects_date=doc.issue_date, reason=reason,
        )  # fmt: skip
        credit_gross = document.totals.gross
        if credit_gross <= 0:
            raise BillingError(f"nothing is left to credit on invoice {doc.number}")
        if credit_gross > remaining:
            raise BillingError(
                f"invoice {doc.number} has {remaining} {doc.currency} left to credit,"
                f" not {credit_gross}"
            )
        return self._issue(
            conn, document, self.settings.credit_note_series, invoice.account_id,
            cdr_key=cdr_key, corrects_id=invoice.id,
        )  # fmt: skip

    def _monthly_fee(
        self, conn: sqlite3.Connection, account_id: int, month: str
    ) -> Document | None:
        held = ledger.for_period(conn, account_id, month)
        if held is not None:
            return held.document
        account = self._account(conn, account_id)
        plan = plan_named(self.settings, account.plan)
        if not plan.monthly_fee:
            return None
        country = account.country or self.settings.supplier.country
        vat = self.rates.rate(country)
        line = Line(
            LineKind.MONTHLY_FEE, f"Monthly fee, plan {plan.name}, {month}", Decimal(1),
            "month", plan.monthly_fee, vat,
        )  # fmt: skip
        start, _end = month_bounds(month)
        today = self.clock().astimezone(UTC).date()
        document = Document(
            DocumentKind.INVOICE, "", today, start.date(), "EUR", supplier_of(self.settings),
            customer_of(account), (line,),
            due_date=today + timedelta(days=self.settings.payment_days),
        )  # fmt: skip
        return self._issue(
            conn, document, self.settings.invoice_series, account_id, period=month
        ).document


def _credits_before(
    conn: sqlite3.Connection, original: CdrKey, credit_id: str
) -> tuple[Decimal, Decimal]:
    """What the operator credited on ``original`` before this credit CDR (in the order they
    arrived), and with it, as positive excl. VAT amounts."""
    rows = conn.execute(
        """SELECT id, total_cost_excl FROM cdrs WHERE country_code = ? AND party_id = ?
           AND credit = 1 AND credit_reference_id = ? ORDER BY pk""",
        original,
    ).fetchall()
    before = ZERO
    for cdr_id, amount in rows:
        if cdr_id == credit_id:
            return before, abs(Decimal(repr(amount)))
        before += abs(Decimal(repr(amount)))
    raise BillingError(f"credit CDR {credit_id} is not stored")


_YOU_PAY = re.compile(r"; you pay -?\d+\.\d\d [A-Z]{3}(?: excl\. VAT)?\.")


def _sentence(found: str, lines: tuple[Line, ...], currency: str, country: str) -> str:
    """The audit's sentence with what the driver pays on this invoice: their plan on the
    tariff, with the VAT of the charging country (the audit's "you pay" uses the tariff's)."""
    rates = " / ".join(f"{r.rate.normalize():f} %" for r in totals(lines).vat)
    ours = f" You pay {totals(lines).gross} {currency} incl. {rates} VAT ({country})."
    return _YOU_PAY.sub(".", found, count=1).rstrip() + ours


def _share_of(lines: Sequence[Line], share: Decimal) -> tuple[Line, ...]:
    """The invoice's lines, each credited by ``share`` (1: the lines themselves)."""
    if share >= 1:
        return tuple(lines)
    return tuple(
        line_for(ln.kind, ln.description, ln.quantity, ln.unit, ln.net * share, ln.vat_rate)
        for ln in lines
        if cents(ln.net * share)
    )


def _entry(document: Document, month_start: date) -> StatementEntry:
    if document.kind is DocumentKind.CREDIT_NOTE:
        description = f"Credit note for {document.corrects}: {document.reason or ''}".strip()
    elif document.charging is not None:
        c = document.charging
        description = f"Charging {c.start.astimezone(UTC):%Y-%m-%d}, {c.location}"
    else:
        description = ", ".join(ln.description for ln in document.lines)
    late = document.kind is DocumentKind.INVOICE and document.supply_date < month_start
    return StatementEntry(
        document.number, document.kind, document.issue_date, document.supply_date, description,
        document.totals.gross, late,
    )  # fmt: skip
