"""The Invoices area (6) and the invoice screen, driven by keys and by clicks, on invoices the
real BillingService issued (tests/ui/invoice_seed.py): months with their totals, an invoice's
lines, VAT and audit sentence, credit notes under their invoice, the PDF, and a History row
opening its CDR and invoice."""

from __future__ import annotations

import io
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from emsp_tui.app import EmspApp
from emsp_tui.screens.billing_details import BillingDetailsScreen
from emsp_tui.screens.invoice import InvoiceScreen
from emsp_tui.screens.invoices import DocumentsTable, InvoicesScreen
from emsp_tui.screens.session import SessionScreen
from emsp_tui.widgets.session_panel import HistoryTable

from . import invoice_seed as seed
from .support import make_app

SIZE = (100, 30)


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until workers are done and their messages handled (a handler may start another)."""
    app = pilot.app
    await pilot.pause()
    while any(not worker.is_finished for worker in app.workers):
        await app.workers.wait_for_complete()
        await pilot.pause()


def current(app: EmspApp) -> object:
    """The screen on top (untyped, so that mypy does not keep an earlier narrowing)."""
    return app.screen


async def seeded_app(tmp_path: Path) -> EmspApp:
    app = make_app(tmp_path)
    await seed.seed_invoices(app.settings.database_path)
    return app


def text_of(screen: Any, selector: str, width: int = 100) -> str:
    """What a Static shows, as plain text (its content may be a Rich Table)."""
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(screen.query_one(selector, Static).content)
    return " ".join(console.export_text().split())


def rows(screen: Any) -> list[str]:
    table = screen.query_one("#documents", DocumentsTable)
    return [str(key.value) for key in table.rows]


def months(screen: Any) -> list[tuple[str, str]]:
    options = screen.query_one("#months", OptionList)
    return [
        (str(o.id), " ".join(str(o.prompt).split()))
        for o in (options.get_option_at_index(i) for i in range(options.option_count))
    ]


async def until(pilot: Pilot[Any], done: Callable[[], bool]) -> None:
    """Where a screen's worker follows pushes forever (charging), poll instead of settling."""
    for _ in range(200):
        await pilot.pause(0.02)
        if done():
            await pilot.pause()
            return
    raise AssertionError("the screen did not get there")


async def open_area(pilot: Pilot[Any]) -> InvoicesScreen:
    await settle(pilot)
    await pilot.press("6")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, InvoicesScreen)
    return screen


async def test_months_with_totals_and_credit_notes_under_their_invoice(tmp_path: Path) -> None:
    app = await seeded_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_area(pilot)
        # March: two invoices (9.68) less two credit notes (5.76); February: its one invoice
        assert months(screen) == [
            ("2026-03", "Mar 2026 3.92 EUR"),
            ("2026-02", "Feb 2026 4.76 EUR"),
        ]
        summary = text_of(screen, "#month-summary")
        assert "March 2026: you pay 3.92 EUR" in summary
        assert "2 invoices 9.68 EUR, 2 credit notes -5.76 EUR" in summary
        assert "1 charge of an earlier month, billed late" in summary
        # each credit note right under the invoice it corrects; one for February's invoice
        assert rows(screen) == [seed.OVERCHARGED, seed.LATE, seed.PARTIAL_CREDIT,
                                seed.FEBRUARY_CREDIT]  # fmt: skip
        table = screen.query_one("#documents", DocumentsTable)
        late_row = [c.plain for c in table.get_row(seed.LATE)]
        assert late_row[2].startswith("late: charged 27 Feb")
        assert "-4.76 EUR" in [c.plain.strip() for c in table.get_row(seed.FEBRUARY_CREDIT)]

        screen.query_one("#months", OptionList).focus()
        await pilot.press("down")
        await settle(pilot)
        assert rows(screen) == [seed.FEBRUARY, seed.FEBRUARY_CREDIT]
        assert "February 2026: you pay 4.76 EUR" in text_of(screen, "#month-summary")


