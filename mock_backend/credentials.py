"""Versions and credentials of each party, in both directions of the handshake (spec 2 and 3).

eMSP registers with us: it POSTs {TOKEN_B, its versions URL, roles} with our TOKEN_A; we GET its
versions and 2.2.1 details with TOKEN_B over real HTTP (3001 if that fails, 3002 without 2.2.1),
issue TOKEN_C and answer with our credentials. TOKEN_A is void afterwards for that party; a
DELETE re-arms it, so a demo can register again without restarting the mock.
We register with an eMSP (`/mock/register`): the mirror image, with the eMSP's TOKEN_A.
Answers: POST when registered, PUT/DELETE/GET when not -> HTTP 405.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from emsp_tui.ocpi.models import Credentials

from .courier import RegistrationError
from .cpo_api import validation_message
from .peers import VERSION, Node, Peer
from .wire import (
    CLIENT_ERROR,
    INVALID_PARAMETERS,
    NO_MATCHING_ENDPOINTS,
    Reply,
    error,
    new_token,
    ok,
)

if TYPE_CHECKING:
    from .core import World

CPO_MODULES = [
    ("locations", "SENDER"),
    ("tariffs", "SENDER"),
    ("sessions", "SENDER"),
    ("cdrs", "SENDER"),
    ("tokens", "RECEIVER"),
    ("commands", "RECEIVER"),
]
HUB_MODULES = [*CPO_MODULES, ("hubclientinfo", "SENDER")]


# `base` is scheme://host:port as the client addressed us (so a mock listening on 0.0.0.0 hands
# out URLs that work from where it was reached); without a request it is world.base_url.


def versions(node: Node, base: str) -> Reply:
    return ok([{"version": VERSION, "url": node.version_url(base)}])


def version_details(node: Node, base_url: str) -> Reply:
    base = node.version_url(base_url)
    endpoints = [{"identifier": "credentials", "role": "SENDER", "url": f"{base}/credentials"}]
    for module, role in HUB_MODULES if node.is_hub else CPO_MODULES:
        endpoints.append({"identifier": module, "role": role, "url": f"{base}/{module}"})
    return ok({"version": VERSION, "endpoints": endpoints})


def our_credentials(node: Node, token: str, base: str) -> dict[str, Any]:
    return {
        "token": token,
        "url": node.versions_url(base),
        "roles": [node.credentials_role()],
    }


def _endpoints(found: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    return {
        (str(e.get("identifier")), str(e.get("role"))): str(e.get("url"))
        for e in found
        if e.get("identifier") and e.get("url")
    }


def _parse(body: bytes) -> Credentials | Reply:
    try:
        raw = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        return error(CLIENT_ERROR, "Body is not valid JSON", 400)
    try:
        return Credentials.model_validate(raw)
    except ValidationError as err:
        return error(INVALID_PARAMETERS, f"Invalid credentials: {validation_message(err)}", 400)


async def credentials(
    world: World, node: Node, method: str, body: bytes, candidates: list[str], base: str
) -> Reply:
    peer = node.peer_by_token(candidates)
    if peer is None and not node.is_token_a(candidates):
        return error(CLIENT_ERROR, "Unknown or missing credentials token", 401)
    if method == "GET":
        if peer is None:
            return error(CLIENT_ERROR, "Not registered: POST your credentials first", 405)
        return ok(our_credentials(node, peer.token_in, base))
    if method == "POST":
        if peer is not None:
            return error(CLIENT_ERROR, "Already registered: use PUT to update", 405)
        return await _register(world, node, body, base)
    if method == "PUT":
        if peer is None:
            return error(CLIENT_ERROR, "Not registered: use POST", 405)
        return await _update(world, node, peer, body, base)
    if method == "DELETE":
        if peer is None:
            return error(CLIENT_ERROR, "Not registered", 405)
        node.peers.pop(peer.token_in, None)
        node.token_a = world.token_a
        return ok()
    return error(CLIENT_ERROR, "credentials answers GET, POST, PUT and DELETE", 405)


async def _their_side(
    world: World, creds: Credentials
) -> tuple[str, dict[tuple[str, str], str]] | Reply:
    try:
        version_url, endpoints = await world.courier.version_details(creds.url, creds.token)
    except RegistrationError as err:
        return error(err.code, str(err), 200)
    return version_url, _endpoints(endpoints)


async def _register(world: World, node: Node, body: bytes, base: str) -> Reply:
    creds = _parse(body)
    if isinstance(creds, Reply):
        return creds
    found = await _their_side(world, creds)
    if isinstance(found, Reply):
        return found
    if node.token_a is None:  # someone else used TOKEN_A while we were calling back
        return error(CLIENT_ERROR, "Registration token already used", 401)
    version_url, endpoints = found
    peer = Peer(
        token_in=new_token(),
        token_out=creds.token,
        versions_url=creds.url,
        version_url=version_url,
        endpoints=endpoints,
        roles=[r.to_ocpi() for r in creds.roles],
        registered_at=world.clock.now(),
    )
    node.token_a = None
    node.peers[peer.token_in] = peer
    _after_registration(world, node, peer)
    return ok(our_credentials(node, peer.token_in, base))


async def _update(world: World, node: Node, peer: Peer, body: bytes, base: str) -> Reply:
    creds = _parse(body)
    if isinstance(creds, Reply):
        return creds
    found = await _their_side(world, creds)
    if isinstance(found, Reply):
        return found
    node.peers.pop(peer.token_in, None)
    peer.token_in, peer.token_out = new_token(), creds.token
    peer.versions_url, (peer.version_url, peer.endpoints) = creds.url, found
    peer.roles = [r.to_ocpi() for r in creds.roles]
    node.peers[peer.token_in] = peer
    return ok(our_credentials(node, peer.token_in, base))


def _after_registration(world: World, node: Node, peer: Peer) -> None:
    if node.is_hub and peer.endpoint("hubclientinfo", "RECEIVER"):

        async def later() -> None:
            import asyncio

            await asyncio.sleep(0.2)  # let the eMSP store our credentials first
            for cpo in world.cpo_nodes:
                world.push_client_info(cpo, [peer])

        world.spawn(later())


async def register_with(
    world: World, node: Node, versions_url: str, token_a: str
) -> dict[str, Any]:
    """The party registers with an eMSP (we are the Sender of the handshake)."""
    try:
        version_url, found = await world.courier.version_details(versions_url, token_a)
    except RegistrationError as err:
        return {"ok": False, "status_code": err.code, "error": str(err)}
    endpoints = _endpoints(found)
    credentials_url = next((u for (m, _), u in endpoints.items() if m == "credentials"), None)
    if credentials_url is None:
        return {
            "ok": False,
            "status_code": NO_MATCHING_ENDPOINTS,
            "error": "no credentials endpoint",
        }
    token_b = new_token()
    # Accept TOKEN_B at once: the eMSP reads our versions with it while handling our POST.
    peer = Peer(
        token_in=token_b,
        token_out="",
        versions_url=versions_url,
        version_url=version_url,
        endpoints=endpoints,
        roles=[],
        registered_at=world.clock.now(),
        initiated_by_us=True,
    )
    node.peers[token_b] = peer
    outcome = await world.courier.call(
        token_a,
        "POST",
        credentials_url,
        our_credentials(node, token_b, world.base_url),
        what="credentials POST",
    )
    data = outcome.data
    try:
        theirs = Credentials.model_validate(data) if outcome.ok else None
    except ValidationError as err:
        theirs, outcome.error = (
            None,
            f"invalid credentials in the answer: {validation_message(err)}",
        )
    if theirs is None:
        node.peers.pop(token_b, None)
        return {"ok": False, "status_code": outcome.status_code, "error": outcome.describe()}
    peer.token_out = theirs.token
    peer.versions_url = theirs.url
    peer.roles = [r.to_ocpi() for r in theirs.roles]
    _after_registration(world, node, peer)
    return {"ok": True, "party": node.key, "peer": peer.summary()}
