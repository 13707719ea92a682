"""Credentials module, receiver side: a CPO or hub registers with us (spec 3, steps 3-5).

The peer POSTs its credentials with the TOKEN_A we gave it; while handling that POST we GET its
versions with the TOKEN_B it sent (3001 if we cannot, 3002 without 2.2.1, 3003 if a module we
need is missing), then answer with a fresh TOKEN_C. TOKEN_A is void afterwards.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ..ocpi import status
from ..ocpi.auth import new_credentials_token
from ..ocpi.client import OcpiClient
from ..ocpi.enums import InterfaceRole, ModuleID, Role
from ..ocpi.errors import OcpiError, UnsupportedVersionError
from ..ocpi.models import Credentials, VersionDetail
from ..store import partners as store
from ..store.partners import Partner, Party
from .auth import Caller, identify
from .context import ReceiverContext
from .responses import ocpi_error, ocpi_response, unauthorized

log = logging.getLogger(__name__)


def _our_credentials(ctx: ReceiverContext, token: str) -> dict[str, Any]:
    return Credentials(token=token, url=ctx.versions_url, roles=ctx.our_roles()).to_ocpi()


async def _parse(request: Request) -> Credentials | Response:
    try:
        raw = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ocpi_error(request, status.CLIENT_ERROR, "Body is not valid JSON")
    try:
        return Credentials.model_validate(raw)
    except ValidationError as err:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in err.errors())
        return ocpi_error(request, status.INVALID_PARAMETERS, f"Invalid credentials: {fields}")


async def _their_version(
    request: Request, ctx: ReceiverContext, creds: Credentials
) -> VersionDetail | Response:
    """GET the peer's versions and 2.2.1 details with the token it just gave us."""
    try:
        async with OcpiClient(creds.token, transport=ctx.transport) as client:
            detail = await client.negotiate(creds.url)
    except UnsupportedVersionError:
        return ocpi_error(
            request, status.UNSUPPORTED_VERSION, "No common version (we speak 2.2.1)", 200
        )
    except (OcpiError, ValueError) as err:
        return ocpi_error(
            request, status.CLIENT_API_ERROR, f"Could not read your versions: {err}", 200
        )
    if any(r.role in (Role.CPO, Role.HUB) for r in creds.roles) and not detail.endpoint(
        ModuleID.LOCATIONS, InterfaceRole.SENDER
    ):
        return ocpi_error(
            request, status.NO_MATCHING_ENDPOINTS, "A CPO or hub must offer locations (SENDER)", 200
        )
    return detail


def _partner_from(creds: Credentials, detail: VersionDetail, name: str | None = None) -> Partner:
    first = creds.roles[0]
    return Partner(
        name=name or f"{first.country_code}-{first.party_id}".lower(),
        versions_url=creds.url,
        version=str(detail.version),
        endpoints=[e.to_ocpi() for e in detail.endpoints],
        roles=[r.to_ocpi() for r in creds.roles],
        token_out=creds.token,
        parties=[
            Party(r.country_code, r.party_id, str(r.role), r.business_details.name)
            for r in creds.roles
        ],
    )


async def credentials(request: Request) -> Response:
    ctx: ReceiverContext = request.app.state.ctx
    caller = await identify(request, ctx, allow_token_a=True)
    if caller is None:
        return unauthorized(request)
    method = request.method
    if method == "GET":
        if caller.partner is None:
            return unauthorized(request, "Register first (POST) with your TOKEN_A")
        return ocpi_response(request, _our_credentials(ctx, caller.token))
    if method == "POST":
        if caller.partner is not None:
            return ocpi_error(request, status.CLIENT_ERROR, "Already registered: use PUT", 405)
        return await _register(request, ctx, caller)
    if method == "PUT":
        if caller.partner is None:
            return ocpi_error(request, status.CLIENT_ERROR, "Not registered: use POST", 405)
        return await _update(request, ctx, caller.partner)
    if method == "DELETE":
        if caller.partner is None:
            return ocpi_error(request, status.CLIENT_ERROR, "Not registered", 405)
        name = caller.partner.name
        await ctx.db.run(store.delete_partner, name)
        log.info("partner %s unregistered", name)
        return ocpi_response(request)
    return ocpi_error(request, status.CLIENT_ERROR, "Method not allowed", 405)


async def _register(request: Request, ctx: ReceiverContext, caller: Caller) -> Response:
    creds = await _parse(request)
    if isinstance(creds, Response):
        return creds
    detail = await _their_version(request, ctx, creds)
    if isinstance(detail, Response):
        return detail
    token_c = new_credentials_token()
    partner = _partner_from(creds, detail)

    def commit(conn):  # type: ignore[no-untyped-def]
        # TOKEN_A is consumed in the same transaction that stores the partner.
        if not store.consume_registration_token(conn, caller.token):
            return False
        store.save_partner(conn, partner, token_in=token_c)
        return True

    if not await ctx.db.run(commit):
        return unauthorized(request, "Registration token already used")
    log.info("partner %s registered with us", partner.name)
    if ctx.on_partner_registered:
        ctx.on_partner_registered(partner.name)
    return ocpi_response(request, _our_credentials(ctx, token_c))


async def _update(request: Request, ctx: ReceiverContext, current: Partner) -> Response:
    creds = await _parse(request)
    if isinstance(creds, Response):
        return creds
    detail = await _their_version(request, ctx, creds)
    if isinstance(detail, Response):
        return detail
    token_c = new_credentials_token()
    partner = _partner_from(creds, detail, name=current.name)
    await ctx.db.run(store.save_partner, partner, token_c)
    log.info("partner %s updated its credentials", partner.name)
    return ocpi_response(request, _our_credentials(ctx, token_c))
