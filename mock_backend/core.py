"""The running network: parties, generated data, runtime state, faults, outbound traffic.

`World` ties the pieces together and knows the routes data takes to an eMSP: a CPO's pushes go to
the eMSPs registered with that CPO directly and, through the hub, to those registered with the
hub. Hub-internal forwarding is in-process; what crosses the hub's edge is plain OCPI.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Coroutine
from typing import Any

from .clock import Clock, iso_utc
from .config import MockConfig
from .courier import Courier, Routing
from .faults import FaultBook, parse_fault
from .generator import CPOS, HUB, Network
from .paging import LocationIndex
from .peers import Node, Peer
from .simulation import Simulator
from .state import RuntimeState
from .wire import new_token

log = logging.getLogger("mock_backend")


def client_info(cc: str, pid: str, role: str, status: str, epoch: float) -> dict[str, Any]:
    """An OCPI ClientInfo (hubclientinfo module)."""
    return {
        "party_id": pid,
        "country_code": cc,
        "role": role,
        "status": status,
        "last_updated": iso_utc(epoch),
    }


class World:
    def __init__(self, config: MockConfig) -> None:
        config.validate()
        self.config = config
        self.token_a = config.token_a or new_token()
        self.started = time.time()
        as_of = self.started if config.as_of is None else config.as_of
        self.network = Network(config.seed, config.locations, as_of)  # last updated recently
        self.clock = Clock()
        self.state = RuntimeState(self.network, self.clock)
        self.faults = FaultBook(config.seed)
        self.courier = Courier(self.clock, config.push_timeout)
        self.hub = Node(HUB, None, self.token_a)
        self.cpo_nodes = [Node(cpo, n, self.token_a) for n, cpo in enumerate(CPOS)]
        self.nodes = [self.hub, *self.cpo_nodes]
        for spec in config.faults:
            self.faults.set(parse_fault(spec, self.party_keys()))
        self.base_url = f"http://{config.host}:{config.port}"
        # Hub command relays: relay id -> (the eMSP's peer at the hub, its response_url).
        self.relays: dict[str, tuple[Peer, str]] = {}
        # Hub client status: CPO key -> (ConnectionStatus, since epoch).
        self._client_status: dict[str, tuple[str, float]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        overlay = self.state.overlay
        self._indexes = {
            cpo_no: LocationIndex(
                self.network,
                cpo_no,
                functools.partial(overlay.keys, cpo_no),
                functools.partial(overlay.items, cpo_no),
            )
            for cpo_no in [None, *range(len(CPOS))]
        }
        self.sim = Simulator(self)  # last: the simulator needs a finished World

    # -- parties ---------------------------------------------------------------------------

    def party_keys(self) -> list[str]:
        return [n.key for n in self.nodes]

    def node(self, key: str) -> Node | None:
        for node in self.nodes:
            if node.key.lower() == key.lower():
                return node
        return None

    def node_by_slug(self, slug: str) -> Node | None:
        return next((n for n in self.cpo_nodes if n.party.slug == slug.lower()), None)

    def cpo_node(self, country_code: str, party_id: str) -> Node | None:
        cpo_no = self.network.cpo_by_code(country_code, party_id)
        return None if cpo_no is None else self.cpo_nodes[cpo_no]

    def is_offline(self, node: Node) -> bool:
        return "offline" in self.faults.of(node.key)

    def versions_urls(self) -> dict[str, str]:
        return {n.key: n.versions_url(self.base_url) for n in self.nodes}

    # -- locations ---------------------------------------------------------------------------

    def location_index(self, cpo_no: int | None) -> LocationIndex:
        return self._indexes[cpo_no]

    def find_location(self, location_id: str, cpo_no: int | None = None) -> tuple[int, int] | None:
        found = self.network.parse_location_id(location_id)
        if found is None or (cpo_no is not None and found[0] != cpo_no):
            return None
        return found

    def location(self, cpo_no: int, local: int) -> dict[str, Any]:
        return self.state.overlay.current(cpo_no, local)

    # -- who gets what -----------------------------------------------------------------------

    def emsp_routes(self, cpo_no: int) -> list[tuple[Peer, bool]]:
        """(peer, via_hub) for every eMSP reachable from this CPO; none while it is offline."""
        cpo = self.cpo_nodes[cpo_no]
        if self.is_offline(cpo):
            return []
        routes = [(peer, False) for peer in cpo.peers.values() if peer.ready]
        routes += [(peer, True) for peer in self.hub.peers.values() if peer.ready]
        return routes

    def routing_to(self, sender: Node, peer: Peer, party: tuple[str, str] | None = None) -> Routing:
        p = sender.party
        return (p.country_code, p.party_id), party or peer.emsp_parties[0]

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

        async def job() -> None:
            outcome = await self.courier.call(
                peer.token_out, method, url, body, routing=routing, what=what
            )
            if on_result is not None:
                on_result(outcome)

        self.courier.push(peer, job)

    def push_evse_status(
        self, cpo_no: int, location_id: str, evse_uid: str, patch: dict[str, Any]
    ) -> None:
        """Location PATCH at EVSE depth to every eMSP with a locations RECEIVER.

        Via the hub this is a broadcast push: the hub sends it FROM itself (spec 10), the URL keeps
        the owner's country_code/party_id.
        """
        cpo = self.cpo_nodes[cpo_no]
        for peer, via_hub in self.emsp_routes(cpo_no):
            base = peer.endpoint("locations", "RECEIVER")
            if base is None:
                continue
            owner = f"{cpo.party.country_code}/{cpo.party.party_id}"
            url = f"{base.rstrip('/')}/{owner}/{location_id}/{evse_uid}"
            sender = self.hub if via_hub else cpo
            self.push(peer, "PATCH", url, patch, self.routing_to(sender, peer), "location patch")

    def session_routes(self, cpo_no: int, owner: tuple[str, str]) -> list[tuple[Peer, bool]]:
        """Routes to the eMSP owning a token (by the party in its cdr_token)."""
        return [(p, via) for p, via in self.emsp_routes(cpo_no) if owner in p.parties]

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run a background job that the shutdown cancels (holds a reference meanwhile)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def client_status(self, cpo: Node) -> tuple[str, float]:
        """(CONNECTED | OFFLINE, since) of a CPO as the hub sees it."""
        status = "OFFLINE" if self.is_offline(cpo) else "CONNECTED"
        known = self._client_status.get(cpo.key)
        if known is None or known[0] != status:
            known = (status, self.started if known is None else self.clock.now())
            self._client_status[cpo.key] = known
        return known

    def refresh_client_status(self) -> None:
        """After a fault change: tell hub peers about CPOs that went offline or came back."""
        for cpo in self.cpo_nodes:
            before = self._client_status.get(cpo.key)
            now = self.client_status(cpo)
            if before is not None and before[0] != now[0]:
                self.push_client_info(cpo)

    def push_client_info(self, cpo: Node, peers: list[Peer] | None = None) -> None:
        """PUT a CPO's ClientInfo to the hubclientinfo RECEIVER of hub peers (no routing
        headers); every hub peer unless `peers` names some."""
        status, epoch = self.client_status(cpo)
        info = client_info(cpo.party.country_code, cpo.party.party_id, "CPO", status, epoch)
        for peer in peers if peers is not None else list(self.hub.peers.values()):
            base = peer.endpoint("hubclientinfo", "RECEIVER")
            if base is not None:
                url = f"{base.rstrip('/')}/{cpo.party.country_code}/{cpo.party.party_id}"
                self.push(peer, "PUT", url, info, None, "hubclientinfo")

    def deliver_command_result(
        self, cpo: Node, requester: Any, response_url: str, result: dict[str, Any]
    ) -> None:
        """POST a CommandResult (unwrapped) to the eMSP, through the hub's relay if proxied."""
        if self.is_offline(cpo):
            return
        prefix = f"{self.hub.version_url(self.base_url)}/commands/relay/"
        if response_url.startswith(prefix):
            relay = self.relays.pop(response_url[len(prefix) :], None)
            if relay is None:
                log.warning("command result for an unknown relay %s", response_url)
                return
            peer, original = relay
            self.push(
                peer,
                "POST",
                original,
                result,
                self.routing_to(cpo, peer, requester.party),
                "command result via hub",
            )
            return
        self.push(
            requester.peer,
            "POST",
            response_url,
            result,
            self.routing_to(cpo, requester.peer, requester.party),
            "command result",
        )

    async def close(self) -> None:
        await self.sim.stop()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.courier.close()

    def summary(self) -> dict[str, Any]:
        state = self.state
        return {
            "base_url": self.base_url,
            "seed": self.config.seed,
            "locations": self.network.total,
            "speed": self.config.speed,
            "parties": [
                {
                    "key": n.key,
                    "role": n.party.role,
                    "name": n.party.name,
                    "versions_url": n.versions_url(self.base_url),
                    "locations": self.network.total if n.is_hub else self.network.count(n.cpo_no),
                    "token_a_active": n.token_a is not None,
                    "peers": [p.summary() for p in n.peers.values()],
                    "tokens": 0 if n.cpo_no is None else len(state.cpos[n.cpo_no].tokens),
                }
                for n in self.nodes
            ],
            "changed_locations": len(state.overlay),
            "sessions": self.sim.describe(),
            "cdrs": [
                {
                    "id": cdr["id"],
                    "party": f"{cdr['country_code']}-{cdr['party_id']}",
                    "session_id": cdr.get("session_id"),
                    "location": loc_header,
                }
                for cs in state.cpos
                for _, cdr in cs.cdrs.ordered()
                for loc_header in [cs.cdr_locations.get(cdr["id"])]
            ],
            "cdrs_due": self.sim.cdrs_due,
            "faults": [str(f) for f in self.faults.all()],
            "pushes": {
                "sent": self.courier.sent,
                "failed": self.courier.failed,
                "recent": list(self.courier.history)[-20:],
            },
        }
