"""From the CDR to the invoice through the real audit (billing.audit.audit_cdr): the spec's
CDR example, and the same CDR overcharged."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from emsp_tui.billing.model import LineKind
from emsp_tui.ocpi.models import Cdr
from emsp_tui.services.billing import BillingService, audit_with_store
from emsp_tui.store import Database, cdr_audits, cdrs
from tests.billing import ledger_support as s
from tests.paths import OCPI_EXAMPLES

NOW = datetime(2026, 3, 15, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "emsp.sqlite3").open()
    yield database
    await database.close()


def spec_cdr(cdr_id: str, **changes: Any) -> Cdr:
    """The spec's CDR example (Gent, BEL; 1.973 h at 2.00 EUR/h, 5-minute steps), as charged
    on our card."""
    data = json.loads((OCPI_EXAMPLES / "cdr_example.json").read_text())
    data["id"] = cdr_id
    data["cdr_token"].update(country_code="NL", party_id="EMS", uid=s.CARD_UID)
    data.update(changes)
    return Cdr.model_validate(data)


@pytest.mark.parametrize(
    ("billed", "matches"), [({"excl_vat": 4.00, "incl_vat": 4.40}, True),
                            ({"excl_vat": 14.00, "incl_vat": 15.40}, False)],
)  # fmt: skip
async def test_cdr_audit_invoice(db: Database, billed: dict[str, float], matches: bool) -> None:
    cdr = spec_cdr("12345", total_cost=billed)

    def store(conn: Any) -> None:
        s.add_card(conn)
        assert cdrs.insert_cdr(conn, None, cdr, NOW) == "created"

    await db.run(store)
    billing = BillingService(db, s.settings(), lambda: NOW, auditor=audit_with_store)
    invoice = await billing.issue_invoice(("BE", "BEC", "12345"))

    (line,) = invoice.lines
    assert (line.kind, line.quantity, line.unit) == (LineKind.CHARGING_TIME, Decimal(2), "h")
    assert line.net == Decimal("4.00")  # 2 h (1.973 h in 5-minute steps) x 2.00: the tariff
    assert invoice.totals.vat[0].rate == Decimal(21)  # charged in Belgium
    assert invoice.totals.gross == Decimal("4.84")
    assert invoice.audit is not None
    assert invoice.audit.matches is matches
    assert invoice.audit.operator_total == Decimal(str(billed["incl_vat"]))
    assert invoice.audit.tariff_total == Decimal("4.40")  # incl. the tariff's own 10 % VAT
    stored = await db.run(cdr_audits.get_audit, ("BE", "BEC", "12345"))
    assert stored is not None
    assert stored.matches is matches
    sentence = invoice.audit.sentence
    assert sentence.endswith("You pay 4.84 EUR incl. 21 % VAT (BE).")
    assert "you pay 4.40" not in sentence  # the tariff's own VAT is not what the driver pays
    if not matches:
        assert stored.differing == ()  # its total_time_cost still says 4.00: only the total
        assert sentence.startswith("The operator billed 15.40 EUR; their tariff gives 4.40 EUR.")
