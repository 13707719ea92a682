"""Sessions over time: start, PATCH every push interval, stop, CDR; reservations.

Clocks: `last_updated` is always the wall clock (so pulls with `date_from` see changes in order).
A session's own times (start, periods, end) run on a simulated clock that starts at the wall
clock and runs `speed` times faster, so a one-hour charge takes a minute at `--speed 60` and its
end_date_time lies in the (wall-clock) future.

Charging periods: PATCHes append them (spec 5), so only closed periods are pushed while a
session runs; the open one follows once it closes or the session ends. GET returns all of them.

CDRs: made at the session end with the mock's own pricing; the CPO's CDR faults (cdr_faults.py)
decide what is listed and pushed, and when.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .cdr_faults import CdrPlan, plan_cdrs
from .charging import ChargeRun, RunSpec, new_run
from .churn import churn, churner
from .clock import iso_utc
from .sim_world import SimWorld

log = logging.getLogger("mock_backend.sim")


class StartRefused(Exception):
    """The EVSE cannot start a session now; `result` is the CommandResultType to report."""

    def __init__(self, result: str, message: str) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class Active:
    cpo_no: int
    local: int
    session_id: str
    evse_uid: str
    run: ChargeRun
    wall_start: float
    sim_start: datetime
    owner: tuple[str, str]  # the eMSP party of the token
    pushed_periods: int = 0
    last_push: float = 0.0
    last_sent: tuple[Any, ...] = ()


class Simulator:
    def __init__(self, world: SimWorld) -> None:
        self.world = world
        self.active: dict[str, Active] = {}
        self.busy: set[tuple[int, str]] = set()  # (cpo_no, EVSE uid) with a session/reservation
        self._rng = random.Random(world.config.seed ^ 0xC4A26E)  # vehicles
        self.churn_rng = random.Random(world.config.seed ^ 0xC3D2)  # status churn
        self._tasks: list[asyncio.Task[None]] = []
        self._due: list[tuple[float, Callable[[], None]]] = []  # (wall time, late CDR delivery)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._ticker()))
        if self.world.config.churn_per_minute > 0:
            self._tasks.append(asyncio.create_task(churner(self)))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    def sim_now(self, active: Active, wall: float) -> datetime:
        elapsed = (wall - active.wall_start) * self.world.config.speed
        return active.sim_start + timedelta(seconds=elapsed)

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(self.world.config.tick)
            try:
                self.step()
            except Exception:
                log.exception("simulator step failed")

    def step(self) -> None:
        wall = self.world.clock.now()
        for active in list(self.active.values()):
            active.run.advance(self.sim_now(active, wall))
            if active.run.done:
                self._finish(active)
            elif wall - active.last_push >= self.world.config.push_interval:
                self._patch(active, wall)
        for due in [d for d in self._due if d[0] <= wall]:
            self._due.remove(due)
            due[1]()
        for reservation_id, r in list(self.world.state.cpos_reservations()):
            if r["expiry"] <= wall:
                self.cancel_reservation(r["cpo_no"], reservation_id)

    # -- sessions --------------------------------------------------------------------------

    def start_session(
        self,
        cpo_no: int,
        local: int,
        evse_uid: str,
        connector_id: str | None,
        cdr_token: dict[str, Any],
        auth_method: str,
        authorization_reference: str | None,
        on_accept: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """Start charging now; raises StartRefused when the EVSE cannot. `on_accept` runs once
        the start is certain, before any push (a CommandResult precedes the Session PUT)."""
        world = self.world
        location = world.location(cpo_no, local)
        evse = next(
            (e for e in location.get("evses", []) if e["uid"].upper() == evse_uid.upper()), None
        )
        if evse is None:
            raise StartRefused("REJECTED", f"unknown EVSE {evse_uid}")
        status = evse["status"]
        reservation = world.state.reservation_on(cpo_no, evse["uid"])
        if reservation is not None and reservation["token_uid"] == cdr_token["uid"].upper():
            self.cancel_reservation(cpo_no, reservation["id"], used=True)
            status = "AVAILABLE"
        elif status in ("CHARGING", "RESERVED", "BLOCKED"):
            raise StartRefused("EVSE_OCCUPIED", f"EVSE {evse['uid']} is {status}")
        elif status != "AVAILABLE":
            raise StartRefused("EVSE_INOPERATIVE", f"EVSE {evse['uid']} is {status}")
        connectors = evse["connectors"]
        connector = (
            next((c for c in connectors if c["id"] == connector_id), None)
            if connector_id
            else connectors[0]
        )
        if connector is None:
            raise StartRefused("REJECTED", f"unknown connector {connector_id}")
        if on_accept is not None:
            on_accept()
        cpo = world.cpo_nodes[cpo_no].party
        tariffs = [
            t
            for tid in connector.get("tariff_ids", [])
            if (t := world.network.tariff(cpo_no, tid)) is not None
            and t.get("type") != "AD_HOC_PAYMENT"
        ]
        wall = world.clock.now()
        session_id = str(uuid.uuid4())
        spec = RunSpec(
            session_id=session_id,
            country_code=cpo.country_code,
            party_id=cpo.party_id,
            location=location,
            evse=evse,
            connector=connector,
            tariffs=tariffs,
            cdr_token=cdr_token,
            auth_method=auth_method,
            authorization_reference=authorization_reference,
            start=datetime.fromtimestamp(wall, UTC),
            seed=self._rng.getrandbits(32),
        )
        active = Active(
            cpo_no,
            local,
            session_id,
            evse["uid"],
            new_run(spec),
            wall,
            spec.start,
            (cdr_token["country_code"].upper(), cdr_token["party_id"].upper()),
            last_push=wall,
        )
        self.active[session_id] = active
        self.busy.add((cpo_no, evse["uid"]))
        session = self._store(active, wall)
        self.set_evse(cpo_no, local, evse["uid"], "CHARGING")
        put = {k: v for k, v in session.items() if k != "charging_periods"}  # none closed yet
        self._send_session(active.cpo_no, active.owner, "PUT", session_id, put)
        active.last_sent = self._signature(session)
        return session

    def _store(self, active: Active, wall: float) -> dict[str, Any]:
        session = active.run.session()
        session["last_updated"] = iso_utc(wall)
        self.world.state.cpos[active.cpo_no].sessions.put(active.session_id, session, wall)
        return session

    @staticmethod
    def _signature(session: dict[str, Any]) -> tuple[Any, ...]:
        return (
            session.get("kwh"),
            session.get("status"),
            len(session.get("charging_periods") or []),
            str(session.get("total_cost")),
        )

    def _patch(self, active: Active, wall: float, final: bool = False) -> None:
        session = self._store(active, wall)
        active.last_push = wall
        periods = session.get("charging_periods") or []
        closed = periods if final else periods[:-1]
        if not final and self._signature(session) == active.last_sent:
            return
        patch: dict[str, Any] = {
            "kwh": session["kwh"],
            "status": session["status"],
            "last_updated": session["last_updated"],
        }
        if "total_cost" in session:
            patch["total_cost"] = session["total_cost"]
        if session.get("end_date_time"):
            patch["end_date_time"] = session["end_date_time"]
        if len(closed) > active.pushed_periods:
            patch["charging_periods"] = closed[active.pushed_periods :]
            active.pushed_periods = len(closed)
        active.last_sent = self._signature(session)
        self._send_session(active.cpo_no, active.owner, "PATCH", active.session_id, patch)

    def stop_session(self, session_id: str, on_accept: Callable[[], None] | None = None) -> bool:
        active = self.active.get(session_id)
        if active is None:
            return False
        if on_accept is not None:
            on_accept()
        active.run.stop(self.sim_now(active, self.world.clock.now()))
        self._finish(active)
        return True

    def _finish(self, active: Active) -> None:
        world = self.world
        self.active.pop(active.session_id, None)
        wall = world.clock.now()
        self._patch(active, wall, final=True)
        self.busy.discard((active.cpo_no, active.evse_uid))
        self.set_evse(active.cpo_no, active.local, active.evse_uid, "AVAILABLE")
        cdr = active.run.cdr(str(uuid.uuid4()))
        ended = world.clock.now()
        cdr["last_updated"] = iso_utc(ended)
        plan = plan_cdrs(cdr, world.faults.of(world.cpo_nodes[active.cpo_no].key))

        def deliver(plan: CdrPlan = plan, cpo_no: int = active.cpo_no) -> None:
            for one in plan.stored:  # listed by their own last_updated, even when late
                world.state.cpos[cpo_no].cdrs.put(one["id"], one, ended)
            for body in plan.pushed:
                self._send_cdr(cpo_no, active.owner, body)

        if plan.delay > 0:
            self._due.append((ended + plan.delay / world.config.speed, deliver))
        else:
            deliver()

    # -- reservations ----------------------------------------------------------------------

    def reserve(
        self,
        cpo_no: int,
        local: int,
        evse: dict[str, Any],
        token: dict[str, Any],
        reservation_id: str,
        expiry: float,
        authorization_reference: str | None,
        on_accept: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        world = self.world
        state = world.state.cpos[cpo_no]
        existing = state.reservations.get(reservation_id)
        if existing is not None and existing["evse_uid"] == evse["uid"]:
            if on_accept is not None:
                on_accept()
            existing["expiry"] = expiry  # same id + location replaces (spec 9)
            return world.state.cpos[cpo_no].sessions.get(existing["session_id"]) or {}
        if existing is not None:
            self.cancel_reservation(cpo_no, reservation_id)
        if evse["status"] != "AVAILABLE":
            raise StartRefused(
                "EVSE_OCCUPIED"
                if evse["status"] in ("CHARGING", "RESERVED", "BLOCKED")
                else "EVSE_INOPERATIVE",
                f"EVSE {evse['uid']} is {evse['status']}",
            )
        if on_accept is not None:
            on_accept()
        cpo = world.cpo_nodes[cpo_no].party
        wall = world.clock.now()
        session: dict[str, Any] = {
            "country_code": cpo.country_code,
            "party_id": cpo.party_id,
            "id": str(uuid.uuid4()),
            "start_date_time": iso_utc(wall),
            "kwh": 0,
            "cdr_token": {
                k: token[k] for k in ("country_code", "party_id", "uid", "type", "contract_id")
            },
            "auth_method": "COMMAND",
            "location_id": world.network.location_id(cpo_no, local),
            "evse_uid": evse["uid"],
            "connector_id": evse["connectors"][0]["id"],
            "currency": "EUR",
            "status": "RESERVATION",
            "last_updated": iso_utc(wall),
        }
        if authorization_reference:
            session["authorization_reference"] = authorization_reference
        state.sessions.put(session["id"], session, wall)
        state.reservations[reservation_id] = {
            "id": reservation_id,
            "cpo_no": cpo_no,
            "local": local,
            "evse_uid": evse["uid"],
            "session_id": session["id"],
            "token_uid": token["uid"].upper(),
            "expiry": expiry,
            "owner": (token["country_code"].upper(), token["party_id"].upper()),
        }
        self.busy.add((cpo_no, evse["uid"]))
        self.set_evse(cpo_no, local, evse["uid"], "RESERVED")
        self._send_session(
            cpo_no, state.reservations[reservation_id]["owner"], "PUT", session["id"], session
        )
        return session

    def cancel_reservation(
        self,
        cpo_no: int,
        reservation_id: str,
        used: bool = False,
        on_accept: Callable[[], None] | None = None,
    ) -> bool:
        world = self.world
        state = world.state.cpos[cpo_no]
        r = state.reservations.pop(reservation_id, None)
        if r is None:
            return False
        if on_accept is not None:
            on_accept()
        session = state.sessions.get(r["session_id"])
        wall = world.clock.now()
        if session is not None:
            session = {
                **session,
                "status": "COMPLETED",
                "end_date_time": iso_utc(wall),
                "last_updated": iso_utc(wall),
            }
            state.sessions.put(session["id"], session, wall)
            patch = {
                "status": "COMPLETED",
                "end_date_time": session["end_date_time"],
                "last_updated": session["last_updated"],
            }
            self._send_session(cpo_no, r["owner"], "PATCH", session["id"], patch)
        self.busy.discard((cpo_no, r["evse_uid"]))
        if not used:
            self.set_evse(cpo_no, r["local"], r["evse_uid"], "AVAILABLE")
        return True

    # -- pushes ----------------------------------------------------------------------------

    def set_evse(self, cpo_no: int, local: int, evse_uid: str, status: str) -> None:
        changed = self.world.state.set_evse_status(cpo_no, local, evse_uid, status)
        if changed is not None:
            location_id = self.world.network.location_id(cpo_no, local)
            self.world.push_evse_status(cpo_no, location_id, evse_uid, changed[0])

    def _send_session(
        self,
        cpo_no: int,
        owner: tuple[str, str],
        method: str,
        session_id: str,
        body: dict[str, Any],
    ) -> None:
        world = self.world
        cpo = world.cpo_nodes[cpo_no]
        for peer, _via_hub in world.session_routes(cpo_no, owner):
            base = peer.endpoint("sessions", "RECEIVER")
            if base is None:
                continue
            url = f"{base.rstrip('/')}/{cpo.party.country_code}/{cpo.party.party_id}/{session_id}"
            world.push(
                peer, method, url, body, world.routing_to(cpo, peer, owner), f"session {method}"
            )

    def _send_cdr(self, cpo_no: int, owner: tuple[str, str], cdr: dict[str, Any]) -> None:
        world = self.world
        cpo = world.cpo_nodes[cpo_no]
        cpo_state = world.state.cpos[cpo_no]
        for peer, _via_hub in world.session_routes(cpo_no, owner):
            url = peer.endpoint("cdrs", "RECEIVER")
            if url is None:
                continue

            def remember(outcome: Any, cdr_id: str = cdr["id"]) -> None:
                if outcome.ok and outcome.headers is not None and outcome.headers.get("location"):
                    cpo_state.cdr_locations[cdr_id] = outcome.headers["location"]

            world.push(peer, "POST", url, cdr, world.routing_to(cpo, peer, owner), "cdr", remember)

    @property
    def cdrs_due(self) -> int:
        """Late CDR deliveries (fault cdr_late) still waiting."""
        return len(self._due)

    def churn(self, count: int) -> list[str]:
        """Someone else plugs in/out or a charger fails: see churn.py."""
        return churn(self, count)

    def describe(self) -> list[dict[str, Any]]:
        out = []
        for a in self.active.values():
            session = self.world.state.cpos[a.cpo_no].sessions.get(a.session_id) or {}
            out.append(
                {
                    "id": a.session_id,
                    "status": session.get("status"),
                    "kwh": session.get("kwh"),
                    "location_id": session.get("location_id"),
                    "evse_uid": a.evse_uid,
                    "party": f"{session.get('country_code')}-{session.get('party_id')}",
                    "token_uid": session.get("cdr_token", {}).get("uid"),
                }
            )
        return out
