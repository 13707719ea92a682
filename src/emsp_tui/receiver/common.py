"""What the functional modules share: who is calling, whose objects they may write, reading
bodies, answering with routing headers, and counting refused pushes.

Object ownership (spec 1.5): the country_code/party_id in a receiver URL must be a CPO
reachable through the calling partner (for a hub: any CPO behind it, from partner_parties; for a
CPO: itself), the body's must equal the URL's, and so must the object id. Answers:
* another party's object: OCPI 2001, HTTP 400 on a write, HTTP 404 on a GET (spec 1.4 allows
  404 "for a country_code/party_id not registered by the caller"). Never 403: the spec lists no
  403, and clients (ours included) read 401/403 as "your credentials token was refused".
* body and URL disagree, a field is missing or invalid, the body is not JSON: 2001, HTTP 400,
  naming the fields.
Every refused push is logged and counted per partner and module (``push_rejections``).
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ..ocpi import status
from ..services.ownership import Writable
from ..store.message_log import record_rejection
from ..store.partners import Partner
from .auth import identify
from .body import BadBody as BadBody  # the handlers import it from here
from .body import parse_json
from .context import ReceiverContext
from .log_text import loggable
from .responses import ocpi_response, unauthorized

log = logging.getLogger(__name__)


def module_url(ctx: ReceiverContext, module: str) -> str:
    """Where a module of ours is served (absolute: for Link, Location and response_url)."""
    return ctx.us.module_url(module)


def context(request: Request) -> ReceiverContext:
    ctx: ReceiverContext = request.app.state.ctx
    return ctx


def now() -> datetime:
    return datetime.now(UTC)


async def authenticate(request: Request) -> Partner | Response:
    """The registered partner calling (401 for anyone else, TOKEN_A included)."""
    caller = await identify(request, context(request), allow_token_a=False)
    if caller is None or caller.partner is None:
        return unauthorized(request)
    return caller.partner


async def may_act_for(request: Request, partner: Partner, country_code: str, party_id: str) -> bool:
    """Whether ``partner`` may write objects of ``country_code``/``party_id``, as its parties
    are now: the rule the pulls apply too (services/ownership.py). A hub pushing for a CPO its
    client list does not name yet gets one fresh look at that list (at most every minute)."""
    ctx = context(request)
    us = (ctx.identity.country_code, ctx.identity.party_id)
    rules = await ctx.db.run(Writable.of, partner, us)
    if rules.permits(country_code, party_id):
        return True
    wanted = (country_code.upper(), party_id.upper())
    if wanted in rules.denied or not partner.is_hub or ctx.refresh_parties is None:
        return False
    if partner.id is None:
        return False
    last = ctx.refreshed_at.get(partner.id)
    if last is not None and time.monotonic() - last < ctx.refresh_every:
        return False
    ctx.refreshed_at[partner.id] = time.monotonic()
    try:
        await ctx.refresh_parties(partner)
    except Exception as err:
        log.warning(
            "could not refresh the parties behind %s: %s", loggable(partner.name), loggable(err)
        )
        return False
    rules = await ctx.db.run(Writable.of, partner, us)
    return rules.permits(country_code, party_id)


def same(a: str | None, b: str | None) -> bool:
    """CiString equality (spec 1.7)."""
    return (a or "").upper() == (b or "").upper()


def link(request: Request, **ids: str | None) -> None:
    """Tie this request's log record to a session / authorization / command (the timeline)."""
    found = getattr(request.state, "log_links", None) or {}
    found.update({k: v for k, v in ids.items() if v})
    request.state.log_links = found


def method_not_allowed(request: Request, message: str) -> Response:
    """HTTP 405 with a 2000 envelope saying which methods this URL answers."""
    log.warning("refused %s %s: %s", request.method, loggable(request.url.path), message)
    return reply(request, status_code=status.CLIENT_ERROR, http_status=405, message=message)


_COUNTRY, _PARTY = re.compile(r"[A-Za-z]{2}", re.ASCII), re.compile(r"[A-Za-z0-9]{3}", re.ASCII)


def routing_party(request: Request, side: str) -> tuple[str, str] | None:
    """The ``OCPI-{side}-country-code``/``-party-id`` headers, upper-cased, when both are there
    and well-formed (2 letters, 3 letters or digits); anything else is not echoed back."""
    cc = request.headers.get(f"ocpi-{side}-country-code", "").strip()
    pid = request.headers.get(f"ocpi-{side}-party-id", "").strip()
    if _COUNTRY.fullmatch(cc) and _PARTY.fullmatch(pid):
        return cc.upper(), pid.upper()
    return None


def reply(
    request: Request,
    data: Any = None,
    *,
    http_status: int = 200,
    message: str | None = None,
    status_code: int = status.SUCCESS,
    headers: dict[str, str] | None = None,
) -> Response:
    """An OCPI response to a functional-module request: routing headers swapped (spec 10)."""
    out = dict(headers or {})
    ctx = context(request)
    to_cc, to_pid = routing_party(request, "to") or (
        ctx.identity.country_code.upper(),
        ctx.identity.party_id.upper(),
    )
    out["OCPI-from-country-code"], out["OCPI-from-party-id"] = to_cc, to_pid
    if sender := routing_party(request, "from"):
        out["OCPI-to-country-code"], out["OCPI-to-party-id"] = sender
    return ocpi_response(
        request,
        data,
        status_code=status_code,
        message=message,
        http_status=http_status,
        headers=out,
    )


async def refuse(
    request: Request,
    partner: Partner,
    module: str,
    message: str,
    *,
    code: int = status.INVALID_PARAMETERS,
    http_status: int = 400,
) -> Response:
    """Answer an error, log it and count it against the partner (never raises)."""
    log.warning(
        "refused %s %s from %s: %s",
        request.method,
        loggable(request.url.path),
        partner.name,
        loggable(message),
    )
    if partner.id is not None:
        try:
            await context(request).db.run(
                record_rejection, partner.id, module, code, message, now()
            )
        except Exception:
            log.exception("could not count a refused push")
    return reply(request, status_code=code, message=message, http_status=http_status)


async def read_json(request: Request) -> Any:
    """The JSON body, read strictly (body.py); raises BadBody (a 2001 message) when there is
    none or we cannot use it."""
    return parse_json(await request.body())


async def read_object(request: Request) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise BadBody("the body must be a JSON object")
    return body


def invalid(what: str, err: ValidationError, limit: int = 6) -> str:
    """``Invalid Session: kwh: Field required; cdr_token.uid: ...`` naming every bad field."""
    parts = [
        f"{'.'.join(str(p) for p in e['loc']) or '(object)'}: {e['msg']}"
        for e in err.errors(include_url=False, include_input=False)[:limit]
    ]
    more = err.error_count() - limit
    return f"Invalid {what}: " + "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def mismatch(
    url: tuple[str, str, str], body: tuple[Any, Any, Any], id_name: str = "id"
) -> str | None:
    """Why a body does not belong at its URL (None: it does). Absent body fields pass (PATCH)."""
    (ucc, upid, uid), (bcc, bpid, bid) = url, body
    if (bcc is not None and not same(str(bcc), ucc)) or (
        bpid is not None and not same(str(bpid), upid)
    ):
        return (
            f"country_code/party_id in the body ({bcc}/{bpid}) differ from the URL ({ucc}/{upid})"
        )
    if bid is not None and not same(str(bid), uid):
        return f"{id_name} in the body ({bid}) differs from the URL ({uid})"
    return None
