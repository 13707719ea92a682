"""Connecting roaming partners: register (TOKEN_A → B → C), list, unregister.

The partner list lives in config.toml (readable, editable); the tokens and the runtime state
(roles, endpoints, parties behind a hub, last error) live in the owner-only database.

Whose parties are whose:
* A partner's credentials roles are its own. No registration (theirs with us, or ours with
  them) and no credentials update may claim a party (country_code/party_id, any role) that is
  ours or another partner's credentials role: refused, nothing stored (``partners add``
  unregisters at the peer again).
* The parties behind a hub come from its client list (hubclientinfo), not from credentials.
  A party that is a direct partner may also be listed behind a hub (a CPO can be reachable
  both ways): it is stored and shown, but its credentials role stays the direct partner's.
  Its objects are written only by the direct partner (a hub's push for it is refused, see
  ``receiver.common.may_act_for``) and our calls go to the direct link first
  (``ChargingService.partner_for``).
* Every change of a partner's parties is recorded (``store.party_changes``): registration,
  update, hub client list, removal, and every refused claim.
"""

from __future__ import annotations

import logging
import sqlite3

import httpx

from ..config import PartnerEntry, Settings
from ..ocpi.client import OcpiClient
from ..ocpi.enums import InterfaceRole, ModuleID
from ..ocpi.models import ClientInfo
from ..ocpi.registration import Registration, register, unregister
from ..store import Database, party_changes
from ..store import partners as store
from ..store.partners import Partner, Party
from ..store.party_changes import PartyChange
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
        """Register with a hub or CPO (we are the Sender of the credentials POST).

        ``name`` of a partner we have: registering it again (``partners add --name``, the demo
        at each start), updated in place so that its data stays linked. Without a name it is
        named after the peer's first role, and never replaces a partner: a taken name gets a
        suffix. Either way a peer claiming a party that is ours or another partner's is refused
        (PartnerError) and unregistered again."""
        again = await self.db.run(store.get_partner, name) if name else None
        # A row of its own while registering: the peer calls us back with TOKEN_B meanwhile,
        # and a partner registered again keeps its token until the new one is certain.
        pending = Partner(
            name=f"pending-{abs(hash(versions_url)) % 10**8}",
            versions_url=versions_url,
            status="REGISTERING",
        )

        async def accept_token_b(token_b: str) -> None:
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
            if pending.id is not None:
                await self.db.run(store.delete_partner_by_id, pending.id)
            raise PartnerError(f"registration with {versions_url} failed: {err}") from err

        partner = partner_from_registration(reg, name)
        if again is not None and partner.is_hub:  # its clients stay until the refresh says
            partner.parties += [
                p for p in again.parties if not again.is_own_role(p) and not partner.is_own_role(p)
            ]
        reason = await self.db.run(self._store_registered, partner, reg.token_in, pending.id, again)
        if reason is not None:
            await self._unregister_refused(partner, versions_url)
            raise PartnerError(f"registration with {versions_url} refused: {reason}")
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

    def _store_registered(
        self,
        conn: sqlite3.Connection,
        partner: Partner,
        token_in: str,
        pending_id: int | None,
        again: Partner | None,
    ) -> str | None:
        """Save the partner (new, or ``again`` in place) unless it claims a party that is not
        its to claim (then the reason); the pending row goes either way. One transaction, so
        two registrations at once cannot both claim one party."""
        claimed = store.credentials_parties(partner)
        me = self.us.identity
        own_id = again.id if again else None
        held = store.credentials_holders(conn, claimed, own_id, ours=(me.country_code, me.party_id))
        if pending_id is not None:  # frees TOKEN_B for the partner's row
            store.delete_partner_by_id(conn, pending_id)
        if held:
            who = again.name if again else f"peer at {partner.versions_url}"
            return party_changes.record_refusal(conn, own_id, who, held)
        partner.id = own_id
        action = party_changes.UPDATED if again else party_changes.REGISTERED
        store.save_partner(conn, partner, token_in, action=action, reason="registered by us")
        return None

    async def _unregister_refused(self, partner: Partner, versions_url: str) -> None:
        """The peer registered us; tell it we are not connecting after all (best effort)."""
        url = partner.endpoint(ModuleID.CREDENTIALS, "SENDER")
        if not url or not partner.token_out:
            return
        try:
            async with OcpiClient(partner.token_out, transport=self.transport) as client:
                await unregister(client, url)
        except Exception as err:
            log.warning("could not unregister from %s after refusing it: %s", versions_url, err)

    async def refresh_hub_clients(self, partner: Partner) -> list[Party]:
        """Ask a hub which parties are behind it (hubclientinfo SENDER), if it offers that.
        Its credentials roles stay as they are; a client that is also a direct partner is
        listed (see the module docstring for what it may do)."""
        url = partner.endpoint(ModuleID.HUB_CLIENT_INFO, InterfaceRole.SENDER)
        if not url or not partner.token_out:
            return partner.parties
        parties = [p for p in partner.parties if partner.is_own_role(p)]
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
        hub_id = partner.id

        def store_clients(conn: sqlite3.Connection) -> None:
            behind = {(p.country_code.upper(), p.party_id.upper()) for p in parties}
            direct = store.credentials_holders(conn, behind, hub_id)
            reason = (
                "also direct partners (their objects come from that link): "
                + ", ".join(f"{cc}*{pid} ({who})" for (cc, pid), who in sorted(direct.items()))
                if direct
                else None
            )
            store.set_parties(
                conn, hub_id, parties, action=party_changes.HUB_CLIENTS, reason=reason
            )

        await self.db.run(store_clients)
        partner.parties = parties
        return parties

    async def party_changes(
        self, partner: Partner | None = None, limit: int = 200
    ) -> list[PartyChange]:
        """The latest changes of parties (of one partner, or all, refused claims included)."""
        return await self.db.run(
            party_changes.party_changes, partner.id if partner else None, limit
        )

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
        await self.db.run(store.delete_partner, name, "removed here")
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
