"""One OcpiClient per partner for the node's lifetime (style guide 3.4: never one per request;
building an httpx client costs tens of milliseconds of event-loop time, mostly its TLS context).

Every request of these clients lands in the OCPI message log. What a request is about (session
id, authorization_reference, command id: the support timeline's links) travels with its
correlation id: ``with clients.linked(command_id=...) as cid`` and pass ``correlation_id=cid``.

What a partner sends off-spec and we read anyway goes to ``on_deviation`` (counted per partner);
``strict`` clients refuse it instead (conformance checks).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator

import httpx

from ..ocpi.client import OcpiClient
from ..ocpi.exchange import Exchange
from ..ocpi.lenient import Deviation
from ..store.message_log import MessageLog
from ..store.partners import Partner


class PartnerClients:
    def __init__(
        self,
        message_log: MessageLog,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float,
        strict: bool = False,
        on_deviation: Callable[[Partner, Deviation], None] | None = None,
    ) -> None:
        self.message_log = message_log
        self.transport = transport
        self.timeout = timeout
        self.strict = strict
        self.on_deviation = on_deviation
        self._clients: dict[tuple[int | None, str, bool], OcpiClient] = {}
        self._links: dict[str, dict[str, str | None]] = {}

    def get(self, partner: Partner) -> OcpiClient:
        """The partner's client (a new one after its token changed)."""
        assert partner.token_out is not None
        key = (partner.id, partner.token_out, partner.raw_token)
        client = self._clients.get(key)
        if client is None:
            log = self.message_log

            def record(exchange: Exchange, partner: Partner = partner) -> None:
                links = self._links.get(exchange.correlation_id, {})
                log.outbound(partner, **links)(exchange)

            def deviated(deviation: Deviation, partner: Partner = partner) -> None:
                if self.on_deviation is not None:
                    self.on_deviation(partner, deviation)

            client = OcpiClient(
                partner.token_out,
                transport=self.transport,
                raw_token=partner.raw_token,
                timeout=self.timeout,
                on_exchange=record,
                peer=partner.name,
                strict=self.strict,
                on_deviation=deviated,
            )
            self._clients[key] = client
        return client

    @contextlib.contextmanager
    def linked(self, **links: str | None) -> Iterator[str]:
        """A correlation id whose requests the message log ties to ``links``."""
        cid = str(uuid.uuid4())
        self._links[cid] = {k: v for k, v in links.items() if v}
        try:
            yield cid
        finally:
            self._links.pop(cid, None)

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()
