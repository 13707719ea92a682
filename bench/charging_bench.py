"""Charging benchmark: many concurrent sessions pushing updates to our receiver.

    .venv/bin/python bench/charging_bench.py                      # 100 sessions, 30 s
    .venv/bin/python bench/charging_bench.py --sessions 200 --seconds 60

Runs the mock network in a child process (so the two sides do not share an event loop or a
GIL, as in production), registers our node with its hub, issues one card per session, starts
every session with START_SESSION (concurrently), lets the simulated cars charge while the mock
PATCHes each session every ``--push-interval`` seconds, then stops them all and waits for the
CDRs. Prints:

* updates sent by the mock (Session PUT/PATCH) and updates received and applied by us;
* updates lost: sent by the mock but not applied by us (must be 0);
* push-to-store latency p50/p95/max: the mock's clock when its HTTP request starts vs our
  clock right after the transaction committed (both on this machine); also from the moment
  the mock stamped the update (``last_updated``, before its push queue) to our commit;
* a final check that our copy of every session equals the mock's last update.

``--ui`` measures instead the push-to-screen latency through the app: the same network, our
node inside a headless EmspApp with the live SessionScreen open on one of the sessions, and
the time from the mock's push (and from our commit) to the screen drawing that update
(target: p95 under 200 ms).

The mock side is instrumented in the child (``--child``): it records every session push it
makes and writes them out when asked to stop. ``BENCH_DUMP=file.json`` also saves the raw
records (each push's send time and our commit time) for a closer look.
"""

# A script: small blocking file reads, a child process and polling loops at setup and teardown
# are fine here (nothing else runs on the loop then).
# ruff: noqa: ASYNC110, ASYNC220, ASYNC240
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from emsp_tui.ocpi.types import parse_datetime  # noqa: E402


def ms(text: str) -> int:
    return round(parse_datetime(text).timestamp() * 1000)


# -- the mock, in a child process ------------------------------------------------------------------
async def child(args: argparse.Namespace) -> None:
    from mock_backend import MockConfig, running_mock

    config = MockConfig(
        seed=args.seed,
        locations=args.locations,
        churn_per_minute=0,
        speed=args.speed,
        push_interval=args.push_interval,
        tick=0.1,
        command_delay=0.2,
        command_timeout=30,
    )
    records: list[dict[str, Any]] = []
    async with running_mock(config) as mock:
        courier = mock.world.courier
        original = courier.call

        async def call(token: str, method: str, url: str, body: Any = None, **kw: Any) -> Any:
            sent = time.time()
            outcome = await original(token, method, url, body, **kw)
            if "/sessions/" in url and method in ("PUT", "PATCH") and isinstance(body, dict):
                records.append(
                    {
                        "session": url.rsplit("/", 1)[1],
                        "method": method,
                        "last_updated": body["last_updated"],
                        "kwh": body.get("kwh"),
                        "sent": sent,
                        "ok": outcome.ok,
                        "http": outcome.http_status,
                    }
                )
            return outcome

        courier.call = call  # type: ignore[method-assign]
        Path(args.child_info).write_text(
            json.dumps(
                {"versions_url": mock.versions_url, "token_a": mock.token_a, "base": mock.base_url}
            )
        )
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        await courier.drain()
    Path(args.child_records).write_text(json.dumps(records))


