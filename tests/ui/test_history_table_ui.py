"""Bug #8 (issue #10): the charging history at 80x24 cut the cost ("21.32 E") and two charges at
one station looked alike. The cost stays whole and every row says when it started."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from emsp_tui.ocpi.models import Cdr
from emsp_tui.store import Database
from emsp_tui.store import cdrs as cdr_store
from emsp_tui.widgets.session_panel import HistoryTable
from tests.receiver.payloads import cdr

from .support import FROZEN, make_app
from .test_charging_views_ui import wait_idle

# two charges at one station, the same day
STATION = {"cc": "NL", "pid": "GLP", "location": "NL-GLP-000003", "evse": "NL-GLP-000003-1"}
STARTS = (FROZEN - timedelta(hours=5, minutes=10), FROZEN - timedelta(hours=2, minutes=40))


def iso(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


def seed_cdrs(database: Path) -> None:
    db = Database(database)
    db.open_sync()
    for n, (start, cost) in enumerate(zip(STARTS, ("21.32", "9.05"), strict=True), start=1):
        end = start + timedelta(minutes=47)
        body = cdr(f"CDR-{n}", cc="NL", pid="GLP", session_id=f"S-{n}")
        body.update(
            start_date_time=iso(start), end_date_time=iso(end), last_updated=iso(end),
            total_cost={"excl_vat": cost, "incl_vat": cost},
        )  # fmt: skip
        body["cdr_location"].update(
            id=STATION["location"], evse_uid=STATION["evse"],
            address="Stationsplein 1, parking garage Amsterdam Centraal, level -2",
        )  # fmt: skip
        body["charging_periods"][0]["start_date_time"] = iso(start)
        db.transaction_sync(cdr_store.insert_cdr, None, Cdr.model_validate(body), FROZEN)
    db.close_sync()


def row_texts(table: HistoryTable) -> list[list[str]]:
    """What each row shows on screen: every cell cut to its column's rendered width."""
    rows = []
    for row_key in table.rows:
        cells = []
        for column, cell in zip(table.ordered_columns, table.get_row(row_key), strict=True):
            text = str(cell).strip() if not hasattr(cell, "plain") else cell.plain.strip()
            cells.append((text, column.get_render_width(table) - 2 * table.cell_padding))
        rows.append(cells)
    return [[t if len(t) <= w else t[:w] for t, w in r] for r in rows]


async def history(pilot: Pilot[Any]) -> HistoryTable:
    await wait_idle(pilot)
    await pilot.press("5")
    await pilot.pause()
    await pilot.press("h")
    await pilot.pause()
    table = pilot.app.screen.query_one(HistoryTable)
    for _ in range(50):
        if table.row_count >= 2:
            break
        await pilot.pause(0.02)
    await pilot.pause()
    return table


@pytest.mark.parametrize("size", [(80, 24), (120, 35)])
async def test_the_cost_is_whole_and_each_row_says_when(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = make_app(tmp_path)
    seed_cdrs(app.settings.database_path)
    async with app.run_test(size=size) as pilot:
        table = await history(pilot)
        assert table.row_count == 2
        assert (
            table.virtual_size.width <= table.scrollable_content_region.width
        )  # nothing off-screen
        lines = [" ".join(cells).strip() for cells in row_texts(table)]
        newest, oldest = lines
        assert newest.endswith("9.05 EUR")
        assert oldest.endswith("21.32 EUR")
        for start, line in zip(reversed(STARTS), lines, strict=True):
            assert f"{start.day} {start:%b} {start:%H:%M}" in line
