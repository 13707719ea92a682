"""Connecting roaming partners: register (TOKEN_A → B → C), list, unregister.

The partner list lives in config.toml (readable, editable); the tokens and the runtime state
(roles, endpoints, parties behind a hub, last error) live in the owner-only database.
"""

from __future__ import annotations

import logging

import httpx

from ..config import PartnerEntry, Settings
from ..ocpi.client import OcpiClient
from ..ocpi.enums import InterfaceRole, ModuleID
from ..ocpi.models import ClientInfo
from ..ocpi.registration import Registration, register, unregister
from ..store import Database
from ..store import partners as store
from ..store.partners import Partner, Party
from .our_party import OurParty
from .token_push import TokenPushService

log = logging.getLogger(__name__)


class PartnerError(Exception):
    """A partner operation failed; the message is one readable line."""


class PartnerService:
    """``settings``: its partner list is saved to config.toml; ``us``: our versions URL and
    roles at registration; ``token_push``: a new partner gets every card we issued."""

    def __init__(
        self,
        db: Database,
        us: OurParty,
        settings: Settings,
        token_push: TokenPushService,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.db = db
        self.us = us
        self.settings = settings
        self.token_push = token_push
        self.transport = transport

    async def add(self, versions_url: str, token_a: str, name: str | None = None) -> Partner:
        """Register with a hub or CPO (we are the Sender of the credentials POST)."""
        pending_name = name or f"pending-{abs(hash(versions_url)) % 10**8}"
        pending = Partner(name=pending_name, versions_url=versions_url, status="REGISTERING")

        async def accept_token_b(token_b: str) -> None:
            # The peer GETs our versions with TOKEN_B while it handles our POST.
            await self.db.run(store.save_partner, pending, token_b)

        try:
            async with OcpiClient(token_a, transport=self.transport) as client:
                reg = await register(
                    client,
                    versions_url=versions_url,
                    token_a=token_a,
                    our_versions_url=self.us.versions_url,
                    our_roles=self.us.roles(),
                    accept_token_b=accept_token_b,
                )
        except Exception as err:
            await self.db.run(store.delete_partner, pending_name)
            raise PartnerError(f"registration with {versions_url} failed: {err}") from err

        partner = partner_from_registration(reg, name)
        if partner.name != pending_name:
            await self.db.run(store.delete_partner, pending_name)
        await self.db.run(store.save_partner, partner, reg.token_in)
        if partner.is_hub:
            await self.refresh_hub_clients(partner)
        self._remember_in_config(partner)
        # Cards issued before this partner joined reach it too; a failure is recorded, not fatal.
        try:
            await self.token_push.push_all(partner)
        except Exception as err:
            log.warning("pushing our tokens to %s failed: %s", partner.name, err)
        log.info("registered with %s (%s)", partner.name, versions_url)
        return partner

    async def refresh_hub_clients(self, partner: Partner) -> list[Party]:
        """Ask a hub which parties are behind it (hubclientinfo SENDER), if it offers that."""
        url = partner.endpoint(ModuleID.HUB_CLIENT_INFO, InterfaceRole.SENDER)
        if not url or not partner.token_out:
            return partner.parties
        parties = [p for p in partner.parties if p.role == "HUB"]
        me = self.us.identity
        async with OcpiClient(partner.token_out, transport=self.transport) as client:
            async for page in client.iter_pages(url):
                for item in page.items:
                    info = ClientInfo.model_validate(item)
                    if (info.country_code.upper(), info.party_id.upper()) == (
                        me.country_code.upper(),
                        me.party_id.upper(),
                    ):
                        continue  # the hub lists us among its clients too
                    parties.append(
                        Party(
                            info.country_code, info.party_id, str(info.role), None, str(info.status)
                        )
                    )
        assert partner.id is not None
        await self.db.run(store.set_parties, partner.id, parties)
        partner.parties = parties
        return parties

    async def location_count(self, partner: Partner) -> int | None:
        """How many locations the partner offers (X-Total-Count of a one-item page)."""
        url = partner.endpoint(ModuleID.LOCATIONS, InterfaceRole.SENDER)
        if not url or not partner.token_out:
            return None
        async with OcpiClient(
            partner.token_out, transport=self.transport, raw_token=partner.raw_token
        ) as client:
            async for page in client.iter_pages(url, limit=1):
                return page.total_count
        return 0

    async def list(self) -> list[Partner]:
        return await self.db.run(store.list_partners)

    async def remove(self, name: str) -> None:
        """Unregister (DELETE credentials at the peer), then forget the partner here."""
        partner = await self.db.run(store.get_partner, name)
        if partner is None:
            raise PartnerError(f"no partner named {name!r}")
        error: str | None = None
        if partner.token_out:
            try:
                async with OcpiClient(partner.token_out, transport=self.transport) as client:
                    await unregister(client, partner.endpoint(ModuleID.CREDENTIALS, "SENDER") or "")
            except Exception as err:  # still forget it locally; say so
                error = str(err)
        await self.db.run(store.delete_partner, name)
        settings = self.settings
        settings.partners = [p for p in settings.partners if p.name != name]
        settings.save()
        if error:
            raise PartnerError(f"{name} removed here, but the partner did not confirm: {error}")

    def _remember_in_config(self, partner: Partner) -> None:
        settings = self.settings
        settings.partners = [p for p in settings.partners if p.name != partner.name]
        settings.partners.append(PartnerEntry(name=partner.name, versions_url=partner.versions_url))
        settings.save()


def partner_from_registration(reg: Registration, name: str | None) -> Partner:
    roles = [r.to_ocpi() for r in reg.peer_roles]
    first = reg.peer_roles[0]
    return Partner(
        name=name or f"{first.country_code}-{first.party_id}".lower(),
        versions_url=reg.versions_url,
        version=str(reg.version),
        endpoints=[e.to_ocpi() for e in reg.endpoints],
        roles=roles,
        token_out=reg.token_out,
        parties=[
            Party(r.country_code, r.party_id, str(r.role), r.business_details.name)
            for r in reg.peer_roles
        ],
    )
