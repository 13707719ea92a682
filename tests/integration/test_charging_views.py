"""What the session screen shows, computed from the reported data (pure, no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from emsp_tui.ocpi.models import Cdr, ChargingPeriod, Session
from emsp_tui.services.charging_views import (
    cdr_summary,
    period_power,
    power_samples,
    present_power,
    state_of_charge,
)
from emsp_tui.store.cdrs import StoredCdr
from tests.receiver.payloads import cdr, session

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def period(minute: int, **dims: float) -> ChargingPeriod:
    return ChargingPeriod.model_validate(
        {
            "start_date_time": (T0 + timedelta(minutes=minute)).isoformat(),
            "dimensions": [{"type": k, "volume": v} for k, v in dims.items()],
        }
    )


def running(periods: list[ChargingPeriod], **extra: Any) -> Session:
    body = session(status="ACTIVE", kwh=10.0, last_updated="2026-03-01T10:30:00Z", **extra)
    body["charging_periods"] = [p.to_ocpi() for p in periods]
    return Session.model_validate(body)


def test_period_power_prefers_power_then_energy_over_time_then_the_peak() -> None:
    assert period_power(period(0, POWER=7.4, ENERGY=1.0, TIME=0.25)) == 7.4
    assert period_power(period(0, ENERGY=2.5, TIME=0.25, MAX_POWER=11)) == 10.0
    assert period_power(period(0, MAX_POWER=11.0)) == 11.0
    assert period_power(period(0, PARKING_TIME=0.5)) == 0.0
    assert period_power(period(0, STATE_OF_CHARGE=50)) is None


def test_samples_soc_and_the_present_power() -> None:
    periods = [
        period(15, ENERGY=2.0, TIME=0.25, STATE_OF_CHARGE=60),
        period(0, ENERGY=3.0, TIME=0.25, STATE_OF_CHARGE=40),
        period(30, PARKING_TIME=0.1),
    ]
    samples = power_samples(periods)
    assert [(s.at.minute, s.kw, s.kwh) for s in samples] == [
        (0, 12.0, 0.0),
        (15, 8.0, 3.0),
        (30, 0.0, 5.0),
    ]
    assert state_of_charge(periods) == 60
    assert present_power(running(periods), None) == 0.0  # parked now


def test_without_periods_power_comes_from_the_energy_rise_capped_by_the_connector() -> None:
    s = running([])  # 10 kWh at 10:30
    previous = (9.0, T0 + timedelta(minutes=24))  # 1 kWh in 6 minutes: 10 kW
    assert present_power(s, previous) == 10.0
    assert present_power(s, previous, max_kw=7.4) == 7.4
    assert present_power(s, None) is None
    done = Session.model_validate(session(status="COMPLETED", kwh=10.0))
    assert present_power(done, previous) == 0.0


def test_a_credit_cdr_marks_the_cdr_it_cancels() -> None:
    def stored(body: dict[str, Any]) -> StoredCdr:
        return StoredCdr(Cdr.model_validate(body), 1, T0)

    original = stored(cdr())
    credit = stored(
        cdr("CDR-1-C", credit=True, credit_reference_id="CDR-1", total_cost={"excl_vat": -4.4})
    )
    summary = cdr_summary([original, credit])
    assert summary is not None
    assert (summary.id, summary.credited, summary.total_energy) == ("CDR-1", True, 11.0)
    assert cdr_summary([credit]) is None


def test_the_estimate_follows_the_meter_between_periods() -> None:
    """Energy not yet in a closed period still counts (CPOs push closed periods only)."""
    from datetime import UTC, datetime

    from emsp_tui.ocpi.models import Session, Tariff
    from emsp_tui.services.charging_views import _charge_so_far
    from emsp_tui.tariff import price_charge

    start = datetime(2026, 1, 7, 10, 0, tzinfo=UTC)
    session = Session.model_validate(
        {
            "country_code": "DE",
            "party_id": "VOL",
            "id": "S1",
            "start_date_time": "2026-01-07T10:00:00Z",
            "kwh": 12.0,
            "auth_method": "COMMAND",
            "location_id": "L",
            "evse_uid": "E",
            "connector_id": "1",
            "currency": "EUR",
            "status": "ACTIVE",
            "last_updated": "2026-01-07T10:10:00Z",
            "cdr_token": {
                "country_code": "NL",
                "party_id": "EMS",
                "uid": "U",
                "type": "RFID",
                "contract_id": "NL-EMS-C00000001-X",
            },
            "charging_periods": [
                {
                    "start_date_time": "2026-01-07T10:00:00Z",
                    "dimensions": [{"type": "ENERGY", "volume": 5.0}],
                }
            ],
        }
    )
    tariff = Tariff.model_validate(
        {
            "country_code": "DE",
            "party_id": "VOL",
            "id": "T",
            "currency": "EUR",
            "elements": [
                {"price_components": [{"type": "ENERGY", "price": 0.5, "vat": 0, "step_size": 1}]}
            ],
            "last_updated": "2026-01-01T00:00:00Z",
        }
    )
    price = price_charge(tariff, _charge_so_far(session, start), "Europe/Berlin")
    assert float(price.total.excl_vat) == 6.0  # 12 kWh, not just the 5 in the closed period
    assert session.charging_periods is not None
    assert session.charging_periods[0].dimensions[0].volume == 5.0  # the session is untouched


# -- issue #12: the final bill is what the driver pays, never the CDR's unexplained total ------
def _bundle(**options: Any) -> Any:
    from emsp_tui.services.charging_views import Bundle
    from emsp_tui.store.sessions import StoredSession

    done = Session.model_validate(session(status="COMPLETED", kwh=11.0))
    overcharged = cdr(total_cost={"excl_vat": 14.0, "incl_vat": 16.66})  # 11 kWh, DEU
    cdrs = [StoredCdr(Cdr.model_validate(overcharged), 1, T0)]
    return Bundle(StoredSession(done, None, T0), None, None, cdrs, **options)


def _audit(tariff_net: str, source: str = "CDR") -> Any:
    from decimal import Decimal

    from emsp_tui.billing.model import CdrAudit, DimensionPrice, LineKind

    energy = DimensionPrice(LineKind.ENERGY, Decimal(11), "kWh", Decimal(tariff_net), None, None)
    return CdrAudit(
        ("DE", "VOL", "CDR-1"), "EUR", False, Decimal(14), None, Decimal(tariff_net), None,
        (energy,), (LineKind.ENERGY,), source, "The operator billed 14.00 EUR.",
    )  # fmt: skip


def test_before_the_invoice_the_final_bill_is_the_audited_tariff_price_under_the_plan() -> None:
    from decimal import Decimal

    from emsp_tui.config import BillingSettings, PricePlan
    from emsp_tui.services.charging_views import final_bill
    from emsp_tui.services.driver_price import DriverPricing

    plain = final_bill(_bundle(audit=_audit("4.40")), None, DriverPricing())
    assert plain is not None
    # 4.40 net + DE 19 % (0.836 -> 0.84): the tariff's price, not the CDR's 16.66
    assert (plain.gross, plain.invoice_number) == (Decimal("5.24"), None)
    plus = DriverPricing(BillingSettings(plans={"plus": PricePlan(markup_percent=Decimal(10))}))
    marked = final_bill(_bundle(audit=_audit("4.40"), plan="plus"), None, plus)
    assert marked is not None
    assert marked.gross == Decimal("5.76")  # 4.84 net + 0.92 VAT
    # no tariff to check the CDR against: nothing to show as the bill (support has it)
    unchecked = _bundle(audit=_audit("0", "NONE"))
    assert final_bill(unchecked, plain_price(), DriverPricing()) is None
    # not audited yet: our price of the session's periods stands in
    waiting = final_bill(_bundle(), plain_price(), DriverPricing())
    assert waiting is not None
    assert (waiting.gross, waiting.invoice_number) == (Decimal("1.19"), None)


def plain_price() -> Any:
    from decimal import Decimal

    from emsp_tui.billing.model import Line, LineKind
    from emsp_tui.services.driver_price import DriverPricing, driver_price_of_lines

    line = Line(LineKind.ENERGY, "Energy", Decimal(1), "kWh", Decimal(1), Decimal(19))
    return driver_price_of_lines((line,), "EUR", "DE", DriverPricing().plan(None))


def test_the_invoice_once_issued_is_the_final_bill() -> None:
    from datetime import date
    from decimal import Decimal

    from emsp_tui.billing.model import (
        Address,
        Customer,
        Document,
        DocumentKind,
        Line,
        LineKind,
        Supplier,
    )
    from emsp_tui.services.charging_views import final_bill
    from emsp_tui.services.driver_price import DriverPricing

    line = Line(LineKind.ENERGY, "Energy", Decimal(11), "kWh", Decimal("0.4000"), Decimal(19))
    address = Address("Street 1", "10115", "Berlin", "DE")
    invoice = Document(
        DocumentKind.INVOICE, "INV-2026-000007", date(2026, 3, 1), date(2026, 3, 1), "EUR",
        Supplier("Open eMSP", address, "NL1", "b@e.example", "NL91ABNA0417164300", None),
        Customer("Driver", address, "d@e.example"), (line,),
    )  # fmt: skip
    bill = final_bill(_bundle(invoice=invoice, audit=_audit("9.99")), None, DriverPricing())
    assert bill is not None
    assert (bill.gross, bill.invoice_number) == (Decimal("5.24"), "INV-2026-000007")
    no_cdr = _bundle()
    no_cdr.cdrs.clear()
    assert final_bill(no_cdr, None, DriverPricing()) is None  # still running: no bill yet
