"""Whose objects a sync may store (issue #11): a CPO its own, a hub those behind it, and never
ours or a directly connected CPO's. Over a real store; the sync over HTTP is in
tests/receiver/test_partner_trust.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from emsp_tui.services.ownership import Writable
from emsp_tui.services.prepared_page import PreparedPage
from emsp_tui.store import Database
from emsp_tui.store import partners as store
from emsp_tui.store.partners import Partner, Party

US = ("NL", "EMS")
CLIENT_INFO = {"identifier": "hubclientinfo", "role": "SENDER", "url": "http://hub.test/ci"}


def partner(name: str, role: str, cc: str, pid: str, *behind: tuple[str, str]) -> Partner:
    return Partner(
        name=name,
        versions_url=f"http://{name}.test/ocpi/versions",
        roles=[{"role": role, "country_code": cc, "party_id": pid}],
        token_out=f"token-{name}",
        parties=[Party(cc, pid, role), *(Party(c, p, "CPO") for c, p in behind)],
    )


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "emsp.sqlite3").open()
    await database.run(store.save_partner, partner("direct", "CPO", "FR", "BRS"), "t1")
    yield database
    await database.close()


async def writable(db: Database, who: Partner) -> Writable:
    await db.run(store.save_partner, who, f"in-{who.name}")
    return await db.run(Writable.of, who, US)


async def test_a_cpo_may_store_only_its_own_party(db: Database) -> None:
    rules = await writable(db, partner("cpo", "CPO", "DE", "VOL"))
    assert rules.permits("DE", "VOL")
    assert rules.permits("de", "vol")  # CiString
    assert not rules.permits("FR", "BRS")
    assert not rules.permits("NL", "GLP")


async def test_a_hub_may_store_the_parties_it_lists_but_not_a_direct_partners(
    db: Database,
) -> None:
    hub = partner("hub", "HUB", "NL", "HUB", ("DE", "VOL"), ("FR", "BRS"))
    hub.endpoints = [CLIENT_INFO]
    rules = await writable(db, hub)
    assert rules.permits("DE", "VOL")
    assert not rules.permits("FR", "BRS")  # listed behind the hub, but connected directly
    assert not rules.permits("BE", "NEW")  # not listed


async def test_a_hub_without_a_client_list_speaks_for_its_network_but_not_for_us(
    db: Database,
) -> None:
    rules = await writable(db, partner("hub", "HUB", "NL", "HUB"))
    assert rules.permits("BE", "NEW")
    assert not rules.permits("FR", "BRS")
    assert not rules.permits(*US)


async def test_a_page_keeps_the_permitted_objects_and_names_the_others(db: Database) -> None:
    rules = await writable(db, partner("cpo", "CPO", "DE", "VOL"))
    page = PreparedPage(
        [("DE", "VOL", "L1"), ("FR", "BRS", "L2"), ("DE", "VOL", "L3")], [], received=3
    )
    kept = rules.keep(page, lambda key: key)
    assert kept.items == [("DE", "VOL", "L1"), ("DE", "VOL", "L3")]
    assert [(r.object_id, r.reason) for r in kept.rejected] == [
        ("L2", "not a party of this partner: FR*BRS")
    ]
    assert kept.received == 3


async def test_a_hub_whose_clients_we_know_writes_only_those_even_without_the_endpoint(
    db: Database,
) -> None:
    rules = await writable(db, partner("hub", "HUB", "NL", "HUB", ("DE", "VOL")))
    assert rules.permits("DE", "VOL")
    assert not rules.permits("BE", "NEW")
