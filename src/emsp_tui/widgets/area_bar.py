"""The bar at the top of every area: the six areas (click or 1-6), where "home" is, sync state."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from .safe_text import plain

AREAS: tuple[tuple[str, str, str], ...] = (
    ("stations", "1", "Stations"),
    ("favourites", "2", "Favourites"),
    ("wallet", "3", "Wallet"),
    ("partners", "4", "Partners"),
    ("charging", "5", "Charging"),
    ("invoices", "6", "Invoices"),
)


BRAND_FROM = 100  # columns from which the "⚡ emsp" brand is shown
ROOMY_FROM = 96  # narrower: one column between the tabs instead of two, so "home" still fits


class AreaTab(Static):
    def __init__(self, area: str, key: str, title: str, active: bool) -> None:
        super().__init__(f"{key} {title}", classes="area-tab", id=f"area-{area}")
        self.area = area
        self.set_class(active, "-active")
        self.tooltip = f"{title} (key {key})"

    async def on_click(self, event: events.Click) -> None:
        event.stop()
        await self.app.run_action(f"area('{self.area}')")


class AreaBar(Horizontal):
    DEFAULT_CSS = """
    AreaBar { height: 1; width: 1fr; }
    AreaBar .area-tab { width: auto; padding: 0 1; }
    AreaBar.-narrow .area-tab { padding: 0 0 0 1; }
    AreaBar #area-brand { width: auto; padding: 0 1; }
    AreaBar #area-info { width: 1fr; text-align: right; padding: 0 1; }
    """

    def __init__(self, active: str) -> None:
        super().__init__(id="area-bar")
        self.active = active

    def compose(self) -> ComposeResult:
        yield Static("⚡ emsp", id="area-brand")
        for area, key, title in AREAS:
            yield AreaTab(area, key, title, area == self.active)
        yield Static("", id="area-info")

    def on_mount(self) -> None:
        # The app keeps one line of state for every bar: where "home" is, how sync goes.
        if hasattr(self.app, "status_line"):
            self.watch(self.app, "status_line", self.show_info)

    def on_resize(self) -> None:
        # at 80 columns the six tabs and "home" need the brand's room and some padding
        self.query_one("#area-brand", Static).display = self.size.width >= BRAND_FROM
        self.set_class(self.size.width < ROOMY_FROM, "-narrow")

    def show_info(self, text: str) -> None:
        # it names partners (sync progress) and the home the driver typed
        self.query_one("#area-info", Static).update(plain(text))
