"""Sessions module, Receiver: ``{sessions}/{country_code}/{party_id}/{session_id}``.

GET (the CPO checks what we hold), PUT (whole session, charging periods included), PATCH (the
fields sent; charging_periods appended; ``last_updated`` required). The latest by
``last_updated`` wins: an older or duplicate PATCH/PUT is acknowledged (1000) and not applied
(see store/sessions.py). No POST, no DELETE: sessions end as COMPLETED or INVALID.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ..ocpi import status
from ..ocpi.models import Session, SessionPatch, patch_fields
from ..ocpi.types import format_datetime
from ..services.events import SessionPushed
from ..store import sessions as store
from ..store.partners import Partner
from ..store.sessions import SessionKey
from .common import (
    BadBody,
    authenticate,
    context,
    invalid,
    link,
    may_act_for,
    method_not_allowed,
    mismatch,
    now,
    read_object,
    refuse,
    reply,
)

MODULE = "sessions"


async def session_object(request: Request) -> Response:
    partner = await authenticate(request)
    if isinstance(partner, Response):
        return partner
    ctx = context(request)
    p = request.path_params
    key = (p["country_code"].upper(), p["party_id"].upper(), p["session_id"])
    link(request, session_id=key[2])
    method = request.method
    if method not in ("GET", "PUT", "PATCH"):
        return method_not_allowed(request, "sessions (RECEIVER) answers GET, PUT and PATCH")
    if not await may_act_for(request, partner, key[0], key[1]):
        message = f"{key[0]}*{key[1]} is not a party you registered"
        if method == "GET":
            return reply(
                request, status_code=status.INVALID_PARAMETERS, http_status=404, message=message
            )
        return await refuse(request, partner, MODULE, message)
    if method == "GET":
        found = await ctx.db.run(store.get_session, *key)
        if found is None:
            return reply(
                request,
                status_code=status.INVALID_PARAMETERS,
                http_status=404,
                message=f"Unknown session {key[2]}",
            )
        return reply(request, found.session.to_ocpi())
    try:
        body = await read_object(request)
    except BadBody as err:
        return await refuse(request, partner, MODULE, str(err))
    if method == "PUT":
        return await _put(request, partner, key, body)
    return await _patch(request, partner, key, body)


async def _put(
    request: Request, partner: Partner, key: SessionKey, body: dict[str, Any]
) -> Response:
    try:
        session = Session.model_validate(body)
    except ValidationError as err:
        return await refuse(request, partner, MODULE, invalid("Session", err))
    wrong = mismatch(key, (session.country_code, session.party_id, session.id))
    if wrong:
        return await refuse(request, partner, MODULE, wrong)
    link(request, authorization_reference=session.authorization_reference)
    ctx = context(request)
    result = await ctx.db.run(store.put_session, partner.id, session, now())
    ctx.events.emit(SessionPushed(result, "PUT", partner.id, now()))
    if result.outcome == "stale":
        return reply(request, message=_stale(result))
    return reply(request, http_status=201 if result.outcome == "created" else 200)


async def _patch(
    request: Request, partner: Partner, key: SessionKey, body: dict[str, Any]
) -> Response:
    if "last_updated" not in body:
        return await refuse(request, partner, MODULE, "A PATCH must carry last_updated")
    try:
        patch = SessionPatch.model_validate(body)
    except ValidationError as err:
        return await refuse(request, partner, MODULE, invalid("Session PATCH", err))
    fields = patch_fields(patch)
    wrong = mismatch(key, (fields.get("country_code"), fields.get("party_id"), fields.get("id")))
    if wrong:
        return await refuse(request, partner, MODULE, wrong)
    link(request, authorization_reference=fields.get("authorization_reference"))
    ctx = context(request)
    try:
        result = await ctx.db.run(store.patch_session, partner.id, key, fields, now())
    except ValidationError as err:
        return await refuse(request, partner, MODULE, invalid("Session after this PATCH", err))
    if result.outcome == "unknown":
        return await refuse(
            request, partner, MODULE, f"Unknown session {key[2]}: PUT it first", http_status=404
        )
    ctx.events.emit(SessionPushed(result, "PATCH", partner.id, now()))
    if result.outcome == "stale":
        return reply(request, message=_stale(result))
    return reply(request)


def _stale(result: store.ApplyResult) -> str:
    held = format_datetime(result.last_updated) if result.last_updated else "?"
    return f"Not applied: we hold a newer version (last_updated {held})"
