"""Credentials module, receiver side: a CPO or hub registers with us (spec 3, steps 3-5).

The peer POSTs its credentials with the TOKEN_A we gave it; while handling that POST we GET its
versions with the TOKEN_B it sent (3001 if we cannot, 3002 without 2.2.1, 3003 if a module we
need is missing), then answer with a fresh TOKEN_C. TOKEN_A is void afterwards.

Who may register, and as whom: a TOKEN_A registers exactly one new partner (a name that is
taken gets a suffix; rows are saved by id), and no registration or update may claim a party
(country_code/party_id, whatever the role) that is ours or another partner's credentials role:
that is refused with 2001 and changes nothing. Every change of a partner's parties, and every
refused claim, is in ``partner_party_changes`` and the log.
"""

from __future__ import annotations

import logging
import sqlite3
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
from ..store import party_changes
from ..store.partners import Partner, Party
from .auth import Caller, identify
from .body import BadBody, parse_json
from .context import ReceiverContext
from .responses import ocpi_error, ocpi_response, unauthorized

log = logging.getLogger(__name__)


def _our_credentials(ctx: ReceiverContext, token: str) -> dict[str, Any]:
    return Credentials(token=token, url=ctx.versions_url, roles=ctx.our_roles()).to_ocpi()


async def _parse(request: Request) -> Credentials | Response:
    try:
        raw = parse_json(await request.body())  # strict, as every body we take (body.py)
    except BadBody as err:
        return ocpi_error(request, status.INVALID_PARAMETERS, str(err))
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


def _claimed(creds: Credentials) -> set[tuple[str, str]]:
    return {(r.country_code.upper(), r.party_id.upper()) for r in creds.roles}


def _not_yours(
    conn: sqlite3.Connection,
    ctx: ReceiverContext,
    claimed: set[tuple[str, str]],
    own_id: int | None,
) -> dict[tuple[str, str], str]:
    """The claimed parties that are ours or another partner's credentials roles -> whose."""
    us = (ctx.identity.country_code, ctx.identity.party_id)
    return store.credentials_holders(conn, claimed, own_id, ours=us)


Held = dict[tuple[str, str], str]  # a refused claim: party -> whose it is (a name, or "us")


def _refuse_claim(conn: sqlite3.Connection, own_id: int | None, who: str, held: Held) -> Held:
    party_changes.record_refusal(conn, own_id, who, held)
    return held


def _refused(request: Request, held: Held) -> Response:
    # 2001 (invalid parameter: the roles), HTTP 400 as every refused claim of another party's
    # objects (common.py). Not 3xxx: those say the *server* could not use the client's API
    # (3001), found no common version (3002) or no matching endpoints (3003); here the client
    # sent roles it may not claim. Not 405 either: that means "already / not registered".
    # The caller is not told which partner holds a party (the change log says).
    whose = [
        f"{cc}*{pid} is " + ("ours" if name == "us" else "another partner's")
        for (cc, pid), name in sorted(held.items())
    ]
    message = f"Roles refused: {'; '.join(whose)}; nothing was changed"
    return ocpi_error(request, status.INVALID_PARAMETERS, message)


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
        if caller.partner is None or caller.partner.id is None:
            return ocpi_error(request, status.CLIENT_ERROR, "Not registered", 405)
        await ctx.db.run(store.delete_partner_by_id, caller.partner.id, "credentials DELETE")
        log.info("partner %s unregistered", caller.partner.name)
        return ocpi_response(request)
    return ocpi_error(request, status.CLIENT_ERROR, "Method not allowed", 405)


async def _register(request: Request, ctx: ReceiverContext, caller: Caller) -> Response:
    """One TOKEN_A registers exactly one new partner, which may claim no party that is ours
    or another partner's credentials role. A refused claim changes nothing but the change log:
    TOKEN_A stays valid (as after a malformed POST) so that its holder can retry with its
    own roles; it was handed out of band to one party, and what it could learn by retrying
    (which parties are taken) a registered partner learns from a hub's client list anyway."""
    creds = await _parse(request)
    if isinstance(creds, Response):
        return creds
    claimed = _claimed(creds)
    who = f"new partner at {creds.url}"

    def refuse_early(conn: sqlite3.Connection) -> Held | None:
        held = _not_yours(conn, ctx, claimed, None)
        return _refuse_claim(conn, None, who, held) if held else None

    # Checked before we call them back (no request on behalf of a claim we refuse), and
    # again in the transaction that stores the partner (two registrations at once).
    if held := await ctx.db.run(refuse_early):
        return _refused(request, held)
    detail = await _their_version(request, ctx, creds)
    if isinstance(detail, Response):
        return detail
    token_c = new_credentials_token()
    partner = _partner_from(creds, detail)

    def commit(conn: sqlite3.Connection) -> Held | bool:
        """The refused claim, or whether TOKEN_A was still valid (and the partner stored)."""
        if not store.is_registration_token(conn, caller.token):
            return False
        if held := _not_yours(conn, ctx, claimed, None):
            return _refuse_claim(conn, None, who, held)
        store.consume_registration_token(conn, caller.token)
        store.save_partner(conn, partner, token_in=token_c, action=party_changes.REGISTERED)
        return True

    outcome = await ctx.db.run(commit)
    if outcome is False:
        return unauthorized(request, "Registration token already used")
    if isinstance(outcome, dict):
        return _refused(request, outcome)
    log.info("partner %s registered with us", partner.name)
    if ctx.on_partner_registered:
        ctx.on_partner_registered(partner.name)
    return ocpi_response(request, _our_credentials(ctx, token_c))


async def _update(request: Request, ctx: ReceiverContext, current: Partner) -> Response:
    """A credentials PUT may keep or drop the partner's own parties and add parties no one
    holds; claiming ours or another partner's is refused and changes nothing (its token and
    endpoints stay). A hub keeps the clients behind it (they come from hubclientinfo)."""
    creds = await _parse(request)
    if isinstance(creds, Response):
        return creds
    assert current.id is not None
    claimed = _claimed(creds)

    def refuse_early(conn: sqlite3.Connection) -> Held | None:
        held = _not_yours(conn, ctx, claimed, current.id)
        return _refuse_claim(conn, current.id, current.name, held) if held else None

    if held := await ctx.db.run(refuse_early):
        return _refused(request, held)
    detail = await _their_version(request, ctx, creds)
    if isinstance(detail, Response):
        return detail
    token_c = new_credentials_token()
    partner = _partner_from(creds, detail, name=current.name)
    partner.id, partner.registered_at = current.id, current.registered_at
    partner.raw_token, partner.status = current.raw_token, current.status
    if partner.is_hub:
        partner.parties += [
            p for p in current.parties if not current.is_own_role(p) and not partner.is_own_role(p)
        ]

    def commit(conn: sqlite3.Connection) -> Held | None:
        if held := _not_yours(conn, ctx, claimed, current.id):
            return _refuse_claim(conn, current.id, current.name, held)
        store.save_partner(conn, partner, token_c, action=party_changes.UPDATED)
        return None

    if held := await ctx.db.run(commit):
        return _refused(request, held)
    log.info("partner %s updated its credentials", partner.name)
    return ocpi_response(request, _our_credentials(ctx, token_c))
