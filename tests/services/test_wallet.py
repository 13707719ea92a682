"""Wallet: eMI3 check characters against published examples, issuing, blocking, the push hook."""

from __future__ import annotations

from pathlib import Path
from random import Random

import pytest

from emsp_tui.config import Settings
from emsp_tui.node import EmspNode
from emsp_tui.ocpi.models import Token
from emsp_tui.services.events import CardChanged, EventBus
from emsp_tui.services.wallet import (
    WalletError,
    WalletService,
    emi3_check_character,
    format_contract_id,
    is_valid_contract_id,
)
from emsp_tui.store import tokens as token_store
from tests.ui.support import FROZEN

# From the eMI3 check-digit test vectors as published with the open-source "mobilityid"
# library (Shell Recharge / NewMotion), and its README example NL-TNM-000122045-U.
KNOWN = {
    "NN123ABCDEFGHI": "T",
    "FRXYZ123456789": "2",
    "ITA1B2C3E4F5G6": "4",
    "ESZU8WOX834H1D": "R",
    "PT73902837ABCZ": "Z",
    "DE83DUIEN83QGZ": "D",
    "DE83DUIEN83ZGQ": "M",  # a transposition changes the check character
    "DE8AA001234567": "0",
    "NLTNM000122045": "U",
}


@pytest.mark.parametrize(("base", "check"), KNOWN.items())
def test_check_character_matches_published_examples(base: str, check: str) -> None:
    assert emi3_check_character(base) == check
    assert emi3_check_character(base.lower()) == check


def test_contract_ids_format_and_validate() -> None:
    contract = format_contract_id("nl", "tnm", "000122045")
    assert contract == "NL-TNM-000122045-U"
    assert is_valid_contract_id(contract)
    assert is_valid_contract_id("NLTNM000122045U")  # separators are optional
    assert not is_valid_contract_id("NL-TNM-000122045-X")  # wrong check character
    assert not is_valid_contract_id("NL-TNM-000122045")  # no check character
    assert not is_valid_contract_id("NL-TNM-00012204-U")  # instance too short
    with pytest.raises(ValueError, match="14 letters or digits"):
        emi3_check_character("NL-TNM-0001220")


def test_every_single_character_error_is_caught() -> None:
    base = "NLEMSC12345678"
    check = emi3_check_character(base)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for i, original in enumerate(base):
        for other in alphabet:
            if other != original:
                changed = base[:i] + other + base[i + 1 :]
                assert emi3_check_character(changed) != check, (i, other)


@pytest.fixture
async def node(tmp_path: Path) -> EmspNode:
    settings = Settings(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    node = EmspNode(settings, serve=False)
    await node.start()
    yield node  # type: ignore[misc]
    await node.stop()


async def test_issue_block_unblock_and_tell_listeners(node: EmspNode) -> None:
    bus = EventBus()
    wallet = WalletService(node.db, node.settings.identity, bus, now=lambda: FROZEN, rng=Random(5))
    pushed: list[Token] = []

    async def listener(event: CardChanged) -> None:
        pushed.append(event.token)

    async def broken(event: CardChanged) -> None:
        raise RuntimeError("partner down")  # logged; the local change stands

    bus.subscribe(CardChanged, listener)
    bus.subscribe(CardChanged, broken)
    first = await wallet.issue()
    token = first.token
    assert is_valid_contract_id(token.contract_id)
    assert token.contract_id.startswith("NL-EMS-C")
    assert len(token.uid) == 14
    assert int(token.uid, 16) >= 0
    assert (str(token.type), str(token.whitelist), token.issuer) == ("RFID", "ALLOWED", "Open eMSP")
    assert token.valid
    assert token.last_updated == FROZEN
    assert token.visual_number
    assert token.visual_number.startswith("EMS ")

    blocked = await wallet.block(token.uid)
    assert blocked.blocked
    assert not blocked.token.valid
    again = await wallet.unblock(token.uid.lower())  # uids are case-insensitive
    assert again.token.valid
    second = await wallet.issue(label="Second car")
    assert second.token.contract_id != token.contract_id
    cards = await wallet.cards()
    assert [c.token.uid for c in cards] == [token.uid, second.token.uid]
    assert cards[1].label == "Second car"
    assert [(t.uid, t.valid) for t in pushed] == [
        (token.uid, True), (token.uid, False), (token.uid, True), (second.token.uid, True),
    ]  # fmt: skip
    with pytest.raises(WalletError, match="no card"):
        await wallet.block("FFFFFFFFFFFFFF")


async def test_tokens_page_for_the_ocpi_sender_interface(node: EmspNode) -> None:
    wallet = WalletService(
        node.db, node.settings.identity, EventBus(), now=lambda: FROZEN, rng=Random(6)
    )
    for _ in range(3):
        await wallet.issue()
    page, total = await node.db.run(token_store.tokens_page, None, None, 1, 10)
    assert total == 3
    assert len(page) == 2
    later, total = await node.db.run(token_store.tokens_page, FROZEN.replace(hour=10), None, 0, 10)
    assert (later, total) == ([], 0)
