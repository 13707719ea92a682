"""The seam between the network and the charging simulator (`mock_backend.sim`).

The network decides *when* things happen (commands, taps, stops, pushes); the simulator decides
*what* a session looks like (vehicle, power curve, the CPO's pricing, Session and CDR objects).
Everything the network needs from it is `ChargeRun`, made by `new_run(RunSpec)`.

`mock_backend.sim.new_run` provides it (a SimRun over sim.ChargingSession).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass
class RunSpec:
    session_id: str
    country_code: str  # the CPO
    party_id: str
    location: dict[str, Any]  # snapshot at start (the CDR's cdr_location comes from it)
    evse: dict[str, Any]
    connector: dict[str, Any]
    tariffs: list[dict[str, Any]]  # the connector's tariffs that apply (no AD_HOC_PAYMENT)
    cdr_token: dict[str, Any]
    auth_method: str  # COMMAND, WHITELIST, AUTH_REQUEST
    authorization_reference: str | None
    start: datetime  # simulated time (aware UTC)
    seed: int  # for the vehicle and its behaviour


class ChargeRun(Protocol):
    """One session as the simulator drives it. Times are simulated (aware UTC)."""

    def advance(self, now: datetime) -> None:
        """Move the session forward to `now`."""

    def stop(self, now: datetime) -> None:
        """The driver stopped (command, unplug): the session becomes COMPLETED at `now`."""

    @property
    def done(self) -> bool:
        """The session has ended by itself (full and unplugged) or by `stop`."""

    def session(self) -> dict[str, Any]:
        """The full OCPI Session as it stands (the network overrides `last_updated`)."""

    def cdr(self, cdr_id: str) -> dict[str, Any]:
        """The CDR of a completed session."""


def new_run(spec: RunSpec) -> ChargeRun:
    """A run driven by the simulator (vehicle, power curve and prices from `spec.seed`)."""
    from .sim import new_run as sim_new_run  # imported late: the network loads without it

    run: ChargeRun = sim_new_run(spec)
    return run
