"""CommandResults at our per-command response_url: stored once, only from the partner the
command went through, for a command we sent."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from emsp_tui.ocpi.enums import CommandResultType, CommandType
from emsp_tui.receiver import ReceiverContext
from emsp_tui.store import commands as store
from emsp_tui.store.commands import CommandState, StoredCommand
from tests.ocpi_schemas import validate_response

from .payloads import V

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def sent(ctx: ReceiverContext, command_id: str = "c-1", partner_id: int = 1) -> None:
    command = StoredCommand(
        command_id,
        CommandType.START_SESSION,
        partner_id,
        "DE",
        "VOL",
        CommandState.SENDING,
        NOW,
        "LOC-1",
        "EVSE-1",
        None,
        "UID1",
        "RFID",
        "ref-1",
    )
    await ctx.db.run(store.claim, command, datetime(2099, 1, 1, tzinfo=UTC))


async def test_the_result_is_stored_once(
    http: httpx.AsyncClient, hub_headers: dict[str, str], ctx: ReceiverContext
) -> None:
    await sent(ctx)
    url = f"{V}/commands/START_SESSION/c-1"
    body = {"result": "EVSE_OCCUPIED", "message": [{"language": "en", "text": "Busy"}]}
    answer = await http.post(url, json=body, headers=hub_headers)
    assert answer.status_code == 200
    validate_response(answer.json(), None)
    assert answer.json()["status_code"] == 1000
    assert "data" not in answer.json()
    again = await http.post(url, json={"result": "ACCEPTED"}, headers=hub_headers)
    assert again.json()["status_code"] == 1000
    held = await ctx.db.run(store.get_command, "c-1")
    assert held is not None
    assert (held.result, held.result_message, held.state) == (
        CommandResultType.EVSE_OCCUPIED,
        "Busy",
        CommandState.FAILED,
    )


async def test_results_for_unknown_or_foreign_commands_are_refused(
    http: httpx.AsyncClient,
    hub_headers: dict[str, str],
    cpo_headers: dict[str, str],
    ctx: ReceiverContext,
) -> None:
    await sent(ctx)
    cases = [
        (f"{V}/commands/START_SESSION/nope", hub_headers, {"result": "ACCEPTED"}, 404),
        (f"{V}/commands/STOP_SESSION/c-1", hub_headers, {"result": "ACCEPTED"}, 404),
        (f"{V}/commands/START_SESSION/c-1", cpo_headers, {"result": "ACCEPTED"}, 404),
        (f"{V}/commands/START_SESSION/c-1", hub_headers, {"result": "MAYBE"}, 400),
        (f"{V}/commands/START_SESSION/c-1", hub_headers, [], 400),
    ]
    for url, headers, body, http_status in cases:
        answer = await http.post(url, json=body, headers=headers)
        assert (answer.status_code, answer.json()["status_code"]) == (http_status, 2001), url
        validate_response(answer.json(), None)
    held = await ctx.db.run(store.get_command, "c-1")
    assert held is not None
    assert held.result is None
    assert held.state == CommandState.SENDING
