"""`emsp-mock` / `python -m mock_backend`: run the simulated roaming network until interrupted.

At start it prints one `label: URL` line per versions endpoint (the hub first), the registration
token, and a `ready` line, all on stdout and flushed, so scripts can read them:

    hub versions: http://127.0.0.1:8400/ocpi/versions
    cpo DE-VOL versions: http://127.0.0.1:8400/ocpi/cpo/de-vol/versions
    ...
    token_a: <TOKEN_A>
    control: http://127.0.0.1:8400/mock/state
    ready: 300 locations, seed 42, speed 60x (Ctrl-C to stop)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from typing import NoReturn

from .config import MockConfig
from .faults import FaultError, fault_help
from .paging import DEFAULT_LIMIT, MAX_LIMIT

PROG = "emsp-mock"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line, no usage dump: a wrong option is not a reason for a wall of text."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


EPILOG = f"""\
layout (one port, one process):
  hub           http://HOST:PORT/ocpi/versions
  each CPO      http://HOST:PORT/ocpi/cpo/<cc-pid>/versions   (de-vol, nl-glp, fr-brs, be-flc)
  control API   http://HOST:PORT/mock/...  (loopback only, no OCPI auth):
                POST /mock/tap, /mock/register, /mock/changes, /mock/sessions/ID/finish,
                GET|POST /mock/faults, GET /mock/state

every party accepts the same TOKEN_A for its credentials POST (printed at start).
pages: limit {DEFAULT_LIMIT} when the client asks none, at most --max-page-size (X-Limit).

faults (--fault PARTY:KIND[=VALUE], repeatable; PARTY = hub, DE-VOL, NL-GLP, FR-BRS, BE-FLC or all;
they affect the functional modules only, never versions/credentials):
{fault_help()}

examples:
  {PROG} --port 8400
  {PROG} --port 0 --seed 7 --locations 300000 --speed 120
  {PROG} --fault DE-VOL:latency=1.5 --fault NL-GLP:malformed=3 --fault hub:command_result=TIMEOUT
  {PROG} --fault DE-VOL:cdr_overcharge=25 --fault DE-VOL:cdr_credit_after --fault NL-GLP:cdr_late
"""


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="A simulated OCPI 2.2.1 roaming network: a hub in front of four CPOs "
        "(DE, NL, FR, BE), each also reachable directly, with seeded stations and tariffs, "
        "charging sessions, pushes and injectable faults.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8400, help="port (default 8400; 0 picks a free one)")
    p.add_argument(
        "--token-a", metavar="TOKEN", help="registration token (default: random, printed)"
    )
    p.add_argument("--seed", type=int, default=42, help="same seed, same network (default 42)")
    p.add_argument(
        "--locations",
        type=int,
        default=300,
        metavar="N",
        help="locations across all CPOs (default 300; 300000 starts as fast)",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=60.0,
        metavar="F",
        help="simulated seconds per wall second for sessions (default 60)",
    )
    p.add_argument(
        "--push-interval",
        type=float,
        default=5.0,
        metavar="S",
        help="wall seconds between session PATCHes (default 5)",
    )
    p.add_argument(
        "--churn",
        type=float,
        default=6.0,
        metavar="N",
        help="EVSE status changes per minute on other chargers (default 6; 0 = none)",
    )
    p.add_argument(
        "--command-delay",
        type=float,
        default=1.0,
        metavar="S",
        help="wall seconds before a CommandResult is sent (default 1)",
    )
    p.add_argument(
        "--max-page-size",
        type=int,
        default=MAX_LIMIT,
        metavar="N",
        help=f"page size cap, sent as X-Limit (default {MAX_LIMIT})",
    )
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="PARTY:KIND[=VALUE]",
        help="inject a fault (repeatable; kinds below)",
    )
    p.add_argument(
        "--log-level",
        default="warning",
        choices=["debug", "info", "warning", "error"],
        help="log level on stderr (default warning)",
    )
    return p


def config_from(args: argparse.Namespace) -> MockConfig:
    return MockConfig(
        seed=args.seed,
        locations=args.locations,
        speed=args.speed,
        token_a=args.token_a,
        push_interval=args.push_interval,
        churn_per_minute=args.churn,
        host=args.host,
        port=args.port,
        faults=list(args.fault),
        command_delay=args.command_delay,
        max_page_limit=args.max_page_size,
        page_limit=min(DEFAULT_LIMIT, max(1, args.max_page_size)),
    )


async def _serve(config: MockConfig) -> int:
    from .server import MockServer

    server = MockServer(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Windows has no add_signal_handler: there Ctrl-C raises KeyboardInterrupt (see main).
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await server.start()
    except OSError as err:
        print(
            f"{PROG}: error: cannot listen on {config.host}:{config.port}: {err}", file=sys.stderr
        )
        return 1
    out = sys.stdout
    print(f"hub versions: {server.versions_url}", file=out)
    for key, url in server.cpo_versions_urls.items():
        print(f"cpo {key} versions: {url}", file=out)
    print(f"token_a: {server.token_a}", file=out)
    print(f"control: {server.base_url}/mock/state", file=out)
    for fault in server.world.faults.all():
        print(f"fault: {fault}", file=out)
    print(
        f"ready: {config.locations} locations, seed {config.seed}, speed {config.speed:g}x "
        "(Ctrl-C to stop)",
        file=out,
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        await server.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    config = config_from(args)
    try:
        config.validate()
        from .core import World

        World(config)  # parses the faults: report a bad one before binding a port
    except (ValueError, FaultError) as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_serve(config))
    except KeyboardInterrupt:
        return 0
