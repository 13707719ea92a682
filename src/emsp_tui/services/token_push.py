"""Telling partners about our drivers' tokens (we own them: the tokens module's Sender).

A new card is PUT to every partner's tokens Receiver; blocking or unblocking it later is a
PATCH ``{"valid": ..., "last_updated": ...}``. Through a hub that is one push addressed to the
hub (OCPI-to = the hub), which broadcasts it to its CPOs; a CPO we are connected to directly gets
its own push. Each push's outcome is recorded per partner (``token_pushes``); one partner
failing does not stop the others, and nothing is retried: a CPO that missed a push resyncs by
GETting our tokens list (spec 1.8). A PATCH the partner cannot apply (it never got the token)
falls back to a PUT.

The node subscribes it to the wallet's ``CardChanged`` events (services/events.py, node.py).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from ..config import Identity
from ..ocpi.enums import InterfaceRole, ModuleID
from ..ocpi.errors import OcpiError, UnknownTokenError
from ..ocpi.models import Token
from ..ocpi.types import format_datetime
from ..store import Database
from ..store import partners as partner_store
from ..store import tokens as token_store
from ..store.authorizations import TokenPush, get_push, pushes_of, record_push
from ..store.partners import Partner
from .clients import PartnerClients
from .events import CardChanged
from .routing import routing_to

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PushResult:
    partner: str
    method: str  # PUT or PATCH
    ok: bool
    error: str | None = None


class TokenPushService:
    def __init__(self, db: Database, clients: PartnerClients, identity: Identity) -> None:
        self.db = db
        self.clients = clients
        self.identity = identity

    async def on_card_changed(self, event: CardChanged) -> None:
        """A card was issued, blocked or unblocked: tell every partner."""
        await self.on_token_changed(event.token)

    async def on_token_changed(self, token: Token) -> None:
        results = await self.push(token)
        for r in results:
            if not r.ok:
                log.warning("token %s not pushed to %s: %s", token.uid, r.partner, r.error)

    async def targets(self) -> list[Partner]:
        partners = await self.db.run(partner_store.list_partners)
        return [
            p
            for p in partners
            if p.token_out
            and p.status == "REGISTERED"
            and p.endpoint(ModuleID.TOKENS, InterfaceRole.RECEIVER)
        ]

    async def push(self, token: Token, partners: list[Partner] | None = None) -> list[PushResult]:
        """Push one token to every partner (or those given), concurrently."""
        chosen = partners if partners is not None else await self.targets()
        return list(await asyncio.gather(*(self._push_one(p, token) for p in chosen)))

    async def push_all(self, partner: Partner) -> list[PushResult]:
        """Every token of ours to one partner (e.g. one that just connected)."""
        me = self.identity
        cards = await self.db.run(token_store.list_tokens, me.country_code, me.party_id)
        return [await self._push_one(partner, c.token) for c in cards]

    async def status(self, token: Token) -> list[TokenPush]:
        """The last push of this token to each partner."""
        return await self.db.run(pushes_of, token.country_code, token.party_id, token.uid)

    async def _push_one(self, partner: Partner, token: Token) -> PushResult:
        assert partner.id is not None
        url = partner.endpoint(ModuleID.TOKENS, InterfaceRole.RECEIVER) or ""
        held = await self.db.run(
            _delivered, partner.id, token.country_code, token.party_id, token.uid
        )
        method, error = ("PATCH" if held else "PUT"), None
        routing = routing_to(self.identity, partner)
        client = self.clients.get(partner)
        try:
            if method == "PATCH":
                try:
                    await client.patch_token(
                        url,
                        token.country_code,
                        token.party_id,
                        token.uid,
                        {"valid": token.valid, "last_updated": format_datetime(token.last_updated)},
                        token_type=token.type,
                        routing=routing,
                    )
                except UnknownTokenError:
                    method = "PUT"  # they lost it: send it whole (spec 1.5)
            if method == "PUT":
                await client.push_token(url, token, routing=routing)
        except OcpiError as err:
            error = str(err)
        await self.db.run(
            record_push,
            partner.id,
            token.country_code,
            token.party_id,
            token.uid,
            method,
            error is None,
            token.valid,
            error,
            datetime.now(UTC),
        )
        return PushResult(partner.name, method, error is None, error)


def _delivered(conn: sqlite3.Connection, partner_id: int, cc: str, pid: str, uid: str) -> bool:
    found = get_push(conn, partner_id, cc, pid, uid)
    return bool(found and found.delivered)
