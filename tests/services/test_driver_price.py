"""The driver's price: the reminder before the start, the price so far on the live screen and
the invoice give the same amount, to the cent, for the same charge (issue #12: one engine for
the three moments; the account's plan; the VAT of the country where the charging took place).

The three paths are the ones the app takes: ``station_info.start_prices`` on the station the
store holds (what ``ChargingService.start_prices`` calls), ``load_bundle`` + ``session_view``
(what the live screen shows) and ``BillingService.issue_invoice`` with the real auditor on a
CDR with the same periods.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from emsp_tui.billing.model import LineKind
from emsp_tui.config import BillingSettings, ClassRates, PricePlan
from emsp_tui.ocpi.enums import TokenType, WhitelistType
from emsp_tui.ocpi.models import Cdr, Location, Session, Tariff, Token
from emsp_tui.services.billing import BillingService, audit_with_store
from emsp_tui.services.charging_views import (
    FinalBill,
    SessionView,
    cdr_bill,
    history_entry,
    load_bundle,
    session_view,
)
from emsp_tui.services.driver_price import DriverPricing, driver_price
from emsp_tui.services.station_info import PlanInput, start_prices
from emsp_tui.services.stations import StationKey, StationService
from emsp_tui.store import Database, cdr_audits, cdrs, sessions, tokens
from emsp_tui.store import accounts as account_store
from emsp_tui.store import locations as loc_store
from emsp_tui.store import partners as partner_store
from emsp_tui.store.partners import Partner
from emsp_tui.store.sync_state import current_crawl_id
from emsp_tui.tariff import PlannedCharge, price_charge
from tests.receiver import payloads

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHARGING, PARKED = timedelta(minutes=40), timedelta(minutes=15)
END = START + CHARGING + PARKED
COUNTRY3 = {"DE": "DEU", "FR": "FRA", "AT": "AUT"}
UID = "04A1B2C3D4E5F6"


def tariff() -> Tariff:
    """A start fee, energy, charging time by the minute and idle time: every dimension."""
    return Tariff.model_validate(
        {
            "country_code": "DE", "party_id": "VOL", "id": "T1", "currency": "EUR",
            "elements": [{"price_components": [
                {"type": "FLAT", "price": 0.99, "vat": 19, "step_size": 1},
                {"type": "ENERGY", "price": 0.437, "vat": 19, "step_size": 1},
                {"type": "TIME", "price": 1.13, "vat": 19, "step_size": 60},
                {"type": "PARKING_TIME", "price": 6.05, "vat": 19, "step_size": 60},
            ]}],
            "last_updated": "2026-03-01T00:00:00Z",
        }
    )  # fmt: skip


def location(country: str) -> Location:
    body = payloads.location(country=COUNTRY3[country])
    connector = body["evses"][0]["connectors"][0]
    connector.update(power_type="DC", standard="IEC_62196_T2_COMBO", format="CABLE",
                     max_voltage=500, max_amperage=100)  # fmt: skip  # 50 kW
    return Location.model_validate(body)


def periods() -> list[dict[str, Any]]:
    return [
        {"start_date_time": START.isoformat(), "tariff_id": "T1",
         "dimensions": [{"type": "ENERGY", "volume": 30.0}, {"type": "TIME", "volume": 2 / 3}]},
        {"start_date_time": (START + CHARGING).isoformat(), "tariff_id": "T1",
         "dimensions": [{"type": "PARKING_TIME", "volume": 0.25}]},
    ]  # fmt: skip


def finished_session() -> Session:
    return Session.model_validate(
        payloads.session(
            status="COMPLETED", kwh=30.0, start_date_time=START.isoformat(),
            end_date_time=END.isoformat(), last_updated=END.isoformat(),
            charging_periods=periods(), total_cost={"excl_vat": 99.0},  # the CPO's, ignored
        )
    )  # fmt: skip


def cdr_of_session(country: str) -> Cdr:
    body = payloads.cdr(
        start_date_time=START.isoformat(), end_date_time=END.isoformat(),
        charging_periods=periods(), tariffs=[tariff().to_ocpi()], total_energy=30.0,
        total_time=(CHARGING + PARKED).total_seconds() / 3600, total_parking_time=0.25,
        total_cost={"excl_vat": 99.0, "incl_vat": 117.81},  # an overcharge: never billed
        last_updated=END.isoformat(),
    )  # fmt: skip
    body["cdr_location"].update(country=COUNTRY3[country], connector_power_type="DC")
    return Cdr.model_validate(body)


def seed(conn: sqlite3.Connection, country: str, plan: str | None) -> None:
    partner_id = partner_store.save_partner(
        conn, Partner(name="cpo", versions_url="http://cpo.example/ocpi/versions"), "token-b"
    )
    crawl = current_crawl_id(conn, partner_id, "tariffs")
    loc_store.upsert_tariffs(conn, partner_id, [tariff()], crawl_id=crawl)
    crawl = current_crawl_id(conn, partner_id, "locations")
    loc_store.upsert_locations(conn, partner_id, [location(country)], crawl_id=crawl)
    token = Token(
        country_code="NL", party_id="EMS", uid=UID, type=TokenType.RFID,
        contract_id="NL-EMS-C12345678-X", issuer="Open eMSP", valid=True,
        whitelist=WhitelistType.ALLOWED, last_updated=START,
    )  # fmt: skip
    tokens.insert_token(conn, token, START)
    driver = account_store.driver_account(conn, START)
    account_store.update_account(conn, replace(driver, plan=plan))
    sessions.put_session(conn, None, finished_session(), END)


PLANS = {
    "passthrough": PricePlan(),
    "plus": PricePlan(markup_percent=Decimal("7.5"), session_fee=Decimal("0.35")),
    "own": PricePlan(own_rates={"DC": ClassRates(energy_per_kwh=Decimal("0.41"),
                                                 session_fee=Decimal("0.50"))}),
}  # fmt: skip


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "emsp.sqlite3").open()
    yield database
    await database.close()


async def live_view(db: Database, pricing: DriverPricing) -> SessionView:
    def read(conn: sqlite3.Connection) -> Any:
        stored = sessions.get_session(conn, "DE", "VOL", "S-1")
        assert stored is not None
        return load_bundle(conn, stored)

    return session_view(await db.run(read), now=END, pricing=pricing)


@pytest.mark.parametrize("plan", [None, "plus", "own"])
@pytest.mark.parametrize("country", ["DE", "FR", "AT"])
async def test_reminder_live_and_invoice_agree_to_the_cent(
    db: Database, country: str, plan: str | None
) -> None:
    await db.run(seed, country, plan)
    settings = BillingSettings(plans=PLANS)
    pricing = DriverPricing(settings)

    # before the start: the reminder, on the station as the store gives it
    detail = await StationService(db).detail(StationKey("DE", "VOL", "LOC-1"))
    assert detail is not None
    charge = PlanInput(30.0, CHARGING, None, PARKED)
    [reminder] = start_prices(detail, "EVSE-1", charge, START, pricing, plan)
    assert reminder.driver is not None

    # during: the live screen's price (the session's periods, the card's account plan)
    live = await live_view(db, pricing)
    assert live.price is not None
    assert live.bill is None  # no CDR yet

    # after: the invoice of a CDR with the same periods, audited from its own tariff
    await db.run(lambda c: cdrs.insert_cdr(c, None, cdr_of_session(country), END))
    billing = BillingService(db, settings, lambda: END, auditor=audit_with_store)

    def audited_not_invoiced(conn: sqlite3.Connection) -> Any:
        stored = cdrs.get_cdr(conn, "DE", "VOL", "CDR-1")
        assert stored is not None
        cdr_audits.save_audit(conn, audit_with_store(conn, stored.cdr), END)
        return cdr_bill(conn, stored.cdr, pricing)

    before_invoice = await db.run(audited_not_invoiced)
    invoice = await billing.issue_invoice(("DE", "VOL", "CDR-1"))
    assert before_invoice == FinalBill(invoice.totals.gross, "EUR", None)

    gross = invoice.totals.gross
    assert reminder.driver.gross == live.price.gross == gross
    assert reminder.driver.net == live.price.net == invoice.totals.net
    assert reminder.driver.vat == live.price.vat == invoice.totals.vat_total
    [vat] = invoice.totals.vat
    assert reminder.driver.vat_rates == live.price.vat_rates == (vat.rate,)
    assert vat.rate == {"DE": 19, "FR": 20, "AT": 20}[country]
    assert gross != Decimal("117.81")  # not the CDR's total
    for value in (live.price.gross, live.price.net, live.price.vat):
        assert type(value) is Decimal

    # the final bill line now shows the invoice, by number; so does the history
    after = await live_view(db, pricing)
    assert after.bill is not None
    assert (after.bill.gross, after.bill.invoice_number) == (gross, invoice.number)

    def history(conn: sqlite3.Connection) -> tuple[Any, Any]:
        stored = sessions.get_session(conn, "DE", "VOL", "S-1")
        assert stored is not None
        cdr = cdrs.get_cdr(conn, "DE", "VOL", "CDR-1")
        assert cdr is not None
        return history_entry(load_bundle(conn, stored), pricing, END), cdr_bill(
            conn, cdr.cdr, pricing
        )

    entry, cdr_only = await db.run(history)
    assert entry.bill == after.bill
    assert cdr_only == after.bill  # a CDR whose session we never saw: the same invoice


async def test_passthrough_by_hand() -> None:
    """The default plan: the tariff's price with the charging country's VAT, computed by
    hand: 0.99 + 30 x 0.437 + 40 min x 1.13/h + 15 min x 6.05/h."""
    charge = PlannedCharge(start=START, energy_kwh=30, duration=CHARGING, parking=PARKED)
    price = price_charge(tariff(), charge, "Europe/Berlin")
    pricing = DriverPricing()
    ours = driver_price(price, pricing.plan(None), Decimal(20), "FR")
    # lines: 13.11, 0.7533 -> 0.75, 1.5125 -> 1.51, 0.99; net 16.36; VAT 20 % 3.272 -> 3.27
    assert [line.net for line in ours.lines] == [
        Decimal("13.11"), Decimal("0.75"), Decimal("1.51"), Decimal("0.99"),
    ]  # fmt: skip
    assert (ours.net, ours.vat, ours.gross) == (
        Decimal("16.36"), Decimal("3.27"), Decimal("19.63"),
    )  # fmt: skip
    assert ours.vat_words == "incl. 20 % FR VAT"
    assert {line.kind for line in ours.lines} == {
        LineKind.SESSION_FEE, LineKind.ENERGY, LineKind.CHARGING_TIME, LineKind.PARKING_TIME,
    }  # fmt: skip


async def test_an_unknown_vat_country_gives_no_driver_price() -> None:
    charge = PlannedCharge(start=START, energy_kwh=10, duration=CHARGING)
    price = price_charge(tariff(), charge, "UTC")
    assert DriverPricing().price(price, "USA") is None
    assert DriverPricing().price(price, "DEU") is not None
