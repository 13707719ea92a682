"""A pulled session is stored only for a party the partner may write (issue #11): a CPO that
serves another CPO's session, or one under our own party, has it skipped, over real HTTP."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from emsp_tui.store import sessions as session_store

from .test_imperfect_partner import connect, deviant_and_node


async def test_a_pull_skips_sessions_of_parties_the_partner_does_not_hold(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with deviant_and_node(tmp_path) as (cpo, node):
        partner, _, card = await connect(node, cpo)
        template = {
            "start_date_time": "2026-03-02T09:00:00Z", "end_date_time": None, "kwh": 1.5,
            "cdr_token": {"country_code": "NL", "party_id": "EMS", "uid": card.token.uid,
                          "type": "APP_USER", "contract_id": card.token.contract_id},
            "auth_method": "COMMAND", "location_id": "DEV-LOC-1", "evse_uid": "DEV-E1",
            "connector_id": "1", "currency": "EUR", "status": "ACTIVE",
            "last_updated": "2026-03-02T09:05:00Z",
        }  # fmt: skip
        for cc, pid, sid in (("NL", "DEV", "OWN-1"), ("DE", "VOL", "FOREIGN-1")):
            cpo.sessions[sid] = {"country_code": cc, "party_id": pid, "id": sid, **template}
        us = node.settings.identity
        cpo.sessions["OURS-1"] = {
            "country_code": us.country_code,
            "party_id": us.party_id,
            "id": "OURS-1",
            **template,
        }
        with caplog.at_level(logging.WARNING):
            stored = await node.charging.sync.pull_sessions(partner, None, None)
        held = {
            key[2]
            for key in [
                ("NL", "DEV", "OWN-1"),
                ("DE", "VOL", "FOREIGN-1"),
                (us.country_code, us.party_id, "OURS-1"),
            ]
            if await node.db.run(session_store.get_session, *key) is not None
        }
    assert stored == 1
    assert held == {"OWN-1"}
    assert "FOREIGN-1" in caplog.text
    assert "not a party of this partner" in caplog.text
