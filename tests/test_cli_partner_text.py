"""The headless commands print partner text without its control characters (issue #11).

A partner's name, parties, stations and error messages reach a real terminal through
``emsp partners``, ``emsp stations``, ``emsp sync`` and ``emsp partners add``: an ESC sequence
in them must never get there (it could clear the screen, recolour, set the window title or
forge a line of output). The stored data is written as a partner could have sent it before
the models refused control characters; the error messages come over real HTTP from a partner
that answers every request with one.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from emsp_tui import commands, commands_data
from emsp_tui.cli import TerminalSafeFormatter, build_parser
from emsp_tui.config import Settings, load_settings
from emsp_tui.ocpi.models import Location
from emsp_tui.receiver.server import ReceiverServer
from emsp_tui.store import Database
from emsp_tui.store import locations as loc_store
from emsp_tui.store import partners as partner_store
from emsp_tui.store.partners import Partner, Party
from mock_backend.generator import Network

# What would act on a terminal: C0 but the newline that ends each printed line, DEL, C1,
# bidi controls (written out: the test does not trust the helper it checks).
CONTROL_CHAR = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
NAME = "Hostile\x1b[2J\x1b[31mX\r\nFORGED LINE\u202e"
PARTNER = "evil\x1b]0;pwned\x07"
PARTNER_ERROR = "boom\x1b[1A\x1b[2K\r\nemsp: all fine"
PARTY_NAME = "Evil\x9b31m B.V."
ANSWER = "\x1b[2J\x1b]0;pwned\x07[bold]x\r\nFORGED: ok"  # what the partner's server says


def assert_terminal_safe(text: str) -> None:
    assert not CONTROL_CHAR.findall(text), CONTROL_CHAR.findall(text)
    assert not any(line.startswith(("FORGED", "emsp: all fine")) for line in text.splitlines())


def _seed(conn: sqlite3.Connection, versions_url: str) -> None:
    evil = Partner(
        name=PARTNER, versions_url=versions_url, version="2.2.1",
        endpoints=[
            {"identifier": m, "role": "SENDER", "url": versions_url.replace("versions", m)}
            for m in ("tariffs", "locations")
        ],
        roles=[{"role": "CPO", "country_code": "NL", "party_id": "EVL"}], token_out="token-c",
        last_error=PARTNER_ERROR, parties=[Party("NL", "EVL", "CPO", PARTY_NAME)],
    )  # fmt: skip
    partner_id = partner_store.save_partner(conn, evil, "token-b")
    base = Location.model_validate(Network(7, 10).location_at(0))
    operator = base.operator.model_copy(update={"name": "\x1b[31mRed\x1b[0m Op"})  # type: ignore[union-attr]
    hostile = base.model_copy(
        update={"id": "EVIL-1", "name": NAME, "city": "Ev\x1bil", "operator": operator}
    )  # no validation: stored as it came
    loc_store.upsert_locations(conn, partner_id, [hostile])


@pytest.fixture
async def partner_server() -> AsyncIterator[str]:
    """A partner over real HTTP whose every answer is an OCPI error with a hostile message."""

    async def answer(request: Request) -> JSONResponse:
        body = {"status_code": 3001, "status_message": ANSWER, "timestamp": "2026-03-04T09:30:00Z"}
        return JSONResponse(body)

    methods = ["GET", "POST", "PUT", "DELETE"]
    server = ReceiverServer(
        Starlette(routes=[Route("/{path:path}", answer, methods=methods)]), port=0
    )
    await server.start()
    try:
        yield f"{server.base_url}/ocpi/versions"
    finally:
        await server.stop()


@pytest.fixture
def settings(tmp_path: Path, partner_server: str) -> Settings:
    settings = load_settings(data_dir=tmp_path / "data", config_dir=tmp_path / "config")
    settings.receiver.port = 0
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_path)
    db.open_sync()
    db.transaction_sync(_seed, partner_server)
    db.close_sync()
    return settings


async def test_partners_lists_names_parties_and_errors_without_control_characters(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await commands.partners_list(settings) == 0
    out = capsys.readouterr().out
    assert_terminal_safe(out)
    header, row = (line for line in out.splitlines() if "NAME" in line or "evil" in line)
    assert row.startswith("evil\ufffd]0;pwned\ufffd")  # shown, made harmless
    assert "boom\ufffd[1A\ufffd[2K\ufffd\ufffdemsp: all fine" in row
    assert row.index("NL*EVL(CPO)") == header.index("PARTIES")  # the columns still line up


async def test_stations_prints_partner_texts_without_control_characters(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    args = build_parser().parse_args(["stations", "--near", "Hannover"])
    assert await commands_data.stations(settings, args) == 0
    out = capsys.readouterr().out
    assert_terminal_safe(out)
    assert "Hostile\ufffd[2J\ufffd[31mX\ufffd\ufffdFORGED LINE\ufffd" in out
    assert "\ufffd[31mRed\ufffd[0m Op" in out


async def test_stations_json_keeps_the_text_exact_and_escaped(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """For scripts: JSON escapes control characters, so the data stays exact."""
    args = build_parser().parse_args(["stations", "--near", "Hannover", "--json"])
    assert await commands_data.stations(settings, args) == 0
    out = capsys.readouterr().out
    assert_terminal_safe(out)
    assert NAME in [hit["name"] for hit in json.loads(out)["results"]]


async def test_sync_prints_a_partners_error_message_without_control_characters(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await commands_data.sync(settings, full=False, quiet=True) == 1
    captured = capsys.readouterr()
    assert_terminal_safe(captured.out)
    assert_terminal_safe(captured.err)
    [line] = [line for line in captured.out.splitlines() if "FAILED" in line]
    assert line.startswith("evil\ufffd]0;pwned\ufffd: FAILED")
    assert "\ufffd[2J\ufffd]0;pwned\ufffd[bold]x" in line  # the partner's words, harmless


async def test_partners_add_reports_a_partners_refusal_without_control_characters(
    settings: Settings, partner_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await commands.partners_add(settings, partner_server, "token-a", "newcomer") == 1
    captured = capsys.readouterr()
    assert_terminal_safe(captured.out + captured.err)
    [line] = captured.err.splitlines()
    assert line.startswith("emsp: error: ")
    assert "[bold]x" in line


def test_log_lines_on_the_terminal_carry_no_control_characters() -> None:
    """``emsp -v``: a partner's text in a log message stays on its line, harmless; a traceback
    keeps its lines, each made safe."""
    formatter = TerminalSafeFormatter("%(levelname)s %(name)s: %(message)s")
    try:
        raise ValueError(ANSWER)
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "emsp_tui.sync", logging.WARNING, __file__, 1, "partner %s said %s", (PARTNER, ANSWER),
        exc_info,
    )  # fmt: skip
    text = formatter.format(record)
    assert not CONTROL_CHAR.findall(text), CONTROL_CHAR.findall(text)
    first, *traceback = text.split("\n")
    assert first.startswith("WARNING emsp_tui.sync: partner evil\ufffd]0;pwned\ufffd said")
    assert first.endswith("\ufffd\ufffdFORGED: ok")  # the message is one line
    assert traceback[0] == "Traceback (most recent call last):"  # still readable, line by line
    assert "ValueError: \ufffd[2J\ufffd]0;pwned\ufffd[bold]x\ufffd" in traceback
