"""The roaming hub: routing by OCPI-to, merged lists, broadcasts, hubclientinfo.

Routing (spec 10): a request whose OCPI-to names a CPO is forwarded to it (in-process, with the
eMSP's identity, so the CPO applies the same rules as on a direct link); an unknown OCPI-to is
4001. Without OCPI-to (or addressed to the hub): list GETs are answered from the hub's merged
view of every CPO; single-object GETs and commands are "open routed" to the CPO that owns the
location / session / reservation; token PUT/PATCH are broadcast to every CPO (errors are not
passed back, except when every CPO refused the same way: then the body itself was wrong).

Hub answers for a CPO that misbehaves: slower than `hub_timeout` -> 4002 (after hub_timeout),
offline -> 4003, a non-OCPI answer (5xx, 429, cut body) -> 4000; the CPO's own 2xxx/3xxx
answers pass through unchanged.

Unspecified by OCPI, decided here:
* Command `response_url`: the hub PROXIES it. The CPO receives a hub URL
  (`{hub}/ocpi/2.2.1/commands/relay/{uuid}`), and the hub POSTs the CommandResult to the eMSP's
  original response_url with its own credentials (FROM the CPO, TO the eMSP). The CPO never
  learns the eMSP's URLs or tokens.
* CDR `Location` header: FORWARDED unchanged. The hub POSTs the CPO's CDR to the eMSP and hands
  the eMSP's Location URL back to the CPO as is (the mock CPO records it, never fetches it).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from . import commands, cpo_api
from .calls import BadBody, Call
from .core import client_info
from .paging import BadParameter, page_list
from .wire import (
    CLIENT_ERROR,
    HUB_CONNECTION_PROBLEM,
    HUB_ERROR,
    HUB_TIMEOUT,
    INVALID_PARAMETERS,
    UNKNOWN_LOCATION,
    UNKNOWN_RECEIVER,
    UNKNOWN_TOKEN,
    Reply,
    error,
    ok,
)

if TYPE_CHECKING:
    from .core import World
    from .peers import Node

Handler = Callable[[], Awaitable[Reply]]


async def forward(
    world: World, cpo: Node, call: Call, handler: Callable[[Call], Awaitable[Reply]]
) -> Reply:
    """Hand a request to a CPO as a hub would, turning the CPO's faults into hub answers."""
    faults = world.faults.of(cpo.key)
    if "offline" in faults:
        return error(HUB_CONNECTION_PROBLEM, f"{cpo.key} is not connected to the hub", 200)
    delay = faults.get("timeout", faults.get("latency", 0.0))
    if delay:
        if delay >= world.config.hub_timeout:
            await asyncio.sleep(world.config.hub_timeout)
            return error(
                HUB_TIMEOUT, f"{cpo.key} did not answer within {world.config.hub_timeout:g} s", 200
            )
        await asyncio.sleep(delay)
    broken = {"http5xx", "rate_limit", "truncated"} & faults.keys()
    if broken or ("flaky" in faults and world.faults.roll(faults["flaky"])):
        return error(HUB_ERROR, f"{cpo.key} answered with an unusable response", 200)
    if "ocpi_error" in faults:
        return error(faults["ocpi_error"], f"{cpo.key} reported an error", 200)
    return await handler(dataclasses.replace(call, faults=faults))


def _cpo_module(world: World, cpo: Node) -> Callable[[Call], Awaitable[Reply]]:
    async def handle(call: Call) -> Reply:
        assert cpo.cpo_no is not None
        if call.module == "tokens":
            return cpo_api.tokens(world, cpo.cpo_no, call)
        if call.module == "commands":
            return await commands.command(world, cpo, call)
        return cpo_api.sender(world, cpo.cpo_no, call)

    return handle


async def handle(world: World, call: Call, to_party: tuple[str, str] | None) -> tuple[Reply, Node]:
    """A functional-module request at the hub's edge -> (reply, the party that answered)."""
    hub = world.hub
    target: Node | None = None
    if to_party is not None and to_party != (hub.party.country_code, hub.party.party_id):
        target = world.cpo_node(*to_party)
        if target is None:
            return error(
                UNKNOWN_RECEIVER, f"No party {to_party[0]}-{to_party[1]} behind this hub", 404
            ), hub
    if call.module == "commands" and call.method == "POST":
        proxied = _proxy_response_url(world, call)
        if isinstance(proxied, Reply):
            return proxied, hub
        call = proxied
    if target is not None:
        return await forward(world, target, call, _cpo_module(world, target)), target
    return await _open(world, call)


