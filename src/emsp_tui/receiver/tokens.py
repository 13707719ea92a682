"""Tokens module, Sender (we own the tokens): the paginated list for CPOs that sync our tokens,
and real-time authorisation.

``GET {tokens}?date_from&date_to&offset&limit``: oldest ``last_updated`` first; ``X-Total-Count``
(matches ignoring offset/limit), ``X-Limit`` (our page cap), and ``Link: <next>; rel="next"``
(absolute, repeating every filter) while more pages remain (spec 1.6).

``POST {tokens}/{uid}/authorize[?type=RFID]`` with an optional LocationReferences body:
AuthorizationInfo (see services/authorization.py); unknown token: HTTP 404 + 2004.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ..ocpi import status
from ..ocpi.enums import TokenType
from ..ocpi.models import LocationReferences
from ..ocpi.types import format_datetime, parse_datetime
from ..services.authorization import AuthorizeRequest, authorize
from ..store import tokens as store
from .common import (
    BadBody,
    authenticate,
    context,
    invalid,
    link,
    method_not_allowed,
    module_url,
    now,
    read_object,
    refuse,
    reply,
    routing_party,
)
from .limits import MAX_QUERY_INT, query_int

MODULE = "tokens"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000  # X-Limit


def _whole_second_bound(value: datetime) -> datetime:
    """The store keeps token stamps in whole seconds; for them ``>= t`` and ``< t`` mean
    ``>= ceil(t)`` and ``< ceil(t)``, so a fractional bound is rounded up."""
    if value.microsecond:
        return value.replace(microsecond=0) + timedelta(seconds=1)
    return value


class _BadQuery(ValueError):
    pass


def _window(request: Request) -> tuple[datetime | None, datetime | None, int, int]:
    q = request.query_params
    bounds: list[datetime | None] = []
    for name in ("date_from", "date_to"):
        text = q.get(name) or ""
        try:
            # Rounded up here: 9999-12-31T23:59:59.5 has no next second (OverflowError).
            bounds.append(_whole_second_bound(parse_datetime(text)) if text else None)
        except (ValueError, OverflowError):
            raise _BadQuery(f"{name} is not an OCPI DateTime: {text[:40]!r}") from None
    numbers = []
    for name, default, lowest in (("offset", 0, 0), ("limit", DEFAULT_LIMIT, 1)):
        text = q.get(name) or ""
        value = query_int(text) if text else default
        if value is None:
            raise _BadQuery(f"{name} must be a whole number from {lowest} to {MAX_QUERY_INT - 1}")
        if value < lowest:
            raise _BadQuery(f"{name} must be at least {lowest}")
        numbers.append(value)
    return bounds[0], bounds[1], numbers[0], min(numbers[1], MAX_LIMIT)


async def token_list(request: Request) -> Response:
    partner = await authenticate(request)
    if isinstance(partner, Response):
        return partner
    if request.method != "GET":
        return method_not_allowed(request, "tokens (SENDER) answers GET here")
    try:
        date_from, date_to, offset, limit = _window(request)
    except _BadQuery as err:
        return await refuse(request, partner, MODULE, str(err))
    ctx = context(request)
    tokens, total = await ctx.db.run(
        store.tokens_page,
        date_from,
        date_to,
        offset,
        limit,
    )
    headers = {"X-Total-Count": str(total), "X-Limit": str(MAX_LIMIT)}
    if offset + len(tokens) < total:
        params: dict[str, str | int] = {"offset": offset + len(tokens), "limit": limit}
        if date_from:
            params["date_from"] = format_datetime(date_from)
        if date_to:
            params["date_to"] = format_datetime(date_to)
        headers["Link"] = f'<{module_url(ctx, MODULE)}?{urlencode(params)}>; rel="next"'
    return reply(request, [t.to_ocpi() for t in tokens], headers=headers)


async def authorize_token(request: Request) -> Response:
    partner = await authenticate(request)
    if isinstance(partner, Response):
        return partner
    if request.method != "POST":
        return method_not_allowed(request, "POST to authorize a token")
    uid = request.path_params["uid"]
    raw_type = request.query_params.get("type") or "RFID"
    try:
        token_type = TokenType(raw_type.upper())
    except ValueError:
        return await refuse(request, partner, MODULE, f"Unknown token type {raw_type[:40]!r}")
    location = None
    if (await request.body()).strip():
        try:
            location = LocationReferences.model_validate(await read_object(request))
        except BadBody as err:
            return await refuse(request, partner, MODULE, str(err))
        except ValidationError as err:
            return await refuse(request, partner, MODULE, invalid("LocationReferences", err))
    ctx = context(request)
    cpo = routing_party(request, "from")
    if cpo is None and not partner.is_hub:
        own = [p for p in partner.parties if p.role == "CPO"]
        cpo = (own[0].country_code.upper(), own[0].party_id.upper()) if len(own) == 1 else None
    ident = ctx.identity
    info = await ctx.db.run(
        authorize,
        AuthorizeRequest(
            (ident.country_code.upper(), ident.party_id.upper()),
            uid,
            token_type,
            location,
            partner.id,
            cpo,
            now(),
        ),
    )
    if info is None:
        return reply(
            request,
            status_code=status.UNKNOWN_TOKEN,
            http_status=404,
            message=f"Unknown token {uid} ({token_type})",
        )
    link(request, authorization_reference=info.authorization_reference)
    return reply(request, info.to_ocpi())
