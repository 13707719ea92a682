"""The eMSP node: settings, database, our OCPI endpoints, and the services built on them.

One node per process (app, demo, ``emsp serve``, ``emsp partners add``). It owns the lifetimes:
``await node.start()`` opens the database and starts the receiver; ``await node.stop()``.
``background`` (default: as ``serve``) runs the charging service's checks and its pull after
downtime; quick CLI commands go without. The wallet lives in the app: ``attach_wallet`` makes
its card changes reach the partners (token push).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import httpx

from ..config import Settings
from ..receiver import ReceiverContext, ReceiverServer, create_receiver_app
from ..store import Database
from ..store.message_log import MessageLog
from .charging import ChargingService
from .clients import PartnerClients
from .partners import PartnerService
from .token_push import TokenPushService

if TYPE_CHECKING:
    from .wallet import WalletService

log = logging.getLogger(__name__)


class EmspNode:
    def __init__(
        self,
        settings: Settings,
        *,
        serve: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
        background: bool | None = None,
    ) -> None:
        self.settings = settings
        self.db = Database(settings.database_path)
        self.serve = serve
        self.transport = transport
        self.ctx = ReceiverContext(
            identity=settings.identity,
            db=self.db,
            transport=transport,
            base_url=self._public_url(settings.receiver.port),
        )
        self.server: ReceiverServer | None = None
        self.partners = PartnerService(self)
        self.background = serve if background is None else background
        self.message_log = MessageLog(self.db)
        self.ctx.hooks.message_log = self.message_log
        self.ctx.hooks.refresh_parties = self.partners.refresh_hub_clients
        self.clients = PartnerClients(self)  # one OcpiClient per partner (charging, token push)
        self.token_push = TokenPushService(self)
        self.charging = ChargingService(self)

    def _public_url(self, port: int) -> str:
        rcv = self.settings.receiver
        return (rcv.public_url or f"http://{rcv.host}:{port}").rstrip("/")

    async def start(self) -> None:
        await self.db.open()
        await self.message_log.start()
        if self.serve:
            rcv = self.settings.receiver
            self.server = ReceiverServer(create_receiver_app(self.ctx), rcv.host, rcv.port)
            await self.server.start()
            self.ctx.base_url = self._public_url(self.server.port)
            log.info("OCPI endpoints at %s", self.ctx.versions_url)
        if self.background:
            await self.charging.open()

    async def stop(self) -> None:
        await self.charging.close()
        await self.clients.aclose()
        if self.server is not None:
            await self.server.stop()
            self.server = None
        await self.message_log.close()
        await self.db.close()

    def attach_wallet(self, wallet: WalletService) -> None:
        """Push the wallet's new, blocked and unblocked cards to every partner."""
        if self.token_push.on_token_changed not in wallet.listeners:
            wallet.listeners.append(self.token_push.on_token_changed)

    async def __aenter__(self) -> EmspNode:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def versions_url(self) -> str:
        return self.ctx.versions_url
