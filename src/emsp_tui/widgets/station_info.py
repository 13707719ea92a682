"""The parts of the station page: its chargers table, and the texts of the Price and About tabs."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import App

from ..services.station_info import Estimate, TariffOffer, opening_lines, opening_state
from ..services.stations import StationDetail, connector_label, format_kw
from ..tariff import describe_tariff, format_amount, summarize_tariff
from .responsive_table import Col, ResponsiveTable
from .safe_text import plain, terminal_safe
from .status import evse_status

CAPABILITY_WORDS = {
    "REMOTE_START_STOP_CAPABLE": "app start",
    "RFID_READER": "card",
    "CREDIT_CARD_PAYABLE": "bank card",
    "CONTACTLESS_CARD_SUPPORT": "contactless",
    "RESERVABLE": "reservable",
    "UNLOCK_CAPABLE": "remote unlock",
}


def ago(moment: datetime, now: datetime) -> str:
    seconds = (now - moment).total_seconds()
    if seconds < 90:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min ago"
    if seconds < 86400:
        return f"{seconds // 3600:.0f} h ago"
    if seconds < 7 * 86400:
        return f"{seconds // 86400:.0f} days ago"
    return f"{moment:%d %b %Y}"


class EvseTable(ResponsiveTable):
    """Every charger of the station: status in words and symbols, plugs, power, price."""

    HELP = """
## Chargers

One row per charger (EVSE). The status is live from the operator: `● Available`,
`◐ In use`, `✕ Out of order`, `? Unknown` (never assume an unknown charger is free).
**Updated** says how old that status is.
"""
    COLUMNS = (
        Col("status", "Status", 14),
        Col("evse", "EVSE ID", 14, flex=True),
        Col("connectors", "Plugs", 14),
        Col("power", "Power", 10),
        Col("price", "Price", 19, priority=1),
        Col("updated", "Updated", 12, priority=2),
        Col("where", "Where", 10, priority=3),
        Col("capabilities", "Start with", 24, priority=4),
    )

    def show(self, detail: StationDetail, now: datetime) -> None:
        rows: list[tuple[str, dict[str, Text | str]]] = []
        for evse in detail.location.evses or []:
            if evse.status == "REMOVED":
                continue
            plugs = dict.fromkeys(
                f"{connector_label(c.standard)} {str(c.format).lower()}" for c in evse.connectors
            )
            kw = max(c.max_power_kw for c in evse.connectors)
            kinds = sorted({"DC" if c.power_type == "DC" else "AC" for c in evse.connectors})
            prices = []
            for c in evse.connectors:
                for tariff_id in c.tariff_ids or []:
                    tariff = detail.tariffs.get(tariff_id.upper())
                    if tariff is not None and str(tariff.type) != "AD_HOC_PAYMENT":
                        prices.append(summarize_tariff(tariff))
            where = " ".join(
                p for p in (
                    f"floor {evse.floor_level}" if evse.floor_level else "",
                    f"#{evse.physical_reference}" if evse.physical_reference else "",
                ) if p
            )  # fmt: skip
            caps = [
                CAPABILITY_WORDS[str(c)]
                for c in evse.capabilities or []
                if str(c) in CAPABILITY_WORDS
            ]
            rows.append((
                evse.uid,
                {
                    "status": evse_status(self.app, evse.status),
                    "evse": evse.evse_id or evse.uid,
                    "connectors": ", ".join(plugs),
                    "power": f"{format_kw(kw)} {'/'.join(kinds)}",
                    "price": " / ".join(dict.fromkeys(prices)) or Text("unknown", style="dim"),
                    "updated": ago(evse.last_updated, now),
                    "where": where,
                    "capabilities": ", ".join(caps),
                },
            ))  # fmt: skip
        self.set_rows(rows, keep=self.current_key)


def offer_heading(offer: TariffOffer) -> str:
    if offer.ad_hoc:
        return f"{offer.label}: paying by bank card at the charger (not with this app)"
    return offer.label


def _bullets(rows: list[tuple[str, Text | str]]) -> Table:
    """Marker and text in two columns, so a wrapped line stays indented under its text.
    The texts are inert (a str cell of a Rich table would be read as markup)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right", no_wrap=True)
    grid.add_column(ratio=1)
    for marker, text in rows:
        grid.add_row(marker, plain(text))
    return grid


