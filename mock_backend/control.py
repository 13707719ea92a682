"""The control API under /mock: not OCPI, no OCPI auth, loopback callers only (else 403).

POST /mock/tap                 {"token_uid", "type"?, "location_id", "evse_uid", "connector_id"?}
                               a card at a reader: -> {"result": "started"|"refused"|"error", ...}
POST /mock/register            {"versions_url", "token_a", "party": "hub"|"DE-VOL"|...}
                               that party registers with an eMSP (handshake, other direction)
GET  /mock/faults              {"faults": ["DE-VOL:latency=2", ...], "kinds": {...}}
POST /mock/faults              {"add": [...], "remove": ["DE-VOL:latency", "DE-VOL"], "clear": true}
POST /mock/sessions/{id}/finish   the car is full/unplugged: session ends, CDR follows
POST /mock/changes             {"count": N}: change an EVSE status at N locations now
GET  /mock/state               a summary: parties, peers, sessions, CDRs (cdrs_due: late ones
                               still to come), faults, pushes
POST /mock/flush               wait until every queued push has been sent (tests, scripts)
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .faults import KINDS, FaultError, parse_fault

if TYPE_CHECKING:
    from .core import World

log = logging.getLogger("mock_backend.control")

Handler = Callable[["World", Request], Awaitable[tuple[int, Any]]]


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in ("localhost", "testclient")


def _guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if not _loopback(request):
            return JSONResponse({"error": "the control API only answers loopback callers"}, 403)
        try:
            status, body = await handler(request.app.state.world, request)
        except _BadRequest as err:
            status, body = 400, {"error": str(err)}
        except Exception as err:  # a bug: say so, keep serving
            log.exception("control API failed")
            status, body = 500, {"error": f"{type(err).__name__}: {err}"}
        return JSONResponse(body, status)

    return endpoint


class _BadRequest(ValueError):
    pass


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise _BadRequest("body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _BadRequest("body must be a JSON object")
    return body


async def tap(world: World, request: Request) -> tuple[int, Any]:
    from .tap import tap as do_tap

    return await do_tap(world, await _json(request))


async def register(world: World, request: Request) -> tuple[int, Any]:
    from .credentials import register_with

    body = await _json(request)
    url, token, party = body.get("versions_url"), body.get("token_a"), body.get("party", "hub")
    if not isinstance(url, str) or not isinstance(token, str) or not isinstance(party, str):
        raise _BadRequest("need versions_url, token_a and party (hub or e.g. DE-VOL)")
    node = world.node(party)
    if node is None:
        raise _BadRequest(f"unknown party {party!r} (one of {', '.join(world.party_keys())})")
    result = await register_with(world, node, url, token)
    return (200 if result["ok"] else 502), result


async def faults(world: World, request: Request) -> tuple[int, Any]:
    if request.method == "POST":
        body = await _json(request)
        if body.get("clear"):
            world.faults.clear()
        try:
            for spec in body.get("remove", []):
                party, _, kind = str(spec).partition(":")
                world.faults.remove(party, kind or None)
            for spec in body.get("add", []):
                world.faults.set(parse_fault(str(spec), world.party_keys()))
        except FaultError as err:
            raise _BadRequest(str(err)) from None
        world.refresh_client_status()
    return 200, {
        "faults": [str(f) for f in world.faults.all()],
        "kinds": {k: text for k, (text, _, _) in KINDS.items()},
    }


async def finish(world: World, request: Request) -> tuple[int, Any]:
    session_id = request.path_params["session_id"]
    if world.sim.stop_session(session_id):
        return 200, {"result": "finished", "session_id": session_id}
    return 404, {"error": f"no active session {session_id}"}


async def changes(world: World, request: Request) -> tuple[int, Any]:
    body = await _json(request)
    count = body.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise _BadRequest("count must be a non-negative integer")
    changed = world.sim.churn(count)
    return 200, {"changed": changed}


async def state(world: World, request: Request) -> tuple[int, Any]:
    return 200, world.summary()


async def flush(world: World, request: Request) -> tuple[int, Any]:
    await world.courier.drain()
    return 200, {"sent": world.courier.sent, "failed": world.courier.failed}


def control_routes() -> list[Route]:
    return [
        Route("/tap", _guarded(tap), methods=["POST"]),
        Route("/register", _guarded(register), methods=["POST"]),
        Route("/faults", _guarded(faults), methods=["GET", "POST"]),
        Route("/sessions/{session_id}/finish", _guarded(finish), methods=["POST"]),
        Route("/changes", _guarded(changes), methods=["POST"]),
        Route("/state", _guarded(state), methods=["GET"]),
        Route("/flush", _guarded(flush), methods=["POST"]),
    ]
