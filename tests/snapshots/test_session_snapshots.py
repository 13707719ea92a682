"""Appearance of the charging screen: a live session (and a stale one), with fake views and a
frozen clock. Plain ``def`` tests (snap_compare runs its own loop)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from emsp_tui.ocpi.enums import SessionStatus
from emsp_tui.ocpi.models import Price
from emsp_tui.screens.session import SessionScreen
from emsp_tui.services.charging_views import HistoryEntry, PowerSample, SessionView
from emsp_tui.tariff.money import Money
from emsp_tui.widgets.session_panel import HistoryTable
from tests.ui.support import FROZEN, make_app

Snap = Callable[..., bool]
SIZE = (100, 30)
START = FROZEN - timedelta(minutes=23, seconds=10)

LIVE = SessionView(
    "NL", "GLP", "S-1", SessionStatus.ACTIVE, "NL-GLP-000002", "NL*GLP*E000002*1", "1",
    "Keizersgracht 12", "Keizersgracht 12", "04A1B2C3D4E501", "NL-EMS-C12345671-X", "ref-1",
    START, None, timedelta(minutes=23, seconds=10), 12.4, 36.5, 61.0,
    tuple(PowerSample(START + timedelta(minutes=m), kw, m * 0.5)
          for m, kw in enumerate([0, 20, 45, 50, 49, 48, 46, 44, 40, 38, 37, 36.5])),
    "EUR", Price(excl_vat=5.12, incl_vat=6.20), Money(Decimal("5.10"), Decimal("6.17")),
    FROZEN, FROZEN, False, None,
)  # fmt: skip

PAST = [
    HistoryEntry(
        "NL", "GLP", "S-0", "NL-GLP-000009", "Damrak 5", "Damrak 5",
        FROZEN - timedelta(days=2), FROZEN - timedelta(days=2) + timedelta(minutes=41),
        timedelta(minutes=41), 30.2, Price(excl_vat=14.0, incl_vat=16.94), "EUR",
        SessionStatus.COMPLETED, None,
    ),
]  # fmt: skip


def show(view: SessionView) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        app = pilot.app
        screen = SessionScreen()
        app.push_screen(screen)
        await pilot.pause()
        screen.workers.cancel_group(screen, "session-follow")  # fake data only
        await pilot.pause()
        screen._show(view)
        screen.query_one(HistoryTable).show(PAST)
        await pilot.pause()

    return run


def test_session_live(snap_compare: Snap, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=show(LIVE))


def test_session_stale(snap_compare: Snap, tmp_path: Path) -> None:
    stale = replace(LIVE, stale=True, soc=None)
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=show(stale))
