"""The documents we issue to drivers: invoices, credit notes and monthly statements.

Everything here is ``Decimal`` and immutable. The money rules, stated once (also printed on
every document, ``ROUNDING_RULE``):
* each line's net amount is rounded to the cent (ROUND_HALF_UP, commercial rounding);
* VAT is computed per rate on the sum of that rate's net line amounts, rounded to the cent
  (EN 16931 BR-CO-17), and the totals are the sums of those figures (BR-CO-14);
* unit prices keep up to 4 decimals (a CPO's tariff may price 0.3529 EUR/kWh).

A credit note carries positive amounts, like the invoice it corrects (EN 16931 type code 381);
``corrects`` names that invoice and ``reason`` says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
UNIT_PRICE_PLACES = Decimal("0.0001")
ROUNDING_RULE = (
    "Line amounts are rounded to the cent; VAT is computed per rate on the net total of that "
    "rate and rounded to the cent (half up)."
)


def cents(amount: Decimal) -> Decimal:
    """Round to the cent, half up (the one rounding of money on our documents)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class DocumentKind(StrEnum):
    INVOICE = "INVOICE"  # EN 16931 type code 380
    CREDIT_NOTE = "CREDIT_NOTE"  # 381

    @property
    def type_code(self) -> str:
        return "380" if self is DocumentKind.INVOICE else "381"


class LineKind(StrEnum):
    """What a line charges for: the CDR dimensions a driver pays, and our own fees."""

    ENERGY = "ENERGY"  # kWh
    CHARGING_TIME = "CHARGING_TIME"  # hours
    PARKING_TIME = "PARKING_TIME"  # hours
    SESSION_FEE = "SESSION_FEE"  # a flat fee per session (the CPO's or ours)
    RESERVATION = "RESERVATION"
    MONTHLY_FEE = "MONTHLY_FEE"  # a price plan's subscription


@dataclass(frozen=True)
class Address:
    street: str
    postal_code: str
    city: str
    country: str  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class Supplier:
    """Us, the eMSP, as the seller on the document."""

    name: str
    address: Address
    vat_id: str
    email: str
    iban: str
    bic: str | None = None


@dataclass(frozen=True)
class Customer:
    """The driver's billing details (their account); a business adds company and VAT id."""

    name: str
    address: Address
    email: str
    company: str | None = None
    vat_id: str | None = None


@dataclass(frozen=True)
class Line:
    kind: LineKind
    description: str
    quantity: Decimal
    unit: str  # "kWh", "h", "session", "month"
    unit_price: Decimal  # net, up to 4 decimals
    vat_rate: Decimal  # percent, e.g. Decimal("19")

    @property
    def net(self) -> Decimal:
        """Quantity x unit price, rounded to the cent."""
        return cents(self.quantity * self.unit_price)


@dataclass(frozen=True)
class VatAmount:
    """One VAT rate's net total, its VAT and gross."""

    rate: Decimal
    net: Decimal
    vat: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


@dataclass(frozen=True)
class Totals:
    vat: tuple[VatAmount, ...]
    net: Decimal
    vat_total: Decimal
    gross: Decimal


def totals(lines: Iterable[Line]) -> Totals:
    """Per rate (ascending) and overall, by the rules in this module's docstring."""
    per_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        per_rate[line.vat_rate] = per_rate.get(line.vat_rate, Decimal(0)) + line.net
    amounts = tuple(
        VatAmount(rate, net, cents(net * rate / 100)) for rate, net in sorted(per_rate.items())
    )
    net = sum((a.net for a in amounts), Decimal(0))
    vat = sum((a.vat for a in amounts), Decimal(0))
    return Totals(amounts, net, vat, net + vat)


@dataclass(frozen=True)
class Charging:
    """The session an invoice bills: where, when, who ran the charger, and the ids."""

    location: str  # name and address in one line
    evse_id: str
    operator: str  # the CPO's name (or party, e.g. "DE*VOL")
    country: str  # ISO 3166-1 alpha-2 of the charging place: it decides the VAT
    start: datetime
    end: datetime
    energy_kwh: Decimal
    session_id: str | None
    cdr_id: str


