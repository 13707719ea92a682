"""What the UI shows of charging: immutable views of sessions, commands and past charges.

Built from the store in one read (``load_bundle``) plus what only the service knows (whether
updates are overdue, the previous reading for a power estimate). Pure functions otherwise.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from ..billing.model import CdrAudit, Document, DocumentKind
from ..ocpi.enums import CdrDimensionType, CommandResponseType, CommandResultType, CommandType
from ..ocpi.enums import SessionStatus as Status
from ..ocpi.models import (
    Cdr,
    CdrDimension,
    CdrToken,
    ChargingPeriod,
    Connector,
    Location,
    Price,
    Session,
    Tariff,
)
from ..store import accounts as account_store
from ..store import billing_documents as ledger
from ..store import cdr_audits
from ..store import cdrs as cdr_store
from ..store import locations as loc_store
from ..store import tokens as token_store
from ..store.cdrs import StoredCdr
from ..store.commands import CommandState, StoredCommand
from ..store.sessions import StoredSession
from ..tariff import ActualCharge, Money, TariffPrice, price_charge
from .driver_advice import DriverAdvice, advice_for
from .driver_price import DriverPrice, DriverPricing

log = logging.getLogger(__name__)
D = CdrDimensionType


@dataclass(frozen=True, slots=True)
class PowerSample:
    """One point of the session chart: at the start of a charging period."""

    at: datetime
    kw: float  # average power over the period (0 while parked)
    kwh: float  # energy charged before this period


@dataclass(frozen=True, slots=True)
class CdrSummary:
    id: str
    total_cost: Price
    currency: str
    total_energy: float  # kWh
    total_time: float  # hours, whole session
    received_at: datetime
    credited: bool = False  # a credit CDR cancels it


@dataclass(frozen=True, slots=True)
class FinalBill:
    """What the driver pays for a finished charge: the invoice when it is issued, else the
    tariff's price under their plan (never the CDR's unexplained total)."""

    gross: Decimal
    currency: str
    invoice_number: str | None  # None: not invoiced yet, ``gross`` is the tariff's price


@dataclass(frozen=True, slots=True)
class SessionView:
    country_code: str  # the CPO
    party_id: str
    id: str
    status: Status
    location_id: str
    evse_uid: str
    connector_id: str
    location_name: str | None
    address: str | None
    token_uid: str
    contract_id: str
    authorization_reference: str | None
    started_at: datetime
    ended_at: datetime | None
    elapsed: timedelta
    kwh: float
    power_kw: float | None  # present power (None: unknown)
    soc: float | None  # state of charge % (where the CPO reports it)
    power_samples: tuple[PowerSample, ...]
    currency: str
    cost: Price | None  # as the CPO reports it (total_cost)
    estimate: Money | None  # our tariff engine's price of the same periods
    last_updated: datetime  # the CPO's
    received_at: datetime  # ours: when the last change arrived
    stale: bool  # no update for longer than expected (and a pull could not confirm)
    cdr: CdrSummary | None
    evse_id: str | None = None  # the charger's EVSE ID as the station shows it (from its location)
    operator: str | None = None  # who runs the charger (its location's operator, else the party)
    pushed: bool | None = None  # open: pushed by the operator (True) or pulled by us (False)
    check_every: float | None = None  # pulled: seconds between our checks
    price: DriverPrice | None = None  # the driver's price so far: their plan on ``estimate``
    bill: FinalBill | None = None  # once the CDR is in

    @property
    def source(self) -> str | None:
        """Where the figures come from, in the driver's words (open sessions only)."""
        if not self.is_open or self.pushed is None:
            return None
        who = self.operator or f"{self.country_code}*{self.party_id}"
        if self.pushed:
            return f"Updates pushed by {who}"
        return f"Checked with {who} every {round(self.check_every or 0, 1):g} s"

    @property
    def key(self) -> tuple[str, str, str]:
        return self.country_code, self.party_id, self.id

    @property
    def is_open(self) -> bool:
        return self.status in (Status.PENDING, Status.ACTIVE, Status.RESERVATION)


