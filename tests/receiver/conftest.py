"""The receiver in-process (httpx.ASGITransport): a store with two partners, a hub with two
CPOs behind it and a CPO connected directly, and clients presenting their tokens."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from emsp_tui.config import Identity
from emsp_tui.receiver import ReceiverContext, create_receiver_app
from emsp_tui.services.our_party import OurParty
from emsp_tui.store import Database
from emsp_tui.store import partners as partner_store
from emsp_tui.store.message_log import MessageLog
from emsp_tui.store.partners import Partner, Party

BASE = "http://emsp.test"
HUB_TOKEN = "hub-token-0001"
CPO_TOKEN = "cpo-token-0002"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "emsp.sqlite3").open()
    hub = Partner(
        name="hub",
        versions_url="http://hub.test/ocpi/versions",
        roles=[{"role": "HUB", "country_code": "NL", "party_id": "HUB"}],
        token_out="we-present-this",
        parties=[
            Party("NL", "HUB", "HUB"),
            Party("DE", "VOL", "CPO"),
            Party("NL", "GLP", "CPO"),
        ],
    )
    cpo = Partner(
        name="fr-brs",
        versions_url="http://brs.test/ocpi/versions",
        roles=[{"role": "CPO", "country_code": "FR", "party_id": "BRS"}],
        token_out="we-present-that",
        parties=[Party("FR", "BRS", "CPO")],
    )
    await database.run(partner_store.save_partner, hub, HUB_TOKEN)
    await database.run(partner_store.save_partner, cpo, CPO_TOKEN)
    yield database
    await database.close()


@pytest.fixture
def ctx(db: Database) -> ReceiverContext:
    identity = Identity(country_code="NL", party_id="EMS", name="Open eMSP")
    return ReceiverContext(OurParty(identity, BASE), db, message_log=MessageLog(db))


@pytest.fixture
async def http(ctx: ReceiverContext) -> AsyncIterator[httpx.AsyncClient]:
    app = create_receiver_app(ctx)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client


@pytest.fixture
def hub_headers() -> dict[str, str]:
    return {**auth(HUB_TOKEN), "X-Request-ID": "req-1", "X-Correlation-ID": "corr-1"}


@pytest.fixture
def cpo_headers() -> dict[str, str]:
    return auth(CPO_TOKEN)
