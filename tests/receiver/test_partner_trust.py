"""No one takes another partner's place (issue #11), over real HTTP: our node on loopback and
small CPOs of our own (tests/fake_cpo.py), one registered as NL*XYZ, an attacker with a fresh
TOKEN_A trying to become it by credentials POST, and once registered as itself, by PUT."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emsp_tui.config import load_settings
from emsp_tui.node import EmspNode
from emsp_tui.ocpi.auth import new_credentials_token
from emsp_tui.services.partners import PartnerError
from emsp_tui.store import partners as store
from emsp_tui.store import sessions as session_store
from emsp_tui.store.partners import Partner, Party
from tests.fake_cpo import FakeCpo, auth, running_fakes
from tests.receiver import payloads

VICTIM, ATTACKER = ("NL", "XYZ", "CPO"), ("NL", "ATK", "CPO")


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[EmspNode]:
    settings = load_settings(data_dir=tmp_path / "data", config_dir=tmp_path / "config")
    settings.receiver.port = 0
    settings.request_timeout = 5.0
    async with EmspNode(settings, background=False) as running:
        yield running


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeCpo, FakeCpo]]:
    async with running_fakes(FakeCpo("NL", "XYZ"), FakeCpo("NL", "ATK")) as (victim, attacker):
        yield victim, attacker


async def invite(node: EmspNode) -> str:
    token_a = new_credentials_token()
    await node.db.run(store.add_registration_token, token_a, "test")
    return token_a


async def registered_victim(node: EmspNode, victim: FakeCpo) -> Partner:
    answer = await victim.register_with(node.versions_url, await invite(node))
    assert (answer.status_code, answer.json()["status_code"]) == (200, 1000), answer.text
    found = await node.db.run(store.partner_by_token, victim.token_c)
    assert found is not None
    return found


def rows(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """Every partner and party row, every column (token hashes included), byte for byte."""
    partners = [tuple(r) for r in conn.execute("SELECT * FROM partners ORDER BY id")]
    parties = [
        tuple(r)
        for r in conn.execute("SELECT * FROM partner_parties ORDER BY partner_id, party_id, role")
    ]
    return [*partners, *parties]


def sessions_url(node: EmspNode, cc: str, pid: str, sid: str) -> str:
    return f"{node.ctx.version_url}/emsp/sessions/{cc}/{pid}/{sid}"


async def push_session(node: EmspNode, token: str, cc: str, pid: str, sid: str) -> httpx.Response:
    async with httpx.AsyncClient(headers=auth(token)) as http:
        return await http.put(sessions_url(node, cc, pid, sid), json=payloads.session(sid, cc, pid))


async def read_session(node: EmspNode, token: str, cc: str, pid: str, sid: str) -> httpx.Response:
    async with httpx.AsyncClient(headers=auth(token)) as http:
        return await http.get(sessions_url(node, cc, pid, sid))


async def credentials_get(node: EmspNode, token: str) -> httpx.Response:
    async with httpx.AsyncClient(headers=auth(token)) as http:
        return await http.get(f"{node.ctx.version_url}/credentials")


def codes(answer: httpx.Response) -> tuple[int, int]:
    return answer.status_code, answer.json()["status_code"]


async def assert_victim_intact(
    node: EmspNode, victim: FakeCpo, attacker: FakeCpo, before: list[tuple[Any, ...]]
) -> None:
    """The victim keeps its row, its token works, our calls for NL*XYZ still go to it."""
    assert await node.db.run(rows) == before
    assert codes(await credentials_get(node, victim.token_c or "")) == (200, 1000)
    partner = await node.charging.partner_for(("NL", "XYZ"))
    assert partner is not None
    assert partner.versions_url == victim.versions_url
    victim.seen.clear()
    attacker.seen.clear()
    results = await node.new_sync().sync_all()
    assert all(r.ok for r in results), [r.error for r in results]
    to_victim = [s for s in victim.seen if s.path.endswith("/locations")]
    assert to_victim
    assert {s.token for s in to_victim} == {victim.token_b}  # the victim's TOKEN_B, not another
    assert not any(s.token == victim.token_b for s in attacker.seen)


async def test_a_stranger_cannot_register_as_a_partner_we_have(
    node: EmspNode, fakes: tuple[FakeCpo, FakeCpo]
) -> None:
    victim, attacker = fakes
    held = await registered_victim(node, victim)
    own = await push_session(node, victim.token_c or "", "NL", "XYZ", "S-VICTIM")
    assert codes(own) == (201, 1000)
    before = await node.db.run(rows)
    token_a = await invite(node)
    attacker.seen.clear()

    answer = await attacker.register_with(node.versions_url, token_a, [VICTIM])

    assert codes(answer) == (400, 2001)
    message = answer.json()["status_message"]
    assert "NL*XYZ is another partner's" in message
    assert held.name not in message  # who holds it is ours to know (the change log)
    assert attacker.token_c is None
    # Nothing changed: no partner row, no party, TOKEN_A still valid, the attacker not even
    # called back (refused before we use its versions URL).
    assert await node.db.run(rows) == before
    assert await node.db.run(store.is_registration_token, token_a)
    assert [s.path for s in attacker.seen] == []
    # With only its TOKEN_A it reads and writes nothing.
    assert (await read_session(node, token_a, "NL", "XYZ", "S-VICTIM")).status_code == 401
    assert (await push_session(node, token_a, "NL", "XYZ", "S-EVIL")).status_code == 401
    [refused, *_] = await node.partners.party_changes()
    assert (refused.action, refused.refused, refused.partner_id) == ("refused", ("NL*XYZ",), None)
    assert refused.reason is not None
    assert held.name in refused.reason
    await assert_victim_intact(node, victim, attacker, before)
    # The same TOKEN_A still registers the attacker as itself, as one new partner.
    mine = await attacker.register_with(node.versions_url, token_a, [ATTACKER])
    assert codes(mine) == (200, 1000)
    assert [p.name for p in await node.partners.list()] == ["nl-atk", "nl-xyz"]


async def test_a_partner_cannot_add_another_partners_party_by_put(
    node: EmspNode, fakes: tuple[FakeCpo, FakeCpo]
) -> None:
    victim, attacker = fakes
    await registered_victim(node, victim)
    assert codes(await push_session(node, victim.token_c or "", "NL", "XYZ", "S-V")) == (201, 1000)
    assert codes(await attacker.register_with(node.versions_url, await invite(node))) == (200, 1000)
    token_c = attacker.token_c
    assert token_c is not None
    me = await node.db.run(store.partner_by_token, token_c)
    assert me is not None
    before = await node.db.run(rows)
    stored = await node.db.run(session_store.get_session, "NL", "XYZ", "S-V")

    answer = await attacker.update_with(node.versions_url, [ATTACKER, VICTIM])

    assert codes(answer) == (400, 2001)
    assert "NL*XYZ" in answer.json()["status_message"]
    assert attacker.token_c == token_c  # its token C unchanged: the old one still works
    assert codes(await credentials_get(node, token_c)) == (200, 1000)
    # It still cannot read or write the victim's sessions.
    assert codes(await read_session(node, token_c, "NL", "XYZ", "S-V")) == (404, 2001)
    assert codes(await push_session(node, token_c, "NL", "XYZ", "S-V")) == (400, 2001)
    assert await node.db.run(session_store.get_session, "NL", "XYZ", "S-V") == stored
    [refused, *_] = await node.partners.party_changes(me)
    assert (refused.action, refused.refused, refused.partner_id) == ("refused", ("NL*XYZ",), me.id)
    await assert_victim_intact(node, victim, attacker, before)


async def test_a_put_keeps_drops_or_adds_free_parties_and_writes_follow_at_once(
    node: EmspNode, fakes: tuple[FakeCpo, FakeCpo]
) -> None:
    _, cpo = fakes
    assert codes(await cpo.register_with(node.versions_url, await invite(node))) == (200, 1000)
    assert codes(await push_session(node, cpo.token_c or "", "NL", "ATK", "S-1")) == (201, 1000)
    # Add a party no one holds...
    assert codes(await cpo.update_with(node.versions_url, [ATTACKER, ("NL", "NEW", "CPO")])) == (
        200,
        1000,
    )
    token = cpo.token_c or ""
    assert codes(await push_session(node, token, "NL", "NEW", "S-2")) == (201, 1000)
    # ...then drop its first one: the very next push for it is refused.
    assert codes(await cpo.update_with(node.versions_url, [("NL", "NEW", "CPO")])) == (200, 1000)
    token = cpo.token_c or ""
    assert codes(await push_session(node, token, "NL", "ATK", "S-3")) == (400, 2001)
    assert codes(await push_session(node, token, "NL", "NEW", "S-4")) == (201, 1000)
    assert await node.db.run(session_store.get_session, "NL", "ATK", "S-3") is None
    partner = await node.db.run(store.partner_by_token, token)
    assert partner is not None
    changes = await node.partners.party_changes(partner)
    assert [(c.action, c.added, c.dropped) for c in changes] == [
        ("updated", (), ("NL*ATK(CPO)",)),
        ("updated", ("NL*NEW(CPO)",), ()),
        ("registered", ("NL*ATK(CPO)",), ()),
    ]


async def test_two_registrations_claiming_one_party_at_once_make_one_partner(
    node: EmspNode,
) -> None:
    twins = FakeCpo("NL", "DUP", versions_delay=0.3), FakeCpo("NL", "DUP", versions_delay=0.3)
    async with running_fakes(*twins):
        tokens = [await invite(node), await invite(node)]
        answers = await asyncio.gather(
            *(t.register_with(node.versions_url, a) for t, a in zip(twins, tokens, strict=True))
        )
        urls = {a.status_code: t.versions_url for t, a in zip(twins, answers, strict=True)}
    assert sorted(codes(a) for a in answers) == [(200, 1000), (400, 2001)]
    [partner] = await node.partners.list()
    assert [p.key for p in partner.parties] == ["NL*DUP"]
    assert partner.versions_url == urls[200]
    used = [await node.db.run(store.is_registration_token, t) for t in tokens]
    assert sorted(used) == [False, True]  # the loser's TOKEN_A is still valid


async def test_a_taken_name_gets_a_suffix_and_our_own_party_cannot_be_claimed(
    node: EmspNode, fakes: tuple[FakeCpo, FakeCpo]
) -> None:
    victim, attacker = fakes
    other = Partner(name="nl-xyz", versions_url="http://elsewhere.test/ocpi/versions")
    other.roles = [{"role": "CPO", "country_code": "DE", "party_id": "ELS"}]
    other.parties = [Party("DE", "ELS", "CPO")]
    await node.db.run(store.save_partner, other, "other-token")
    before = await node.db.run(rows)
    assert codes(await victim.register_with(node.versions_url, await invite(node))) == (200, 1000)
    names = {p.name: p for p in await node.partners.list()}
    assert sorted(names) == ["nl-xyz", "nl-xyz-2"]
    assert names["nl-xyz"].versions_url == "http://elsewhere.test/ocpi/versions"
    assert (await node.db.run(rows))[0] == before[0]
    me = node.settings.identity
    answer = await attacker.register_with(
        node.versions_url, await invite(node), [(me.country_code, me.party_id, "EMSP")]
    )
    assert codes(answer) == (400, 2001)
    assert f"{me.country_code}*{me.party_id} is ours" in answer.json()["status_message"]


async def test_a_hub_lists_a_direct_partner_but_cannot_write_its_objects(
    node: EmspNode, fakes: tuple[FakeCpo, FakeCpo]
) -> None:
    victim, _ = fakes
    await registered_victim(node, victim)
    hub = FakeCpo("NL", "HBB", role="HUB", clients=[VICTIM, ("DE", "OTH", "CPO")])
    async with running_fakes(hub):
        # A hub may not claim the victim's party as a credentials role either.
        claim = await hub.register_with(
            node.versions_url, await invite(node), [("NL", "HBB", "HUB"), VICTIM]
        )
        assert codes(claim) == (400, 2001)
        assert codes(await hub.register_with(node.versions_url, await invite(node))) == (200, 1000)
        token = hub.token_c or ""
        # Its first push for a CPO behind it has us read its client list.
        assert codes(await push_session(node, token, "DE", "OTH", "S-OTH")) == (201, 1000)
        assert codes(await push_session(node, token, "NL", "XYZ", "S-HUB")) == (400, 2001)
        assert codes(await read_session(node, token, "NL", "XYZ", "S-HUB"))[0] == 404
    partner = await node.db.run(store.partner_by_token, token)
    assert partner is not None
    assert sorted(p.key for p in partner.parties) == ["DE*OTH", "NL*HBB", "NL*XYZ"]
    assert await node.db.run(session_store.get_session, "NL", "XYZ", "S-HUB") is None
    [listed, *_] = await node.partners.party_changes(partner)
    assert listed.action == "hub_clients"
    assert set(listed.added) == {"DE*OTH(CPO)", "NL*XYZ(CPO)"}
    assert listed.reason is not None
    assert "NL*XYZ (nl-xyz)" in listed.reason
    direct = await node.charging.partner_for(("NL", "XYZ"))
    assert direct is not None
    assert direct.versions_url == victim.versions_url


async def test_a_hub_keeps_its_clients_across_a_credentials_put(node: EmspNode) -> None:
    hub = FakeCpo("NL", "HBB", role="HUB", clients=[("DE", "OTH", "CPO")])
    async with running_fakes(hub):
        assert codes(await hub.register_with(node.versions_url, await invite(node))) == (200, 1000)
        assert codes(await push_session(node, hub.token_c or "", "DE", "OTH", "S-1")) == (201, 1000)
        assert codes(await hub.update_with(node.versions_url, [("NL", "HBB", "HUB")])) == (
            200,
            1000,
        )
        assert codes(await push_session(node, hub.token_c or "", "DE", "OTH", "S-2")) == (201, 1000)


async def test_we_do_not_register_with_a_peer_claiming_a_partners_party(
    node: EmspNode, fakes: tuple[FakeCpo, FakeCpo]
) -> None:
    victim, _ = fakes
    await registered_victim(node, victim)
    before = await node.db.run(rows)
    impostor = FakeCpo("NL", "XYZ")
    async with running_fakes(impostor):
        with pytest.raises(PartnerError, match=r"refused: NL\*XYZ is held by nl-xyz"):
            await node.partners.add(impostor.versions_url, impostor.token_a)
        assert ("DELETE", "/ocpi/2.2.1/credentials") in {(s.method, s.path) for s in impostor.seen}
    assert await node.db.run(rows) == before
    [refused, *_] = await node.partners.party_changes()
    assert (refused.action, refused.refused) == ("refused", ("NL*XYZ",))


async def test_a_name_we_give_registers_that_partner_again_a_derived_one_never_replaces(
    node: EmspNode,
) -> None:
    other = Partner(name="nl-fre", versions_url="http://elsewhere.test/ocpi/versions")
    other.roles = [{"role": "CPO", "country_code": "DE", "party_id": "ELS"}]
    other.parties = [Party("DE", "ELS", "CPO")]
    await node.db.run(store.save_partner, other, "other-token")
    before = await node.db.run(rows)
    first, moved = FakeCpo("NL", "FRE"), FakeCpo("NL", "FRE")
    async with running_fakes(first, moved):
        # Named after its role, "nl-fre" is taken: a suffix, the other partner untouched.
        partner = await node.partners.add(first.versions_url, first.token_a)
        assert partner.name == "nl-fre-2"
        assert (await node.db.run(rows))[0] == before[0]
        # The operator registers it again by its name (the peer moved): the same row.
        again = await node.partners.add(moved.versions_url, moved.token_a, name="nl-fre-2")
        moved_url = moved.versions_url
    assert (again.id, again.name) == (partner.id, "nl-fre-2")
    stored = await node.db.run(store.get_partner, "nl-fre-2")
    assert stored is not None
    assert stored.versions_url == moved_url
    assert stored.token_out in moved.accepted - first.accepted  # what the moved peer issued
    assert [p.name for p in await node.partners.list()] == ["nl-fre", "nl-fre-2"]


async def test_unregistering_is_in_the_change_log_and_ends_the_token(
    node: EmspNode, fakes: tuple[FakeCpo, FakeCpo]
) -> None:
    victim, _ = fakes
    held = await registered_victim(node, victim)
    token = victim.token_c or ""
    async with httpx.AsyncClient(headers=auth(token)) as http:
        gone = await http.delete(f"{node.ctx.version_url}/credentials")
    assert codes(gone) == (200, 1000)
    assert (await credentials_get(node, token)).status_code == 401
    assert await node.partners.list() == []
    [deleted, registered] = await node.partners.party_changes()
    assert (deleted.action, deleted.partner_name, deleted.dropped) == (
        "deleted",
        held.name,
        ("NL*XYZ(CPO)",),
    )
    assert deleted.partner_id is None  # the partner is gone; its name stays in the log
    assert registered.action == "registered"


async def test_a_partner_cannot_place_another_partys_location_through_its_own_sender(
    node: EmspNode,
) -> None:
    victim = FakeCpo("NL", "XYZ", locations=[payloads.location("LOC-X", "NL", "XYZ")])
    liar = FakeCpo("NL", "ATK")
    newer = {"name": "Not the victim's", "last_updated": "2026-03-02T09:00:00Z"}
    liar.locations = [payloads.location("LOC-X", "NL", "XYZ", **newer)]
    liar.locations.append(payloads.location("LOC-Y", "NL", "XYZ"))
    async with running_fakes(victim, liar):
        held = await registered_victim(node, victim)
        assert codes(await liar.register_with(node.versions_url, await invite(node))) == (200, 1000)
        for _ in range(2):  # whichever partner syncs last
            results = await node.new_sync().sync_all()
            assert all(r.ok for r in results)
    owners = await node.db.run(
        lambda conn: {
            r["id"]: r["partner_id"]
            for r in conn.execute("SELECT id, partner_id FROM locations WHERE party_id = 'XYZ'")
        }
    )
    assert owners == {"LOC-X": held.id}