@dataclass(frozen=True, slots=True)
class CommandView:
    id: str
    type: CommandType
    state: CommandState
    location_id: str | None
    evse_uid: str | None
    connector_id: str | None
    session_id: str | None  # the session a start led to / a stop is for
    authorization_reference: str | None
    response: CommandResponseType | None
    result: CommandResultType | None
    message: str | None  # the CPO's own words, if any
    created_at: datetime
    deadline: datetime | None  # the result is due by then (shown as a countdown)
    error: str | None
    advice: DriverAdvice | None
    duplicate: bool = False  # a pending command returned instead of sending another

    @property
    def pending(self) -> bool:
        return self.state in (CommandState.SENDING, CommandState.WAITING)

    @property
    def being_confirmed(self) -> bool:
        """Sent, but its answer was unreadable or lost: its result or its session decides."""
        return self.pending and self.error is not None and self.result is None


def command_view(command: StoredCommand, duplicate: bool = False) -> CommandView:
    return CommandView(
        command.id,
        command.type,
        command.state,
        command.location_id,
        command.evse_uid,
        command.connector_id,
        command.session_id,
        command.authorization_reference,
        command.response,
        command.result,
        command.result_message or command.response_message,
        command.created_at,
        command.deadline,
        command.error,
        advice_for(command),
        duplicate,
    )


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """A past (or running) charge: where, when, how much, what it cost."""

    country_code: str
    party_id: str
    session_id: str | None
    location_id: str
    location_name: str | None
    address: str | None
    started_at: datetime
    ended_at: datetime | None
    duration: timedelta
    kwh: float
    cost: Price | None  # the CDR's total when it has arrived, else the session's so far
    currency: str
    status: Status | None  # None: known from its CDR only
    cdr: CdrSummary | None
    bill: FinalBill | None = None  # once the CDR is in: what the driver pays (see FinalBill)


@dataclass(frozen=True, slots=True)
class Bundle:
    stored: StoredSession
    location: Location | None
    tariff: Tariff | None
    cdrs: list[StoredCdr]
    plan: str | None = None  # the card's account's plan (None: the default plan)
    invoice: Document | None = None  # the main CDR's invoice, once issued
    audit: CdrAudit | None = None  # the main CDR's audit, once done


def load_bundle(conn: sqlite3.Connection, stored: StoredSession) -> Bundle:
    """What a view needs besides the session, in the caller's transaction."""
    s = stored.session
    location = loc_store.get_location(conn, s.country_code, s.party_id, s.location_id)
    tariff_id = next(
        (p.tariff_id for p in reversed(s.charging_periods or []) if p.tariff_id), None
    ) or _connector_tariff(location, s)
    tariff = (
        loc_store.get_tariff(conn, s.country_code, s.party_id, tariff_id) if tariff_id else None
    )
    cdrs = cdr_store.cdrs_for_session(conn, s.country_code, s.party_id, s.id)
    main = next((c.cdr for c in reversed(cdrs) if not c.cdr.credit), None)
    invoice = audit = None
    if main is not None:
        key = (main.country_code, main.party_id, main.id)
        held = ledger.for_cdr(conn, DocumentKind.INVOICE, key)
        invoice = held.document if held else None
        audit = None if held else cdr_audits.get_audit(conn, key)
    return Bundle(stored, location, tariff, cdrs, _plan_of(conn, s.cdr_token), invoice, audit)


def _connector(location: Location | None, s: Session) -> Connector | None:
    for evse in location.evses or [] if location else []:
        if evse.uid.upper() == s.evse_uid.upper():
            for connector in evse.connectors:
                if connector.id.upper() == s.connector_id.upper():
                    return connector
    return None


def _evse_id(location: Location | None, s: Session) -> str | None:
    for evse in location.evses or [] if location else []:
        if evse.uid.upper() == s.evse_uid.upper():
            return evse.evse_id
    return None


