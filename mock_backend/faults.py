"""Fault injection: the misbehaviour real roaming partners show, off unless asked for.

A fault is `PARTY:KIND[=VALUE]`; PARTY is `hub`, a CPO (`DE-VOL`, case-insensitive) or `all`.
Faults act on the functional modules (locations, tariffs, sessions, cdrs, tokens, commands), never
on versions/credentials/hubclientinfo, so a faulty partner can still be registered with.
A CPO's faults also show through the hub: the hub turns a CPO that is slow beyond the hub's own
timeout into 4002, a broken or offline CPO into 4003, and passes OCPI error codes through.

CDR faults (`cdr_*`) change what a CPO sends when a session ends (details in cdr_faults.py). They
are read from the CPO's faults (or `all`) at the session end, apply to every route (directly or
via the hub), and have no effect set on `hub`. They combine: `DE-VOL:cdr_overcharge=25` with
`DE-VOL:cdr_credit_after` sends a CDR 25 % too high, its credit CDR, then the corrected CDR.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any

COMMAND_RESULTS = ("REJECTED", "EVSE_OCCUPIED", "EVSE_INOPERATIVE", "TIMEOUT", "FAILED", "NONE")

# kind: (description for --help, parser of the value, default value or None if none taken)
KINDS: dict[str, tuple[str, str, Any]] = {
    "latency": ("answer after VALUE seconds (default 2)", "float", 2.0),
    "timeout": (
        "hold every answer VALUE seconds, beyond any sane client timeout (default 300)",
        "float",
        300.0,
    ),
    "http5xx": ("answer HTTP VALUE (500-599, default 503) with a non-OCPI text body", "int", 503),
    "flaky": (
        "answer HTTP 503 to a fraction VALUE of requests (default 0.2, seeded)",
        "float",
        0.2,
    ),
    "rate_limit": ("answer HTTP 429 with Retry-After: 2", "none", None),
    "ocpi_error": ("answer HTTP 200 with OCPI status_code VALUE (default 3000)", "int", 3000),
    "truncated": ("cut every JSON body in half (as a dropped connection would)", "none", None),
    "malformed": (
        "break the object at 0-based position VALUE of every locations listing "
        "(missing address, latitude as a number; default 0)",
        "int",
        0,
    ),
    "command_result": (
        "send VALUE as every CommandResult: REJECTED, EVSE_OCCUPIED, "
        "EVSE_INOPERATIVE, TIMEOUT, FAILED, or NONE (never sent)",
        "result",
        "NONE",
    ),
    "cdr_overcharge": (
        "a CPO's CDRs bill VALUE % more than its tariff gives (default 10): total_cost, the extra "
        "in total_energy_cost",
        "float",
        10.0,
    ),
    "cdr_credit_after": (
        "after each CDR, a credit CDR (<id>-C, credit_reference_id, negative total_cost) and a "
        "new CDR at the tariff's price",
        "none",
        None,
    ),
    "cdr_late": (
        "a CPO's CDRs are listed and pushed VALUE simulated seconds (VALUE/--speed wall seconds) "
        "after the session end, dates unchanged (default 7200)",
        "float",
        7200.0,
    ),
    "cdr_twice": ("a CPO POSTs each session's CDR twice (identical bodies)", "none", None),
    "cdr_not_pushed": (
        "a CPO never POSTs its CDRs: only its CDRs SENDER (GET, date_from) has them",
        "none",
        None,
    ),
    "offline": (
        "the party is unreachable: HTTP 503 directly, 4003 via the hub, no pushes, "
        "OFFLINE in hubclientinfo",
        "none",
        None,
    ),
}


class FaultError(ValueError):
    """A fault specification that cannot be understood (message is user-facing)."""


@dataclass(frozen=True)
class Fault:
    party: str  # "hub", "DE-VOL" (upper case), or "all"
    kind: str
    value: Any = None

    def __str__(self) -> str:
        return f"{self.party}:{self.kind}" + ("" if self.value is None else f"={self.value}")


def parse_fault(text: str, parties: list[str]) -> Fault:
    """`DE-VOL:latency=1.5` -> Fault; parties are the valid party keys (`hub`, `DE-VOL` ...)."""
    party, sep, rest = text.strip().partition(":")
    if not sep or not party or not rest:
        raise FaultError(f"fault {text!r}: expected PARTY:KIND[=VALUE], e.g. DE-VOL:latency=2")
    known = {p.upper(): p for p in parties}
    if party.lower() == "all":
        party = "all"
    elif party.upper() in known:
        party = known[party.upper()]
    else:
        raise FaultError(
            f"fault {text!r}: unknown party {party!r} (one of: all, {', '.join(parties)})"
        )
    kind, has_value, raw = rest.partition("=")
    kind = kind.strip().lower().replace("-", "_")
    if kind not in KINDS:
        raise FaultError(f"fault {text!r}: unknown kind {kind!r} (one of: {', '.join(KINDS)})")
    _, parser, default = KINDS[kind]
    if not has_value:
        return Fault(party, kind, default)
    raw = raw.strip()
    try:
        value: Any
        if parser == "none":
            raise FaultError(f"fault {text!r}: {kind} takes no value")
        if parser == "float":
            value = float(raw)
            if value < 0 or (kind == "flaky" and value > 1):
                raise ValueError
        elif parser == "int":
            value = int(raw)
            if kind == "http5xx" and not 500 <= value <= 599:
                raise ValueError
            if kind == "ocpi_error" and not 2000 <= value <= 3999:
                raise ValueError
            if kind == "malformed" and value < 0:
                raise ValueError
        else:
            value = raw.upper()
            if value not in COMMAND_RESULTS:
                raise ValueError
    except ValueError:
        raise FaultError(f"fault {text!r}: bad value {raw!r} for {kind}") from None
    return Fault(party, kind, value)


class FaultBook:
    """The faults in force; read by request handlers, changed by the CLI and /mock/faults."""

    def __init__(self, seed: int = 0) -> None:
        self._faults: dict[tuple[str, str], Fault] = {}
        self._lock = threading.Lock()
        self._rng = random.Random(seed ^ 0x5EED)

    def set(self, fault: Fault) -> None:
        with self._lock:
            self._faults[(fault.party, fault.kind)] = fault

    def remove(self, party: str, kind: str | None = None) -> None:
        with self._lock:
            for key in [k for k in self._faults if k[0].upper() == party.upper()]:
                if kind is None or key[1] == kind:
                    del self._faults[key]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def all(self) -> list[Fault]:
        with self._lock:
            return list(self._faults.values())

    def of(self, party: str) -> dict[str, Any]:
        """kind -> value for a party (its own faults win over `all`)."""
        with self._lock:
            found = {f.kind: f.value for f in self._faults.values() if f.party == "all"}
            found.update(
                {f.kind: f.value for f in self._faults.values() if f.party.upper() == party.upper()}
            )
        return found

    def roll(self, probability: float) -> bool:
        with self._lock:
            return self._rng.random() < probability


def fault_help() -> str:
    width = max(len(kind) for kind in KINDS)
    lines = [f"  {kind:<{width}} {text}" for kind, (text, _, _) in KINDS.items()]
    return "\n".join(lines)
