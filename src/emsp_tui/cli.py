"""The ``emsp`` command line. The only place that runs the Textual app.

A wrong command line gets one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from . import __version__
from .config import Settings, load_settings
from .runtime import tune_gc

EXAMPLES = """\
examples:
  emsp demo                         run against the bundled simulated roaming network
  emsp partners add URL --token A   connect to a hub or CPO (credentials handshake)
  emsp partners                     list partners, their roles and state
  emsp sync                         pull stations and tariffs from every partner
  emsp stations --near Berlin --min-kw 150 --available
  emsp serve                        serve our OCPI endpoints without the UI
  emsp --demo stations paris        any command, on the profile of a running 'emsp demo'
  emsp invoices export INV-2026-000001 --pdf invoice.pdf

exit status: 0 done; 1 nothing found (no such invoice, an empty list) or it failed (a partner,
  a file that exists); 2 a wrong command line
"""


class TerminalSafeFormatter(logging.Formatter):
    """Log records on the terminal: a partner's text in a message (names, error messages)
    never acts as escape codes and never starts a line of its own; a traceback keeps its
    lines, each made safe."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        from .widgets.safe_text import terminal_safe  # not at start-up: it imports rich

        return terminal_safe(super().formatMessage(record))

    def formatException(self, ei: logging._SysExcInfoType) -> str:
        from .widgets.safe_text import terminal_safe

        lines = super().formatException(ei).split("\n")
        return "\n".join(terminal_safe(line) for line in lines)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> _Parser:
    # SUPPRESS: an option given before the subcommand is not reset by the subcommand's default.
    common = _Parser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--data-dir", help="data folder (database, credentials); env EMSP_DATA_DIR")
    common.add_argument("--config-dir", help="config folder (config.toml); env EMSP_CONFIG_DIR")
    common.add_argument(
        "--demo",
        action="store_true",
        help="use the demo's profile (DATA_DIR/demo, CONFIG_DIR/demo): reach a running 'emsp demo'",
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log more to stderr")

    parser = _Parser(
        prog="emsp",
        description="emsp-tui: an OCPI 2.2.1 eMSP (e-mobility service provider) with a "
        "terminal UI. Without a command it opens the app.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"emsp-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="start the bundled mock roaming network, connect, open the app",
        description="Start the bundled mock roaming hub and CPOs on a free local port, register "
        "with the hub (credentials handshake) and open the app. Uses its own data folder "
        "(DATA_DIR/demo, CONFIG_DIR/demo) so your real partners are never touched; from another "
        "terminal, add --demo to any command to use it: emsp --demo stations paris.",
    )
    demo.add_argument("--seed", type=int, default=42, help="network seed (same seed, same network)")
    demo.add_argument(
        "--locations", type=_positive_int, default=300, help="locations in the network"
    )
    demo.add_argument("--speed", type=_positive_float, default=60.0, help="simulated time factor")
    demo.add_argument("--headless", action="store_true", help="connect, print a summary, exit")

    app = sub.add_parser("app", parents=[common], help="open the app (the default)")
    app.add_argument(
        "--no-receiver",
        action="store_true",
        help="do not serve our OCPI endpoints; poll partners for session updates instead",
    )

    serve = sub.add_parser("serve", parents=[common], help="serve our OCPI endpoints headless")
    serve.add_argument("--host", help="interface to listen on (default from config: 127.0.0.1)")
    serve.add_argument("--port", type=_port, help="port to listen on (default from config: 8420)")

    sync = sub.add_parser(
        "sync",
        parents=[common],
        help="pull every partner's tariffs and locations",
        description="Full sync the first time, then incremental (date_from) per partner and "
        "module. Exit status: 0 all synced, 1 a partner failed or there is no partner to sync.",
    )
    sync.add_argument("--full", action="store_true", help="re-read everything, not just changes")
    sync.add_argument("-q", "--quiet", action="store_true", help="no progress line")

    st = sub.add_parser(
        "stations",
        parents=[common],
        help="search stations (headless)",
        description="Search the synced stations. Distances are measured from --near, else from "
        "your home position (set in the app).",
    )
    st.add_argument("text", nargs="*", help="free text: name, address, city, operator, EVSE id")
    st.add_argument("--near", metavar="PLACE", help="a city name or LAT,LON; results nearest first")
    st.add_argument(
        "--radius", type=_positive_float, metavar="KM", help="only within this distance"
    )
    st.add_argument(
        "--connector",
        action="append",
        metavar="TYPE",
        help="connector: CCS, CCS2, CCS1, Type 2, CHAdeMO, Tesla, Schuko... or an OCPI name "
        "such as IEC_62196_T2_COMBO; any case (repeatable: any of them)",
    )
    st.add_argument("--min-kw", type=_positive_float, metavar="KW", help="minimum power")
    kind = st.add_mutually_exclusive_group()
    kind.add_argument("--ac", action="store_true", help="AC chargers only")
    kind.add_argument("--dc", action="store_true", help="DC chargers only")
    st.add_argument("--available", action="store_true", help="at least one charger free now")
    st.add_argument("--open-now", action="store_true", help="open now (opening hours)")
    st.add_argument("--operator", help="operator name")
    st.add_argument("--party", type=_party, metavar="CC*PID", help="CPO party, e.g. DE*VOL")
    st.add_argument(
        "--facility",
        action="append",
        metavar="FACILITY",
        help="e.g. CAFE, SUPERMARKET (repeatable: all of them)",
    )
    st.add_argument(
        "--max-price",
        type=_positive_float,
        metavar="EUR",
        help="maximum energy price per kWh incl. VAT",
    )
    st.add_argument("--limit", type=_positive_int, default=20, help="results per page (default 20)")
    st.add_argument("--offset", type=_non_negative_int, default=0, help="skip this many results")
    st.add_argument("--json", action="store_true", help="JSON output for scripts")

    partners = sub.add_parser(
        "partners",
        parents=[common],
        help="roaming partners: list, add, remove, invite",
        description="Without a subcommand: list partners.",
    )
    psub = partners.add_subparsers(
        dest="partners_command", metavar="SUBCOMMAND", parser_class=_Parser
    )
    psub.add_parser("list", parents=[common], help="list partners (the default)")
    add = psub.add_parser("add", parents=[common], help="register with a hub or CPO")
    add.add_argument("versions_url", help="the partner's OCPI versions URL")
    add.add_argument(
        "--token", required=True, help="the registration token (TOKEN_A) they gave you"
    )
    add.add_argument("--name", help="a short name for the partner (default: from its roles)")
    remove = psub.add_parser("remove", parents=[common], help="unregister from a partner")
    remove.add_argument("name", help="the partner's name as 'emsp partners' shows it")
    invite = psub.add_parser(
        "invite", parents=[common], help="issue a TOKEN_A so a CPO can register with us"
    )
    invite.add_argument("--label", help="who the token is for")
    _add_billing(sub, common)
    return parser


def _json_flag(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: "emsp invoices --json" and "emsp invoices list --json" both count
    parser.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="JSON output for scripts"
    )


def _add_billing(sub: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    cards = sub.add_parser(
        "cards",
        parents=[common],
        help="the driver's cards (virtual RFID tokens): list, issue",
        description="Without a subcommand: list the cards. Exit status 1: no card yet.",
    )
    _json_flag(cards)
    csub = cards.add_subparsers(dest="cards_command", metavar="SUBCOMMAND", parser_class=_Parser)
    _json_flag(csub.add_parser("list", parents=[common], help="list the cards (the default)"))
    issue = csub.add_parser("issue", parents=[common], help="issue a new card, valid at once")
    issue.add_argument("--label", help="a name for the card")
    _json_flag(issue)

    cdrs = sub.add_parser(
        "cdrs",
        parents=[common],
        help="charge detail records, each with its audit against the tariff",
        description="Newest first. Exit status 1: none (with --flagged: none flagged).",
    )
    cdrs.add_argument(
        "--flagged",
        action="store_true",
        help="only flagged CDRs: total differs from the tariff, a card we never issued, a "
        "session we never saw, or a credit for a CDR we do not hold",
    )
    _json_flag(cdrs)

    invoices = sub.add_parser(
        "invoices",
        parents=[common],
        help="invoices and credit notes: list, show, export",
        description="Without a subcommand: list the invoices and credit notes. Exit status 1: "
        "none, or no such number.",
    )
    invoices.add_argument("--month", type=_month, help="only those issued in YYYY-MM (UTC)")
    _json_flag(invoices)
    isub = invoices.add_subparsers(
        dest="invoices_command", metavar="SUBCOMMAND", parser_class=_Parser
    )
    listing = isub.add_parser("list", parents=[common], help="list them (the default)")
    listing.add_argument(
        "--month", type=_month, default=argparse.SUPPRESS, help="only those issued in YYYY-MM"
    )
    _json_flag(listing)
    show = isub.add_parser("show", parents=[common], help="one document: lines, VAT, audit")
    show.add_argument("number", help="e.g. INV-2026-000001 or CN-2026-000001")
    _json_flag(show)
    export = isub.add_parser(
        "export",
        parents=[common],
        help="write a document as PDF, JSON and/or CSV (owner-only file)",
        description="Writes each file readable by you only (an invoice holds personal data) and "
        "prints its path; FILE '-' writes to stdout. An existing file is kept unless --force.",
    )
    export.add_argument("number", help="e.g. INV-2026-000001")
    export.add_argument("--pdf", metavar="FILE", help="PDF/A-3 with the Factur-X XML inside")
    export.add_argument("--json", dest="json_file", metavar="FILE", help="JSON export")
    export.add_argument("--csv", dest="csv_file", metavar="FILE", help="CSV of the lines")
    export.add_argument("--force", action="store_true", help="overwrite existing files")

    statement = sub.add_parser(
        "statement",
        parents=[common],
        help="the month's statement: invoices, credit notes, totals",
        description="Documents issued in the month (UTC); a charge of an earlier month is "
        "marked late. Exit status 1: nothing issued that month.",
    )
    statement.add_argument("--month", type=_month, required=True, help="YYYY-MM")
    statement.add_argument("--pdf", metavar="FILE", help="also write it as a PDF ('-': stdout)")
    statement.add_argument("--force", action="store_true", help="overwrite an existing PDF")
    _json_flag(statement)


def _month(text: str) -> str:
    """``2026-03``: a month as YYYY-MM."""
    value = text.strip()
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"not a month like 2026-03: {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def _port(text: str) -> int:
    value = _non_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port (0-65535): {text!r}")
    return value


def _party(text: str) -> str:
    """``DE*VOL`` (``DE-VOL`` too): a country code and a party id, upper case."""
    cc, sep, pid = text.strip().replace("-", "*").partition("*")
    if not sep or len(cc) != 2 or len(pid) != 3 or not (cc + pid).isalnum():
        raise argparse.ArgumentTypeError(f"not a party like DE*VOL: {text!r}")
    return f"{cc.upper()}*{pid.upper()}"


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0: {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    tune_gc()
    to_terminal = logging.StreamHandler(sys.stderr)
    to_terminal.setFormatter(
        TerminalSafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logging.basicConfig(
        level=logging.INFO if getattr(args, "verbose", False) else logging.WARNING,
        handlers=[to_terminal],
    )
    try:
        settings = load_settings(
            data_dir=getattr(args, "data_dir", None), config_dir=getattr(args, "config_dir", None)
        )
    except Exception as err:  # a broken config.toml is a user error, not a crash
        print(f"emsp: error: cannot read the configuration: {_one_line(err)}", file=sys.stderr)
        return 2
    command = args.command or "app"
    if getattr(args, "demo", False) and command != "demo":
        from .config import demo_profile

        settings = demo_profile(settings)
    try:
        if command == "demo":
            return run_demo(
                settings,
                seed=args.seed,
                locations=args.locations,
                speed=args.speed,
                headless=args.headless,
            )
        if command == "app":
            return run_app(settings, no_receiver=getattr(args, "no_receiver", False))
        if command == "serve":
            from .commands import serve

            return asyncio.run(serve(settings, host=args.host, port=args.port))
        if command == "sync":
            from .commands_data import sync as run_sync

            return asyncio.run(run_sync(settings, full=args.full, quiet=args.quiet))
        if command == "stations":
            from .commands_data import stations

            return asyncio.run(stations(settings, args))
        if command == "partners":
            from . import commands

            sub = args.partners_command or "list"
            if sub == "list":
                return asyncio.run(commands.partners_list(settings))
            if sub == "add":
                return asyncio.run(
                    commands.partners_add(settings, args.versions_url, args.token, args.name)
                )
            if sub == "remove":
                return asyncio.run(commands.partners_remove(settings, args.name))
            if sub == "invite":
                return asyncio.run(commands.partners_invite(settings, args.label))
        if command in {"cards", "cdrs", "invoices", "statement"}:
            return run_billing(settings, command, args)
    except KeyboardInterrupt:
        return 130
    except OSError as err:  # a folder we may not write, a disk full: the user's to fix
        print(f"emsp: error: {_one_line(err)}", file=sys.stderr)
        return 1
    parser.error(f"unknown command {command!r}")


def run_billing(settings: Settings, command: str, args: argparse.Namespace) -> int:
    from . import commands_billing as billing

    as_json = getattr(args, "json", False)
    if command == "cards":
        if args.cards_command == "issue":
            return asyncio.run(billing.cards_issue(settings, label=args.label, as_json=as_json))
        return asyncio.run(billing.cards_list(settings, as_json=as_json))
    if command == "cdrs":
        return asyncio.run(billing.cdrs_list(settings, flagged=args.flagged, as_json=as_json))
    if command == "statement":
        return asyncio.run(
            billing.statement(settings, args.month, pdf=args.pdf, as_json=as_json, force=args.force)
        )
    sub = args.invoices_command or "list"
    if sub == "show":
        return asyncio.run(billing.invoices_show(settings, args.number, as_json=as_json))
    if sub == "export":
        return asyncio.run(
            billing.invoices_export(
                settings,
                args.number,
                pdf=args.pdf,
                json_file=args.json_file,
                csv_file=args.csv_file,
                force=args.force,
            )
        )
    return asyncio.run(billing.invoices_list(settings, month=args.month, as_json=as_json))


def run_demo(
    settings: Settings, *, seed: int, locations: int, speed: float, headless: bool = False
) -> int:
    from . import demo

    try:
        with demo.running_demo(settings, seed=seed, locations=locations, speed=speed) as network:
            if headless:
                return asyncio.run(demo.headless_summary(network))
            return run_app(network.settings, demo_hub=network.hub, demo_speed=speed)
    except demo.DemoError as err:
        print(f"emsp: error: {err}", file=sys.stderr)
        return 1


def run_app(settings: Settings, *, no_receiver: bool = False, **kwargs: object) -> int:
    from .app import EmspApp

    if no_receiver:
        from .node import EmspNode

        kwargs["node"] = EmspNode(settings, serve=False, background=True)
    app = EmspApp(settings, **kwargs)  # type: ignore[arg-type]
    app.run()
    return app.return_code or 0


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())