# -- our side ---------------------------------------------------------------------------------
async def run(args: argparse.Namespace) -> int:
    import httpx

    from emsp_tui.config import load_settings
    from emsp_tui.node import EmspNode
    from emsp_tui.ocpi.enums import Capability
    from emsp_tui.ocpi.models import Location
    from emsp_tui.services.events import PUSHED, Pushed, SessionPushed
    from emsp_tui.store import sessions as session_store

    tmp = Path(tempfile.mkdtemp(prefix="charging-bench-"))
    info, records_file = tmp / "mock.json", tmp / "records.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--child",
            "--child-info",
            str(info),
            "--child-records",
            str(records_file),
            "--seed",
            str(args.seed),
            "--locations",
            str(args.locations),
            "--speed",
            str(args.speed),
            "--push-interval",
            str(args.push_interval),
        ],
    )
    try:
        while not info.exists():
            if proc.poll() is not None:
                print("the mock did not start", file=sys.stderr)
                return 1
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.05)
        mock = json.loads(info.read_text())
        settings = load_settings(data_dir=tmp / "data", config_dir=tmp / "config")
        settings.receiver.port = 0
        applied: dict[tuple[str, int], float] = {}
        received = not_applied = 0

        def listen(event: Pushed) -> None:
            nonlocal received, not_applied
            if isinstance(event, SessionPushed) and event.method in ("PUT", "PATCH"):
                received += 1
                r = event.result
                if r.applied and r.last_updated is not None:
                    stamp = round(r.last_updated.timestamp() * 1000)
                    applied[(r.key[2], stamp)] = event.committed_at.timestamp()
                else:
                    not_applied += 1

        async with EmspNode(settings) as node:
            for kind in PUSHED:
                node.events.subscribe(kind, listen)
            hub = await node.partners.add(mock["versions_url"], mock["token_a"], name="hub")
            await node.new_sync().sync_all()
            wallet = node.wallet
            cards = [await wallet.issue(f"bench {n}") for n in range(args.sessions)]

            def free_evses(conn: Any) -> list[tuple[Location, str]]:
                out = []
                for (data,) in conn.execute("SELECT data FROM location_json ORDER BY pk"):
                    loc = Location.model_validate_json(data)
                    for evse in loc.evses or []:
                        caps = evse.capabilities or []
                        if (
                            evse.status == "AVAILABLE"
                            and Capability.REMOTE_START_STOP_CAPABLE in caps
                            and Capability.START_SESSION_CONNECTOR_REQUIRED not in caps
                        ):
                            out.append((loc, evse.uid))
                return out

            def open_count(conn: Any) -> int:
                return int(
                    conn.execute(
                        "SELECT count(*) FROM sessions WHERE status IN ('PENDING', 'ACTIVE')"
                    ).fetchone()[0]
                )

            targets = (await node.db.run(free_evses))[: args.sessions]
            if len(targets) < args.sessions:
                print(f"only {len(targets)} free EVSEs; raise --locations", file=sys.stderr)
                return 1
            started = time.perf_counter()
            commands = await asyncio.gather(
                *(
                    node.charging.start(loc, uid, None, card)
                    for (loc, uid), card in zip(targets, cards, strict=True)
                )
            )
            accepted = sum(c.response == "ACCEPTED" for c in commands)
            print(
                f"{accepted}/{len(commands)} START_SESSION accepted in "
                f"{time.perf_counter() - started:.2f} s (hub {hub.name})"
            )
            while await node.db.run(open_count) < accepted:
                await asyncio.sleep(0.2)
            print(f"{accepted} sessions running; measuring for {args.seconds:g} s ...")
            await asyncio.sleep(args.seconds)
            running = await node.charging.sessions()
            stops = await asyncio.gather(*(node.charging.stop(v) for v in running))
            print(
                f"{sum(s.response == 'ACCEPTED' for s in stops)}/{len(stops)} STOP_SESSION accepted"
            )
            deadline = time.perf_counter() + 30
            while await node.db.run(open_count) and time.perf_counter() < deadline:
                await asyncio.sleep(0.2)
            async with httpx.AsyncClient() as http:
                await http.post(f"{mock['base']}/mock/flush", timeout=60)
            await asyncio.sleep(0.5)  # the last answers reach our store
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            sent = json.loads(records_file.read_text())
            held = {s.key[2]: s for s in await node.db.run(session_store.recent_sessions, 10_000)}
            cdrs = sum(1 for s in held.values() if s.cdr_id)
        if os.environ.get("BENCH_DUMP"):
            Path(os.environ["BENCH_DUMP"]).write_text(
                json.dumps({"sent": sent, "applied": [[k[0], k[1], v] for k, v in applied.items()]})
            )
        report(sent, applied, received, not_applied, held, cdrs, args)
        return 0
    finally:
        if proc.poll() is None:
            proc.kill()


