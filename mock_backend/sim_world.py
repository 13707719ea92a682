"""What the session simulator and the status churn may use of the running network.

`core.World` builds the `simulation.Simulator` and hands itself over; typing the simulator
against this Protocol keeps the imports one way (core -> simulation -> sim_world), so the
simulator never imports the World that builds it.
"""

from __future__ import annotations

from typing import Any, Protocol

from .clock import Clock
from .config import MockConfig
from .courier import Routing
from .faults import FaultBook
from .generator import Network
from .peers import Node, Peer
from .state import RuntimeState


class SimWorld(Protocol):
    config: MockConfig
    clock: Clock
    network: Network
    state: RuntimeState
    cpo_nodes: list[Node]
    faults: FaultBook

    def location(self, cpo_no: int, local: int) -> dict[str, Any]:
        """The location as it stands now (generated data with runtime changes)."""
        ...

    def push_evse_status(
        self, cpo_no: int, location_id: str, evse_uid: str, patch: dict[str, Any]
    ) -> None:
        """Location PATCH at EVSE depth to every eMSP with a locations RECEIVER."""
        ...

    def session_routes(self, cpo_no: int, owner: tuple[str, str]) -> list[tuple[Peer, bool]]:
        """(peer, via_hub) for the eMSP owning a token."""
        ...

    def routing_to(self, sender: Node, peer: Peer, party: tuple[str, str] | None = None) -> Routing:
        """The OCPI-from/to parties of a push."""
        ...

    def push(
        self,
        peer: Peer,
        method: str,
        url: str,
        body: Any,
        routing: Routing | None,
        what: str,
        on_result: Any = None,
    ) -> None:
        """Queue a push to a peer (ordered per peer, never retried)."""
        ...