async def test_an_invoice_shows_lines_vat_and_the_audit_in_plain_words(tmp_path: Path) -> None:
    app = await seeded_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_area(pilot)
        await pilot.press("enter")  # the first row: the overcharged invoice
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InvoiceScreen)
        assert screen.document is not None
        assert screen.document.number == seed.OVERCHARGED
        lines = text_of(screen, "#doc-lines")
        assert "Charging time 2 h 2.00 EUR/h 21 % 4.00" in lines
        totals = text_of(screen, "#doc-totals")
        assert "Net 4.00 EUR" in totals
        assert "VAT 21 % on 4.00 EUR 0.84 EUR" in totals
        assert "Total you pay 4.84 EUR" in totals
        assert "different price than their tariff" in text_of(screen, "#doc-audit-title")
        audit = text_of(screen, "#doc-audit")
        assert "The operator billed 15.40 EUR; their tariff gives 4.40 EUR" in audit
        assert "You pay 4.84 EUR" in audit
        assert "Gent Zuid" in text_of(screen, "#doc-charging")
        assert "No credit note corrects this invoice." in text_of(screen, "#doc-related-title")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, InvoicesScreen)


async def test_credit_note_opens_from_its_invoice_and_back(tmp_path: Path) -> None:
    app = await seeded_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_area(pilot)
        await pilot.press("down", "enter")  # the late invoice, which has a credit note
        await settle(pilot)
        invoice = app.screen
        assert isinstance(invoice, InvoiceScreen)
        related = invoice.query_one("#doc-related", OptionList)
        assert [related.get_option_at_index(0).id] == [seed.PARTIAL_CREDIT]
        assert "Parking time after the cable" in str(related.get_option_at_index(0).prompt)
        related.focus()
        await pilot.press("enter")
        await settle(pilot)
        note = app.screen
        assert isinstance(note, InvoiceScreen)
        assert note is not invoice
        assert note.document is not None
        assert note.document.number == seed.PARTIAL_CREDIT
        head = text_of(note, "#doc-head")
        assert f"Credit note {seed.PARTIAL_CREDIT}" in head
        assert f"Corrects invoice {seed.LATE}" in head
        assert "Total credited to you 1.00 EUR" in text_of(note, "#doc-totals")