def report(
    sent: list[dict[str, Any]],
    applied: dict[tuple[str, int], float],
    received: int,
    not_applied: int,
    held: dict[str, Any],
    cdrs: int,
    args: argparse.Namespace,
) -> None:
    lost = [r for r in sent if (r["session"], ms(r["last_updated"])) not in applied]
    failed = [r for r in sent if not r["ok"]]
    send_lat = [
        (applied[(r["session"], ms(r["last_updated"]))] - r["sent"]) * 1000
        for r in sent
        if (r["session"], ms(r["last_updated"])) in applied
    ]
    stamp_lat = [
        applied[(r["session"], ms(r["last_updated"]))] * 1000 - ms(r["last_updated"])
        for r in sent
        if (r["session"], ms(r["last_updated"])) in applied
    ]
    last_sent: dict[str, dict[str, Any]] = {}
    for r in sorted(sent, key=lambda r: ms(r["last_updated"])):
        last_sent[r["session"]] = r
    mismatched = [
        sid for sid, r in last_sent.items() if sid not in held or held[sid].session.kwh != r["kwh"]
    ]
    patches = sum(r["method"] == "PATCH" for r in sent)

    def pct(values: list[float], p: int) -> float:
        return statistics.quantiles(values, n=100)[p - 1] if len(values) > 1 else (values or [0])[0]

    print()
    print(
        f"sessions                 {len(last_sent)} (push interval {args.push_interval:g} s, "
        f"speed {args.speed:g}x)"
    )
    print(
        f"updates sent by the mock {len(sent)} ({len(sent) - patches} PUT, {patches} PATCH; "
        f"{len(failed)} failed at HTTP/OCPI level)"
    )
    print(
        f"updates received by us   {received} ({received - not_applied} applied, "
        f"{not_applied} acknowledged as older/duplicate)"
    )
    print(f"updates lost             {len(lost)}")
    print(
        f"push-to-store latency    p50 {pct(send_lat, 50):.1f} ms, p95 {pct(send_lat, 95):.1f} ms,"
        f" max {max(send_lat, default=0):.1f} ms  (mock HTTP send -> our commit)"
    )
    print(
        f"stamp-to-store latency   p50 {pct(stamp_lat, 50):.1f} ms, p95 {pct(stamp_lat, 95):.1f} "
        f"ms  (mock last_updated -> our commit, incl. its push queue)"
    )
    print(
        f"final state              {len(last_sent) - len(mismatched)}/{len(last_sent)} sessions "
        f"equal to the mock's last update; {cdrs} CDRs stored"
    )


