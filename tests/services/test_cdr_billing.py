"""The CDR billing subscriber without the network: CDRs stored while nothing billed them are
caught up on start (audited; invoiced when the card is ours), once; a CDR the pull brings whose
id we hold with other content is refused like a push: not stored, not announced, counted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from emsp_tui.config import BillingSettings
from emsp_tui.ocpi.models import Cdr, Token
from emsp_tui.services.billing import BillingService, audit_with_store
from emsp_tui.services.cdr_billing import CdrBilling
from emsp_tui.services.charging_sync import _store_cdrs
from emsp_tui.services.events import CdrPushed
from emsp_tui.store import Database, cdr_audits
from emsp_tui.store import billing_documents as ledger
from emsp_tui.store import cdrs as cdr_store
from emsp_tui.store import partners as partner_store
from emsp_tui.store import tokens as token_store
from emsp_tui.store.accounts import DRIVER
from emsp_tui.store.message_log import rejection_counts
from emsp_tui.store.partners import Partner, Party
from tests.receiver.payloads import cdr, cdr_token

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TARIFF = {
    "country_code": "DE",
    "party_id": "VOL",
    "id": "T1",
    "currency": "EUR",
    "elements": [{"price_components": [{"type": "ENERGY", "price": 0.4, "step_size": 1}]}],
    "last_updated": "2026-03-01T00:00:00Z",
}


def priced(cid: str, **extra: Any) -> Cdr:
    """11 kWh at 0.40 EUR excl. VAT: 4.40 (5.24 with German VAT), as the CDR says."""
    return Cdr.model_validate(cdr(cid, tariffs=[TARIFF], **extra))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "emsp.sqlite3").open()
    card = Token.model_validate(
        {
            "country_code": "NL", "party_id": "EMS", "uid": "04A1B2C3D4E5F6", "type": "RFID",
            "contract_id": "NL-EMS-C12345678-X", "issuer": "Open eMSP", "valid": True,
            "whitelist": "ALLOWED", "last_updated": "2026-03-01T09:00:00Z",
        }
    )  # fmt: skip
    await database.run(token_store.insert_token, card, NOW)
    yield database
    await database.close()


def billing_for(db: Database) -> CdrBilling:
    billing = BillingService(db, BillingSettings(), lambda: NOW, auditor=audit_with_store)
    return CdrBilling(db, billing, lambda: NOW)


async def test_cdrs_stored_unbilled_are_caught_up_on_start_once(db: Database) -> None:
    ours, stranger = priced("CDR-1"), priced("CDR-X", cdr_token=cdr_token("FFFF0000"))
    old = priced("CDR-OLD", session_id="S-0")
    for item, received in ((ours, NOW), (stranger, NOW), (old, datetime(2026, 1, 1, tzinfo=UTC))):
        assert await db.run(cdr_store.insert_cdr, None, item, received) == "created"
    subscriber = billing_for(db)
    await subscriber.start()
    await subscriber.drained()
    for key in (("DE", "VOL", "CDR-1"), ("DE", "VOL", "CDR-X")):
        assert await db.run(cdr_audits.get_audit, key) is not None
    # Older than catch_up (a week): left alone rather than invoiced months late.
    assert await db.run(cdr_audits.get_audit, ("DE", "VOL", "CDR-OLD")) is None
    [invoice] = await subscriber.billing.documents(DRIVER)
    assert invoice.charging is not None
    assert invoice.charging.cdr_id == "CDR-1"
    assert invoice.totals.net == Decimal("4.40")
    assert invoice.totals.gross == Decimal("5.24")
    assert await db.run(ledger.for_cdr, invoice.kind, ("DE", "VOL", "CDR-X")) is None
    again = billing_for(db)
    await again.start()
    await again.drained()
    assert await again.billing.documents(DRIVER) == [invoice]
    await subscriber.close()
    await again.close()


async def test_a_credit_cdr_before_its_cdr_is_credited_when_the_cdr_comes(db: Database) -> None:
    subscriber = billing_for(db)
    credit = priced(
        "CDR-1-C",
        credit=True,
        credit_reference_id="CDR-1",
        total_cost={"excl_vat": -4.4, "incl_vat": -5.24},
    )
    for item in (credit, priced("CDR-1")):
        await db.run(cdr_store.insert_cdr, None, item, NOW)
        key = (item.country_code, item.party_id, item.id)
        subscriber.on_cdr(CdrPushed(key, item.session_id, True, NOW))
        await subscriber.drained()
        if item.credit:
            assert await subscriber.billing.documents(DRIVER) == []  # waits for its CDR
    invoice, note = await subscriber.billing.documents(DRIVER)
    assert (note.corrects, note.totals.gross) == (invoice.number, invoice.totals.gross)
    await subscriber.close()


async def test_a_pulled_cdr_changed_under_its_id_is_refused_and_counted(db: Database) -> None:
    cpo = Partner(
        name="cpo",
        versions_url="http://cpo.test/ocpi/versions",
        roles=[{"role": "CPO", "country_code": "DE", "party_id": "VOL"}],
        token_out="we-present-this",
        parties=[Party("DE", "VOL", "CPO")],
    )
    partner_id = await db.run(partner_store.save_partner, cpo, "cpo-token")
    first = priced("CDR-1")
    changed = priced("CDR-1", total_cost={"excl_vat": 9.9, "incl_vat": 11.78})
    restamped = priced("CDR-1", last_updated="2026-03-02T08:00:00Z")
    events = await db.run(_store_cdrs, partner_id, [first, changed, restamped], NOW)
    assert [(e.key[2], e.created) for e in events] == [("CDR-1", True), ("CDR-1", False)]
    held = await db.run(cdr_store.get_cdr, "DE", "VOL", "CDR-1")
    assert held is not None
    assert held.cdr.total_cost.excl_vat == 4.4
    counts = {(r.partner_id, r.module): r.rejected for r in await db.run(rejection_counts)}
    assert counts == {(partner_id, "cdrs"): 1}
