"""The driver's billing details, as every new invoice shows them: name, e-mail, address,
country, and for a business its company name and VAT id. Invoices already issued keep what
they said (an invoice is never edited); a change shows on the next one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Footer, Input, Label, Static

from .base import AreaScreen, one_line

FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "Name", "Your full name"),
    ("email", "E-mail", "Where invoices go"),
    ("street", "Street", "Street and number"),
    ("postal_code", "Postal code", ""),
    ("city", "City", ""),
    ("country", "Country", "Two letters, e.g. NL"),
    ("company", "Company", "Optional: invoices to a business"),
    ("vat_id", "VAT id", "Optional: the business's VAT id"),
)
OPTIONAL = {"company", "vat_id"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY = re.compile(r"^[A-Z]{2}$")


def problems(values: dict[str, str]) -> list[str]:
    """What keeps the details from being saved, in plain words (empty: they can be)."""
    found = []
    if values["email"] and not EMAIL.match(values["email"]):
        found.append("The e-mail address does not look right (name@example.org).")
    if values["country"] and not COUNTRY.match(values["country"]):
        found.append("The country is two letters, e.g. NL, DE, BE.")
    if values["vat_id"] and not values["company"]:
        found.append("A VAT id goes with a company name.")
    return found


class BillingDetailsScreen(AreaScreen):
    HELP = """
Your billing details, as your invoices show them. A new invoice uses what is here when it is
issued; invoices already issued never change. Company and VAT id are for charging as a
business (the invoice then names the company and its VAT id).
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="details.save", tooltip="Save your billing details"),
        Binding("escape", "back", "Back", id="details.back", tooltip="Back, without saving"),
    ]

    @dataclass
    class Loaded(Message):
        account: Any  # services.billing's Account (the UI imports no store type)
        notice: str | None = None
        error: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.account: Any = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="details-body"):
            yield Static("Your billing details", id="details-title")
            yield Static(
                "New invoices show these; invoices already issued keep what they said.",
                id="details-note",
            )
            for key, label, placeholder in FIELDS:
                with Horizontal(classes="details-row"):
                    yield Label(label, classes="details-label")
                    yield Input(placeholder=placeholder, id=f"details-{key}", compact=True)
            yield Static(id="details-problems")
        with Horizontal(id="details-actions"):
            yield Button("Save (ctrl+s)", id="details-save", compact=True, variant="primary")
            yield Button("Back (esc)", id="details-back", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#details-problems").display = False
        self.query_one("#details-body").loading = True
        self.load()

    @work(exclusive=True, group="details", exit_on_error=False)
    async def load(self) -> None:
        try:
            await self.emsp.ready()
            account = await self.emsp.billing.account()
        except Exception as err:
            self.post_message(self.Loaded(None, error=one_line(err)))
        else:
            self.post_message(self.Loaded(account))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.query_one("#details-body").loading = False
        if event.error:
            self.failed("Billing details", event.error)
            return
        self.account = event.account
        for key, _label, _ in FIELDS:
            self.query_one(f"#details-{key}", Input).value = getattr(event.account, key) or ""
        if event.notice:
            self.notify(event.notice, title="Billing details")
        self.query_one("#details-name", Input).focus()

    def values(self) -> dict[str, str]:
        out = {k: self.query_one(f"#details-{k}", Input).value.strip() for k, _l, _p in FIELDS}
        out["country"] = out["country"].upper()
        return out

    def action_save(self) -> None:
        if self.account is None:
            return
        values = self.values()
        shown = self.query_one("#details-problems", Static)
        found = problems(values)
        shown.display = bool(found)
        shown.update("\n".join(found))
        if found:
            return
        details: dict[str, str | None] = dict(values)
        for key in OPTIONAL:
            details[key] = values[key] or None
        self.save(replace(self.account, **details))

    @work(exclusive=True, group="details", exit_on_error=False)
    async def save(self, account: Any) -> None:
        try:
            saved = await self.emsp.billing.update_account(account)
        except Exception as err:
            self.post_message(self.Loaded(self.account, error=one_line(err)))
        else:
            self.post_message(self.Loaded(saved, "Saved: your next invoice shows these."))

    def action_back(self) -> None:
        self.dismiss()

    @on(Button.Pressed, "#details-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#details-back")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.focus_next()
