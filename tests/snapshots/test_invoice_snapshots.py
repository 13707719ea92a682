"""Appearance of the Invoices area and the invoice screen, wide (120x35) and small (80x24), on
invoices the real BillingService issued at fixed dates (tests/ui/invoice_seed.py).

Plain ``def`` tests: snap_compare runs its own event loop (the seeding runs before it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList

from emsp_tui.app import EmspApp
from emsp_tui.screens.invoice import InvoiceScreen
from emsp_tui.widgets.session_panel import HistoryTable
from tests.ui import invoice_seed as seed
from tests.ui.support import make_app

Snap = Callable[..., bool]
WIDE, SMALL = (120, 35), (80, 24)
SIZES = pytest.mark.parametrize("size", [WIDE, SMALL], ids=["120x35", "80x24"])


def seeded(tmp_path: Path) -> EmspApp:
    app = make_app(tmp_path)
    asyncio.run(seed.seed_invoices(app.settings.database_path))
    return app


async def settle(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await pilot.pause()
    while any(not worker.is_finished for worker in app.workers):
        await app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.pause()


async def until(pilot: Pilot[Any], done: Callable[[], bool]) -> None:
    """For the charging area, whose worker follows pushes forever."""
    for _ in range(200):
        await pilot.pause(0.02)
        if done():
            break
    await pilot.pause()


def keys(*pressed: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)

    return run


@SIZES
def test_invoices_march(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    """March: an overcharged invoice, a late one with its credit note, a credit note for
    February's invoice; the month's totals."""
    assert snap_compare(seeded(tmp_path), terminal_size=size, run_before=keys("6"))


def test_invoices_february(snap_compare: Snap, tmp_path: Path) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await keys("6")(pilot)
        pilot.app.screen.query_one("#months", OptionList).focus()
        await pilot.press("down")
        await settle(pilot)

    assert snap_compare(seeded(tmp_path), terminal_size=SMALL, run_before=run)


def test_invoices_none_yet(snap_compare: Snap, tmp_path: Path) -> None:
    assert snap_compare(make_app(tmp_path), terminal_size=SMALL, run_before=keys("6"))


@SIZES
def test_invoice_overcharged(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    """Lines, VAT, totals and the audit: the operator billed more than their tariff."""
    assert snap_compare(seeded(tmp_path), terminal_size=size, run_before=keys("6", "enter"))


@SIZES
def test_invoice_with_credit_note(
    snap_compare: Snap, tmp_path: Path, size: tuple[int, int]
) -> None:
    """The late invoice (charged in February) with its credit note listed, scrolled down."""

    async def run(pilot: Pilot[Any]) -> None:
        await keys("6", "down", "enter")(pilot)
        pilot.app.screen.query_one("#invoice-body").scroll_end(animate=False)
        await settle(pilot)

    assert snap_compare(seeded(tmp_path), terminal_size=size, run_before=run)


def test_credit_note(snap_compare: Snap, tmp_path: Path) -> None:
    assert snap_compare(
        seeded(tmp_path), terminal_size=SMALL, run_before=keys("6", "down", "down", "enter")
    )


@SIZES
def test_history_row_bill(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    """From the History: the charge's CDR above its invoice."""

    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await settle(pilot)
        await pilot.press("5", "h")
        await until(pilot, lambda: len(getattr(app.screen, "history", [])) == 3)
        history = app.screen.history  # type: ignore[attr-defined]
        ids = [e.cdr.id if e.cdr else None for e in history]
        table = app.screen.query_one(HistoryTable)
        table.focus()
        table.move_cursor(row=ids.index(seed.CDR_IDS[seed.OVERCHARGED]))
        await pilot.press("enter")
        await until(
            pilot,
            lambda: isinstance(app.screen, InvoiceScreen) and app.screen.document is not None,
        )

    assert snap_compare(seeded(tmp_path), terminal_size=size, run_before=run)


@SIZES
def test_billing_details(snap_compare: Snap, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(seeded(tmp_path), terminal_size=size, run_before=keys("6", "d"))
