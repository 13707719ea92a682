"""CDRs to invoices end to end over real HTTP: our node (receiver on uvicorn) and the mock hub.
Charge, stop, the CPO's CDR arrives, its audit is stored and exactly one invoice issued at the
tariff's price (the default plan passes the CPO's price through); the same CDR POSTed again
changes nothing, the same id with another total is refused (2001) and changes nothing; a credit
CDR gets a credit note naming the invoice; a CDR of a card we never issued is kept, flagged and
not invoiced; the CDR pull runs again once the last one is old enough, from its checkpoint."""

from __future__ import annotations

import base64
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from emsp_tui.billing.model import Document, DocumentKind
from emsp_tui.ocpi.models import Cdr
from emsp_tui.services.charging import CdrArrived, SessionChanged
from emsp_tui.store import billing_documents as ledger
from emsp_tui.store import cdr_audits
from emsp_tui.store import cdrs as cdr_store
from emsp_tui.store.accounts import DRIVER
from emsp_tui.store.message_log import messages, rejection_counts
from tests.receiver.db_snapshot import differences, table_contents

from . import charging_support
from .charging_support import (
    Setup,
    faults,
    next_event,
    peer_token,
    remote_evse,
    stored_location,
    until,
)

fast_mock = charging_support.fast_mock  # a fixture
setup = charging_support.setup  # a fixture


async def charge_until_cdr(setup: Setup) -> Cdr:
    """Start at a remote EVSE, charge a little, stop; the CDR once billing is done with it."""
    node, events = setup.node, setup.events
    location, evse_uid = remote_evse(setup.mock)
    location = await stored_location(node, location)
    command = await node.charging.start(location, evse_uid, None, setup.card)
    ref = command.authorization_reference
    first = await next_event(
        events, SessionChanged, lambda e: e.view.authorization_reference == ref
    )
    key = first.view.key
    await next_event(events, SessionChanged, lambda e: e.view.key == key and e.view.kwh > 0)
    await node.charging.stop(key)
    arrived = await next_event(events, CdrArrived, lambda e: e.session == key)
    await node.cdr_billing.drained()
    stored = await node.db.run(cdr_store.get_cdr, *arrived.key)
    assert stored is not None
    return stored.cdr


async def post_cdr(setup: Setup, body: dict[str, Any]) -> httpx.Response:
    """POST a CDR to our receiver as the hub does, with the token it got from us."""
    token = base64.b64encode(peer_token(setup.mock).encode()).decode()
    url = f"{setup.node.us.base_url}/ocpi/2.2.1/emsp/cdrs"
    async with httpx.AsyncClient() as http:
        answer = await http.post(url, json=body, headers={"Authorization": f"Token {token}"})
    await setup.node.cdr_billing.drained()
    return answer


def key_of(cdr: Cdr) -> tuple[str, str, str]:
    return cdr.country_code.upper(), cdr.party_id.upper(), cdr.id


async def driver_documents(setup: Setup) -> list[Document]:
    return await setup.node.billing.documents(DRIVER)


async def test_a_cdr_is_audited_and_invoiced_once_and_cannot_be_changed(setup: Setup) -> None:
    node = setup.node
    cdr = await charge_until_cdr(setup)
    key = key_of(cdr)
    audit = await node.db.run(cdr_audits.get_audit, key)
    assert audit is not None
    assert audit.tariff_source in ("CDR", "STORED")
    assert audit.matches, audit.sentence  # the mock prices with its own engine: they agree
    [invoice] = await driver_documents(setup)
    assert invoice.kind is DocumentKind.INVOICE
    assert invoice.charging is not None
    assert (invoice.charging.session_id, invoice.charging.cdr_id) == (cdr.session_id, cdr.id)
    # Passthrough: the driver pays the tariff's price, which is what the CPO billed.
    assert invoice.totals.net == audit.tariff_total_excl.quantize(Decimal("0.01"))
    operator = cdr.total_cost
    assert abs(invoice.totals.net - Decimal(repr(operator.excl_vat))) <= Decimal("0.01")
    if operator.incl_vat is not None:
        assert abs(invoice.totals.gross - Decimal(repr(operator.incl_vat))) <= Decimal("0.01")
    assert invoice.audit is not None
    assert invoice.audit.matches
    # Delivered again (a lost answer): success, nothing changes, no second invoice.
    before = await table_contents(node.db)
    again = await post_cdr(setup, cdr.to_ocpi())
    assert (again.status_code, again.json()["status_code"]) == (200, 1000)
    assert differences(before, await table_contents(node.db)) == []
    # The same id with another total: refused as the spec's CDRs are immutable, counted.
    body = cdr.to_ocpi()
    body["total_cost"] = {
        "excl_vat": operator.excl_vat + 1,
        "incl_vat": (operator.incl_vat or 0) + 1,
    }
    changed = await post_cdr(setup, body)
    assert (changed.status_code, changed.json()["status_code"]) == (400, 2001)
    assert differences(before, await table_contents(node.db)) == []
    counts = {r.module: r.rejected for r in await node.db.run(rejection_counts)}
    assert counts.get("cdrs") == 1
    assert await driver_documents(setup) == [invoice]