@dataclass(frozen=True)
class AuditNote:
    """What the CDR audit found, in figures and in one plain sentence for the document."""

    matches: bool
    operator_total: Decimal | None  # the CDR's total_cost (incl. VAT), None if absent
    tariff_total: Decimal  # what the tariff gives for the same charging periods
    sentence: str


@dataclass(frozen=True)
class Document:
    """An invoice or a credit note, as issued: never edited afterwards."""

    kind: DocumentKind
    number: str  # e.g. INV-2026-000123, CN-2026-000004: gapless per series and year
    issue_date: date
    supply_date: date  # the session's end
    currency: str
    supplier: Supplier
    customer: Customer
    lines: tuple[Line, ...]
    charging: Charging | None = None
    audit: AuditNote | None = None
    corrects: str | None = None  # a credit note: the number of the invoice it corrects
    corrects_date: date | None = None
    reason: str | None = None  # a credit note: why
    payment_reference: str | None = None  # an RF creditor reference (ISO 11649)
    due_date: date | None = None

    @property
    def totals(self) -> Totals:
        return totals(self.lines)


@dataclass(frozen=True)
class StatementEntry:
    """One document in a month's statement; ``late``: a CDR of an earlier month that arrived
    in this one (shown as such, never moved silently)."""

    number: str
    kind: DocumentKind
    issue_date: date
    supply_date: date
    description: str
    gross: Decimal  # a credit note's is subtracted in the totals
    late: bool = False


@dataclass(frozen=True)
class Statement:
    month: str  # YYYY-MM
    currency: str
    supplier: Supplier
    customer: Customer
    entries: tuple[StatementEntry, ...]

    @property
    def invoiced(self) -> Decimal:
        return sum((e.gross for e in self.entries if e.kind is DocumentKind.INVOICE), Decimal(0))

    @property
    def credited(self) -> Decimal:
        return sum(
            (e.gross for e in self.entries if e.kind is DocumentKind.CREDIT_NOTE), Decimal(0)
        )

    @property
    def balance(self) -> Decimal:
        return self.invoiced - self.credited


@dataclass(frozen=True)
class DimensionPrice:
    """One billable dimension of a CDR, as its tariff prices it and as the CPO billed it.

    ``tariff_net``: the tariff engine's price for this dimension over the CDR's charging
    periods, excl. VAT, not rounded to the cent (step_size, min/max price applied as the spec
    says). ``operator_net``: the CPO's figure for it where the CDR gives one (total_energy_cost,
    total_time_cost, total_parking_cost, total_fixed_cost, total_reservation_cost), else None.
    """

    kind: LineKind  # ENERGY, CHARGING_TIME, PARKING_TIME, SESSION_FEE or RESERVATION
    quantity: Decimal  # kWh, hours, or 1 for a flat fee
    unit: str
    tariff_net: Decimal
    operator_net: Decimal | None
    vat_rate: Decimal | None  # the tariff's VAT percent for it, None if the tariff gives none


@dataclass(frozen=True)
class CdrAudit:
    """A CDR recomputed with the tariff engine (billing/audit.py) and compared with its
    total_cost. ``matches``: within one cent incl. VAT (and excl. VAT where the CDR gives it).
    The driver is billed from ``dimensions`` (the tariff), never from an unexplained total."""

    cdr_key: tuple[str, str, str]  # (country_code, party_id, id)
    currency: str
    matches: bool
    operator_total_excl: Decimal
    operator_total_incl: Decimal | None
    tariff_total_excl: Decimal
    tariff_total_incl: Decimal | None
    dimensions: tuple[DimensionPrice, ...]
    differing: tuple[LineKind, ...]  # the dimensions whose figures differ by more than a cent
    tariff_source: str  # "CDR" (the tariffs it carries), "STORED" (ours), or "NONE"
    sentence: str  # "The operator billed 14.00 EUR; their tariff gives 12.50 EUR; you pay ..."
    # What support should know and the figures do not say (added by the audit, issue #12):
    # a tariff taken from our store, a clamp, an unknown power, an assumed time zone.
    notes: tuple[str, ...] = ()
