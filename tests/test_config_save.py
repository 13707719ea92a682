"""Saving settings from the app changes only what the app changed (#17)."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from emsp_tui.config import HomePosition, load_settings
from emsp_tui.demo import demo_settings
from emsp_tui.node import EmspNode

WRITTEN = """\
request_timeout = 5.0
sync_workers = 0
theme = "textual-dark"

[identity]
name = "My eMSP"
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "config.toml").write_text(WRITTEN)
    (folder / "config.toml").chmod(0o640)
    return folder


def _saved(config_dir: Path) -> dict[str, object]:
    return tomllib.loads((config_dir / "config.toml").read_text())


def test_a_theme_change_keeps_what_the_user_wrote(
    config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMSP_RECEIVER__PORT", "9123")
    settings = load_settings(config_dir=config_dir, data_dir=tmp_path / "data")
    assert settings.receiver.port == 9123
    settings.theme = "textual-light"
    settings.save()
    assert _saved(config_dir) == {
        "request_timeout": 5.0,
        "sync_workers": 0,
        "theme": "textual-light",
        "identity": {"name": "My eMSP"},
    }


def test_saving_keeps_the_file_permissions(config_dir: Path, tmp_path: Path) -> None:
    settings = load_settings(config_dir=config_dir, data_dir=tmp_path / "data")
    settings.theme = "textual-light"
    settings.save()
    assert stat.S_IMODE((config_dir / "config.toml").stat().st_mode) == 0o640


def test_a_second_save_writes_only_the_new_change(config_dir: Path, tmp_path: Path) -> None:
    settings = load_settings(config_dir=config_dir, data_dir=tmp_path / "data")
    settings.theme = "textual-light"
    settings.save()
    # the user edits the file while the app runs
    text = (config_dir / "config.toml").read_text()
    (config_dir / "config.toml").write_text("sync_concurrency = 2\n" + text)
    settings.home = HomePosition(label="Berlin", latitude=52.52, longitude=13.405)
    settings.save()
    doc = _saved(config_dir)
    assert doc["sync_concurrency"] == 2
    assert doc["home"] == {"label": "Berlin", "latitude": 52.52, "longitude": 13.405}


def test_clearing_home_removes_it(config_dir: Path, tmp_path: Path) -> None:
    settings = load_settings(config_dir=config_dir, data_dir=tmp_path / "data")
    settings.home = HomePosition(label="Berlin", latitude=52.52, longitude=13.405)
    settings.save()
    settings.home = None
    settings.save()
    assert "home" not in _saved(config_dir)


def test_a_new_file_holds_only_the_change(tmp_path: Path) -> None:
    settings = load_settings(config_dir=tmp_path / "new", data_dir=tmp_path / "data")
    settings.theme = "textual-light"
    settings.save()
    assert _saved(tmp_path / "new") == {"theme": "textual-light"}


def test_strict_ocpi_reading_can_be_set_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EMSP_OCPI_STRICT=1 makes every partner client refuse off-spec answers (issue #11)."""
    monkeypatch.setenv("EMSP_OCPI_STRICT", "1")
    settings = load_settings(data_dir=tmp_path / "data", config_dir=tmp_path / "config")
    assert settings.ocpi_strict is True
    assert EmspNode(settings, serve=False).clients.strict is True
    monkeypatch.delenv("EMSP_OCPI_STRICT")
    lenient = load_settings(data_dir=tmp_path / "data", config_dir=tmp_path / "config")
    assert EmspNode(lenient, serve=False).clients.strict is False


def test_the_charging_service_prices_with_the_plans_the_invoices_use(tmp_path: Path) -> None:
    """Reminder, live price and invoice read one set of billing settings (issue #12)."""
    settings = load_settings(data_dir=tmp_path / "data", config_dir=tmp_path / "config")
    node = EmspNode(settings, serve=False)
    assert node.charging.pricing.settings is settings.billing


def test_the_demo_issues_invoices_as_a_supplier_with_a_bank_account(tmp_path: Path) -> None:
    """So a demo invoice shows its payment block and its PDF an EPC QR code (issue #12);
    a load-time value: saving the theme does not write it into the demo's config."""
    demo = demo_settings(load_settings(data_dir=tmp_path / "data", config_dir=tmp_path / "config"))
    assert demo.billing.supplier.iban == "NL91ABNA0417164300"
    assert demo.billing.supplier.vat_id
    demo.theme = "textual-light"
    demo.save()
    saved = tomllib.loads((demo.config_dir / "config.toml").read_text())
    assert "billing" not in saved