async def test_a_credit_cdr_is_credited_and_an_unknown_card_is_not_billed(setup: Setup) -> None:
    node = setup.node
    cdr = await charge_until_cdr(setup)
    [invoice] = await driver_documents(setup)
    # The operator takes its CDR back: a credit CDR (spec: new id, credit_reference_id, all
    # data of the CDR, negative total_cost) -> a credit note naming the invoice.
    credit = cdr.to_ocpi()
    cost = cdr.total_cost
    credit.update(
        id=f"{cdr.id}-C",
        credit=True,
        credit_reference_id=cdr.id,
        total_cost={"excl_vat": -cost.excl_vat, "incl_vat": -(cost.incl_vat or 0)},
    )
    answer = await post_cdr(setup, credit)
    assert (answer.status_code, answer.json()["status_code"]) == (201, 1000)
    [note] = await node.billing.credit_notes(invoice.number)
    assert note.kind is DocumentKind.CREDIT_NOTE
    assert note.corrects == invoice.number
    assert note.totals.gross == invoice.totals.gross  # all of it: the operator bills nothing
    assert cdr.id in (note.reason or "")
    credit_key = (*key_of(cdr)[:2], f"{cdr.id}-C")
    assert await node.db.run(cdr_store.flags_of, credit_key) == ()
    assert await node.db.run(cdr_audits.get_audit, credit_key) is not None
    # A CDR for a card we never issued: kept and flagged, audited, billed to nobody.
    stranger = cdr.to_ocpi()
    stranger["id"] = f"{cdr.id}-X"
    stranger["cdr_token"] = {**stranger["cdr_token"], "uid": "DEADBEEF01", "contract_id": "X-1"}
    answer = await post_cdr(setup, stranger)
    assert (answer.status_code, answer.json()["status_code"]) == (201, 1000)
    stranger_key = (*key_of(cdr)[:2], f"{cdr.id}-X")
    assert await node.db.run(cdr_store.flags_of, stranger_key) == ("UNKNOWN_TOKEN",)
    flagged = {c.cdr.id for c, _ in await node.db.run(cdr_store.flagged_cdrs)}
    assert flagged == {f"{cdr.id}-X"}
    assert await node.db.run(cdr_audits.get_audit, stranger_key) is not None
    for kind in DocumentKind:
        assert await node.db.run(ledger.for_cdr, kind, stranger_key) is None
    assert await driver_documents(setup) == [invoice, note]


async def test_cdrs_are_pulled_again_from_the_checkpoint(setup: Setup) -> None:
    node, hub = setup.node, setup.hub
    assert hub.id is not None
    cdr = await charge_until_cdr(setup)
    # The hub was added after the node started: its first CDR pull comes with the next check.
    sync = node.charging.sync
    sync.cdr_pull_check, sync.cdr_pull_retry = 0.05, 0.05
    sync._next_cdr_pull_check = 0.0
    first = await until(lambda: node.db.run(cdr_store.last_pull, hub.id), what="a CDR pull")
    sync.cdr_pull_every = timedelta(0)  # as if a day had passed since

    async def advanced() -> bool:
        last = await node.db.run(cdr_store.last_pull, hub.id)
        return last is not None and last > first

    await until(advanced, what="a second CDR pull")
    await node.message_log.flush()
    sent = await node.db.run(lambda conn: messages(conn, partner_id=hub.id, direction="out"))
    pulls = [m.url for m in sent if m.method == "GET" and "/cdrs" in m.url]
    assert pulls, "no CDR pull was sent"
    since = (first - sync.cdr_overlap).strftime("%Y-%m-%dT%H:%M:%S")
    assert any(since in httpx.URL(u).params.get("date_from", "") for u in pulls), pulls
    # What the pull brought again (the CDR we hold) changed nothing.
    await node.cdr_billing.drained()
    [invoice] = await driver_documents(setup)
    assert invoice.charging is not None
    assert invoice.charging.cdr_id == cdr.id
    assert await node.db.run(cdr_store.count_cdrs) == 1