async def test_export_writes_a_private_pdf_and_shows_its_path(tmp_path: Path) -> None:
    app = await seeded_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_area(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        path = app.settings.data_dir / "invoices" / f"{seed.OVERCHARGED}.pdf"
        assert path.is_file()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        text = "".join(page.extract_text() for page in PdfReader(path).pages)
        assert seed.OVERCHARGED in text
        assert "4.84" in text
        assert str(path) in text_of(app.screen, "#export-path", width=300)


async def test_a_history_row_opens_its_cdr_and_invoice(tmp_path: Path) -> None:
    app = await seeded_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5", "h")
        await until(pilot, lambda: len(getattr(app.screen, "history", [])) == 3)
        screen = app.screen
        assert isinstance(screen, SessionScreen)
        ids = [e.cdr.id if e.cdr else None for e in screen.history]
        table = screen.query_one(HistoryTable)
        table.focus()
        table.move_cursor(row=ids.index(seed.CDR_IDS[seed.OVERCHARGED]))
        await pilot.press("enter")

        def bill_loaded() -> bool:
            bill = app.screen
            return isinstance(bill, InvoiceScreen) and bill.document is not None

        await until(pilot, bill_loaded)
        bill = app.screen
        assert isinstance(bill, InvoiceScreen)
        assert bill.document is not None
        assert bill.document.number == seed.OVERCHARGED
        summary = text_of(bill, "#cdr-summary")
        assert "Final bill (CDR) CDR-0002 from operator DE*VOL" in summary
        assert "billed 15.40 EUR incl. VAT (14.00 EUR excl. VAT)" in summary
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("i")  # the same, by its key
        await until(pilot, bill_loaded)
        table.move_cursor(row=0)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        await pilot.click("#history-table", offset=(3, 1 + ids.index(seed.CDR_IDS[seed.LATE])))
        await pilot.click("#history-table", offset=(3, 1 + ids.index(seed.CDR_IDS[seed.LATE])))
        await until(pilot, bill_loaded)  # a click on the highlighted row opens it, like enter
        assert app.screen.document is not None  # type: ignore[attr-defined]
        assert app.screen.document.number == seed.LATE  # type: ignore[attr-defined]


async def test_clicks_do_what_keys_do(tmp_path: Path) -> None:
    app = await seeded_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#area-invoices")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InvoicesScreen)
        await pilot.click("#months", offset=(2, 2))  # February's first line
        await settle(pilot)
        assert rows(screen) == [seed.FEBRUARY, seed.FEBRUARY_CREDIT]
        await pilot.click("#open")
        await settle(pilot)
        invoice = app.screen
        assert isinstance(invoice, InvoiceScreen)
        assert invoice.document is not None
        assert invoice.document.number == seed.FEBRUARY
        await pilot.click("#doc-related", offset=(2, 0))  # its credit note
        await settle(pilot)
        note = app.screen
        assert isinstance(note, InvoiceScreen)
        assert note.document is not None
        assert note.document.number == seed.FEBRUARY_CREDIT
        await pilot.click("#export")
        await settle(pilot)
        assert (app.settings.data_dir / "invoices" / f"{seed.FEBRUARY_CREDIT}.pdf").is_file()
        await pilot.click("#back")
        await pilot.click("#back")
        await settle(pilot)
        assert app.screen is screen
        table = screen.query_one("#documents", DocumentsTable)
        await pilot.click("#documents", offset=(3, 2))  # the credit row: highlighted,
        await pilot.click("#documents", offset=(3, 2))  # then opened, like enter
        await settle(pilot)
        assert table.cursor_row == 1
        opened = current(app)
        assert isinstance(opened, InvoiceScreen)
        assert opened.document is not None
        assert opened.document.number == seed.FEBRUARY_CREDIT


async def test_no_invoices_yet_says_why(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_area(pilot)
        assert months(screen) == []
        assert "No invoices yet" in text_of(screen, "#no-invoices")
        assert not screen.query_one("#documents", DocumentsTable).display


async def test_billing_details_are_edited_and_saved(tmp_path: Path) -> None:
    app = await seeded_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot)
        await pilot.press("d")
        await settle(pilot)
        details = current(app)
        assert isinstance(details, BillingDetailsScreen)
        assert details.query_one("#details-name", Input).value == "Alex de Vries"
        details.query_one("#details-company", Input).value = "De Vries Logistiek B.V."
        details.query_one("#details-vat_id", Input).value = "NL001234567B01"
        details.query_one("#details-country", Input).value = "Netherlands"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "two letters" in text_of(details, "#details-problems")
        assert (await app.billing.account()).company is None  # nothing saved
        details.query_one("#details-country", Input).value = "nl"
        await pilot.click("#details-save")  # the button does what ctrl+s does
        await settle(pilot)
        saved = await app.billing.account()
        assert (saved.company, saved.vat_id, saved.country) == (
            "De Vries Logistiek B.V.", "NL001234567B01", "NL",
        )  # fmt: skip
        assert not details.query_one("#details-problems").display
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(current(app), InvoicesScreen)


async def test_coming_back_to_the_area_shows_invoices_issued_meanwhile(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_area(pilot)
        assert months(screen) == []
        await pilot.press("1")
        await settle(pilot)
        await seed.seed_invoices(app.settings.database_path)  # e.g. a CDR arrived and was billed
        await pilot.press("6")
        await settle(pilot)
        assert [m for m, _ in months(screen)] == ["2026-03", "2026-02"]


async def test_partner_text_is_shown_literally(tmp_path: Path, monkeypatch: Any) -> None:
    """A CPO's location name is never read as markup (an action, a colour) on these screens."""
    name = "[@click=app.quit]Volt[/] [$error]Hub"
    monkeypatch.setitem(seed.PLACES, "DE", (name, "Alexanderstraße 7", "Berlin", "10178"))
    app = await seeded_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_area(pilot)
        screen.query_one("#months", OptionList).focus()
        await pilot.press("down")
        await settle(pilot)
        table = screen.query_one("#documents", DocumentsTable)
        assert table.get_row(seed.FEBRUARY)[2].plain.startswith("[@click=app.quit]Volt[/]")
        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        shown = current(app)
        assert isinstance(shown, InvoiceScreen)
        assert name in text_of(shown, "#doc-charging")
        assert app.is_running


async def test_export_from_the_list_by_key_and_by_button(tmp_path: Path) -> None:
    app = await seeded_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_area(pilot)
        await pilot.press("p")  # the highlighted row: the overcharged invoice
        await settle(pilot)
        folder = app.settings.data_dir / "invoices"
        assert sorted(p.name for p in folder.iterdir()) == [f"{seed.OVERCHARGED}.pdf"]
        assert str(folder / f"{seed.OVERCHARGED}.pdf") in text_of(screen, "#export-path", 300)
        await pilot.press("down", "down")  # the late invoice's credit note
        await pilot.click("#export")
        await settle(pilot)
        assert (folder / f"{seed.PARTIAL_CREDIT}.pdf").read_bytes().startswith(b"%PDF")
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