def _connector_tariff(location: Location | None, s: Session) -> str | None:
    connector = _connector(location, s)
    return connector.tariff_ids[0] if connector and connector.tariff_ids else None


def _volume(period: ChargingPeriod, *kinds: CdrDimensionType) -> float | None:
    for kind in kinds:
        value = period.volume(kind)
        if value is not None:
            return value
    return None


def period_power(period: ChargingPeriod) -> float | None:
    """A period's average kW: POWER, else ENERGY over TIME, else MAX_POWER; 0 when parked."""
    power = _volume(period, D.POWER)
    if power is not None:
        return power
    energy, hours = _volume(period, D.ENERGY), _volume(period, D.TIME)
    if energy is not None and hours:
        return energy / hours
    peak = _volume(period, D.MAX_POWER)
    if peak is not None:
        return peak
    return 0.0 if _volume(period, D.PARKING_TIME) is not None else None


def power_samples(periods: list[ChargingPeriod]) -> tuple[PowerSample, ...]:
    out, kwh = [], 0.0
    for period in sorted(periods, key=lambda p: p.start_date_time):
        kw = period_power(period)
        if kw is not None:
            out.append(PowerSample(period.start_date_time, kw, kwh))
        kwh += _volume(period, D.ENERGY) or 0.0
    return tuple(out)


def present_power(
    session: Session, previous: tuple[float, datetime] | None, max_kw: float | None = None
) -> float | None:
    """The latest period's power; else the energy rise since the previous reading (kWh/h),
    never above what the connector can deliver (``max_kw``, when known)."""
    if session.status != Status.ACTIVE:
        return 0.0 if session.status in (Status.COMPLETED, Status.INVALID) else None
    periods = sorted(session.charging_periods or [], key=lambda p: p.start_date_time)
    if periods:
        kw = period_power(periods[-1])
        if kw is not None:
            return kw
    if previous is not None:
        kwh, at = previous
        hours = (session.last_updated - at).total_seconds() / 3600
        if hours > 0 and session.kwh >= kwh:
            derived = (session.kwh - kwh) / hours
            return min(derived, max_kw) if max_kw else derived
    return None


def state_of_charge(periods: list[ChargingPeriod]) -> float | None:
    for period in sorted(periods, key=lambda p: p.start_date_time, reverse=True):
        soc = period.volume(D.STATE_OF_CHARGE)
        if soc is not None:
            return soc
    return None


def _charge_so_far(session: Session, now: datetime) -> ActualCharge:
    """The session as reported, plus the energy its periods do not hold yet.

    CPOs push closed periods only (a period may last 15 minutes), while ``kwh`` is fresh: the
    energy not yet in a period is added to the last one (or to one at the start), so that the
    estimate follows the meter instead of lagging a whole period behind the CPO's total_cost.
    """
    periods = [p.model_copy(deep=True) for p in session.charging_periods or []]
    in_periods = sum(p.volume(D.ENERGY) or 0.0 for p in periods)
    missing = session.kwh - in_periods
    if missing > 0.0005:
        if periods:
            last = max(periods, key=lambda p: p.start_date_time)
            for dim in last.dimensions:
                if dim.type == D.ENERGY:
                    dim.volume += missing
                    break
            else:
                last.dimensions.append(CdrDimension(type=D.ENERGY, volume=missing))
        else:
            periods = [
                ChargingPeriod(
                    start_date_time=session.start_date_time,
                    dimensions=[CdrDimension(type=D.ENERGY, volume=missing)],
                )
            ]
    # A CPO's clock may run ahead of ours (the mock's simulated time does): never end before
    # the last thing it reported.
    latest = max([now, session.last_updated, *(p.start_date_time for p in periods)])
    return ActualCharge(
        periods=periods, end=session.end_date_time or latest, start=session.start_date_time
    )


