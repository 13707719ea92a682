"""The command line: helpful --help, one-line errors, headless partners/sync/stations."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from emsp_tui.store import Database
from emsp_tui.store import partners as partner_store
from emsp_tui.store.deviations import record_deviation
from emsp_tui.store.partners import Partner, Party
from mock_backend.config import MockConfig
from mock_backend.server import running_mock


def run(*args: str, env_dir: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``emsp ARGS`` in a subprocess on the profile in ``env_dir``."""
    env = {
        "PATH": "/usr/bin:/bin",
        "EMSP_DATA_DIR": str(env_dir / "data"),
        "EMSP_CONFIG_DIR": str(env_dir / "config"),
    }
    return subprocess.run(
        [sys.executable, "-m", "emsp_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    out = run("--help", env_dir=tmp_path)
    assert out.returncode == 0
    for word in ("demo", "partners", "sync", "stations", "serve", "--data-dir"):
        assert word in out.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("--bogus",),
        ("stations", "--min-kw", "lots"),
        ("partners", "add"),
        ("frobnicate",),
        ("stations", "--offset", "-5"),
        ("stations", "--party", "XYZ"),
        ("stations", "--facility", "FOO"),
        ("stations", "--connector", "plug"),
        ("serve", "--port", "99999"),
        ("partners", "add", "notaurl", "--token", "x"),
    ],
)
def test_a_wrong_command_line_is_one_line_not_a_traceback(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    out = run(*args, env_dir=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert out.stderr.startswith("emsp")


def test_an_unusable_data_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    out = run("--data-dir", str(tmp_path / "a-file"), "partners", env_dir=tmp_path)
    assert out.returncode == 1
    assert out.stderr.startswith("emsp: error: ")
    assert len(out.stderr.strip().splitlines()) == 1


def test_facility_and_party_are_case_insensitive(tmp_path: Path) -> None:
    out = run("stations", "--facility", "cafe", "--party", "de-vol", env_dir=tmp_path)
    assert (out.returncode, out.stderr) == (0, "")


def test_an_unknown_place_is_a_clear_error(tmp_path: Path) -> None:
    out = run("stations", "--near", "Atlantis", env_dir=tmp_path)
    assert out.returncode == 2
    assert "unknown place 'Atlantis'" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_broken_config_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.toml").write_text("identity = [unclosed")
    out = run("partners", env_dir=tmp_path)
    assert out.returncode == 2
    assert "cannot read the configuration" in out.stderr
    assert "Traceback" not in out.stderr


async def test_partners_sync_and_stations_headless(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # main() runs asyncio.run itself, so drive the coroutines behind it in this loop instead.
    from emsp_tui import commands, commands_data
    from emsp_tui.cli import build_parser
    from emsp_tui.config import load_settings

    settings = load_settings(data_dir=tmp_path / "data", config_dir=tmp_path / "config")
    settings.receiver.port = 0
    async with running_mock(MockConfig(seed=3, locations=120, churn_per_minute=0)) as mock:
        assert await commands.partners_add(settings, mock.versions_url, mock.token_a, "hub") == 0
        assert await commands_data.sync(settings, full=False, quiet=True) == 0
        first = capsys.readouterr().out
        assert "locations full 120 stored" in first
        assert "CDRs not pulled" not in first
        with sqlite3.connect(settings.database_path) as conn:  # the sync pulled CDRs too (#12)
            pulled = conn.execute("SELECT count(*) FROM sync_state WHERE module = 'cdrs'")
            assert pulled.fetchone()[0] >= 1
        assert await commands_data.sync(settings, full=False, quiet=True) == 0
        assert "locations incremental 0 stored" in capsys.readouterr().out
        args = build_parser().parse_args(["stations", "--near", "Berlin", "--limit", "5", "--json"])
        assert await commands_data.stations(settings, args) == 0
        doc = json.loads(capsys.readouterr().out)
        distances = [hit["distance_km"] for hit in doc["results"]]
        assert len(distances) == 5
        assert distances == sorted(distances)
        assert doc["total"] >= 5  # nearest first: the matches within the radius that fills a page
        args = build_parser().parse_args(["stations", "--limit", "3", "--json"])
        assert await commands_data.stations(settings, args) == 0
        assert json.loads(capsys.readouterr().out)["total"] == 120
        assert await commands.partners_list(settings) == 0
        listing = capsys.readouterr().out
        assert "DE*VOL(CPO)" in listing
        assert mock.token_a not in listing


def test_partners_on_a_fresh_profile_says_how_to_start(tmp_path: Path) -> None:
    out = run("partners", env_dir=tmp_path)
    assert out.returncode == 0
    assert "emsp partners add" in out.stdout


async def test_demo_flag_reaches_the_demo_profile(tmp_path: Path) -> None:
    # What 'emsp demo' leaves in DATA_DIR/demo: a registered hub (#16).
    from emsp_tui import commands
    from emsp_tui.config import demo_profile, load_settings

    mine = load_settings(data_dir=tmp_path / "data", config_dir=tmp_path / "config")
    demo = demo_profile(mine, receiver={"port": 0})
    async with running_mock(MockConfig(seed=3, locations=20, churn_per_minute=0)) as mock:
        assert await commands.partners_add(demo, mock.versions_url, mock.token_a, "demo-hub") == 0
    before = run("partners", env_dir=tmp_path)
    assert "demo-hub" not in before.stdout
    for args in (("--demo", "partners"), ("partners", "--demo"), ("partners", "list", "--demo")):
        out = run(*args, env_dir=tmp_path)
        assert (out.returncode, out.stderr) == (0, "")
        assert "demo-hub" in out.stdout


def test_what_the_demo_registers_is_what_emsp_demo_partners_lists(tmp_path: Path) -> None:
    demo = run("demo", "--headless", "--locations", "20", env_dir=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "emsp --demo stations paris" in demo.stderr  # its first lines say how (#16)
    listing = run("--demo", "partners", env_dir=tmp_path)
    assert "demo-hub" in listing.stdout
    assert "demo-hub" not in run("partners", env_dir=tmp_path).stdout


def test_the_demo_says_how_to_reach_its_profile(tmp_path: Path) -> None:
    from emsp_tui.config import load_settings
    from emsp_tui.demo import demo_profile_hint, demo_settings

    demo = demo_settings(load_settings(data_dir=tmp_path / "d", config_dir=tmp_path / "c"))
    hint = demo_profile_hint(demo)
    assert str(tmp_path / "d" / "demo") in hint
    assert "emsp --demo stations paris" in hint


def test_help_names_the_demo_flag(tmp_path: Path) -> None:
    out = run("stations", "--help", env_dir=tmp_path)
    assert "--demo" in out.stdout


@pytest.mark.parametrize("name", ["CCS", "ccs2", "Type 2", "type2", "CHAdeMO", "Tesla", "schuko"])
def test_connector_names_drivers_use_are_accepted(tmp_path: Path, name: str) -> None:
    out = run("stations", "--connector", name, "berlin", env_dir=tmp_path)
    assert (out.returncode, out.stderr) == (0, "")  # #12: was a traceback
    assert "No stations match." in out.stdout


def test_an_unknown_connector_lists_the_accepted_names(tmp_path: Path) -> None:
    out = run("stations", "--connector", "plug", env_dir=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert "unknown connector 'plug'" in out.stderr
    for name in ("CCS", "Type 2", "CHAdeMO", "IEC_62196_T2_COMBO"):
        assert name in out.stderr


async def test_a_ccs_search_finds_the_ccs_stations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from emsp_tui import commands, commands_data
    from emsp_tui.cli import build_parser
    from emsp_tui.config import load_settings

    settings = load_settings(data_dir=tmp_path / "data", config_dir=tmp_path / "config")
    settings.receiver.port = 0
    async with running_mock(MockConfig(seed=3, locations=60, churn_per_minute=0)) as mock:
        assert await commands.partners_add(settings, mock.versions_url, mock.token_a, "hub") == 0
        assert await commands_data.sync(settings, full=False, quiet=True) == 0
    capsys.readouterr()
    totals = {}
    for name in ("CCS", "ccs2", "IEC_62196_T2_COMBO"):
        args = build_parser().parse_args(["stations", "--connector", name, "--json"])
        assert await commands_data.stations(settings, args) == 0
        doc = json.loads(capsys.readouterr().out)
        assert all("IEC_62196_T2_COMBO" in hit["connectors"] for hit in doc["results"])
        totals[name] = doc["total"]
    assert totals["ccs2"] == totals["IEC_62196_T2_COMBO"] > 0


@pytest.mark.parametrize("url", ["notaurl", "ftp://example.com/versions", "http://"])
def test_partners_add_says_a_typo_is_not_a_url(tmp_path: Path, url: str) -> None:
    out = run("partners", "add", url, "--token", "x", env_dir=tmp_path)
    assert out.returncode == 2
    assert f"{url!r} is not a URL" in out.stderr  # #13: was "invalid OCPI response"
    assert "invalid OCPI response" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_partners_add_says_a_host_does_not_answer(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/ocpi/versions"
    out = run("partners", "add", url, "--token", "x", env_dir=tmp_path)
    assert out.returncode == 1
    assert out.stderr.startswith(f"emsp: error: could not connect to 127.0.0.1:{port}")
    assert len(out.stderr.strip().splitlines()) == 1


def test_sync_without_partners_says_there_is_nothing_to_sync(tmp_path: Path) -> None:
    out = run("sync", env_dir=tmp_path)
    assert out.returncode == 1  # #17: was 0, silently
    assert "nothing to sync" in out.stderr
    assert "emsp partners add" in out.stderr


def _assert_one_line_about(out: subprocess.CompletedProcess[str], port: int) -> None:
    assert out.returncode == 1  # was a uvicorn traceback, exit 3
    assert out.stderr.startswith("emsp: error: ")
    assert f"127.0.0.1:{port}" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_serve_on_a_taken_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = run("serve", "--port", str(port), env_dir=tmp_path)
    _assert_one_line_about(out, port)


def test_partners_add_while_our_port_is_taken_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        (tmp_path / "config").mkdir()
        (tmp_path / "config" / "config.toml").write_text(f"[receiver]\nport = {port}\n")
        out = run(
            "partners", "add", "http://127.0.0.1:9/ocpi/versions", "--token", "x", env_dir=tmp_path
        )
    _assert_one_line_about(out, port)


def test_partners_list_names_what_a_partner_sends_off_spec(tmp_path: Path) -> None:
    """Deviations we read anyway (issue #11) are told to whoever integrates the partner."""
    db = Database(tmp_path / "data" / "emsp.sqlite3")
    db.open_sync()
    cpo = Partner(
        name="odd-cpo",
        versions_url="http://odd.test/ocpi/versions",
        roles=[{"role": "CPO", "country_code": "NL", "party_id": "ODD"}],
        token_out="t-out",
        parties=[Party("NL", "ODD", "CPO")],
    )

    def seed(conn: sqlite3.Connection) -> None:
        partner_id = partner_store.save_partner(conn, cpo, "t-in")
        at = datetime(2026, 3, 2, tzinfo=UTC)
        record_deviation(conn, partner_id, "wrapped_object", "CommandResponse", at, 2)
        record_deviation(conn, partner_id, "missing_timeout", "CommandResponse", at)

    db.transaction_sync(seed)
    db.close_sync()
    out = run("partners", "list", env_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if "deviates" in x)
    assert line.startswith("odd-cpo deviates from OCPI 2.2.1 (read anyway): ")
    assert "wrapped_object x2" in line
    assert "missing_timeout x1" in line
