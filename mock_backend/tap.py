"""A driver holds a card to a charger's reader (`POST /mock/tap`).

The CPO decides as real CPOs do: its copy of the token (pushed by the eMSP) settles it when the
whitelist is ALWAYS or ALLOWED; otherwise (unknown token, NEVER, ALLOWED_OFFLINE) it asks the
eMSP in real time: `POST {tokens_url}/{uid}/authorize?type=...` with LocationReferences, to the
token's owner when known, else to every eMSP it can reach (directly or through the hub), until
one knows the token. ALLOWED starts a session (auth_method AUTH_REQUEST, with the eMSP's
authorization_reference); anything else is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from emsp_tui.ocpi.models import AuthorizationInfo

from .simulation import StartRefused

if TYPE_CHECKING:
    from .core import World

TOKEN_TYPES = ("AD_HOC_USER", "APP_USER", "OTHER", "RFID")


def _cdr_token(token: dict[str, Any]) -> dict[str, Any]:
    return {k: token[k] for k in ("country_code", "party_id", "uid", "type", "contract_id")}


async def tap(world: World, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    uid = body.get("token_uid")
    token_type = str(body.get("type") or "RFID").upper()
    location_id, evse_uid = body.get("location_id"), body.get("evse_uid")
    if (
        not all(isinstance(v, str) and v for v in (uid, location_id, evse_uid))
        or token_type not in TOKEN_TYPES
    ):
        return 400, {
            "result": "error",
            "reason": "need token_uid, location_id, evse_uid (strings) and a valid type",
        }
    assert isinstance(uid, str)
    assert isinstance(location_id, str)
    assert isinstance(evse_uid, str)
    found = world.find_location(location_id)
    if found is None:
        return 404, {"result": "error", "reason": f"unknown location {location_id}"}
    cpo_no, local = found
    location = world.location(cpo_no, local)
    evse = next(
        (e for e in location.get("evses", []) if e["uid"].upper() == evse_uid.upper()), None
    )
    if evse is None:
        return 404, {"result": "error", "reason": f"unknown EVSE {evse_uid}"}
    base = {
        "party": world.cpo_nodes[cpo_no].key,
        "location_id": location["id"],
        "evse_uid": evse["uid"],
    }
    if "RFID_READER" not in evse.get("capabilities", []):
        return 200, {**base, "result": "refused", "reason": "this EVSE has no card reader"}
    if evse["status"] not in ("AVAILABLE", "RESERVED"):
        return 200, {**base, "result": "refused", "reason": f"EVSE is {evse['status']}"}

    cached = world.state.cpos[cpo_no].find_token(uid, token_type)
    if cached is not None and cached.get("whitelist") in ("ALWAYS", "ALLOWED"):
        if not cached.get("valid", False):
            return 200, {
                **base,
                "result": "refused",
                "decided_by": "cpo",
                "reason": "token is not valid",
            }
        decision: dict[str, Any] = {
            "auth_method": "WHITELIST",
            "decided_by": "cpo",
            "cdr_token": _cdr_token(cached),
            "authorization_reference": None,
        }
    else:
        asked = await _authorize(
            world, cpo_no, uid, token_type, location["id"], evse["uid"], cached
        )
        if "refused" in asked:
            return 200, {**base, "result": "refused", "decided_by": "emsp", **asked["refused"]}
        decision = asked

    try:
        session = world.sim.start_session(
            cpo_no,
            local,
            evse["uid"],
            body.get("connector_id"),
            decision["cdr_token"],
            decision["auth_method"],
            decision["authorization_reference"],
        )
    except StartRefused as refused:
        return 200, {**base, "result": "refused", "reason": str(refused)}
    return 200, {
        **base,
        "result": "started",
        "session_id": session["id"],
        "auth_method": decision["auth_method"],
        "decided_by": decision["decided_by"],
        "authorization_reference": decision["authorization_reference"],
        "connector_id": session["connector_id"],
    }


async def _authorize(
    world: World,
    cpo_no: int,
    uid: str,
    token_type: str,
    location_id: str,
    evse_uid: str,
    cached: dict[str, Any] | None,
) -> dict[str, Any]:
    cpo = world.cpo_nodes[cpo_no]
    routes = world.emsp_routes(cpo_no)
    if cached is not None:
        known = (cached["country_code"].upper(), cached["party_id"].upper())
        routes = [(p, via) for p, via in routes if known in p.parties]
    owner = None if cached is None else (cached["country_code"].upper(), cached["party_id"].upper())
    problems = []
    for peer, _via_hub in routes:
        tokens_url = peer.endpoint("tokens", "SENDER")
        if tokens_url is None:
            continue
        party = owner if owner in peer.parties else peer.emsp_parties[0]
        outcome = await world.courier.call(
            peer.token_out,
            "POST",
            f"{tokens_url.rstrip('/')}/{uid}/authorize",
            {"location_id": location_id, "evse_uids": [evse_uid]},
            params={"type": token_type},
            routing=world.routing_to(cpo, peer, party),
            what="real-time authorization",
        )
        if outcome.status_code == 2004 or outcome.http_status == 404:
            problems.append(f"{peer.name}: unknown token")
            continue
        if not outcome.ok:
            problems.append(f"{peer.name}: {outcome.describe()}")
            continue
        try:
            info = AuthorizationInfo.model_validate(outcome.data)
        except ValidationError:
            problems.append(f"{peer.name}: invalid AuthorizationInfo")
            continue
        if info.allowed != "ALLOWED":
            return {
                "refused": {"allowed": str(info.allowed), "reason": f"eMSP answered {info.allowed}"}
            }
        return {
            "auth_method": "AUTH_REQUEST",
            "decided_by": "emsp",
            "cdr_token": _cdr_token(info.token.to_ocpi()),
            "authorization_reference": info.authorization_reference,
        }
    reason = (
        "; ".join(problems) if problems else "no eMSP to ask (none registered with a tokens SENDER)"
    )
    return {"refused": {"reason": reason}}
