"""The eMSP node: settings, database, our OCPI endpoints, and the services built on them.

One node per process (app, demo, ``emsp serve``, ``emsp partners add``). It owns the lifetimes:
``await node.start()`` opens the database and starts the receiver; ``await node.stop()``.
"""

from __future__ import annotations

import logging

import httpx

from ..config import Settings
from ..receiver import ReceiverContext, ReceiverServer, create_receiver_app
from ..store import Database
from .partners import PartnerService

log = logging.getLogger(__name__)


class EmspNode:
    def __init__(
        self,
        settings: Settings,
        *,
        serve: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.db = Database(settings.database_path)
        self.serve = serve
        self.transport = transport
        self.ctx = ReceiverContext(
            identity=settings.identity, db=self.db, transport=transport,
            base_url=self._public_url(settings.receiver.port),
        )
        self.server: ReceiverServer | None = None
        self.partners = PartnerService(self)

    def _public_url(self, port: int) -> str:
        rcv = self.settings.receiver
        return (rcv.public_url or f"http://{rcv.host}:{port}").rstrip("/")

    async def start(self) -> None:
        await self.db.open()
        if self.serve:
            rcv = self.settings.receiver
            self.server = ReceiverServer(create_receiver_app(self.ctx), rcv.host, rcv.port)
            await self.server.start()
            self.ctx.base_url = self._public_url(self.server.port)
            log.info("OCPI endpoints at %s", self.ctx.versions_url)

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None
        await self.db.close()

    async def __aenter__(self) -> EmspNode:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def attach_wallet(self, wallet: object) -> None:
        """The app's wallet; its card changes will be pushed to partners (charging issue)."""
        self.wallet = wallet

    @property
    def versions_url(self) -> str:
        return self.ctx.versions_url
