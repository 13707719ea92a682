"""A CPO's functional modules: locations, tariffs, sessions, cdrs (SENDER), tokens (RECEIVER).

The hub serves its merged lists with the same functions (cpo_no None = every CPO).
Sessions and CDRs are listed only for the calling eMSP's own tokens.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from emsp_tui.ocpi.models import Token, TokenPatch

from .calls import BadBody, Call
from .clock import parse_ocpi_datetime
from .paging import BadParameter, Window, next_link, page_list, parse_window
from .state import token_key
from .wire import (
    CLIENT_ERROR,
    INVALID_PARAMETERS,
    UNKNOWN_LOCATION,
    UNKNOWN_TOKEN,
    Reply,
    as_object,
    error,
    ok,
)

if TYPE_CHECKING:
    from .core import World

TOKEN_TYPES = ("AD_HOC_USER", "APP_USER", "OTHER", "RFID")


def validation_message(err: ValidationError) -> str:
    parts = []
    for e in err.errors()[:5]:
        where = ".".join(str(p) for p in e["loc"]) or "body"
        parts.append(f"{where}: {e['msg']}")
    return "; ".join(parts)


def window_of(world: World, call: Call) -> Window:
    return parse_window(call.query, world.config.page_limit, world.config.max_page_limit)


def listing(world: World, call: Call, items: list[Any], total: int, window: Window) -> Reply:
    headers = {"X-Total-Count": str(total), "X-Limit": str(world.config.max_page_limit)}
    link = next_link(call.url, window, len(items), total)
    if link is not None:
        headers["Link"] = link
    return Reply(data=items, message="Success", headers=headers)


def break_object(location: dict[str, Any]) -> dict[str, Any]:
    """A Location as a buggy partner sends it: a required field missing, another of wrong type."""
    broken = copy.deepcopy(location)
    broken.pop("address", None)
    lat = broken.get("coordinates", {}).get("latitude")
    if isinstance(lat, str):
        broken["coordinates"]["latitude"] = float(lat)
    return broken


def list_locations(world: World, cpo_no: int | None, call: Call) -> Reply:
    window = window_of(world, call)
    items, total = world.location_index(cpo_no).page(window)
    bad = call.faults.get("malformed")
    if bad is not None and window.offset <= bad < window.offset + len(items):
        items[bad - window.offset] = break_object(as_object(items[bad - window.offset]))
    return listing(world, call, items, total, window)


def list_tariffs(world: World, cpo_no: int | None, call: Call) -> Reply:
    window = window_of(world, call)
    cpos = range(len(world.network.cpos)) if cpo_no is None else [cpo_no]
    tariffs = [
        (parse_ocpi_datetime(t["last_updated"]), t) for c in cpos for t in world.network.tariffs(c)
    ]
    tariffs.sort(key=lambda pair: pair[0])
    items, total = page_list(tariffs, window)
    return listing(world, call, items, total, window)


def _own(obj: dict[str, Any], call: Call) -> bool:
    token = obj.get("cdr_token", {})
    return (
        token.get("country_code", "").upper(),
        token.get("party_id", "").upper(),
    ) in call.requester.parties


def list_owned(world: World, cpo_no: int | None, call: Call, what: str) -> Reply:
    """Sessions or CDRs of the caller's tokens, oldest first by last_updated."""
    window = window_of(world, call)
    cpos = range(len(world.network.cpos)) if cpo_no is None else [cpo_no]
    found = []
    for c in cpos:
        store = world.state.cpos[c].sessions if what == "sessions" else world.state.cpos[c].cdrs
        found += [(epoch, obj) for epoch, obj in store.ordered() if _own(obj, call)]
    if cpo_no is None:
        found.sort(key=lambda pair: pair[0])
    items, total = page_list(found, window)
    return listing(world, call, items, total, window)


def get_location_object(world: World, cpo_no: int | None, call: Call) -> Reply:
    location_id, *rest = call.args
    found = world.find_location(location_id, cpo_no)
    if found is None:
        return error(UNKNOWN_LOCATION, f"Unknown location {location_id}", 404)
    location = world.location(*found)
    if not rest:
        return ok(location)
    evse = next((e for e in location.get("evses", []) if e["uid"].upper() == rest[0].upper()), None)
    if evse is None:
        return error(UNKNOWN_LOCATION, f"Unknown EVSE {rest[0]} at location {location_id}", 404)
    if len(rest) == 1:
        return ok(evse)
    connector = next((c for c in evse["connectors"] if c["id"].upper() == rest[1].upper()), None)
    if connector is None or len(rest) > 2:
        return error(UNKNOWN_LOCATION, f"Unknown connector {rest[1]} at EVSE {rest[0]}", 404)
    return ok(connector)


