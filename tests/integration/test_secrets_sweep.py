"""Secrets sweep (issue #11): after a full run, no credentials token (TOKEN_A, B or C, raw or
base64) is anywhere it should not be: the log (every level, tracebacks included), stderr and
stdout, the OCPI message log, any other text in the database, the configuration, what the
commands print, and the app's snapshots. The only copy of a token we present to a partner is
``partners.token_out``; the tokens partners present to us are stored as SHA-256 hashes.

The run: our node registers with the mock hub (outbound) and a CPO of our own registers with us
(inbound) and rotates its token by PUT; a sync; a charge started and stopped against the mock;
refused requests (another party's session, TOKEN_A where it is not enough, a stolen party);
an exception forced inside a handler (the guard's traceback); ``emsp partners``, ``stations
--json`` and ``partners invite``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import socket
import sqlite3
import stat
from pathlib import Path

import httpx
import pytest
from rich.console import Console
from rich.traceback import Traceback

from emsp_tui import commands, commands_data
from emsp_tui.cli import build_parser
from emsp_tui.config import load_settings
from emsp_tui.ocpi.auth import new_credentials_token
from emsp_tui.ocpi.client import OcpiClient
from emsp_tui.ocpi.errors import OcpiError
from emsp_tui.ocpi.retry import NO_RETRY
from emsp_tui.services.charging import CdrArrived, SessionChanged
from emsp_tui.store import partners as partner_store
from emsp_tui.store import sessions as session_store
from tests.fake_cpo import FakeCpo, auth, running_fakes
from tests.paths import REPO
from tests.receiver import payloads

from . import charging_support
from .charging_support import Setup, next_event, peer_token, remote_evse, stored_location

fast_mock = charging_support.fast_mock  # a fixture
setup = charging_support.setup  # a fixture

SNAPSHOTS = REPO / "tests" / "snapshots" / "__snapshots__"
UI_FIXTURE_TOKENS = {"ui TOKEN_B": "token-b", "ui TOKEN_C": "token-c"}  # tests/ui/support.py
STORED_AS_IS = {("partners", "token_out")}  # what we present: must be kept (owner-only file)
HASHED = {("partners", "token_in"), ("registration_tokens", "token")}


def forms(tokens: dict[str, str]) -> dict[str, str]:
    """Each token raw and in base64 (the Authorization header's form), named."""
    found: dict[str, str] = {}
    for name, token in tokens.items():
        found[name] = token
        found[f"{name} (base64)"] = base64.b64encode(token.encode()).decode()
    return found


def leaks(text: str, secrets: dict[str, str]) -> list[str]:
    return [name for name, value in secrets.items() if value in text]


def database_texts(path: Path) -> tuple[dict[str, str], str]:
    """Every text of every table as ``table.column`` -> joined values (the columns we skip
    aside), and the skipped columns' values (to check what they hold)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    texts: dict[str, str] = {}
    skipped: list[str] = []
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info('{table}')")]
            for column in columns:
                values = [r[0] for r in conn.execute(f'SELECT "{column}" FROM "{table}"')]
                text = "\n".join(
                    v.decode("latin-1") if isinstance(v, bytes) else str(v)
                    for v in values
                    if v is not None
                )
                if (table, column) in STORED_AS_IS | HASHED:
                    skipped.append(text)
                else:
                    texts[f"{table}.{column}"] = text
    finally:
        conn.close()
    return texts, "\n".join(skipped)


async def charge_once(setup: Setup) -> None:
    node = setup.node
    location, evse_uid = remote_evse(setup.mock)
    location = await stored_location(node, location)
    command = await node.charging.start(location, evse_uid, None, setup.card)
    started = await next_event(
        setup.events,
        SessionChanged,
        lambda e: (
            e.view.authorization_reference == command.authorization_reference
            and e.view.status == "ACTIVE"
        ),
    )
    await node.charging.stop(started.view)
    await next_event(setup.events, CdrArrived, lambda e: e.session == started.view.key)


async def test_no_credentials_token_is_where_it_should_not_be(
    setup: Setup,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    node, mock = setup.node, setup.mock
    assert setup.hub.token_out is not None
    tokens = {
        "hub TOKEN_A": mock.token_a,
        "hub TOKEN_B": peer_token(mock),
        "hub TOKEN_C": setup.hub.token_out,
    }
    async with running_fakes(FakeCpo("NL", "SWP"), FakeCpo("NL", "ATK")) as (cpo, intruder):
        # A CPO registers with us (TOKEN_A -> B -> C), then rotates its tokens by PUT.
        token_a = new_credentials_token()
        await node.db.run(partner_store.add_registration_token, token_a, "sweep")
        tokens |= {"cpo TOKEN_A": token_a, "cpo TOKEN_B": cpo.token_b}
        assert (await cpo.register_with(node.versions_url, token_a)).status_code == 200
        assert cpo.token_c is not None
        tokens["cpo TOKEN_C"] = cpo.token_c
        assert (await cpo.update_with(node.versions_url, [("NL", "SWP", "CPO")])).status_code == 200
        tokens |= {"cpo TOKEN_B2": cpo.token_b, "cpo TOKEN_C2": cpo.token_c}
        # A sync and a charge.
        results = await node.new_sync().sync_all()
        assert all(r.ok for r in results), [r.error for r in results]
        await charge_once(setup)
        # Refused: another party's session, a TOKEN_A on a functional module, a stolen party.
        intruder_a = new_credentials_token()
        await node.db.run(partner_store.add_registration_token, intruder_a, "intruder")
        tokens |= {"intruder TOKEN_A": intruder_a, "intruder TOKEN_B": intruder.token_b}
        url = f"{node.ctx.version_url}/emsp/sessions"
        async with httpx.AsyncClient() as http:
            theirs = await http.put(
                f"{url}/DE/VOL/S-X", json=payloads.session("S-X"), headers=auth(cpo.token_c)
            )
            with_a = await http.get(f"{url}/NL/SWP/S-X", headers=auth(intruder_a))
        assert (theirs.status_code, with_a.status_code) == (400, 401)
        stolen = await intruder.register_with(node.versions_url, intruder_a, [("NL", "SWP", "CPO")])
        assert stolen.status_code == 400

        # An exception inside a handler: the guard answers 500 and logs the traceback.
        def broken(*args: object) -> None:
            raise RuntimeError("forced failure in the secrets sweep")

        monkeypatch.setattr(session_store, "put_session", broken)
        async with httpx.AsyncClient() as http:
            crash = await http.put(
                f"{url}/NL/SWP/S-1",
                json=payloads.session("S-1", "NL", "SWP"),
                headers=auth(cpo.token_c),
            )
        assert crash.status_code == 500
        monkeypatch.undo()
    await node.message_log.flush()

    # What the commands print (an invitation prints its TOKEN_A, on purpose, to stdout only).
    settings = load_settings(data_dir=tmp_path / "data", config_dir=tmp_path / "config")
    assert await commands.partners_list(settings) == 0
    args = build_parser().parse_args(["stations", "--json", "--limit", "5"])
    assert await commands_data.stations(settings, args) == 0
    # `emsp sync` again: the CPOs of our own are gone by now, so its errors are printed too.
    assert await commands_data.sync(settings, full=False, quiet=False) == 1
    printed = capfd.readouterr()
    assert await commands.partners_invite(settings, "sweep") == 0
    invitation = capfd.readouterr()
    [invited] = [line.split()[-1] for line in invitation.out.splitlines() if "TOKEN_A:" in line]
    tokens["invitation TOKEN_A"] = invited
    secrets = forms(tokens | UI_FIXTURE_TOKENS)

    # The log (records of the eMSP and the libraries it uses; the mock network's own aside).
    assert "forced failure in the secrets sweep" in caplog.text  # the traceback was captured
    ours = [r for r in caplog.records if not r.name.startswith("mock_backend")]
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    log_text = "\n".join(formatter.format(r) for r in ours)  # tracebacks included
    assert leaks(log_text, secrets) == []
    assert leaks(printed.out + printed.err + invitation.err, secrets) == []

    # The database: nothing but partners.token_out holds a token as is; token_in is hashed.
    texts, skipped = database_texts(settings.database_path)
    assert texts["ocpi_messages.request_body"]  # the message log was written
    found = {where: leaks(text, secrets) for where, text in texts.items()}
    assert {where: names for where, names in found.items() if names} == {}
    assert setup.hub.token_out in skipped
    held = await node.db.run(partner_store.partner_by_token, cpo.token_c)
    assert held is not None
    conn = sqlite3.connect(settings.database_path)
    try:
        row = conn.execute("SELECT token_in FROM partners WHERE id = ?", (held.id,)).fetchone()
    finally:
        conn.close()
    assert row[0] == hashlib.sha256(cpo.token_c.encode()).hexdigest()

    # The configuration and every other file we wrote, and who may read them.
    for folder in (settings.config_dir, settings.data_dir):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        for path in folder.rglob("*"):
            if path.is_file():
                assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    config_text = settings.config_file.read_text()
    assert mock.versions_url in config_text
    assert leaks(config_text, secrets) == []

    # The app's snapshots.
    svgs = sorted(SNAPSHOTS.rglob("*.svg"))
    assert svgs
    for svg in svgs:
        assert leaks(svg.read_text(), secrets) == [], svg


async def test_a_crash_screen_with_locals_shows_no_token() -> None:
    """What Textual prints when an error escapes the app: the traceback with each frame's
    locals. Here an OCPI call to a port that answers nothing, as a sync or a push makes."""
    token = new_credentials_token()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    async with OcpiClient(token, retry=NO_RETRY, timeout=2.0) as client:
        with pytest.raises(OcpiError) as caught:
            await client.get(f"http://127.0.0.1:{port}/ocpi/versions")
    out = io.StringIO()
    below_us = caught.tb.tb_next  # the client's frames, not this test's (it holds the token)
    trace = Traceback.from_exception(
        caught.type, caught.value, below_us, show_locals=True, locals_max_length=5
    )
    Console(file=out, width=200).print(trace)
    assert "_attempt" in out.getvalue()  # the client's frames are there
    assert leaks(out.getvalue(), forms({"TOKEN": token})) == []
