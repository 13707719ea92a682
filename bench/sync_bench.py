"""Roaming-data benchmark: full sync, incremental sync, peak RSS, search latency.

    .venv/bin/python bench/sync_bench.py --locations 60000
    .venv/bin/python bench/sync_bench.py --locations 300000

Starts the mock network (``emsp-mock``) as a separate process on a free loopback port, registers
with its hub, runs a full sync and an incremental sync with nothing changed (status churn off),
then a fixed mix of searches. Prints the figures; the targets (2-core machine) are: 300,000
locations fully synced in <= 60 s with peak RSS <= 500 MB; 60,000 in <= 10 s; incremental with
no changes <= 1 s; search p95 <= 30 ms at 300,000. Peak RSS is this (the eMSP) process only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emsp_tui.config import load_settings
from emsp_tui.demo import start_mock
from emsp_tui.node import EmspNode
from emsp_tui.runtime import tune_gc
from emsp_tui.store.search import SearchQuery, search

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
QUERIES: list[tuple[str, SearchQuery]] = [
    ("text 'ber'", SearchQuery(text="ber")),
    ("text 'frankfurt haupt'", SearchQuery(text="frankfurt haupt")),
    ("near Berlin", SearchQuery(near=(52.52, 13.405))),
    ("near Paris, DC >=150 kW", SearchQuery(near=(48.8566, 2.3522), min_kw=150, power_type="DC")),
    ("near Amsterdam, available", SearchQuery(near=(52.3676, 4.9041), available_only=True)),
    (
        "CCS2 + available + 50 kW",
        SearchQuery(connectors=("IEC_62196_T2_COMBO",), available_only=True, min_kw=50),
    ),
    ("open now near Lyon", SearchQuery(near=(45.764, 4.8357), open_now=True, now=NOW)),
    ("max 0.45 EUR/kWh near Köln", SearchQuery(near=(50.9375, 6.9603), max_price=0.45)),
    ("text 'ams' near Amsterdam", SearchQuery(text="ams", near=(52.3676, 4.9041))),
    ("operator + facility", SearchQuery(operator="Voltwerk Ladenetz GmbH", facilities=("CAFE",))),
]


def cpu_seconds(pid: int | None = None, *, children: bool = False) -> float:
    """CPU time (user + system) of this process (or of its ended children: the page workers),
    or of another one (Linux /proc)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time spent by every process on the machine (Linux /proc/stat), to tell a quiet run
    from one that shared the cores with other work."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(locations: int, rounds: int) -> None:
    mock = start_mock(seed=42, locations=locations, speed=60, extra_args=["--churn", "0"])
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings(data_dir=Path(tmp) / "data", config_dir=Path(tmp) / "config")
            settings.receiver.port = 0
            async with EmspNode(settings) as node:
                await node.partners.add(mock.hub_versions_url, mock.token_a, name="hub")
                sync = node.new_sync()
                started = time.perf_counter()
                cpu0, mock_cpu0 = cpu_seconds(), cpu_seconds(mock.process.pid)
                workers_cpu0 = cpu_seconds(children=True)
                busy0 = machine_busy_seconds()
                [full] = await sync.sync_all()
                full_s = time.perf_counter() - started
                full_cpu = cpu_seconds() - cpu0
                mock_cpu = cpu_seconds(mock.process.pid) - mock_cpu0
                workers_cpu = cpu_seconds(children=True) - workers_cpu0
                others_cpu = machine_busy_seconds() - busy0 - full_cpu - mock_cpu - workers_cpu
                assert full.ok, full.error
                stored = sum(m.stored for m in full.modules if m.module == "locations")
                started = time.perf_counter()
                [incr] = await sync.sync_all()
                incr_s = time.perf_counter() - started
                assert incr.ok, incr.error
                changed = sum(m.stored for m in incr.modules)
                latencies: dict[str, list[float]] = {name: [] for name, _ in QUERIES}
                for _ in range(rounds):
                    for name, query in QUERIES:
                        t0 = time.perf_counter()
                        await node.db.run(search, query)
                        latencies[name].append((time.perf_counter() - t0) * 1000)
    finally:
        mock.stop()
    every = sorted(x for values in latencies.values() for x in values)
    p50 = statistics.median(every)
    p95 = every[int(len(every) * 0.95) - 1]
    print(f"locations            {locations}")
    print(f"stored               {stored}")
    print(f"full sync            {full_s:.1f} s ({stored / full_s:.0f} locations/s)")
    print(
        f"  CPU during it      eMSP {full_cpu:.1f} s + its page workers {workers_cpu:.1f} s, "
        f"mock {mock_cpu:.1f} s; other work on the machine {max(0.0, others_cpu):.1f} s"
    )
    print(f"incremental (no chg) {incr_s:.2f} s ({changed} objects)")
    print(f"peak RSS (eMSP)      {peak_rss_mb():.0f} MB")
    print(f"search p50 / p95     {p50:.1f} / {p95:.1f} ms over {len(every)} searches")
    for name, values in latencies.items():
        values.sort()
        print(f"  {name:32} p50 {statistics.median(values):6.1f}  max {values[-1]:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=60000)
    parser.add_argument("--rounds", type=int, default=20, help="times each search runs")
    args = parser.parse_args()
    tune_gc()  # as the emsp command does at start
    asyncio.run(run(args.locations, args.rounds))


if __name__ == "__main__":
    main()
