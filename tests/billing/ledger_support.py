"""Builders for the ledger tests: a store with our driver's card, CDRs and their audits.

The CDRs are the spec's CDR example (tests/data/ocpi/examples/cdr_example.json) moved to a
country, a card and an end time; their audits are built directly (plain dataclasses) with the
tariff's figures, so that a test states the price it expects.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from emsp_tui.billing.model import CdrAudit, DimensionPrice, LineKind
from emsp_tui.config import BillingSettings, PricePlan, SupplierDetails
from emsp_tui.ocpi.enums import TokenType, WhitelistType
from emsp_tui.ocpi.models import Cdr, Token
from emsp_tui.store import cdr_audits, cdrs, tokens
from tests.paths import OCPI_EXAMPLES

OWNER = ("DE", "VOL")  # the CPO
CARD_UID = "CARD0001"
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
COUNTRIES = {"DE": "DEU", "FR": "FRA", "BE": "BEL", "NL": "NLD"}


def settings(**plans: PricePlan) -> BillingSettings:
    supplier = SupplierDetails(
        name="Open eMSP B.V.", street="Keizersgracht 1", postal_code="1015 CJ",
        city="Amsterdam", country="NL", vat_id="NL123456789B01", email="billing@emsp.example",
        iban="NL91ABNA0417164300", bic="ABNANL2A",
    )  # fmt: skip
    return BillingSettings(supplier=supplier, plans={"passthrough": PricePlan(), **plans})


def add_card(conn: sqlite3.Connection, uid: str = CARD_UID, account_id: int = 1) -> None:
    token = Token(
        country_code="NL", party_id="EMS", uid=uid, type=TokenType.RFID,
        contract_id=f"NL-EMS-{uid}", issuer="Open eMSP", valid=True,
        whitelist=WhitelistType.ALLOWED, last_updated=NOW,
    )  # fmt: skip
    tokens.insert_token(conn, token, NOW, account_id=account_id)


def cdr(
    cdr_id: str,
    *,
    country: str = "DE",
    end: datetime = NOW,
    uid: str = CARD_UID,
    total_excl: float = 4.0,
    credit_for: str | None = None,
) -> Cdr:
    data: dict[str, Any] = json.loads((OCPI_EXAMPLES / "cdr_example.json").read_text())
    data.update(country_code=OWNER[0], party_id=OWNER[1], id=cdr_id)
    data["start_date_time"] = (end - timedelta(hours=2)).isoformat()
    data["end_date_time"] = end.isoformat()
    data["last_updated"] = end.isoformat()
    data["cdr_token"].update(country_code="NL", party_id="EMS", uid=uid)
    data["cdr_location"]["country"] = COUNTRIES[country]
    sign = -1 if credit_for else 1
    data["total_cost"] = {"excl_vat": sign * total_excl, "incl_vat": sign * total_excl * 1.1}
    data.pop("total_time_cost")
    if credit_for:
        data.update(credit=True, credit_reference_id=credit_for)
    return Cdr.model_validate(data)


def audit(
    key: tuple[str, str, str],
    *dims: tuple[LineKind, str, str, str],
    operator_excl: str | None = None,
) -> CdrAudit:
    """An audit whose tariff gives ``dims`` (kind, quantity, unit, net excl. VAT)."""
    dimensions = tuple(
        DimensionPrice(k, Decimal(q), u, Decimal(n), None, Decimal(10)) for k, q, u, n in dims
    )
    total = sum((d.tariff_net for d in dimensions), Decimal(0))
    billed = Decimal(operator_excl) if operator_excl else total
    return CdrAudit(
        cdr_key=key, currency="EUR", matches=billed == total, operator_total_excl=billed,
        operator_total_incl=None, tariff_total_excl=total, tariff_total_incl=None,
        dimensions=dimensions, differing=(), tariff_source="CDR",
        sentence=f"The operator billed {billed} EUR; their tariff gives {total} EUR.",
    )  # fmt: skip


TIME_2H = (LineKind.CHARGING_TIME, "2", "h", "4.00")  # 2 h at 2.00 EUR/h


def add_cdr(
    conn: sqlite3.Connection,
    cdr_id: str,
    *dims: tuple[LineKind, str, str, str],
    **options: Any,
) -> tuple[str, str, str]:
    """Store a CDR and its audit (default: 2 h at 2.00 EUR/h); returns its key."""
    record = cdr(cdr_id, **options)
    assert cdrs.insert_cdr(conn, None, record, NOW) == "created"
    key = (OWNER[0], OWNER[1], cdr_id)
    if not record.credit:
        cdr_audits.save_audit(conn, audit(key, *(dims or (TIME_2H,))), NOW)
    return key