# -- push to screen, through the app (--ui) ----------------------------------------------------
async def run_ui(args: argparse.Namespace) -> int:
    from emsp_tui.app import EmspApp
    from emsp_tui.config import load_settings
    from emsp_tui.node import EmspNode
    from emsp_tui.ocpi.enums import Capability
    from emsp_tui.ocpi.models import Location
    from emsp_tui.screens.session import SessionScreen
    from emsp_tui.services.charging_views import SessionView
    from emsp_tui.services.events import PUSHED, Pushed, SessionPushed

    tmp = Path(tempfile.mkdtemp(prefix="charging-ui-bench-"))
    info, records_file = tmp / "mock.json", tmp / "records.json"
    proc = subprocess.Popen(
        [
            sys.executable, __file__, "--child", "--child-info", str(info),
            "--child-records", str(records_file), "--seed", str(args.seed),
            "--locations", str(args.locations), "--speed", str(args.speed),
            "--push-interval", str(args.push_interval),
        ],
    )  # fmt: skip
    committed: dict[tuple[str, int], float] = {}
    shown: dict[tuple[str, int], float] = {}

    def listen(event: Pushed) -> None:
        if isinstance(event, SessionPushed) and event.result.applied:
            r = event.result
            if r.last_updated is not None:
                stamp = round(r.last_updated.timestamp() * 1000)
                committed[(r.key[2], stamp)] = event.committed_at.timestamp()

    class TimedSessionScreen(SessionScreen):
        def _show(self, view: SessionView) -> None:
            super()._show(view)
            key = (view.id, round(view.last_updated.timestamp() * 1000))
            shown.setdefault(key, time.time())

    try:
        while not info.exists():
            if proc.poll() is not None:
                print("the mock did not start", file=sys.stderr)
                return 1
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.05)
        mock = json.loads(info.read_text())
        settings = load_settings(data_dir=tmp / "data", config_dir=tmp / "config")
        settings.receiver.port = 0
        node = EmspNode(settings)
        for kind in PUSHED:
            node.events.subscribe(kind, listen)
        app = EmspApp(settings, node=node, sync_on_start=False)
        async with app.run_test(headless=True, size=(120, 40)) as pilot:
            node = await app.ready()
            await node.partners.add(mock["versions_url"], mock["token_a"], name="hub")

            await node.new_sync().sync_all()
            cards = [await app.wallet.issue(f"bench {n}") for n in range(args.sessions)]

            def free_evses(conn: Any) -> list[tuple[Location, str]]:
                out = []
                for (data,) in conn.execute("SELECT data FROM location_json ORDER BY pk"):
                    loc = Location.model_validate_json(data)
                    for evse in loc.evses or []:
                        caps = evse.capabilities or []
                        if (
                            evse.status == "AVAILABLE"
                            and Capability.REMOTE_START_STOP_CAPABLE in caps
                            and Capability.START_SESSION_CONNECTOR_REQUIRED not in caps
                        ):
                            out.append((loc, evse.uid))
                return out

            targets = (await node.db.run(free_evses))[: args.sessions]
            first, *rest = await asyncio.gather(
                *(
                    node.charging.start(loc, uid, None, card)
                    for (loc, uid), card in zip(targets, cards, strict=True)
                )
            )
            app.push_screen(TimedSessionScreen(first))
            print(f"{len(rest) + 1} sessions started; the screen follows one ({args.seconds:g} s)")
            await asyncio.sleep(args.seconds)
            await pilot.pause()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        sent = {
            (r["session"], ms(r["last_updated"])): r["sent"]
            for r in json.loads(records_file.read_text())
        }
        from_push = sorted(1000 * (t - sent[k]) for k, t in shown.items() if k in sent)
        from_commit = sorted(1000 * (t - committed[k]) for k, t in shown.items() if k in committed)
        for label, values in (("mock push", from_push), ("our commit", from_commit)):
            if not values:
                print(f"{label} -> screen: no samples")
                continue
            p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
            verdict = ""
            if label == "mock push":
                verdict = " (target p95 < 200 ms: " + ("OK)" if p95 < 200 else "MISSED)")
            print(
                f"{label} -> screen: n={len(values)} p50={statistics.median(values):.1f} ms "
                f"p95={p95:.1f} ms max={values[-1]:.1f} ms{verdict}"
            )
        return 0
    finally:
        if proc.poll() is None:
            proc.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30.0, help="measuring time")
    parser.add_argument("--push-interval", type=float, default=1.0)
    parser.add_argument("--speed", type=float, default=20.0, help="simulated s per wall s")
    parser.add_argument("--locations", type=int, default=600)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--ui", action="store_true", help="push-to-screen latency via the app")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-info", help=argparse.SUPPRESS)
    parser.add_argument("--child-records", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(args))
        return 0
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    return asyncio.run(run_ui(args) if args.ui else run(args))


if __name__ == "__main__":
    sys.exit(main())
