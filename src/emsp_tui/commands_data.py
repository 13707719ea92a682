"""Headless data commands: ``emsp sync`` and ``emsp stations`` (for scripts and quick looks)."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime

from .commands import print_table
from .config import Settings
from .node import EmspNode
from .ocpi.enums import Facility
from .services.connector_names import resolve_connectors
from .services.places import parse_position
from .services.stations import price_labels
from .services.sync import Progress
from .store.search import SearchQuery, search
from .store.search_query import price_kind
from .widgets.safe_text import terminal_safe

NOTHING_TO_SYNC = (
    "nothing to sync: no partners yet. Connect one with 'emsp partners add VERSIONS_URL "
    "--token TOKEN_A', or try the simulated network: 'emsp demo' (then 'emsp --demo sync')"
)
NOTHING_TO_SYNC_EXIT = 1  # a script's "sync && search" stops here; documented in --help


async def sync(settings: Settings, *, full: bool, quiet: bool) -> int:
    last: dict[str, str] = {}

    def progress(p: Progress) -> None:
        if quiet or not sys.stderr.isatty():
            return
        total = f"/{p.total}" if p.total is not None else ""
        last[p.partner] = terminal_safe(f"{p.partner} {p.module} {p.done}{total}")
        print("\r" + "  ".join(last.values())[:160].ljust(80), end="", file=sys.stderr, flush=True)

    async with EmspNode(settings, serve=False) as node:
        partners = await node.partners.list()
        if not partners:
            print(f"emsp: {NOTHING_TO_SYNC}", file=sys.stderr)
            return NOTHING_TO_SYNC_EXIT
        results = await node.new_sync().sync_all(progress, full=full)
        cdr_pulls = await node.charging.sync.pull_all_cdrs()  # pushes get lost: pull them too
    if last:
        print(file=sys.stderr)
    failed = 0
    for name, error in sorted(cdr_pulls.items()):
        if error:
            failed += 1
            print(terminal_safe(f"{name}: CDRs not pulled: {error}"))
    for result in results:
        if result.error:
            failed += 1
            print(
                terminal_safe(
                    f"{result.partner}: FAILED after {result.seconds:.1f}s: {result.error}"
                )
            )
            continue
        parts = []
        for mod in result.modules:
            kind = "full" if mod.full else "incremental"
            text = f"{mod.module} {kind} {mod.stored} stored"
            if mod.rejected:
                ids = ", ".join(r.object_id or "?" for r in mod.rejected[:5])
                text += f", {len(mod.rejected)} malformed skipped ({ids})"
            parts.append(text)
        print(terminal_safe(f"{result.partner}: ok in {result.seconds:.1f}s: " + "; ".join(parts)))
    return 1 if failed else 0


def build_query(args: object, settings: Settings) -> SearchQuery:
    a = args  # argparse.Namespace
    near = None
    if getattr(a, "near", None):
        pos = parse_position(a.near)  # type: ignore[attr-defined]
        near = (pos.latitude, pos.longitude)
    elif settings.home is not None:
        near = (settings.home.latitude, settings.home.longitude)
    power = None
    if getattr(a, "ac", False):
        power = "AC"
    if getattr(a, "dc", False):
        power = "DC"
    return SearchQuery(
        text=" ".join(getattr(a, "text", None) or []),
        near=near,
        radius_km=getattr(a, "radius", None),
        connectors=resolve_connectors(getattr(a, "connector", None)),
        min_kw=getattr(a, "min_kw", None),
        power_type=power,
        available_only=bool(getattr(a, "available", False)),
        open_now=bool(getattr(a, "open_now", False)),
        now=datetime.now(UTC),
        operator=getattr(a, "operator", None),
        party=getattr(a, "party", None),
        facilities=facility_names(getattr(a, "facility", None)),
        max_price=getattr(a, "max_price", None),
        offset=getattr(a, "offset", 0) or 0,
        limit=getattr(a, "limit", 20),
    )


def facility_names(given: list[str] | None) -> tuple[str, ...]:
    """``cafe`` as OCPI's ``CAFE``; an unknown name is a ValueError listing the known ones."""
    known = {member.value for member in Facility}
    names = tuple(name.strip().upper().replace(" ", "_") for name in given or ())
    for name, typed in zip(names, given or (), strict=True):
        if name not in known:
            raise ValueError(f"unknown facility {typed!r}: use one of {', '.join(sorted(known))}")
    return names


async def stations(settings: Settings, args: object) -> int:
    try:
        query = build_query(args, settings)
    except ValueError as err:
        print(f"emsp: error: {terminal_safe(str(err))}", file=sys.stderr)
        return 2
    async with EmspNode(settings, serve=False) as node:
        page = await node.db.run(search, query)
        # No kWh figure: the app's words ("see details", "0.10/min"), never a free-looking 0.
        labels = await node.db.run(price_labels, page.hits, price_kind(query))
    if getattr(args, "json", False):
        doc = {
            "total": page.total,
            "total_capped": page.total_capped,
            "offset": page.offset,
            "limit": page.limit,
            "results": [asdict(hit) for hit in page.hits],
        }
        print(json.dumps(doc, indent=2, default=str))
        return 0
    if not page.hits:
        print("No stations match." if page.total == 0 else "No more results.")
        return 0
    rows = [("NAME", "CITY", "OPERATOR", "KM", "FREE", "MAX KW", "CONNECTORS", "EUR/KWH")]
    for h, label in zip(page.hits, labels, strict=True):
        rows.append(
            (
                (h.name or h.address)[:34],
                h.city[:18],
                (h.operator or "-")[:18],
                "-" if h.distance_km is None else f"{h.distance_km:.1f}",
                f"{h.evses_available}/{h.evses_total}",
                f"{h.max_kw:g}",
                ",".join(_short(c) for c in h.connectors),
                (label or "-") if h.energy_price is None else f"{h.energy_price:.2f}",
            )
        )
    print_table(rows)
    shown = page.offset + len(page.hits)
    print(f"{page.offset + 1}-{shown} of {page.total_label}")
    return 0


def _short(standard: str) -> str:
    return {
        "IEC_62196_T2": "Type2",
        "IEC_62196_T2_COMBO": "CCS2",
        "CHADEMO": "CHAdeMO",
        "IEC_62196_T1": "Type1",
        "IEC_62196_T1_COMBO": "CCS1",
        "DOMESTIC_F": "Schuko",
    }.get(standard, standard)
