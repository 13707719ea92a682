"""A CPO's commands module (RECEIVER): the five commands, answered at once with a
CommandResponse, then a CommandResult POSTed (unwrapped) to the response_url after
`command_delay` wall seconds, as a charger answering its CPO over OCPP would.

Sync answers: 2001 for an invalid body, 2003 (HTTP 404) for an unknown location,
NOT_SUPPORTED when the EVSE lacks the capability, REJECTED for a token or session that is not
the caller's, UNKNOWN_SESSION for a session id this CPO never had.
The `command_result` fault replaces every async result; with TIMEOUT a START_SESSION still
starts (a slow charger: spec pitfall 8), with NONE nothing is sent and nothing happens.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from emsp_tui.ocpi.models import (
    CancelReservation,
    ReserveNow,
    StartSession,
    StopSession,
    UnlockConnector,
)

from .calls import BadBody, Call
from .cpo_api import validation_message
from .simulation import StartRefused
from .wire import CLIENT_ERROR, INVALID_PARAMETERS, UNKNOWN_LOCATION, Reply, error, ok

if TYPE_CHECKING:
    from .core import World
    from .peers import Node

log = logging.getLogger("mock_backend.commands")

MODELS: dict[str, Any] = {
    "START_SESSION": StartSession,
    "STOP_SESSION": StopSession,
    "RESERVE_NOW": ReserveNow,
    "CANCEL_RESERVATION": CancelReservation,
    "UNLOCK_CONNECTOR": UnlockConnector,
}

# Runs when the charger "answers". It calls accept() right before acting (so the CommandResult
# is queued before the pushes the action causes) and returns the CommandResultType.
Outcome = Callable[[Callable[[], None]], str]


def _response(world: World, result: str, message: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"result": result, "timeout": world.config.command_timeout}
    if message:
        body["message"] = [{"language": "en", "text": message}]
    return body


async def command(world: World, node: Node, call: Call) -> Reply:
    if call.method != "POST":
        return error(CLIENT_ERROR, "commands only answers POST", 405)
    if len(call.args) != 1 or call.args[0].upper() not in MODELS:
        return error(CLIENT_ERROR, "Unknown command: POST /commands/{CommandType}", 404)
    name = call.args[0].upper()
    try:
        body = MODELS[name].model_validate(call.json_object())
    except BadBody as err:
        return error(INVALID_PARAMETERS, str(err), 400)
    except ValidationError as err:
        return error(INVALID_PARAMETERS, f"Invalid {name} body: {validation_message(err)}", 400)
    assert node.cpo_no is not None
    handler = HANDLERS[name]
    answer = handler(world, node.cpo_no, call, body)
    if isinstance(answer, Reply):
        return answer
    response, outcome = answer
    if outcome is not None:
        # The fault in force when the command arrives decides its result.
        forced = world.faults.of(node.key).get("command_result")
        world.spawn(_later(world, node, call, body.response_url, outcome, forced))
    return ok(response)


async def _later(
    world: World, node: Node, call: Call, response_url: str, outcome: Outcome, forced: str | None
) -> None:
    await asyncio.sleep(world.config.command_delay)
    sent = False

    def deliver(result: str) -> None:
        nonlocal sent
        if not sent and result != "NONE":
            sent = True
            world.deliver_command_result(node, call.requester, response_url, {"result": result})

    try:
        if forced is None:
            deliver(outcome(lambda: deliver("ACCEPTED")))
        elif forced == "TIMEOUT":
            deliver("TIMEOUT")
            outcome(lambda: None)  # the charger did act, it just answered too late
        else:
            deliver(forced)
    except Exception:
        log.exception("command failed")
        deliver("FAILED")


def _token_ok(token: Any, call: Call) -> bool:
    return (token.country_code.upper(), token.party_id.upper()) in call.requester.parties


def _location(world: World, cpo_no: int, location_id: str) -> tuple[int, dict[str, Any]] | Reply:
    found = world.find_location(location_id, cpo_no)
    if found is None:
        return error(UNKNOWN_LOCATION, f"Unknown location {location_id}", 404)
    return found[1], world.location(*found)


def _evse(location: dict[str, Any], uid: str | None) -> dict[str, Any] | None:
    return next(
        (e for e in location.get("evses", []) if uid and e["uid"].upper() == uid.upper()), None
    )


def start_session(world: World, cpo_no: int, call: Call, body: StartSession) -> Any:
    found = _location(world, cpo_no, body.location_id)
    if isinstance(found, Reply):
        return found
    local, location = found
    if not _token_ok(body.token, call):
        return _response(world, "REJECTED", "This token does not belong to you"), None
    evses = location.get("evses", [])
    if body.evse_uid:
        evse = _evse(location, body.evse_uid)
        if evse is None:
            return _response(world, "REJECTED", f"Unknown EVSE {body.evse_uid}"), None
    else:
        remote = [e for e in evses if "REMOTE_START_STOP_CAPABLE" in e.get("capabilities", [])]
        evse = next(
            (e for e in remote if e["status"] == "AVAILABLE"), remote[0] if remote else None
        )
        if evse is None:
            return _response(world, "NOT_SUPPORTED", "No EVSE here can be started remotely"), None
    caps = evse.get("capabilities", [])
    if "REMOTE_START_STOP_CAPABLE" not in caps:
        return _response(world, "NOT_SUPPORTED", "This EVSE cannot be started remotely"), None
    if "START_SESSION_CONNECTOR_REQUIRED" in caps and not body.connector_id:
        return _response(world, "REJECTED", "This EVSE needs a connector_id"), None
    if body.connector_id and not any(c["id"] == body.connector_id for c in evse["connectors"]):
        return _response(world, "REJECTED", f"Unknown connector {body.connector_id}"), None
    token = body.token.to_ocpi()
    cdr_token = {k: token[k] for k in ("country_code", "party_id", "uid", "type", "contract_id")}
    evse_uid = evse["uid"]

    def outcome(accept: Callable[[], None]) -> str:
        try:
            world.sim.start_session(
                cpo_no,
                local,
                evse_uid,
                body.connector_id,
                cdr_token,
                "COMMAND",
                body.authorization_reference,
                accept,
            )
        except StartRefused as refused:
            return refused.result
        return "ACCEPTED"

    return _response(world, "ACCEPTED"), outcome


def stop_session(world: World, cpo_no: int, call: Call, body: StopSession) -> Any:
    sessions = world.state.cpos[cpo_no].sessions
    session = sessions.get(body.session_id)
    if session is None:
        return _response(world, "UNKNOWN_SESSION", f"No session {body.session_id} here"), None
    owner = (session["cdr_token"]["country_code"].upper(), session["cdr_token"]["party_id"].upper())
    if owner not in call.requester.parties:
        return _response(world, "REJECTED", "This session is not yours"), None
    if body.session_id not in world.sim.active:
        return _response(world, "REJECTED", f"Session is {session['status']}, not charging"), None

    def outcome(accept: Callable[[], None]) -> str:
        return "ACCEPTED" if world.sim.stop_session(body.session_id, accept) else "REJECTED"

    return _response(world, "ACCEPTED"), outcome


def reserve_now(world: World, cpo_no: int, call: Call, body: ReserveNow) -> Any:
    found = _location(world, cpo_no, body.location_id)
    if isinstance(found, Reply):
        return found
    local, location = found
    if not _token_ok(body.token, call):
        return _response(world, "REJECTED", "This token does not belong to you"), None
    reservable = [e for e in location.get("evses", []) if "RESERVABLE" in e.get("capabilities", [])]
    if body.evse_uid:
        evse = _evse(location, body.evse_uid)
        if evse is None:
            return _response(world, "REJECTED", f"Unknown EVSE {body.evse_uid}"), None
        if evse not in reservable:
            return _response(world, "NOT_SUPPORTED", "This EVSE cannot be reserved"), None
    else:
        evse = next(
            (e for e in reservable if e["status"] == "AVAILABLE"),
            reservable[0] if reservable else None,
        )
        if evse is None:
            return _response(world, "NOT_SUPPORTED", "Nothing here can be reserved"), None
    token = body.token.to_ocpi()
    evse_uid = evse["uid"]
    expiry = body.expiry_date.timestamp()

    def outcome(accept: Callable[[], None]) -> str:
        current = _evse(world.location(cpo_no, local), evse_uid)
        assert current is not None
        try:
            world.sim.reserve(
                cpo_no,
                local,
                current,
                token,
                body.reservation_id,
                expiry,
                body.authorization_reference,
                accept,
            )
        except StartRefused as refused:
            return refused.result
        return "ACCEPTED"

    return _response(world, "ACCEPTED"), outcome


def cancel_reservation(world: World, cpo_no: int, call: Call, body: CancelReservation) -> Any:
    reservations = world.state.cpos[cpo_no].reservations

    def outcome(accept: Callable[[], None]) -> str:
        r = reservations.get(body.reservation_id)
        if r is None or r["owner"] not in call.requester.parties:
            return "UNKNOWN_RESERVATION"
        done = world.sim.cancel_reservation(cpo_no, body.reservation_id, on_accept=accept)
        return "ACCEPTED" if done else "UNKNOWN_RESERVATION"

    return _response(world, "ACCEPTED"), outcome


def unlock_connector(world: World, cpo_no: int, call: Call, body: UnlockConnector) -> Any:
    found = _location(world, cpo_no, body.location_id)
    if isinstance(found, Reply):
        return found
    _, location = found
    evse = _evse(location, body.evse_uid)
    if evse is None or not any(c["id"] == body.connector_id for c in evse["connectors"]):
        return _response(world, "REJECTED", "Unknown EVSE or connector"), None
    if "UNLOCK_CAPABLE" not in evse.get("capabilities", []):
        return _response(world, "NOT_SUPPORTED", "This connector cannot be unlocked remotely"), None
    status = evse["status"]

    def outcome(accept: Callable[[], None]) -> str:
        return "FAILED" if status in ("OUTOFORDER", "INOPERATIVE", "UNKNOWN") else "ACCEPTED"

    return _response(world, "ACCEPTED"), outcome


HANDLERS: dict[str, Callable[..., Any]] = {
    "START_SESSION": start_session,
    "STOP_SESSION": stop_session,
    "RESERVE_NOW": reserve_now,
    "CANCEL_RESERVATION": cancel_reservation,
    "UNLOCK_CONNECTOR": unlock_connector,
}
