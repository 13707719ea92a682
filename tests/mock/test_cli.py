"""The command line: help, one-line errors, machine-readable start-up, clean shutdown."""

from __future__ import annotations

import base64
import os
import re
import signal
import socket
import subprocess
import sys

import httpx
import pytest

from mock_backend.cli import main
from tests.paths import REPO

ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


def test_help_documents_the_options_and_every_fault_kind(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for text in (
        "--port",
        "--token-a",
        "--seed",
        "--locations",
        "--speed",
        "--push-interval",
        "--fault",
        "/ocpi/versions",
        "/mock/tap",
    ):
        assert text in out
    from mock_backend.faults import KINDS

    for kind in KINDS:
        assert f"  {kind} " in out


@pytest.mark.parametrize(
    "argv",
    [
        ["--bogus"],
        ["--port", "eighty"],
        ["--fault", "DE-VOL:teleport"],
        ["--fault", "XX-YYY:latency"],
        ["--speed", "0"],
        ["--token-a", "has space"],
    ],
)
def test_a_wrong_option_is_one_line_on_stderr(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as exited:
        code = exited.code  # type: ignore[assignment]
    assert code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("emsp-mock: error: ")


def test_runs_prints_its_urls_serves_and_stops_cleanly_on_sigterm() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mock_backend",
            "--port",
            "0",
            "--token-a",
            "secret-A",
            "--locations",
            "40",
            "--seed",
            "5",
            "--speed",
            "10",
        ],
        cwd=REPO,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("ready:"):
                break
        found = [re.fullmatch(r"(.+ versions): (http://\S+)", line) for line in lines]
        urls = {m.group(1): m.group(2) for m in found if m is not None}
        assert set(urls) == {
            "hub versions",
            "cpo DE-VOL versions",
            "cpo NL-GLP versions",
            "cpo FR-BRS versions",
            "cpo BE-FLC versions",
        }
        assert "token_a: secret-A" in lines
        hub = urls["hub versions"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/ocpi/versions", hub)
        token = "Token " + base64.b64encode(b"secret-A").decode()
        answer = httpx.get(hub, headers={"Authorization": token}, timeout=5)
        assert answer.json()["data"][0]["version"] == "2.2.1"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "Traceback" not in err


def test_ctrl_c_is_a_clean_exit_too() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mock_backend", "--port", "0", "--locations", "10"],
        cwd=REPO,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("ready:"):
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "Traceback" not in err
    assert "KeyboardInterrupt" not in err


def test_a_port_in_use_is_a_one_line_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "mock_backend", "--port", str(port), "--locations", "5"],
            cwd=REPO,
            env=ENV,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"emsp-mock: error: cannot listen on 127.0.0.1:{port}")