def tariff_price(bundle: Bundle, now: datetime) -> TariffPrice | None:
    """Our tariff engine's price of the periods so far (None without a tariff)."""
    if bundle.tariff is None:
        return None
    zone = bundle.location.time_zone if bundle.location else "UTC"
    try:
        return price_charge(bundle.tariff, _charge_so_far(bundle.stored.session, now), zone)
    except Exception as err:  # a tariff we cannot price must not hide the session
        log.warning("could not estimate the cost of %s: %s", bundle.stored.session.id, err)
        return None


def estimate(bundle: Bundle, now: datetime) -> Money | None:
    """The CPO's tariff price of the periods so far, incl. its own VAT."""
    price = tariff_price(bundle, now)
    return price.total if price else None


def _country(bundle: Bundle) -> str | None:
    if bundle.location is not None:
        return bundle.location.country
    main = next((c.cdr for c in reversed(bundle.cdrs) if not c.cdr.credit), None)
    return main.cdr_location.country if main else None


def driver_price_so_far(
    bundle: Bundle, price: TariffPrice | None, pricing: DriverPricing
) -> DriverPrice | None:
    """The driver's price of the charge so far: their plan, the charging country's VAT."""
    country = _country(bundle)
    if price is None or country is None:
        return None
    s = bundle.stored.session
    connector = _connector(bundle.location, s)
    return pricing.price(price, country, plan=bundle.plan, connector=connector)


def final_bill(
    bundle: Bundle, so_far: DriverPrice | None, pricing: DriverPricing
) -> FinalBill | None:
    """The invoice's gross; before it, the audited tariff price under the plan (what the
    invoice will say), else (not audited yet) our price of the session's periods; None
    without a CDR, or when the audit found no tariff (the invoice is held for support)."""
    main = next((c.cdr for c in reversed(bundle.cdrs) if not c.cdr.credit), None)
    if main is None:
        return None
    if bundle.invoice is not None:
        doc = bundle.invoice
        return FinalBill(doc.totals.gross, doc.currency, doc.number)
    priced: DriverPrice | None = None
    if bundle.audit is not None and bundle.audit.tariff_source == "NONE":
        return None  # not checked against a tariff: held for support, not billed
    if bundle.audit is not None:
        connector = _connector(bundle.location, bundle.stored.session)
        priced = pricing.invoiced(
            bundle.audit, main.cdr_location.country, main.currency, plan=bundle.plan,
            connector=connector,
        )  # fmt: skip
    priced = priced or so_far
    return FinalBill(priced.gross, priced.currency, None) if priced else None


def cdr_summary(cdrs: list[StoredCdr]) -> CdrSummary | None:
    main = next((c for c in reversed(cdrs) if not c.cdr.credit), None)
    if main is None:
        return None
    credited = any(c.cdr.credit and c.cdr.credit_reference_id == main.cdr.id for c in cdrs)
    cdr = main.cdr
    return CdrSummary(
        cdr.id,
        cdr.total_cost,
        cdr.currency,
        cdr.total_energy,
        cdr.total_time,
        main.received_at,
        credited,
    )


def session_view(
    bundle: Bundle,
    *,
    now: datetime,
    stale: bool = False,
    previous: tuple[float, datetime] | None = None,
    source: tuple[bool, float] | None = None,
    pricing: DriverPricing | None = None,
) -> SessionView:
    """``source``: (pushed, seconds between our checks) while the session is followed;
    ``pricing``: the billing settings the invoice uses (default: a fresh configuration's)."""
    pricing = pricing or DriverPricing()
    price = tariff_price(bundle, now)
    ours = driver_price_so_far(bundle, price, pricing)
    stored = bundle.stored
    s = stored.session
    periods = list(s.charging_periods or [])
    end = s.end_date_time if s.status in (Status.COMPLETED, Status.INVALID) else None
    location = bundle.location
    connector = _connector(location, s)
    return SessionView(
        s.country_code,
        s.party_id,
        s.id,
        s.status,
        s.location_id,
        s.evse_uid,
        s.connector_id,
        location.name if location else None,
        location.address if location else None,
        s.cdr_token.uid,
        s.cdr_token.contract_id,
        s.authorization_reference,
        s.start_date_time,
        end,
        max(timedelta(0), (end or now) - s.start_date_time),
        s.kwh,
        present_power(s, previous, connector.max_power_kw if connector else None),
        state_of_charge(periods),
        power_samples(periods),
        s.currency,
        s.total_cost,
        price.total if price else None,
        s.last_updated,
        stored.received_at,
        stale and s.status in (Status.PENDING, Status.ACTIVE, Status.RESERVATION),
        cdr_summary(bundle.cdrs),
        _evse_id(location, s),
        location.operator.name if location and location.operator else None,
        source[0] if source else None,
        source[1] if source and not source[0] else None,
        ours,
        final_bill(bundle, ours, pricing),
    )


