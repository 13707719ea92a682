"""EmspApp: owns the node (database, OCPI endpoints) for the lifetime of the UI."""

from __future__ import annotations

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from .config import Settings
from .services.node import EmspNode
from .store.partners import Partner


class NodeReady(Message):
    def __init__(self, partners: list[Partner], counts: dict[str, int | None], error: str | None) -> None:
        super().__init__()
        self.partners = partners
        self.counts = counts
        self.error = error


class EmspApp(App[int]):
    TITLE = "emsp"
    SUB_TITLE = "OCPI 2.2.1 eMSP"
    CSS = """
    #status { height: auto; padding: 0 1; color: $text-muted; }
    DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("r", "refresh", "Refresh", tooltip="Reload partners and counts", id="refresh"),
        Binding("q", "quit", "Quit", tooltip="Quit emsp", id="quit"),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        demo_hub: tuple[str, str] | None = None,
        node: EmspNode | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.node = node or EmspNode(settings)
        self.demo_hub = demo_hub
        self._started = False
        self.theme = settings.theme

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("Starting...", id="status")
        yield DataTable(id="partners", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#partners", DataTable)
        table.add_columns("Partner", "Role", "Parties", "State", "Locations", "Last error")
        table.loading = True
        self.start_node()

    @work(exclusive=True, group="node", exit_on_error=False)
    async def start_node(self) -> None:
        error: str | None = None
        try:
            if not self._started:
                await self.node.start()
                self._started = True
            if self.demo_hub:
                url, token = self.demo_hub
                self.demo_hub = None
                await self.node.partners.add(url, token, name="demo-hub")
        except Exception as err:
            error = " ".join(str(err).split())
        partners: list[Partner] = []
        counts: dict[str, int | None] = {}
        if self._started:
            partners = await self.node.partners.list()
            for partner in partners:
                try:
                    counts[partner.name] = await self.node.partners.location_count(partner)
                except Exception:
                    counts[partner.name] = None
        self.post_message(NodeReady(partners, counts, error))

    @on(NodeReady)
    def show_partners(self, event: NodeReady) -> None:
        table = self.query_one("#partners", DataTable)
        table.loading = False
        table.clear()
        for p in event.partners:
            roles = ",".join(sorted({str(r.get("role")) for r in p.roles})) or "-"
            parties = " ".join(x.key for x in p.parties if x.role != "HUB") or "-"
            count = event.counts.get(p.name)
            table.add_row(
                p.name, roles, parties, p.status, "?" if count is None else str(count),
                p.last_error or "",
            )
        status = self.query_one("#status", Static)
        if event.error:
            status.update(f"Problem: {event.error}")
            self.notify(event.error, title="Could not connect", severity="error", timeout=10)
        elif not event.partners:
            status.update("No partners yet: run 'emsp partners add URL --token TOKEN_A', or 'emsp demo'.")
        else:
            status.update(f"Our OCPI endpoints: {self.node.versions_url}")

    def action_refresh(self) -> None:
        self.query_one("#partners", DataTable).loading = True
        self.start_node()

    async def on_unmount(self) -> None:
        if self._started:
            await self.node.stop()
