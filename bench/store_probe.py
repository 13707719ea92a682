"""Probe the location store at scale: bulk upsert rate, search latency, peak memory.

    .venv/bin/python bench/store_probe.py --locations 300000 [--db /tmp/probe.sqlite3]

Generates seeded Locations (clustered around European cities, 1-6 EVSEs, AC and DC, some
REMOVED, some with opening hours) and Tariffs, stores them in pages of 1000 through the real
store functions (one transaction per page, as the sync does), then times typical searches.
Model building (the sync's validation) is timed apart from the store's own work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from emsp_tui.ocpi.models import Location, Tariff
from emsp_tui.store import (
    Database,
    partners,
)
from emsp_tui.store import locations as store
from emsp_tui.store.search import SearchPage, SearchQuery, search

CITIES = [
    ("Amsterdam", 52.370, 4.895, "Europe/Amsterdam", "NLD"),
    ("Rotterdam", 51.924, 4.478, "Europe/Amsterdam", "NLD"),
    ("Utrecht", 52.091, 5.122, "Europe/Amsterdam", "NLD"),
    ("Den Haag", 52.078, 4.288, "Europe/Amsterdam", "NLD"),
    ("Gent", 51.054, 3.717, "Europe/Brussels", "BEL"),
    ("Brussel", 50.850, 4.352, "Europe/Brussels", "BEL"),
    ("Antwerpen", 51.219, 4.402, "Europe/Brussels", "BEL"),
    ("Liège", 50.633, 5.567, "Europe/Brussels", "BEL"),
    ("Berlin", 52.520, 13.405, "Europe/Berlin", "DEU"),
    ("München", 48.137, 11.575, "Europe/Berlin", "DEU"),
    ("Köln", 50.937, 6.960, "Europe/Berlin", "DEU"),
    ("Düsseldorf", 51.227, 6.773, "Europe/Berlin", "DEU"),
    ("Hamburg", 53.551, 9.993, "Europe/Berlin", "DEU"),
    ("Frankfurt am Main", 50.110, 8.682, "Europe/Berlin", "DEU"),
    ("Nürnberg", 49.452, 11.077, "Europe/Berlin", "DEU"),
    ("Stuttgart", 48.775, 9.182, "Europe/Berlin", "DEU"),
    ("Paris", 48.856, 2.352, "Europe/Paris", "FRA"),
    ("Lyon", 45.764, 4.835, "Europe/Paris", "FRA"),
    ("Orléans", 47.902, 1.909, "Europe/Paris", "FRA"),
    ("Besançon", 47.238, 6.024, "Europe/Paris", "FRA"),
    ("Malmö", 55.605, 13.003, "Europe/Stockholm", "SWE"),
    ("Göteborg", 57.708, 11.974, "Europe/Stockholm", "SWE"),
    ("Stockholm", 59.329, 18.068, "Europe/Stockholm", "SWE"),
    ("København", 55.676, 12.568, "Europe/Copenhagen", "DNK"),
    ("Århus", 56.162, 10.203, "Europe/Copenhagen", "DNK"),
    ("Oslo", 59.913, 10.752, "Europe/Oslo", "NOR"),
    ("Tromsø", 69.649, 18.955, "Europe/Oslo", "NOR"),
    ("Wien", 48.208, 16.373, "Europe/Vienna", "AUT"),
    ("Zürich", 47.376, 8.541, "Europe/Zurich", "CHE"),
    ("Genève", 46.204, 6.143, "Europe/Zurich", "CHE"),
    ("Milano", 45.464, 9.190, "Europe/Rome", "ITA"),
    ("Madrid", 40.416, -3.703, "Europe/Madrid", "ESP"),
    ("Málaga", 36.721, -4.421, "Europe/Madrid", "ESP"),
    ("Lisboa", 38.722, -9.139, "Europe/Lisbon", "PRT"),
    ("Kraków", 50.064, 19.944, "Europe/Warsaw", "POL"),
    ("Łódź", 51.759, 19.455, "Europe/Warsaw", "POL"),
    ("Praha", 50.075, 14.437, "Europe/Prague", "CZE"),
    ("Plzeň", 49.738, 13.373, "Europe/Prague", "CZE"),
    ("Dublin", 53.349, -6.260, "Europe/Dublin", "IRL"),
    ("Reykjavík", 64.146, -21.942, "Atlantic/Reykjavik", "ISL"),
]
STREETS = [
    "Hoofdstraat",
    "Kerkstraat",
    "Bahnhofstraße",
    "Rue de la Gare",
    "Market Street",
    "Stationsplein",
    "Königsallee",
    "Avenue Jean Jaurès",
    "Storgatan",
    "Calle Mayor",
    "Schulweg",
    "Dorpsstraat",
    "Industrieweg",
    "Parkweg",
    "Lindenallee",
    "Rue Victor Hugo",
    "Drottninggatan",
    "Via Roma",
]
PLACES = [
    "Parking",
    "P+R",
    "Supermarkt",
    "Hotel",
    "Stadhuis",
    "Station",
    "Mall",
    "Autohof",
    "Garage",
    "Sporthal",
    "Ziekenhuis",
    "Kantoor",
    "Camping",
    "Rastplatz",
    "Centre",
    "Plaza",
]
OPERATORS = [
    "Voltwerk",
    "Ladestrom",
    "BeCharged",
    "Électra Réseau",
    "NordLadd",
    "Fastned-ish",
    "GreenPlug",
    "Stromer",
    "Ionité",
    "ChargePoint-ish",
    "Allego-ish",
    "EnBW-ish",
]
FACILITIES = [
    "HOTEL",
    "RESTAURANT",
    "CAFE",
    "MALL",
    "SUPERMARKET",
    "PARKING_LOT",
    "WIFI",
    "TRAIN_STATION",
    "FUEL_STATION",
]
STATUSES = ["AVAILABLE"] * 12 + ["CHARGING"] * 5 + ["OUTOFORDER", "UNKNOWN", "BLOCKED", "REMOVED"]
POWER = [  # standard, power_type, volts, amps, max W
    ("IEC_62196_T2", "AC_3_PHASE", 230, 16, None),
    ("IEC_62196_T2", "AC_3_PHASE", 230, 32, None),
    ("IEC_62196_T2", "AC_1_PHASE", 230, 16, None),
    ("IEC_62196_T2_COMBO", "DC", 500, 125, 50000),
    ("IEC_62196_T2_COMBO", "DC", 920, 500, 150000),
    ("IEC_62196_T2_COMBO", "DC", 920, 500, 350000),
    ("CHADEMO", "DC", 500, 125, 50000),
    ("DOMESTIC_F", "AC_1_PHASE", 230, 10, None),
]
HOURS = [
    [(d, "08:00", "20:00") for d in range(1, 6)],
    [(d, "07:00", "22:00") for d in range(1, 8)],
    [(d, "22:00", "06:00") for d in range(1, 8)],  # night only, wraps past midnight
    [(d, "06:30", "23:30") for d in range(1, 7)],
]
PARTIES = [(cc, f"P{n:02d}") for n, cc in enumerate(["NL", "BE", "DE", "FR", "SE"] * 6)]
ANCHOR = datetime(2025, 1, 1, tzinfo=UTC)


def tariffs_for(cc: str, pid: str) -> list[dict[str, Any]]:
    out = []
    for n in range(10):
        energy = {"type": "ENERGY", "price": round(0.25 + 0.04 * n, 2), "vat": 21.0, "step_size": 1}
        elements: list[dict[str, Any]] = [{"price_components": [energy]}]
        if n % 3 == 0:
            elements.insert(
                0,
                {"price_components": [{"type": "FLAT", "price": 0.5, "vat": 21.0, "step_size": 1}]},
            )
        out.append(
            {
                "country_code": cc,
                "party_id": pid,
                "id": f"T{n}",
                "currency": "EUR",
                "elements": elements,
                "last_updated": "2025-01-01T00:00:00Z",
            }
        )
    return out


def location_dict(rng: random.Random, n: int) -> dict[str, Any]:
    cc, pid = PARTIES[n % len(PARTIES)]
    city, clat, clon, tz, country = CITIES[rng.randrange(len(CITIES))]
    spread = 0.08 if rng.random() < 0.8 else 0.8
    lat, lon = clat + rng.gauss(0, spread), clon + rng.gauss(0, spread * 1.5)
    stamp = (ANCHOR + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
    evses = []
    for e in range(rng.choice([1, 1, 2, 2, 2, 3, 4, 6])):
        kind = POWER[rng.randrange(len(POWER))]
        connectors = []
        for c in range(rng.choice([1, 1, 2])):
            std, ptype, volts, amps, watts = kind if c == 0 else POWER[rng.randrange(len(POWER))]
            conn: dict[str, Any] = {
                "id": str(c + 1),
                "standard": std,
                "format": "CABLE" if ptype == "DC" else "SOCKET",
                "power_type": ptype,
                "max_voltage": volts,
                "max_amperage": amps,
                "tariff_ids": [f"T{rng.randrange(10)}"],
                "last_updated": stamp,
            }
            if watts:
                conn["max_electric_power"] = watts
            connectors.append(conn)
        evses.append(
            {
                "uid": f"{n}-{e}",
                "evse_id": f"{cc}*{pid}*E{n:07d}{e}",
                "status": rng.choice(STATUSES),
                "connectors": connectors,
                "last_updated": stamp,
            }
        )
    loc: dict[str, Any] = {
        "country_code": cc,
        "party_id": pid,
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "publish": rng.random() > 0.02,
        "name": f"{rng.choice(PLACES)} {rng.choice(STREETS)}",
        "address": f"{rng.choice(STREETS)} {rng.randrange(1, 300)}",
        "city": city,
        "postal_code": f"{rng.randrange(1000, 99999)}",
        "country": country,
        "coordinates": {
            "latitude": f"{max(-89.9, min(89.9, lat)):.6f}",
            "longitude": f"{(lon + 180) % 360 - 180:.6f}",
        },
        "evses": evses,
        "operator": {"name": rng.choice(OPERATORS)},
        "facilities": rng.sample(FACILITIES, rng.randrange(0, 3)),
        "time_zone": tz,
        "last_updated": stamp,
    }
    r = rng.random()
    if r < 0.10:
        hours = HOURS[rng.randrange(len(HOURS))]
        loc["opening_times"] = {
            "twentyfourseven": False,
            "regular_hours": [
                {"weekday": d, "period_begin": b, "period_end": e} for d, b, e in hours
            ],
        }
    elif r < 0.15:
        loc["opening_times"] = {"twentyfourseven": True}
    if r < 0.01:
        loc["opening_times"]["exceptional_closings"] = [
            {"period_begin": "2025-12-25T00:00:00Z", "period_end": "2025-12-26T00:00:00Z"}
        ]
    return loc


def pages(total: int, size: int, seed: int) -> Iterator[list[dict[str, Any]]]:
    rng = random.Random(seed)
    for start in range(0, total, size):
        yield [location_dict(rng, n) for n in range(start, min(total, start + size))]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def pipeline(path: Path, args: argparse.Namespace) -> None:
    """A full sync's shape without the network: the loop parses and validates, the db thread
    stores, one page in flight (two cores: the threads overlap where SQLite drops the GIL)."""
    db = await Database(path).open()
    if args.cache_mb:
        await db.run(lambda c: c.execute(f"PRAGMA cache_size = -{args.cache_mb * 1024}"))
    if args.wal_pages:
        await db.run(lambda c: c.execute(f"PRAGMA wal_autocheckpoint = {args.wal_pages}"))
    partner_id = await db.run(
        partners.save_partner, partners.Partner(name="probe", versions_url="http://probe/versions")
    )
    tariffs = [Tariff.model_validate(t) for cc, pid in PARTIES for t in tariffs_for(cc, pid)]
    await db.run(store.upsert_tariffs, partner_id, tariffs)
    await db.run(lambda c: store.begin_crawl(c, partner_id, "locations", None, ANCHOR, now=ANCHOR))
    started, cpu0 = time.perf_counter(), time.process_time()
    in_flight: asyncio.Future[Any] | None = None
    for page in pages(args.locations, args.page, args.seed):
        blob = json.dumps(page).encode()  # what arrives on the wire, parsed and validated here
        models = [Location.model_validate(d) for d in json.loads(blob)]
        if in_flight is not None:
            await in_flight
        in_flight = asyncio.ensure_future(
            db.run(store.store_page, partner_id, "locations", models, None, 0)
        )
    if in_flight is not None:
        await in_flight
    await db.run(lambda c: store.finish_crawl(c, partner_id, "locations", True, now=ANCHOR))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
    n = args.locations
    print(
        f"pipeline: {n} locations generated, serialised, parsed, validated and stored in "
        f"{wall:.1f} s wall = {n / wall:,.0f}/s (process CPU {cpu:.1f} s on 2 threads)"
    )
    await db.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--locations", type=int, default=300_000)
    ap.add_argument("--page", type=int, default=1000)
    ap.add_argument("--db", default="/tmp/emsp-store-probe/probe.sqlite3")
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--cache-mb", type=int, default=0, help="PRAGMA cache_size; 0 keeps the default"
    )
    ap.add_argument(
        "--wal-pages", type=int, default=0, help="PRAGMA wal_autocheckpoint; 0: default"
    )
    ap.add_argument("--search-only", action="store_true", help="reuse an existing --db")
    ap.add_argument(
        "--pipeline",
        action="store_true",
        help="as the sync runs: build page N+1 on the loop while the db thread stores page N",
    )
    args = ap.parse_args()

    path = Path(args.db)
    if args.pipeline:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        asyncio.run(pipeline(path, args))
        return
    if not args.search_only:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    db = Database(path)
    db.open_sync()
    if args.cache_mb:  # what Database.open_sync could set (not ours to change)
        db.conn.execute(f"PRAGMA cache_size = -{args.cache_mb * 1024}")
    if args.wal_pages:
        db.conn.execute(f"PRAGMA wal_autocheckpoint = {args.wal_pages}")
    if not args.search_only:
        partner_id = db.transaction_sync(
            partners.save_partner,
            partners.Partner(name="probe", versions_url="http://probe/versions"),
        )
        tariffs = [Tariff.model_validate(t) for cc, pid in PARTIES for t in tariffs_for(cc, pid)]
        db.transaction_sync(store.upsert_tariffs, partner_id, tariffs)
        build = write = cpu = 0.0
        db.transaction_sync(
            lambda c: store.begin_crawl(c, partner_id, "locations", None, ANCHOR, now=ANCHOR)
        )
        for page in pages(args.locations, args.page, args.seed):
            t0 = time.perf_counter()
            models = [Location.model_validate(d) for d in page]
            t1, c1 = time.perf_counter(), time.process_time()
            db.transaction_sync(store.store_page, partner_id, "locations", models, None, 0)
            t2, c2 = time.perf_counter(), time.process_time()
            build, write, cpu = build + t1 - t0, write + t2 - t1, cpu + c2 - c1
        t0 = time.perf_counter()
        db.transaction_sync(
            lambda c: store.finish_crawl(c, partner_id, "locations", True, now=ANCHOR)
        )
        write += time.perf_counter() - t0
        n = args.locations
        print(
            f"upsert: {n} locations in {write:.1f} s store time = {n / write:,.0f}/s "
            f"(CPU {cpu:.1f} s = {n / cpu:,.0f}/s; + {build:.1f} s building models, not ours)"
        )
        t0 = time.perf_counter()
        db.transaction_sync(
            store.upsert_locations,
            partner_id,
            [Location.model_validate(d) for d in next(pages(args.page, args.page, args.seed))],
        )
        print(
            f"re-upsert of a page of {args.page} stored locations: "
            f"{1000 * (time.perf_counter() - t0):.0f} ms"
        )
        t0 = time.perf_counter()
        db.conn.execute("PRAGMA optimize")
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"optimize + checkpoint: {time.perf_counter() - t0:.1f} s")
    size = path.stat().st_size / 2**20
    print(
        f"database: {size:.0f} MiB, "
        f"{db.conn.execute('SELECT count(*) FROM locations').fetchone()[0]} locations"
    )

    rng = random.Random(1)
    now = datetime(2025, 6, 4, 12, 30, tzinfo=UTC)

    def near() -> tuple[float, float]:
        _, lat, lon, _, _ = rng.choice(CITIES)
        return lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05)

    cases: list[tuple[str, Callable[[], SearchQuery]]] = [
        (
            "text prefix ('ams', 'münch', 'koln'...)",
            lambda: SearchQuery(text=rng.choice(["ams", "gen", "münch", "koln", "orl", "malm"])),
        ),
        (
            "text two words",
            lambda: SearchQuery(text=rng.choice(["parking bahn", "hotel rue", "station ams"])),
        ),
        ("near, 10 km", lambda: SearchQuery(near=near(), radius_km=10)),
        (
            "near + DC + 50 kW + available, 25 km",
            lambda: SearchQuery(
                near=near(), radius_km=25, power_type="DC", min_kw=50, available_only=True
            ),
        ),
        ("near, nearest first (no radius)", lambda: SearchQuery(near=near(), limit=50)),
        (
            "near, nearest first + DC 50 kW available",
            lambda: SearchQuery(
                near=near(), power_type="DC", min_kw=50, available_only=True, limit=50
            ),
        ),
        (
            "near, nearest first + CCS",
            lambda: SearchQuery(near=near(), connectors=["IEC_62196_T2_COMBO"]),
        ),
        (
            "near + open now + max price",
            lambda: SearchQuery(near=near(), radius_km=15, open_now=True, now=now, max_price=0.45),
        ),
        (
            "available + min_kw 150 (no text, no point)",
            lambda: SearchQuery(available_only=True, min_kw=150),
        ),
        (
            "available + min_kw 50 + T2 (per connector)",
            lambda: SearchQuery(available_only=True, min_kw=50, connectors=["IEC_62196_T2"]),
        ),
        ("party filter", lambda: SearchQuery(party="NL*P00", available_only=True)),
        ("text + near", lambda: SearchQuery(text="park", near=near(), radius_km=30)),
        ("everything, page 10", lambda: SearchQuery(offset=200)),
    ]
    conn = db.conn
    print(f"{'query':48} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  total(last)")
    for _, make in cases[:3]:  # warm the caches a little, as a running app would have
        for _ in range(10):
            search(db.conn, make())
    for label, make in cases:
        times: list[float] = []
        result: SearchPage | None = None
        for _ in range(args.reps):
            q = make()
            t0 = time.perf_counter()
            result = search(conn, q)
            times.append(1000 * (time.perf_counter() - t0))
        p50, p95 = statistics.median(times), percentile(times, 95)
        radius = f" within {result.radius_km:.0f} km" if result and result.radius_km else ""
        print(
            f"{label:48} {p50:8.2f} {p95:8.2f} {max(times):8.2f}  "
            f"{result.total if result else ''}{radius}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB")
    db.close_sync()


if __name__ == "__main__":
    main()