# -- what the mock's CDR faults send --------------------------------------------------------
async def charge_with_faults(setup: Setup, *kinds: str, cdrs: int = 1) -> list[Cdr]:
    """Charge at a CPO with these CDR faults on; its session's CDRs (``cdrs`` of them) once
    billing is done with them, in the order they arrived."""
    node, events = setup.node, setup.events
    location, evse_uid = remote_evse(setup.mock)
    party = f"{location.country_code}-{location.party_id}"
    await faults(setup.mock, add=[f"{party}:{kind}" for kind in kinds])
    location = await stored_location(node, location)
    command = await node.charging.start(location, evse_uid, None, setup.card)
    ref = command.authorization_reference
    first = await next_event(
        events, SessionChanged, lambda e: e.view.authorization_reference == ref
    )
    key = first.view.key
    await next_event(events, SessionChanged, lambda e: e.view.key == key and e.view.kwh > 0)
    await node.charging.stop(key)

    async def all_there() -> list[Cdr] | None:
        found = await node.db.run(cdr_store.cdrs_for_session, *key)
        return [s.cdr for s in found] if len(found) >= cdrs else None

    found: list[Cdr] = await until(all_there, what=f"{cdrs} CDRs")
    await node.cdr_billing.drained()
    return found


async def test_an_overcharge_is_billed_at_the_tariff_and_its_correction_credited(
    setup: Setup,
) -> None:
    node = setup.node
    over, credit, fixed = await charge_with_faults(
        setup, "cdr_overcharge=25", "cdr_credit_after", cdrs=3
    )
    assert (bool(credit.credit), credit.credit_reference_id) == (True, over.id)
    audit = await node.db.run(cdr_audits.get_audit, key_of(over))
    assert audit is not None
    assert not audit.matches
    assert "ENERGY" in {str(d) for d in audit.differing}
    assert await node.db.run(cdr_store.flags_of, key_of(over)) == ("TOTAL_DIFFERS",)
    first, note, second = await driver_documents(setup)
    # The driver was billed the tariff's price, never the operator's 25 % more.
    assert first.totals.net == audit.tariff_total_excl.quantize(Decimal("0.01"))
    assert first.totals.net < Decimal(repr(over.total_cost.excl_vat))
    assert (note.kind, note.corrects) == (DocumentKind.CREDIT_NOTE, first.number)
    assert note.totals.gross == first.totals.gross  # the credit CDR takes it all back
    assert second.charging is not None
    assert second.charging.cdr_id == fixed.id
    assert abs(second.totals.net - Decimal(repr(fixed.total_cost.excl_vat))) <= Decimal("0.01")
    assert second.totals.gross == first.totals.gross  # same charge, same tariff price


async def test_a_cdr_never_pushed_is_pulled_and_billed(setup: Setup) -> None:
    [cdr] = await charge_with_faults(setup, "cdr_not_pushed")
    [invoice] = await driver_documents(setup)
    assert invoice.charging is not None
    assert invoice.charging.cdr_id == cdr.id
    await setup.node.message_log.flush()
    posted = await setup.node.db.run(lambda conn: messages(conn, direction="in"))
    assert not [m for m in posted if m.method == "POST" and "/cdrs" in m.url]


async def test_a_cdr_posted_twice_is_billed_once(setup: Setup) -> None:
    node = setup.node
    [cdr] = await charge_with_faults(setup, "cdr_twice")

    async def cdr_posts() -> list[int | None] | None:
        await node.message_log.flush()
        posted = await node.db.run(lambda conn: messages(conn, direction="in"))
        answers = [m.http_status for m in posted if m.method == "POST" and "/cdrs" in m.url]
        return answers if len(answers) >= 2 else None

    answers = await until(cdr_posts, what="the second POST")
    assert sorted(answers) == [200, 201]  # created, then "already received"
    await node.cdr_billing.drained()
    [invoice] = await driver_documents(setup)
    assert invoice.charging is not None
    assert invoice.charging.cdr_id == cdr.id


async def test_the_live_screen_hears_of_the_invoice_as_soon_as_it_is_issued(setup: Setup) -> None:
    """The final bill names its invoice without waiting for the next refresh."""
    cdr = await charge_until_cdr(setup)
    assert cdr.session_id is not None
    session = (cdr.country_code.upper(), cdr.party_id.upper(), cdr.session_id)
    named = await next_event(
        setup.events,
        SessionChanged,
        lambda e: (
            e.view.key == session
            and e.view.bill is not None
            and e.view.bill.invoice_number is not None
        ),
    )
    assert named.view.bill is not None
    [invoice] = await setup.node.billing.invoices(DRIVER)
    assert named.view.bill.invoice_number == invoice.number