async def _open(world: World, call: Call) -> tuple[Reply, Node]:
    """Requests for the hub itself or without an address."""
    hub = world.hub
    module, args = call.module, call.args
    if module in ("locations", "tariffs", "sessions", "cdrs") and not args:
        return cpo_api.sender(world, None, call), hub
    if module == "locations":
        owner = world.find_location(args[0])
        if owner is None:
            return error(UNKNOWN_LOCATION, f"Unknown location {args[0]}", 404), hub
        owning = world.cpo_nodes[owner[0]]
        return await forward(world, owning, call, _cpo_module(world, owning)), owning
    if module == "tokens":
        return await _tokens(world, call), hub
    if module == "commands":
        cpo = _command_owner(world, call)
        if cpo is None:
            return _unroutable_command(world, call), hub
        return await forward(world, cpo, call, _cpo_module(world, cpo)), cpo
    if module == "sessions":  # charging_preferences: route by session id
        cpo = next(
            (world.cpo_nodes[n] for n, s in enumerate(world.state.cpos) if s.sessions.get(args[0])),
            None,
        )
        if cpo is None:
            return error(INVALID_PARAMETERS, f"Unknown session {args[0]}", 404), hub
        return await forward(world, cpo, call, _cpo_module(world, cpo)), cpo
    return error(CLIENT_ERROR, "No such resource", 404), hub


async def _tokens(world: World, call: Call) -> Reply:
    if call.method == "GET":
        for cpo in world.cpo_nodes:
            reply = await forward(world, cpo, call, _cpo_module(world, cpo))
            if reply.ok:
                return reply
        uid = call.args[2] if len(call.args) > 2 else ""
        return error(UNKNOWN_TOKEN, f"No CPO knows token {uid}", 404)
    # Broadcast PUT/PATCH to every CPO (spec 10). Errors go back only if all CPOs agree.
    replies = [await forward(world, cpo, call, _cpo_module(world, cpo)) for cpo in world.cpo_nodes]
    first = replies[0]
    if not first.ok and all(
        r.status_code == first.status_code and r.http_status == first.http_status for r in replies
    ):
        return first
    created = any(r.http_status == 201 for r in replies)
    return ok(http_status=201 if created else 200)


def _proxy_response_url(world: World, call: Call) -> Call | Reply:
    """Swap the eMSP's response_url for a hub relay URL (see the module docstring)."""
    try:
        body = call.json_object()
    except BadBody as err:
        return error(INVALID_PARAMETERS, str(err), 400)
    original = body.get("response_url")
    if not isinstance(original, str) or not original:
        return call  # the CPO will answer 2001
    relay = uuid.uuid4().hex
    world.relays[relay] = (call.requester.peer, original)
    body["response_url"] = f"{world.hub.version_url(world.base_url)}/commands/relay/{relay}"
    return dataclasses.replace(call, body=json.dumps(body).encode())


def _command_owner(world: World, call: Call) -> Node | None:
    try:
        body = call.json_object()
    except BadBody:
        return None
    name = call.args[0].upper() if call.args else ""
    if name in ("START_SESSION", "RESERVE_NOW", "UNLOCK_CONNECTOR"):
        owner = world.find_location(str(body.get("location_id", "")))
        return world.cpo_nodes[owner[0]] if owner else None
    if name == "STOP_SESSION":
        sid = str(body.get("session_id", ""))
        return next(
            (world.cpo_nodes[n] for n, s in enumerate(world.state.cpos) if s.sessions.get(sid)),
            None,
        )
    if name == "CANCEL_RESERVATION":
        rid = str(body.get("reservation_id", ""))
        return next(
            (world.cpo_nodes[n] for n, s in enumerate(world.state.cpos) if rid in s.reservations),
            None,
        )
    return None


def _unroutable_command(world: World, call: Call) -> Reply:
    name = call.args[0].upper() if call.args else ""
    if name in ("START_SESSION", "RESERVE_NOW", "UNLOCK_CONNECTOR"):
        return error(UNKNOWN_LOCATION, "No CPO behind this hub has that location", 404)
    if name == "STOP_SESSION":
        return ok({"result": "UNKNOWN_SESSION", "timeout": world.config.command_timeout})
    if name == "CANCEL_RESERVATION":
        return error(UNKNOWN_RECEIVER, "No CPO has that reservation; address one with OCPI-to", 404)
    return error(CLIENT_ERROR, "Unknown command: POST /commands/{CommandType}", 404)


# -- hubclientinfo ---------------------------------------------------------------------------------


def client_infos(world: World) -> list[tuple[float, dict[str, Any]]]:
    """Every client of the hub, oldest last_updated first."""
    out = []
    for cpo in world.cpo_nodes:
        status, epoch = world.client_status(cpo)
        out.append(
            (epoch, client_info(cpo.party.country_code, cpo.party.party_id, "CPO", status, epoch))
        )
    for peer in world.hub.peers.values():
        for role in peer.roles:
            info = client_info(
                role["country_code"].upper(),
                role["party_id"].upper(),
                role["role"],
                "CONNECTED",
                peer.registered_at,
            )
            out.append((peer.registered_at, info))
    out.sort(key=lambda pair: pair[0])
    return out


def hubclientinfo(world: World, call: Call) -> Reply:
    if call.method != "GET" or call.args:
        return error(CLIENT_ERROR, "hubclientinfo (SENDER) only answers GET on the list", 405)
    try:
        window = cpo_api.window_of(world, call)
    except BadParameter as err:
        return error(INVALID_PARAMETERS, str(err), 400)
    items, total = page_list(client_infos(world), window)
    return cpo_api.listing(world, call, items, total, window)
