"""A CPO written apart from our mock that deviates from OCPI 2.2.1 the way real ones do
(issue #11): its CommandResponse comes wrapped in a one-element list, without ``timeout`` and
with ``message: null``; it never pushes sessions or CDRs (they must be pulled, with
``date_from`` and paging); optional fields come as ``null``. Its CommandResult is correct
and comes a second later. Plain JSON dicts: it does not use our models.

    async with running_deviant_cpo() as cpo:
        await node.partners.add(cpo.versions_url, cpo.token_a, name="deviant")

Party NL*DEV, one location with two remote-startable chargers. Real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

COUNTRY, PARTY, NAME = "NL", "DEV", "Deviant Charging"
LOCATION_ID = "DEV-LOC-1"
EVSES = ("DEV-E1", "DEV-E2")


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class DeviantState:
    base_url: str = ""
    token_a: str = field(default_factory=lambda: secrets.token_hex(16))
    token_c: str = field(default_factory=lambda: secrets.token_hex(16))  # we hand it out
    token_b: str | None = None  # the eMSP's, for calling it
    result_delay: float = 1.0  # seconds before the CommandResult
    echo_reference: bool = False  # False: its sessions carry authorization_reference null
    wrap_responses: bool = True  # False: a correct CommandResponse (for comparison)
    page_limit: int = 1  # small pages: paging is followed
    garbled: set[str] = field(default_factory=set)  # commands answered "OK" (not JSON)
    silent: set[str] = field(default_factory=set)  # commands whose CommandResult never comes
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    cdrs: dict[str, dict[str, Any]] = field(default_factory=dict)
    results_sent: list[tuple[str, int]] = field(default_factory=list)  # (url, HTTP status)
    pulls: list[str] = field(default_factory=list)  # "sessions" / "cdrs", per GET
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/ocpi/versions"


def envelope(
    data: Any, status: int = 1000, http: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"data": data, "status_code": status, "status_message": None,
            "timestamp": stamp(datetime.now(UTC))}  # fmt: skip
    return JSONResponse(body, status_code=http, headers=headers)


def _token(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    if not value.startswith("Token "):
        return None
    raw = value[6:].strip()
    with contextlib.suppress(ValueError):
        return base64.b64decode(raw, validate=True).decode()
    return raw


def _location(now: datetime) -> dict[str, Any]:
    def evse(uid: str, n: int) -> dict[str, Any]:
        return {
            "uid": uid, "evse_id": f"NL*DEV*E{n}", "status": "AVAILABLE",
            "capabilities": ["REMOTE_START_STOP_CAPABLE", "RFID_READER"],
            "connectors": [{
                "id": "1", "standard": "IEC_62196_T2_COMBO", "format": "CABLE",
                "power_type": "DC", "max_voltage": 400, "max_amperage": 125,
                "max_electric_power": None, "tariff_ids": None, "terms_and_conditions": None,
                "last_updated": stamp(now),
            }],
            "status_schedule": None, "coordinates": None, "physical_reference": None,
            "floor_level": None, "last_updated": stamp(now),
        }  # fmt: skip

    return {
        "country_code": COUNTRY, "party_id": PARTY, "id": LOCATION_ID, "publish": True,
        "name": "Deviant Plaza", "address": "Stationsplein 1", "city": "Utrecht",
        "postal_code": None, "state": None, "country": "NLD",
        "coordinates": {"latitude": "52.089400", "longitude": "5.110200"},
        "related_locations": None, "parking_type": None,
        "evses": [evse(uid, n) for n, uid in enumerate(EVSES, 1)],
        "directions": None, "operator": {"name": NAME, "website": None, "logo": None},
        "suboperator": None, "owner": None, "facilities": None, "time_zone": "Europe/Amsterdam",
        "opening_times": None, "charging_when_closed": None, "images": None,
        "energy_mix": None, "last_updated": stamp(now),
    }  # fmt: skip


def _paged(request: Request, state: DeviantState, items: list[dict[str, Any]]) -> Response:
    q = request.query_params
    since = read_stamp(q["date_from"]) if "date_from" in q else None
    until = read_stamp(q["date_to"]) if "date_to" in q else None
    chosen = [
        o for o in sorted(items, key=lambda o: o["last_updated"])
        if (since is None or read_stamp(o["last_updated"]) >= since)
        and (until is None or read_stamp(o["last_updated"]) < until)
    ]  # fmt: skip
    offset = int(q.get("offset", "0"))
    limit = min(int(q.get("limit", str(state.page_limit))), state.page_limit)
    page = chosen[offset : offset + limit]
    headers = {"X-Total-Count": str(len(chosen)), "X-Limit": str(state.page_limit)}
    if offset + limit < len(chosen):
        params = dict(q)
        params.update(offset=str(offset + limit), limit=str(limit))
        url = httpx.URL(str(request.url).split("?")[0], params=params)
        headers["Link"] = f'<{url}>; rel="next"'
    return envelope(page, headers=headers)


def build_app(state: DeviantState) -> Starlette:
    def authorised(request: Request, *allowed: str | None) -> Response | None:
        if _token(request) not in {a for a in allowed if a}:
            return envelope(None, 2000, 401)
        return None

    async def versions(request: Request) -> Response:
        if refused := authorised(request, state.token_a, state.token_c):
            return refused
        return envelope([{"version": "2.2.1", "url": f"{state.base_url}/ocpi/2.2.1"}])

    async def details(request: Request) -> Response:
        if refused := authorised(request, state.token_a, state.token_c):
            return refused
        base = f"{state.base_url}/ocpi/2.2.1"
        endpoints = [
            ("credentials", "SENDER"), ("credentials", "RECEIVER"), ("locations", "SENDER"),
            ("sessions", "SENDER"), ("cdrs", "SENDER"), ("commands", "RECEIVER"),
        ]  # fmt: skip
        return envelope({
            "version": "2.2.1",
            "endpoints": [{"identifier": m, "role": r, "url": f"{base}/{m}"} for m, r in endpoints],
        })  # fmt: skip

    async def credentials(request: Request) -> Response:
        if refused := authorised(request, state.token_a):
            return refused
        theirs = await request.json()
        state.token_b = theirs["token"]
        return envelope({
            "token": state.token_c, "url": state.versions_url,
            "roles": [{"role": "CPO", "country_code": COUNTRY, "party_id": PARTY,
                       "business_details": {"name": NAME, "website": None, "logo": None}}],
        })  # fmt: skip

    async def locations(request: Request) -> Response:
        if refused := authorised(request, state.token_c):
            return refused
        return _paged(request, state, [_location(datetime.now(UTC) - timedelta(days=1))])

    async def sessions(request: Request) -> Response:
        if refused := authorised(request, state.token_c):
            return refused
        state.pulls.append("sessions")
        return _paged(request, state, [_grown(s) for s in state.sessions.values()])

    async def cdrs(request: Request) -> Response:
        if refused := authorised(request, state.token_c):
            return refused
        state.pulls.append("cdrs")
        return _paged(request, state, list(state.cdrs.values()))

    async def command(request: Request) -> Response:
        if refused := authorised(request, state.token_c):
            return refused
        kind = request.path_params["command"]
        body = await request.json()
        if kind == "START_SESSION":
            later = _start(state, body)
        elif kind == "STOP_SESSION" and body.get("session_id") in state.sessions:
            later = _stop(state, body["session_id"])
        else:
            return envelope({"result": "REJECTED", "timeout": 30, "message": None})
        url = None if kind in state.silent else body["response_url"]
        task = asyncio.create_task(_result_later(state, url, later))
        state.tasks.add(task)
        task.add_done_callback(state.tasks.discard)
        answer: dict[str, Any] = {"result": "ACCEPTED", "message": None}
        if kind in state.garbled:  # carried out, but its answer is unreadable
            return Response("OK", media_type="text/plain")
        if not state.wrap_responses:
            return envelope({"result": "ACCEPTED", "timeout": 30})
        return envelope([answer])  # wrapped, no timeout, a null: the deviations

    routes = [
        Route("/ocpi/versions", versions),
        Route("/ocpi/2.2.1", details),
        Route("/ocpi/2.2.1/credentials", credentials, methods=["POST"]),
        Route("/ocpi/2.2.1/locations", locations),
        Route("/ocpi/2.2.1/sessions", sessions),
        Route("/ocpi/2.2.1/cdrs", cdrs),
        Route("/ocpi/2.2.1/commands/{command}", command, methods=["POST"]),
    ]
    return Starlette(routes=routes)


def _start(state: DeviantState, body: dict[str, Any]) -> Any:
    token = body["token"]

    def begin() -> None:
        now = datetime.now(UTC)
        session_id = f"DEV-S{next(state.counter)}"
        state.sessions[session_id] = {
            "country_code": COUNTRY, "party_id": PARTY, "id": session_id,
            "start_date_time": stamp(now), "end_date_time": None, "kwh": 0,
            "cdr_token": {"country_code": token["country_code"], "party_id": token["party_id"],
                          "uid": token["uid"], "type": token["type"],
                          "contract_id": token["contract_id"]},
            "auth_method": "COMMAND",
            "authorization_reference":
                body.get("authorization_reference") if state.echo_reference else None,
            "location_id": body["location_id"], "evse_uid": body.get("evse_uid") or EVSES[0],
            "connector_id": body.get("connector_id") or "1", "meter_id": None,
            "currency": "EUR", "charging_periods": None, "total_cost": None,
            "status": "ACTIVE", "last_updated": stamp(now),
        }  # fmt: skip

    return begin


def _grown(session: dict[str, Any]) -> dict[str, Any]:
    """An ACTIVE session charges at 36 kW (real time): a fresh copy with the energy so far."""
    if session["status"] != "ACTIVE":
        return session
    now = datetime.now(UTC)
    hours = (now - read_stamp(session["start_date_time"])).total_seconds() / 3600
    return {**session, "kwh": round(36 * hours, 4), "last_updated": stamp(now)}


def _stop(state: DeviantState, session_id: str) -> Any:
    def end() -> None:
        now = datetime.now(UTC)
        s = _grown(state.sessions[session_id])
        kwh = max(float(s["kwh"]), 0.01)
        start = read_stamp(s["start_date_time"])
        s.update(status="COMPLETED", end_date_time=stamp(now), kwh=kwh, last_updated=stamp(now),
                 total_cost={"excl_vat": round(kwh * 0.5, 2), "incl_vat": None})  # fmt: skip
        state.sessions[session_id] = s
        cdr_id = f"DEV-C{next(state.counter)}"
        state.cdrs[cdr_id] = {
            "country_code": COUNTRY, "party_id": PARTY, "id": cdr_id,
            "start_date_time": s["start_date_time"], "end_date_time": s["end_date_time"],
            "session_id": session_id, "cdr_token": s["cdr_token"], "auth_method": "COMMAND",
            "authorization_reference": None,
            "cdr_location": {
                "id": LOCATION_ID, "name": None, "address": "Stationsplein 1", "city": "Utrecht",
                "postal_code": None, "state": None, "country": "NLD",
                "coordinates": {"latitude": "52.089400", "longitude": "5.110200"},
                "evse_uid": s["evse_uid"], "evse_id": "NL*DEV*E1", "connector_id": "1",
                "connector_standard": "IEC_62196_T2_COMBO", "connector_format": "CABLE",
                "connector_power_type": "DC",
            },
            "meter_id": None, "currency": "EUR", "tariffs": None,
            "charging_periods": [{"start_date_time": s["start_date_time"],
                                  "dimensions": [{"type": "ENERGY", "volume": kwh}],
                                  "tariff_id": None}],
            "signed_data": None, "total_cost": {"excl_vat": round(kwh * 0.5, 2), "incl_vat": None},
            "total_fixed_cost": None, "total_energy": kwh,
            "total_time": round(max((now - start).total_seconds(), 1) / 3600, 4),
            "total_parking_time": None, "remark": None, "credit": None,
            "last_updated": stamp(now),
        }  # fmt: skip

    return end


async def _result_later(state: DeviantState, url: str | None, effect: Any) -> None:
    """The charger answers a second later; the CommandResult is correct (``url`` None: it
    never comes, the charger acts all the same)."""
    await asyncio.sleep(state.result_delay)
    if url is None:
        effect()
        return
    assert state.token_b is not None
    header = base64.b64encode(state.token_b.encode()).decode()
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            url, json={"result": "ACCEPTED"}, headers={"Authorization": f"Token {header}"}
        )
    state.results_sent.append((url, answer.status_code))
    effect()  # then the charger starts (or stops): the session changes, pushed to no one


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def running_deviant_cpo(**options: Any) -> AsyncIterator[DeviantState]:
    """The deviant CPO on a free loopback port, its state (options: DeviantState fields)."""
    state = DeviantState(**options)
    config = uvicorn.Config(
        build_app(state), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    state.base_url = f"http://127.0.0.1:{port}"
    try:
        yield state
    finally:
        for pending in list(state.tasks):
            pending.cancel()
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