def tariffs_text(offers: list[TariffOffer]) -> RenderableType:
    """Every tariff in plain words (the engine's own description), by the plugs it is for."""
    if not offers:
        return Text("This station publishes no chargers with a price.", style="dim")
    parts: list[RenderableType] = []
    for n, offer in enumerate(offers):
        heading = terminal_safe(offer_heading(offer))
        parts.append(Text(("\n" if n else "") + heading, style="bold"))
        if offer.tariff is None:
            parts.append(_bullets([("", Text("No price published for these.", style="dim"))]))
            continue
        description = describe_tariff(offer.tariff)
        rows: list[tuple[str, Text | str]] = [("•", line) for line in description.lines]
        footer = ", ".join(p for p in (description.limits, description.vat) if p)
        if footer:
            rows.append(("", plain(footer, style="dim")))
        if description.extra and not description.from_alt_text:
            rows.append(("", plain(f"“{description.extra}”", style="italic")))
        if description.url:
            rows.append(("", plain(description.url, style="dim")))
        rows.append(("", plain(f"tariff {offer.tariff.id}", style="dim")))
        parts.append(_bullets(rows))
    return Group(*parts)


def estimates_text(estimates: list[Estimate]) -> RenderableType:
    """Per tariff: the total incl. and excl. VAT, then what it is made of."""
    parts: list[RenderableType] = []
    for e in estimates:
        parts.append(plain(offer_heading(e.offer), style="bold"))
        if e.price is None:
            parts.append(_bullets([("", Text(e.note or "", style="dim"))]))
            continue
        money, cur = e.price.rounded(), e.price.currency
        total = Text.assemble(
            (f"{format_amount(money.incl_vat)} {cur} incl. VAT", "bold"),
            f" ({format_amount(money.excl_vat)} excl.)",
        )
        details = [
            f"{name} {format_amount(amount.rounded().incl_vat)}"
            for name, amount in (
                ("energy", e.price.energy), ("time", e.price.time),
                ("idle", e.price.parking), ("session", e.price.fixed),
            ) if amount.incl_vat
        ]  # fmt: skip
        if e.note:
            details.append(e.note)
        rows: list[tuple[str, Text | str]] = [("=", total)]
        if details:
            rows.append(("", Text(", ".join(details), style="dim")))
        parts.append(_bullets(rows))
    return Group(*parts)


def about_text(app: App[object], detail: StationDetail, now: datetime) -> Text:
    loc = detail.location
    out = Text()

    def section(title: str) -> None:
        if out:
            out.append("\n\n")
        out.append(title, style="bold")

    def line(text: str, style: str = "") -> None:
        """A line of the section; most of what it says is the operator's."""
        out.append("\n  " + terminal_safe(text), style=style)

    def more(text: str, style: str = "") -> None:
        out.append(terminal_safe(text), style=style)

    section("Address")
    place = " ".join(p for p in (loc.postal_code, loc.city) if p)
    line(f"{loc.address}, {place}, {loc.country}")
    if loc.parking_type:
        line(str(loc.parking_type).replace("_", " ").capitalize())
    for text in loc.directions or []:
        line(text.text, style="italic")
    coords = loc.coordinates
    line(f"{float(coords.latitude):.5f}, {float(coords.longitude):.5f}", style="dim")
    section("Opening hours")
    is_open, words = opening_state(loc, now)
    line(f"{'●' if is_open else '✕'} {words}")
    for hours in opening_lines(loc.opening_times):
        if hours != "Open 24/7":
            line(hours)
    if loc.charging_when_closed is not None:
        line(
            "Charging continues when closed" if loc.charging_when_closed
            else "No charging while closed"
        )  # fmt: skip
    section("Facilities")
    facilities = [str(f).replace("_", " ").lower() for f in loc.facilities or []]
    line(", ".join(facilities) or "none listed")
    section("Energy")
    mix = loc.energy_mix
    if mix is None:
        line("The operator does not say where the energy comes from.", style="dim")
    else:
        line("Green energy" if mix.is_green_energy else "Grid mix")
        supplier = " · ".join(p for p in (mix.supplier_name, mix.energy_product_name) if p)
        if supplier:
            more(f" from {supplier}")
        for source in mix.energy_sources or []:
            line(f"{source.percentage:>5.1f}%  {str(source.source).replace('_', ' ').lower()}")
        for impact in mix.environ_impact or []:
            what = "CO₂" if str(impact.category) == "CARBON_DIOXIDE" else "nuclear waste"
            line(f"{impact.amount:g} g/kWh {what}", style="dim")
    section("Operator")
    for role, business in (
        ("", loc.operator),
        ("sub-operator ", loc.suboperator),
        ("owner ", loc.owner),
    ):
        if business is not None:
            line(f"{role}{business.name}")
            if business.website:
                more(f"  {business.website}", style="dim")
    line(f"{loc.country_code}*{loc.party_id} · location {loc.id}", style="dim")
    line(f"Updated {ago(loc.last_updated, now)}", style="dim")
    return out
