"""A deterministic driver app for Pilot and snapshot tests: a seeded network in a store in
tmp_path (no HTTP), a frozen clock, seeded randomness, no animations, no sync at start."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot

from emsp_tui.app import EmspApp
from emsp_tui.config import HomePosition, Settings
from emsp_tui.node import EmspNode
from emsp_tui.ocpi.enums import TokenType, WhitelistType
from emsp_tui.ocpi.models import Location, Tariff, Token
from emsp_tui.services.wallet import format_contract_id
from emsp_tui.store import Database
from emsp_tui.store import favourites as fav_store
from emsp_tui.store import locations as loc_store
from emsp_tui.store import partners as partner_store
from emsp_tui.store import tokens as token_store
from emsp_tui.store.partners import Partner, Party
from mock_backend.generator import CPOS, HUB, Network

FROZEN = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)  # a Wednesday, 10:30 in Amsterdam
SEED, LOCATIONS = 7, 120
AMSTERDAM = HomePosition(label="Amsterdam", latitude=52.367573, longitude=4.904139)


def _seed(conn: sqlite3.Connection) -> None:
    parties = [Party(HUB.country_code, HUB.party_id, "HUB", HUB.name)]
    parties += [Party(c.country_code, c.party_id, "CPO", c.name) for c in CPOS]
    hub = Partner(
        name="roammesh", versions_url="http://hub.example/ocpi/versions", version="2.2.1",
        roles=[{"role": "HUB", "country_code": "NL", "party_id": "RMH"}], token_out="token-c",
        registered_at=FROZEN, parties=parties,
    )  # fmt: skip
    partner_id = partner_store.save_partner(conn, hub, "token-b")
    net = Network(SEED, LOCATIONS)
    for module, items in (
        ("tariffs", [Tariff.model_validate(t) for n in range(len(CPOS)) for t in net.tariffs(n)]),
        ("locations", [Location.model_validate(net.location_at(g)) for g in range(LOCATIONS)]),
    ):
        loc_store.begin_crawl(conn, partner_id, module, None, FROZEN, now=FROZEN)
        loc_store.store_page(conn, partner_id, module, items, None)  # type: ignore[arg-type]
        loc_store.finish_crawl(conn, partner_id, module, True, now=FROZEN)


def template(folder: Path) -> Path:
    """The seeded store, built once per test session (then copied: copying beats seeding)."""
    path = folder / "template.sqlite3"
    if not path.exists():
        building = folder / f"building-{os.getpid()}.sqlite3"
        db = Database(building)
        db.open_sync()
        db.transaction_sync(_seed)
        db.close_sync()
        building.replace(path)  # atomic: parallel workers never copy a half-built file
    return path


def card(n: int, *, valid: bool = True) -> Token:
    instance = f"C{12345670 + n:08d}"
    return Token(
        country_code="NL", party_id="EMS", uid=f"04A1B2C3D4E5{n:02X}", type=TokenType.RFID,
        contract_id=format_contract_id("NL", "EMS", instance),
        visual_number=f"EMS {instance[1:5]} {instance[5:]}", issuer="Open eMSP", valid=valid,
        whitelist=WhitelistType.ALLOWED, last_updated=FROZEN,
    )  # fmt: skip


def make_app(
    tmp_path: Path,
    *,
    home: HomePosition | None = AMSTERDAM,
    theme: str = "textual-dark",
    favourites: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
    cards: list[Token] = (),  # type: ignore[assignment]
    empty: bool = False,
) -> EmspApp:
    settings = Settings(
        config_dir=tmp_path / "config", data_dir=tmp_path / "data", home=home, theme=theme
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not empty:
        folder = tmp_path.parent / "emsp-ui-template"
        folder.mkdir(exist_ok=True)
        shutil.copy(template(folder), settings.database_path)
    if favourites or cards:
        db = Database(settings.database_path)
        db.open_sync()
        for key in favourites:
            db.transaction_sync(fav_store.add_favourite, *key, FROZEN)
        for token in cards:
            db.transaction_sync(token_store.insert_token, token, FROZEN, None)
        db.close_sync()
    node = EmspNode(settings, serve=False, clock=lambda: FROZEN, rng=random.Random(3))
    app = EmspApp(
        settings, node=node, now=lambda: FROZEN, rng=random.Random(3), sync_on_start=False
    )
    app.animation_level = "none"
    return app


async def settle(pilot: Pilot[object]) -> None:
    """Wait until workers are done and their messages handled (a handler may start another)."""
    app = pilot.app
    await pilot.pause()
    while any(not worker.is_finished for worker in app.workers):
        await app.workers.wait_for_complete()
        await pilot.pause()
