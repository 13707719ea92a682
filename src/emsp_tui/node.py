"""The composition root: builds every service of the eMSP from explicit parts and mounts the
OCPI receiver on them.

One node per process (app, demo, ``emsp serve``, ``emsp partners add``). The parts: the
settings, the database, our party (identity and where partners reach us), the partner clients
(one OcpiClient per partner), a clock and the event bus. Each service gets only the parts it
uses; services talk to each other through the bus (a changed card -> the token push; a
committed push or pull -> the charging service), never through the node.

It owns the lifetimes: ``await node.start()`` opens the database and starts the receiver;
``await node.stop()``. ``background`` (default: as ``serve``) runs the charging service's
checks and its pull after downtime; quick CLI commands go without.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from .config import Settings
from .receiver import ReceiverContext, ReceiverServer, create_receiver_app
from .services.billing import BillingService, audit_with_store
from .services.cdr_billing import CdrBilling
from .services.charging import ChargingService
from .services.clients import PartnerClients
from .services.driver_price import DriverPricing
from .services.events import PUSHED, CardChanged, CdrPushed, EventBus, InvoiceIssued
from .services.our_party import OurParty
from .services.partner_deviations import DeviationRecorder
from .services.partner_status import PartnerStatusService
from .services.partners import PartnerService
from .services.stations import StationService
from .services.sync import SyncService
from .services.token_push import TokenPushService
from .services.wallet import WalletService
from .store import Database
from .store.message_log import MessageLog

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


class EmspNode:
    def __init__(
        self,
        settings: Settings,
        *,
        serve: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
        background: bool | None = None,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
        strict: bool = False,
    ) -> None:
        """``clock``: the wallet's (card dates); ``rng``: the wallet's card numbers (tests
        pass a seeded one; None: cryptographic randomness); ``strict``: refuse what partners
        send off-spec instead of reading it where unambiguous (conformance checks)."""
        self.settings = settings
        self.serve = serve
        self.transport = transport
        self.background = serve if background is None else background
        # -- the parts
        self.db = Database(settings.database_path)
        self.events = EventBus()
        self.us = OurParty(settings.identity, self._public_url(settings.receiver.port))
        self.message_log = MessageLog(self.db)
        self.deviations = DeviationRecorder(self.db)
        self.clients = PartnerClients(
            self.message_log,
            transport=transport,
            timeout=settings.request_timeout,
            strict=strict or settings.ocpi_strict,
            on_deviation=self.deviations.record,
        )
        # -- the services
        self.token_push = TokenPushService(self.db, self.clients, settings.identity)
        self.partners = PartnerService(
            self.db, self.us, settings, self.token_push, transport=transport
        )
        self.wallet = WalletService(self.db, settings.identity, self.events, now=clock, rng=rng)
        self.stations = StationService(self.db)
        self.billing = BillingService(self.db, settings.billing, clock, auditor=audit_with_store)
        self.cdr_billing = CdrBilling(self.db, self.billing, clock, self.events)  # every CDR
        self.partner_status = PartnerStatusService(self.db)
        self.charging = ChargingService(
            self.db,
            self.clients,
            self.us,
            self.events,
            self.message_log,
            request_timeout=settings.request_timeout,
            receiving=lambda: self.server is not None,
            pricing=DriverPricing(settings.billing),  # the plan, as the invoice applies it
        )
        # -- who hears what
        self.events.subscribe(CardChanged, self.token_push.on_card_changed)
        for kind in PUSHED:
            self.events.subscribe(kind, self.charging.on_pushed)
        self.events.subscribe(CdrPushed, self.cdr_billing.on_cdr)
        self.events.subscribe(InvoiceIssued, self.charging.on_invoice_issued)
        # -- the inbound face
        self.ctx = ReceiverContext(
            self.us,
            self.db,
            self.events,
            transport=transport,
            message_log=self.message_log,
            refresh_parties=self.partners.refresh_hub_clients,
        )
        self.server: ReceiverServer | None = None

    def new_sync(self, **options: Any) -> SyncService:
        """A sync run's service (options: SyncService's, e.g. ``page_limit``, ``workers``)."""
        settings = self.settings
        options.setdefault("workers", settings.sync_workers)
        return SyncService(
            self.db,
            transport=self.transport,
            request_timeout=settings.request_timeout,
            concurrency=settings.sync_concurrency,
            us=(settings.identity.country_code, settings.identity.party_id),
            **options,
        )

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
            self.us.base_url = self._public_url(self.server.port)
            log.info("OCPI endpoints at %s", self.us.versions_url)
        if self.background:
            await self.cdr_billing.start()
            await self.charging.open()

    async def stop(self) -> None:
        await self.charging.close()
        await self.clients.aclose()
        if self.server is not None:
            await self.server.stop()
            self.server = None
        await self.cdr_billing.close()
        await self.message_log.close()
        await self.db.close()

    async def __aenter__(self) -> EmspNode:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def versions_url(self) -> str:
        return self.us.versions_url
