"""CDRs module, Receiver: ``POST {cdrs}`` stores a CDR and answers with a ``Location`` header,
the URL where we keep it: ``{cdrs}/{country_code}/{party_id}/{cdr_id}``, GET-able by its CPO.

CDRs are immutable: the same CDR again is answered as the first time (same Location, 200) and
not written twice; the same id with other content is refused (2001: send a credit CDR). Credit
CDRs are accepted like any other.
"""

from __future__ import annotations

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ..ocpi import status
from ..ocpi.models import Cdr
from ..services.events import CdrPushed
from ..store import cdrs as store
from .common import (
    BadBody,
    authenticate,
    context,
    invalid,
    link,
    may_act_for,
    method_not_allowed,
    module_url,
    now,
    read_object,
    refuse,
    reply,
)
from .raw_ids import quote_id

MODULE = "cdrs"


def cdr_url(request: Request, country_code: str, party_id: str, cdr_id: str) -> str:
    parts = (country_code.upper(), party_id.upper(), cdr_id)
    return "/".join([module_url(context(request), MODULE), *map(quote_id, parts)])


async def post_cdr(request: Request) -> Response:
    partner = await authenticate(request)
    if isinstance(partner, Response):
        return partner
    if request.method != "POST":
        return method_not_allowed(
            request, "POST a CDR here; GET it at the URL of the Location header"
        )
    try:
        cdr = Cdr.model_validate(await read_object(request))
    except BadBody as err:
        return await refuse(request, partner, MODULE, str(err))
    except ValidationError as err:
        return await refuse(request, partner, MODULE, invalid("CDR", err))
    link(request, session_id=cdr.session_id, authorization_reference=cdr.authorization_reference)
    if not await may_act_for(request, partner, cdr.country_code, cdr.party_id):
        return await refuse(
            request,
            partner,
            MODULE,
            f"{cdr.country_code.upper()}*{cdr.party_id.upper()} is not a party you registered",
        )
    ctx = context(request)
    outcome = await ctx.db.run(store.insert_cdr, partner.id, cdr, now())
    if outcome == "conflict":
        return await refuse(
            request,
            partner,
            MODULE,
            f"CDR {cdr.id} was already received with other content; CDRs are immutable "
            "(correct it with a credit CDR and a new one)",
        )
    key = (cdr.country_code.upper(), cdr.party_id.upper(), cdr.id)
    ctx.events.emit(CdrPushed(key, cdr.session_id, outcome == "created", now()))
    location = cdr_url(request, *key)
    return reply(
        request,
        http_status=201 if outcome == "created" else 200,
        message=None if outcome == "created" else "Already received",
        headers={"Location": location},
    )


async def get_cdr(request: Request) -> Response:
    partner = await authenticate(request)
    if isinstance(partner, Response):
        return partner
    if request.method != "GET":
        return method_not_allowed(request, "CDRs are immutable: GET only")
    p = request.path_params
    cc, pid, cdr_id = p["country_code"].upper(), p["party_id"].upper(), p["cdr_id"]
    unknown = reply(
        request,
        status_code=status.INVALID_PARAMETERS,
        http_status=404,
        message=f"Unknown CDR {cdr_id}",
    )
    if not await may_act_for(request, partner, cc, pid):
        return unknown
    found = await context(request).db.run(store.get_cdr, cc, pid, cdr_id)
    if found is None:
        return unknown
    link(request, session_id=found.cdr.session_id)
    return reply(request, found.cdr.to_ocpi())
