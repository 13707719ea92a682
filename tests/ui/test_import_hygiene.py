"""The protocol, store and services layers never import textual (they serve the CLI too)."""

from __future__ import annotations

import subprocess
import sys

from tests.paths import REPO


def test_core_layers_do_not_import_textual() -> None:
    code = """
import pkgutil, importlib, sys
import emsp_tui.ocpi, emsp_tui.tariff, emsp_tui.store, emsp_tui.services
for package in (emsp_tui.ocpi, emsp_tui.tariff, emsp_tui.store, emsp_tui.services):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
import emsp_tui.config
bad = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print("IMPORTED", len([m for m in sys.modules if m.startswith("emsp_tui.")]))
assert not bad, bad
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[-1]) > 20  # it really imported the layers
