"""ASGI middleware: every request the receiver answers goes to the OCPI message log.

Outermost layer, so it sees even the guard's 500s and Starlette's own 404/405. It copies the
request body as the app reads it and the response as it is sent, then queues one record
(``MessageLog.append`` is synchronous and cheap; the log commits in batches). Who called is
what the handler identified (``request.state.partner``); what the message is about comes from
``request.state.log_links``. Headers are never stored; bodies are scrubbed of credentials tokens.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..store.message_log import MessageRecord, scrub_body, status_code_of
from .context import ReceiverContext

log = logging.getLogger(__name__)


class TrafficLog:
    def __init__(self, app: ASGIApp, ctx: ReceiverContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sink = self.ctx.message_log
        if scope["type"] != "http" or sink is None:
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        started_at = datetime.now(UTC)
        started = time.perf_counter()
        request_body: list[bytes] = []
        response_body: list[bytes] = []
        answer: dict[str, int] = {}
        limit = sink.body_limit

        async def receive_copy() -> Message:
            message = await receive()
            if message["type"] == "http.request" and sum(map(len, request_body)) < limit:
                request_body.append(message.get("body", b""))
            return message

        async def send_copy(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body" and sum(map(len, response_body)) < limit:
                response_body.append(message.get("body", b""))
            await send(message)

        error: str | None = None
        try:
            await self.app(scope, receive_copy, send_copy)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            try:
                self._record(
                    scope,
                    state,
                    started_at,
                    started,
                    request_body,
                    response_body,
                    answer.get("status"),
                    error,
                )
            except Exception:  # the log never breaks the protocol
                log.exception("could not log an inbound OCPI message")

    def _record(
        self,
        scope: Scope,
        state: dict[str, Any],
        started_at: datetime,
        started: float,
        request_body: list[bytes],
        response_body: list[bytes],
        http_status: int | None,
        error: str | None,
    ) -> None:
        sink = self.ctx.message_log
        assert sink is not None
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = scope.get("query_string", b"").decode("latin-1")
        url = f"{self.ctx.base_url}{scope['path']}" + (f"?{query}" if query else "")
        partner = state.get("partner")
        links: dict[str, str] = state.get("log_links") or {}
        response = b"".join(response_body)
        sink.append(
            MessageRecord(
                at=started_at,
                direction="in",
                method=scope["method"],
                url=url,
                partner_id=getattr(partner, "id", None),
                partner=getattr(partner, "name", None),
                http_status=http_status,
                status_code=status_code_of(response),
                request_id=headers.get("x-request-id"),
                correlation_id=headers.get("x-correlation-id"),
                session_id=links.get("session_id"),
                authorization_reference=links.get("authorization_reference"),
                command_id=links.get("command_id"),
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                error=error,
                request_body=scrub_body(b"".join(request_body), sink.body_limit),
                response_body=scrub_body(response, sink.body_limit),
            )
        )