def history_entry(
    bundle: Bundle, pricing: DriverPricing | None = None, now: datetime | None = None
) -> HistoryEntry:
    s = bundle.stored.session
    summary = cdr_summary(bundle.cdrs)
    main = next((c.cdr for c in reversed(bundle.cdrs) if not c.cdr.credit), None)
    bill = None
    if main is not None:
        pricing = pricing or DriverPricing()
        price = tariff_price(bundle, now or s.last_updated)
        bill = final_bill(bundle, driver_price_so_far(bundle, price, pricing), pricing)
    end = main.end_date_time if main else s.end_date_time
    location = bundle.location
    return HistoryEntry(
        s.country_code,
        s.party_id,
        s.id,
        s.location_id,
        location.name if location else (main.cdr_location.name if main else None),
        location.address if location else (main.cdr_location.address if main else None),
        s.start_date_time,
        end,
        max(timedelta(0), (end or s.last_updated) - s.start_date_time),
        main.total_energy if main else s.kwh,
        main.total_cost if main else s.total_cost,
        main.currency if main else s.currency,
        s.status,
        summary,
        bill,
    )


def cdr_bill(conn: sqlite3.Connection, cdr: Cdr, pricing: DriverPricing) -> FinalBill | None:
    """The final bill of a CDR whose session we never saw (see final_bill)."""
    key = (cdr.country_code, cdr.party_id, cdr.id)
    held = ledger.for_cdr(conn, DocumentKind.INVOICE, key)
    if held is not None:
        doc = held.document
        return FinalBill(doc.totals.gross, doc.currency, doc.number)
    audit = cdr_audits.get_audit(conn, key)
    if audit is None or audit.tariff_source == "NONE":
        return None
    loc = cdr.cdr_location
    location = loc_store.get_location(conn, cdr.country_code, cdr.party_id, loc.id)
    connector = next(
        (
            c
            for e in (location.evses or [] if location else [])
            if e.uid.upper() == loc.evse_uid.upper()
            for c in e.connectors
            if c.id.upper() == loc.connector_id.upper()
        ),
        None,
    )
    priced = pricing.invoiced(
        audit, loc.country, cdr.currency, plan=_plan_of(conn, cdr.cdr_token), connector=connector
    )
    return FinalBill(priced.gross, priced.currency, None) if priced else None


def _plan_of(conn: sqlite3.Connection, token: CdrToken) -> str | None:
    account_id = token_store.account_of_token(conn, token.country_code, token.party_id, token.uid)
    account = account_store.get_account(conn, account_id) if account_id is not None else None
    return account.plan if account else None


def cdr_only_entry(stored: StoredCdr, bill: FinalBill | None = None) -> HistoryEntry:
    """A charge we know from its CDR only (its session never reached us)."""
    cdr = stored.cdr
    return HistoryEntry(
        cdr.country_code,
        cdr.party_id,
        cdr.session_id,
        cdr.cdr_location.id,
        cdr.cdr_location.name,
        cdr.cdr_location.address,
        cdr.start_date_time,
        cdr.end_date_time,
        cdr.end_date_time - cdr.start_date_time,
        cdr.total_energy,
        cdr.total_cost,
        cdr.currency,
        None,
        cdr_summary([stored]),
        bill,
    )
