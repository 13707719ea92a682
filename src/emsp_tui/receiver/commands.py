"""Commands module, the eMSP's side: ``POST {commands}/{command}/{uid}`` receives the
asynchronous CommandResult of a command we sent (each command gets its own response_url, the
uid being the command's id in the store). The body is a bare CommandResult (not wrapped);
we answer an envelope without data (spec 9). A result for a command we never sent, or that
was sent through another partner, is refused (2001, HTTP 404); the same result again is
acknowledged and changes nothing.
"""

from __future__ import annotations

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ..ocpi.models import CommandResult
from ..ocpi.texts import display_text
from ..services.events import CommandResultPushed
from ..store import commands as store
from .common import (
    BadBody,
    authenticate,
    context,
    invalid,
    link,
    method_not_allowed,
    now,
    read_object,
    refuse,
    reply,
)

MODULE = "commands"


async def command_result(request: Request) -> Response:
    partner = await authenticate(request)
    if isinstance(partner, Response):
        return partner
    if request.method != "POST":
        return method_not_allowed(request, "POST the CommandResult of this command here")
    command, command_id = request.path_params["command"].upper(), request.path_params["uid"]
    link(request, command_id=command_id)
    try:
        result = CommandResult.model_validate(await read_object(request))
    except BadBody as err:
        return await refuse(request, partner, MODULE, str(err))
    except ValidationError as err:
        return await refuse(request, partner, MODULE, invalid("CommandResult", err))
    ctx = context(request)
    held = await ctx.db.run(store.get_command, command_id)
    if held is None or str(held.type) != command:
        return await refuse(
            request, partner, MODULE, f"No {command} command {command_id} here", http_status=404
        )
    if held.partner_id is not None and held.partner_id != partner.id:
        return await refuse(
            request,
            partner,
            MODULE,
            f"Command {command_id} was not sent through you",
            http_status=404,
        )
    stored, first = await ctx.db.run(
        store.record_result, command_id, result.result, display_text(result.message), now()
    )
    if stored is not None:
        link(
            request,
            authorization_reference=stored.authorization_reference,
            session_id=stored.session_id,
        )
    ctx.events.emit(CommandResultPushed(command_id, first, now()))
    return reply(request, message=None if first else "Result already received")
