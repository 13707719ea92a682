"""The CLI's price column says what the app says when there is no kWh figure (#11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from emsp_tui import commands_data
from emsp_tui.cli import build_parser
from emsp_tui.config import load_settings
from emsp_tui.ocpi.models import Tariff
from emsp_tui.store import locations as store
from emsp_tui.tariff import energy_price_per_kwh, summarize_tariff
from tests.store.test_locations import Store, connector, evse, location, stamp


def words_only() -> Tariff:
    """Priced in words only: every component 0, the price in the alt text."""
    return Tariff.model_validate({
        "country_code": "NL", "party_id": "TST", "id": "WORDS", "currency": "EUR",
        "tariff_alt_text": [{"language": "en", "text": "Members 0.30/kWh, others 0.50/kWh"}],
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0, "step_size": 1}]}],
        "last_updated": stamp(),
    })  # fmt: skip


def test_a_price_in_words_only_has_no_kwh_figure() -> None:
    assert summarize_tariff(words_only()) == "see details"
    assert energy_price_per_kwh(words_only()) is None  # not 0: that would look free


async def test_the_cli_says_see_details_not_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(data_dir=tmp_path / "data", config_dir=tmp_path / "config")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    st = Store(settings.database_path)
    st.run(store.upsert_tariffs, st.partner_id, [words_only()])
    plug = connector("1", "IEC_62196_T2", 22, tariffs=["WORDS"])
    st.put(location("L1", "Marktplein", evses=[evse("A", "AVAILABLE", plug)]))
    st.db.close_sync()
    assert await commands_data.stations(settings, build_parser().parse_args(["stations"])) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "Marktplein" in line)
    assert row.endswith("see details")
    assert "0.00" not in row
