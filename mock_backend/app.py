"""The ASGI app: one Starlette app serves the hub, every CPO and the control API.

    /ocpi/versions, /ocpi/2.2.1/...                      the hub
    /ocpi/cpo/{cc-pid}/versions, /ocpi/cpo/{cc-pid}/2.2.1/...   each CPO, peer to peer
    /mock/...                                             control API (control.py)

The edge authenticates (401 for a missing/unknown token, and for TOKEN_A outside versions and
credentials), echoes X-Request-ID and X-Correlation-ID (minting them when absent), sets
OCPI-from/to on functional modules (from = the party that answered, to = the requester), applies
injected faults, and never lets an exception escape: an unexpected error is answered with
status_code 3000 and HTTP 200, as the errata (5dad8a7) wants for authenticated requests.
Trailing slashes are accepted everywhere (spec pitfall 11).

HTTP status per answer (the OCPI code is always in the envelope):
    1000                      200 (201 for a token PUT that created it)
    2001 bad parameter/body   400        2003/2004 unknown location/EVSE/token   404
    401 / 405                 missing or unknown token / credentials misuse, wrong method
    3001/3002 (handshake), 3000 (unexpected), 4000/4002/4003 (hub)   200: the request was fine
    4001 unknown OCPI-to      404
Injected faults answer as configured (503, 429, HTML 5xx, cut bodies ...).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from . import commands, cpo_api, credentials, hub
from .calls import Call, Requester, pick_party
from .control import control_routes
from .peers import VERSION, Node
from .wire import CLIENT_ERROR, SERVER_ERROR, Reply, error, token_candidates, unauthorized

if TYPE_CHECKING:
    from .core import World

log = logging.getLogger("mock_backend.app")

FUNCTIONAL = ("locations", "tariffs", "sessions", "cdrs", "tokens", "commands")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

Party = tuple[str, str]


def _party_header(request: Request, side: str) -> Party | None:
    cc = request.headers.get(f"ocpi-{side}-country-code")
    pid = request.headers.get(f"ocpi-{side}-party-id")
    if cc and pid:
        return cc.strip().upper(), pid.strip().upper()
    return None


async def _edge_faults(world: World, node: Node) -> Reply | None:
    faults = world.faults.of(node.key)
    if not faults:
        return None
    if "offline" in faults:
        return Reply(http_status=503, body=b"503 Service Unavailable\n", media_type="text/plain")
    for kind in ("timeout", "latency"):
        if kind in faults:
            await asyncio.sleep(faults[kind])
    if "http5xx" in faults:
        code = faults["http5xx"]
        page = f"<html><body><h1>{code} Server Error</h1>upstream unavailable</body></html>\n"
        return Reply(http_status=code, body=page.encode(), media_type="text/html")
    if "flaky" in faults and world.faults.roll(faults["flaky"]):
        return Reply(http_status=503, body=b"503 Service Unavailable\n", media_type="text/plain")
    if "rate_limit" in faults:
        return Reply(
            http_status=429,
            body=b"Too Many Requests\n",
            media_type="text/plain",
            headers={"Retry-After": "2"},
        )
    if "ocpi_error" in faults:
        return error(faults["ocpi_error"], "Simulated partner error", 200)
    return None


async def dispatch(world: World, request: Request) -> tuple[Reply, Party | None, Party | None]:
    """-> (reply, responding party, requester party); parties only for functional modules."""
    segments = [s for s in request.url.path.split("/") if s][1:]  # drop "ocpi"
    node: Node | None = world.hub
    if segments[:1] == ["cpo"]:
        node = world.node_by_slug(segments[1]) if len(segments) > 1 else None
        segments = segments[2:]
    if node is None:
        return error(CLIENT_ERROR, "No such party", 404), None, None
    base = f"{request.url.scheme}://{request.url.netloc}"  # as the client reached us
    candidates = token_candidates(request.headers.get("authorization"))
    peer = node.peer_by_token(candidates)
    registering = node.is_token_a(candidates)
    if segments in (["versions"], [VERSION]):
        if peer is None and not registering:
            return unauthorized(), None, None
        if request.method != "GET":
            return error(CLIENT_ERROR, "Only GET", 405), None, None
        reply = (
            credentials.versions(node, base)
            if segments == ["versions"]
            else credentials.version_details(node, base)
        )
        return reply, None, None
    if len(segments) < 2 or segments[0] != VERSION:
        return error(CLIENT_ERROR, "No such resource", 404), None, None
    module, args = segments[1], segments[2:]
    body = await request.body()
    if module == "credentials" and not args:
        return (
            await credentials.credentials(world, node, request.method, body, candidates, base),
            None,
            None,
        )
    if peer is None or not peer.ready:
        return unauthorized(), None, None
    requester = Requester(
        peer, pick_party(peer, _party_header(request, "from")), via_hub=node.is_hub
    )
    call = Call(
        method=request.method,
        module=module,
        args=args,
        query=dict(request.query_params),
        body=body,
        url=f"{base}{request.url.path}",
        requester=requester,
        correlation_id=request.headers.get("x-correlation-id") or str(uuid.uuid4()),
    )
    if module == "hubclientinfo" and node.is_hub:
        return hub.hubclientinfo(world, call), None, None
    if module not in FUNCTIONAL:
        return error(CLIENT_ERROR, f"No module {module!r} here", 404), None, None
    faulted = await _edge_faults(world, node)
    if faulted is not None:
        return faulted, _code(node), requester.party
    call.faults = world.faults.of(node.key)
    request.state.truncate = "truncated" in call.faults
    if node.is_hub:
        reply, responder = await hub.handle(world, call, _party_header(request, "to"))
        return reply, _code(responder), requester.party
    assert node.cpo_no is not None
    if module == "tokens":
        reply = cpo_api.tokens(world, node.cpo_no, call)
    elif module == "commands":
        reply = await commands.command(world, node, call)
    else:
        reply = cpo_api.sender(world, node.cpo_no, call)
    return reply, _code(node), requester.party


def _code(node: Node) -> Party:
    return node.party.country_code, node.party.party_id


async def ocpi_endpoint(request: Request) -> Response:
    world: World = request.app.state.world
    responder = requester = None
    try:
        reply, responder, requester = await dispatch(world, request)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        reply = Reply(SERVER_ERROR, None, "Internal error in the mock (see its log)", 200)
    content = reply.encode()
    if getattr(request.state, "truncate", False) and reply.body is None:
        content = content[: len(content) // 2]
    headers = dict(reply.headers)
    headers["X-Request-ID"] = request.headers.get("x-request-id") or str(uuid.uuid4())
    headers["X-Correlation-ID"] = request.headers.get("x-correlation-id") or str(uuid.uuid4())
    if responder is not None and requester is not None:
        headers.update(
            {
                "OCPI-from-country-code": responder[0],
                "OCPI-from-party-id": responder[1],
                "OCPI-to-country-code": requester[0],
                "OCPI-to-party-id": requester[1],
            }
        )
    return Response(
        content, status_code=reply.http_status, headers=headers, media_type=reply.media_type
    )


def create_app(world: World) -> Starlette:
    app = Starlette(
        routes=[
            Route("/ocpi/{path:path}", ocpi_endpoint, methods=METHODS),
            Mount("/mock", routes=control_routes()),
        ],
    )
    app.state.world = world
    return app