def sender(world: World, cpo_no: int | None, call: Call) -> Reply:
    """GET on a SENDER module: lists, and Location/EVSE/Connector objects."""
    module = call.module
    try:
        if module == "locations":
            if call.method != "GET":
                return error(CLIENT_ERROR, "locations (SENDER) only answers GET", 405)
            if call.args:
                if len(call.args) > 3:
                    return error(CLIENT_ERROR, "No such resource", 404)
                return get_location_object(world, cpo_no, call)
            return list_locations(world, cpo_no, call)
        if module == "sessions" and len(call.args) == 2 and call.args[1] == "charging_preferences":
            return charging_preferences(world, cpo_no, call)
        if call.method != "GET":
            return error(CLIENT_ERROR, f"{module} (SENDER) only answers GET", 405)
        if call.args:
            return error(CLIENT_ERROR, f"{module} has no object endpoint in OCPI 2.2.1", 404)
        if module == "tariffs":
            return list_tariffs(world, cpo_no, call)
        return list_owned(world, cpo_no, call, module)
    except BadParameter as err:
        return error(INVALID_PARAMETERS, str(err), 400)


def charging_preferences(world: World, cpo_no: int | None, call: Call) -> Reply:
    if call.method != "PUT":
        return error(CLIENT_ERROR, "charging_preferences only answers PUT", 405)
    # No generated EVSE is CHARGING_PREFERENCES_CAPABLE: spec 5 says 404 + 2001 then.
    return error(INVALID_PARAMETERS, "This EVSE does not support charging preferences", 404)


# -- tokens (RECEIVER) ---------------------------------------------------------------------------


def tokens(world: World, cpo_no: int, call: Call) -> Reply:
    if len(call.args) != 3:
        return error(
            INVALID_PARAMETERS, "Expected /tokens/{country_code}/{party_id}/{token_uid}", 400
        )
    cc, pid, uid = call.args
    token_type = call.query.get("type", "RFID") or "RFID"
    if token_type not in TOKEN_TYPES:
        return error(INVALID_PARAMETERS, f"Unknown token type {token_type!r}", 400)
    if (cc.upper(), pid.upper()) not in call.requester.peer.parties:
        return error(INVALID_PARAMETERS, f"{cc}-{pid} is not a party you registered", 400)
    store = world.state.cpos[cpo_no].tokens
    key = token_key(cc, pid, uid, token_type)
    try:
        if call.method == "GET":
            token = store.get(key)
            if token is None:
                return error(UNKNOWN_TOKEN, f"Unknown token {uid} ({token_type})", 404)
            return ok(token)
        if call.method == "PUT":
            body = call.json_object()
            try:
                token = Token.model_validate(body).to_ocpi()
            except ValidationError as err:
                return error(INVALID_PARAMETERS, f"Invalid Token: {validation_message(err)}", 400)
            mismatch = _mismatch(token, cc, pid, uid, token_type)
            if mismatch:
                return error(INVALID_PARAMETERS, mismatch, 400)
            created = key not in store
            store[key] = token
            return ok(http_status=201 if created else 200)
        if call.method == "PATCH":
            body = call.json_object()
            if "last_updated" not in body:
                return error(INVALID_PARAMETERS, "PATCH without last_updated", 400)
            current = store.get(key)
            if current is None:
                return error(
                    UNKNOWN_TOKEN, f"Unknown token {uid} ({token_type}): PUT it first", 404
                )
            try:
                fields = TokenPatch.model_validate(body).model_dump(mode="json", exclude_unset=True)
                merged = Token.model_validate({**current, **fields}).to_ocpi()
            except ValidationError as err:
                return error(
                    INVALID_PARAMETERS, f"Invalid Token PATCH: {validation_message(err)}", 400
                )
            mismatch = _mismatch(merged, cc, pid, uid, token_type)
            if mismatch:
                return error(INVALID_PARAMETERS, mismatch, 400)
            store[key] = merged
            return ok()
    except BadBody as err:
        return error(INVALID_PARAMETERS, str(err), 400)
    return error(CLIENT_ERROR, "tokens (RECEIVER) answers GET, PUT and PATCH", 405)


def _mismatch(token: dict[str, Any], cc: str, pid: str, uid: str, token_type: str) -> str | None:
    if (token["country_code"].upper(), token["party_id"].upper()) != (cc.upper(), pid.upper()):
        return "country_code/party_id in the body differ from the URL"
    if token["uid"].upper() != uid.upper():
        return "uid in the body differs from the URL"
    if token["type"] != token_type:
        return f"type {token['type']} in the body differs from ?type={token_type}"
    return None
