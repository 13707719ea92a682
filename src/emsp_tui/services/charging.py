"""Charging for the driver: start and stop by OCPI command, "tap the card" in demos, live
state of each session, and the history of past charges. No textual here.

    charging = node.charging
    queue = charging.subscribe()                       # SessionChanged | CommandChanged | ...
    command = await charging.start(location, evse, connector, card)   # CommandView
    command.advice.sentence, command.deadline          # what to tell the driver, until when
    [view] = await charging.sessions()                 # SessionView: kWh, kW, cost, stale...
    await charging.stop(view)
    past = await charging.history()                    # HistoryEntry, with the CDR once in

Start (spec 9.1): START_SESSION with the card, a fresh authorization_reference and a
response_url of its own (``{commands}/START_SESSION/{command id}``), routed to the location's
owner CPO through the partner we know the location from. The CommandResponse comes back at
once (ACCEPTED with a timeout, or a refusal); the CommandResult later at the response_url;
then the CPO PUTs the session (same authorization_reference) and PATCHes it. A result that
does not come by the deadline is reported (TIMED_OUT) by the periodic check in charging_sync.
The charge attempt (charging_attempt) is the service's: while a start is undecided another
start sends nothing and returns it (``duplicate``); across processes the store's claim does
the same for the same EVSE and card. Subscribers get ``AttemptChanged`` with its session.
Local refusals (blocked card, no route to the CPO) raise ChargingError with the advice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ..billing.plans import Plan
from ..ocpi.enums import Capability, CommandType, InterfaceRole, ModuleID, SessionStatus
from ..ocpi.errors import OcpiError
from ..ocpi.models import EVSE, Connector, Location, StartSession, StopSession, Token
from ..ocpi.texts import display_text
from ..store import Database
from ..store import accounts as account_store
from ..store import cdrs as cdr_store
from ..store import command_outcomes as outcome_store
from ..store import commands as command_store
from ..store import locations as loc_store
from ..store import partners as partner_store
from ..store import sessions as session_store
from ..store import tokens as token_store
from ..store.commands import CommandState, StoredCommand
from ..store.message_log import MessageLog, MessageRecord, session_timeline
from ..store.partners import Partner
from ..store.sessions import SessionKey
from ..store.tokens import StoredToken
from . import card_tap
from . import driver_advice as advice
from .card_tap import TapResult, mock_base_url
from .charging_attempt import AttemptState, AttemptView, start_attempt
from .charging_events import (
    AttemptChanged,
    CdrArrived,
    ChargingError,
    ChargingEvent,
    CommandChanged,
    LocationChanged,
    SessionChanged,
)
from .charging_sync import SessionSync
from .charging_views import (
    CommandView,
    HistoryEntry,
    SessionView,
    cdr_bill,
    cdr_only_entry,
    command_view,
    history_entry,
    load_bundle,
    session_view,
)
from .clients import PartnerClients
from .command_outcome import outcome_unknown
from .driver_price import DriverPricing
from .events import (
    CdrPushed,
    CommandResultPushed,
    EventBus,
    InvoiceIssued,
    LocationPushed,
    Pushed,
    SessionPushed,
)
from .our_party import OurParty
from .routing import owned_parties, routing_to
from .station_info import PlanInput, StartPrice, start_prices
from .stations import StationDetail

log = logging.getLogger(__name__)

__all__ = [
    "AttemptChanged",
    "AttemptState",
    "AttemptView",
    "CdrArrived",
    "ChargingError",
    "ChargingEvent",
    "ChargingService",
    "CommandChanged",
    "LocationChanged",
    "SessionChanged",
    "TapResult",
    "mock_base_url",
]


class ChargingService:
    def __init__(
        self,
        db: Database,
        clients: PartnerClients,
        us: OurParty,
        events: EventBus,
        message_log: MessageLog,
        *,
        request_timeout: float,
        receiving: Callable[[], bool],
        now: Callable[[], datetime] | None = None,
        pricing: DriverPricing | None = None,
    ) -> None:
        """``events``: the bus the node subscribes ``on_pushed`` to (the receiver's committed
        pushes; our pulls are emitted there too); ``receiving``: whether our endpoints are
        served (else open sessions are polled); ``pricing``: the billing settings the invoices
        use, for the driver's price so far (default: a fresh configuration's)."""
        self.db = db
        self.clients = clients
        self.us = us
        self.events = events
        self.message_log = message_log
        self.request_timeout = request_timeout
        self._receiving = receiving
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.pricing = pricing or DriverPricing()
        self.sync = SessionSync(self)
        self.send_window = timedelta(seconds=request_timeout + 5)
        # A command whose answer was unreadable or lost: how long its result or its session
        # may take before the driver is told it did not work (a CommandResponse's usual
        # timeout, plus time for the sessions pull that looks for it).
        self.confirm_within = timedelta(seconds=45)
        self._queues: list[asyncio.Queue[ChargingEvent]] = []
        self._callbacks: list[Callable[[ChargingEvent], None]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False
        self._attempt: AttemptView | None = None
        self._start_lock = asyncio.Lock()  # the one in-process guard against a double start

    @property
    def receiving(self) -> bool:
        """Whether partners can push to us (our endpoints are being served)."""
        return self._receiving()

    async def open(self, *, resync: bool = True) -> None:
        """Track open sessions, pull what changed while we were down, start the checks."""
        await self.sync.open(resync=resync)

    async def close(self) -> None:
        self._closed = True  # requests still in flight must not start work on a closing node
        await self.sync.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- subscriptions ---------------------------------------------------------------------------
    def subscribe(self, maxsize: int = 256) -> asyncio.Queue[ChargingEvent]:
        """A queue of every change from now on. Each event is a whole view, so when the queue
        is full the oldest event is dropped rather than the newest."""
        queue: asyncio.Queue[ChargingEvent] = asyncio.Queue(maxsize)
        self._queues.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[ChargingEvent]) -> None:
        if queue in self._queues:
            self._queues.remove(queue)

    def add_listener(self, callback: Callable[[ChargingEvent], None]) -> None:
        self._callbacks.append(callback)

    def remove_listener(self, callback: Callable[[ChargingEvent], None]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    @property
    def watched(self) -> bool:
        return bool(self._queues or self._callbacks or self._attempt)

    @property
    def attempt(self) -> AttemptView | None:
        """The driver's newest charge attempt (None: none since the app started)."""
        return self._attempt

    def _set_attempt(self, attempt: AttemptView) -> None:
        self._attempt = attempt
        self._publish(AttemptChanged(attempt))

    def _publish(self, event: ChargingEvent) -> None:
        for queue in list(self._queues):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:
                log.exception("charging listener failed")

    def _spawn(self, coro: Any) -> None:
        if self._closed:
            coro.close()
            return
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def on_invoice_issued(self, event: InvoiceIssued) -> None:
        """The session's final bill now has its invoice: show it without waiting."""
        if event.session_id is not None:
            cc, pid, _ = event.cdr_key
            self.session_changed((cc, pid, event.session_id))

    def on_pushed(self, event: Pushed) -> None:
        """The receiver (or a pull) committed something."""
        if isinstance(event, SessionPushed):
            flipped = self.sync.observe(event)
            if event.result.applied or flipped:
                self.session_changed(event.result.key)
            for command_id in event.result.linked_commands if self.watched else ():
                self._spawn(self._publish_command(command_id))
            result = event.result
            if event.method != "GET" and result.outcome == "created" and not result.linked_commands:
                self._spawn(self._link_by_token(result.key))  # pulls link in their transaction
            if result.applied and result.status == SessionStatus.COMPLETED:
                self._spawn(self._settle_stops(result.key))
        elif isinstance(event, CdrPushed) and event.created:
            cc, pid, _ = event.key
            session = (cc, pid, event.session_id) if event.session_id else None
            self._publish(CdrArrived(event.key, session))
            if session is not None:
                self.session_changed(session)
        elif isinstance(event, CommandResultPushed) and event.first and self.watched:
            self._spawn(self._publish_command(event.command_id))
        elif isinstance(event, LocationPushed) and event.applied:
            self._publish(LocationChanged(event.key))

    def session_changed(self, key: SessionKey) -> None:
        if self.watched:
            self._spawn(self._publish_session(key))

    def command_changed(self, command: StoredCommand) -> None:
        view = command_view(command)
        self._publish(CommandChanged(view))
        attempt = self._attempt
        if attempt is not None and attempt.command is not None and attempt.command.id == view.id:
            self._set_attempt(attempt.with_command(view))
            if attempt.session is None and view.session_id is not None:
                self._spawn(self._attach_session(view))

    async def _attach_session(
        self, command: CommandView | None, key: SessionKey | None = None
    ) -> None:
        if command is not None:
            found = await self.session_for(command)
        else:
            found = await self.session(*key) if key is not None else None
        if found is not None:
            self._session_seen(found)

    def _session_seen(self, view: SessionView) -> None:
        attempt = self._attempt
        if attempt is not None and attempt.owns(view):
            self._set_attempt(attempt.with_session(view))

    async def _publish_session(self, key: SessionKey) -> None:
        found = await self.session(*key)
        if found is not None:
            self._publish(SessionChanged(found))
            self._session_seen(found)

    async def _link_by_token(self, key: SessionKey) -> None:
        """A pushed session without our authorization_reference: find its start."""

        def link(conn: Any) -> list[str]:
            stored = session_store.get_session(conn, *key)
            return outcome_store.link_by_token(conn, stored.session) if stored else []

        for command_id in await self.db.run(link):
            await self._publish_command(command_id)

    async def _settle_stops(self, key: SessionKey) -> None:
        """The session ended: a stop whose answer was lost or late did its job."""
        for command_id in await self.db.run(outcome_store.settle_stops, *key):
            await self._publish_command(command_id)

    async def _publish_command(self, command_id: str) -> None:
        found = await self.db.run(command_store.get_command, command_id)
        if found is not None:
            self.command_changed(found)

    # -- reading ---------------------------------------------------------------------------------
    def _view(self, bundle: Any) -> SessionView:
        key = bundle.stored.key
        return session_view(
            bundle,
            now=self.now(),
            stale=self.sync.is_stale(key),
            previous=self.sync.previous_reading(key),
            source=self.sync.data_source(key),
            pricing=self.pricing,
        )

    async def session(
        self, country_code: str, party_id: str, session_id: str
    ) -> SessionView | None:
        def read(conn: Any) -> Any:
            stored = session_store.get_session(conn, country_code, party_id, session_id)
            return load_bundle(conn, stored) if stored else None

        bundle = await self.db.run(read)
        return self._view(bundle) if bundle else None

    async def start_prices(
        self, detail: StationDetail, evse_uid: str | None, charge: PlanInput, account_id: int
    ) -> tuple[list[StartPrice], Plan]:
        """The price reminder before a start: ``charge`` on the charger's tariffs, as the
        driver pays it (the card's account plan, the station country's VAT), and that plan."""

        def plan_of(conn: Any) -> str | None:
            account = account_store.get_account(conn, account_id)
            return account.plan if account else None

        plan = await self.db.run(plan_of)
        prices = start_prices(detail, evse_uid, charge, self.now(), self.pricing, plan)
        return prices, self.pricing.plan(plan)

    async def sessions(self, *, open_only: bool = True, limit: int = 50) -> list[SessionView]:
        """The driver's sessions: those still running (or the newest ``limit`` of all)."""

        def read(conn: Any) -> list[Any]:
            found = (
                session_store.open_sessions(conn)
                if open_only
                else session_store.recent_sessions(conn, limit)
            )
            return [load_bundle(conn, s) for s in found]

        return [self._view(b) for b in await self.db.run(read)]

    async def session_for(self, command: CommandView) -> SessionView | None:
        """The session a start led to (linked by the store, by its authorization_reference),
        once it arrived."""
        reference = command.authorization_reference
        if not reference:
            return None

        def read(conn: Any) -> Any:
            found = session_store.session_by_authorization(conn, reference)
            return load_bundle(conn, found) if found else None

        bundle = await self.db.run(read)
        return self._view(bundle) if bundle else None

    async def history(self, limit: int = 50, before: datetime | None = None) -> list[HistoryEntry]:
        """Past (and running) charges, newest first, each with its CDR once it has arrived."""

        now = self.now()

        def read(conn: Any) -> list[HistoryEntry]:
            entries = [
                history_entry(load_bundle(conn, s), self.pricing, now)
                for s in session_store.recent_sessions(conn, limit, before)
            ]
            known = {(e.country_code, e.party_id, e.session_id) for e in entries}
            for stored in cdr_store.recent_cdrs(conn, limit, before):
                cdr = stored.cdr
                if cdr.credit or (cdr.country_code, cdr.party_id, cdr.session_id) in known:
                    continue
                if cdr.session_id and session_store.get_session(
                    conn, cdr.country_code, cdr.party_id, cdr.session_id
                ):
                    continue  # older than this page: listed with its session
                entries.append(cdr_only_entry(stored, cdr_bill(conn, cdr, self.pricing)))
            entries.sort(key=lambda e: e.started_at, reverse=True)
            return entries[:limit]

        return await self.db.run(read)

    async def command(self, command_id: str) -> CommandView | None:
        found = await self.db.run(command_store.get_command, command_id)
        return command_view(found) if found else None

    async def pending_commands(self) -> list[CommandView]:
        return [command_view(c) for c in await self.db.run(command_store.pending_commands)]

    async def timeline(self, key: SessionKey) -> list[MessageRecord]:
        """Every OCPI message about a session (support console)."""
        await self.message_log.flush()
        return await self.db.run(session_timeline, *key)

    # -- partners --------------------------------------------------------------------------------
    async def partners(self) -> list[Partner]:
        found = await self.db.run(partner_store.list_partners)
        return [p for p in found if p.token_out and p.status == "REGISTERED"]

    async def partner_for(
        self, party: tuple[str, str], partner_id: int | None = None
    ) -> Partner | None:
        """The partner that reaches a CPO: the one we know the object from if it still does,
        else a direct link to the CPO, else a hub with it behind."""
        wanted = (party[0].upper(), party[1].upper())
        candidates = [p for p in await self.partners() if wanted in owned_parties(p)]
        candidates.sort(key=lambda p: (p.id != partner_id, p.is_hub))
        return candidates[0] if candidates else None

    async def current_card(self, token: Token | StoredToken) -> Token:
        """The card as stored now (the caller's copy may predate a block)."""
        card = token.token if isinstance(token, StoredToken) else token
        held = await self.db.run(token_store.get_token, card.country_code, card.party_id, card.uid)
        return held.token if held else card

    # -- start and stop --------------------------------------------------------------------------
    async def start(
        self,
        location: Location,
        evse: EVSE | str,
        connector: Connector | str | None,
        token: Token | StoredToken,
    ) -> CommandView:
        """Send START_SESSION; returns the command with its synchronous answer recorded. While
        the driver's attempt with the same card is undecided nothing is sent: that command
        comes back (``duplicate``)."""
        card_uid = (token.token if isinstance(token, StoredToken) else token).uid
        async with self._start_lock:
            attempt = self._attempt
            if (
                attempt is not None
                and attempt.command is not None
                and attempt.pending
                and attempt.card_uid == card_uid  # another card is another driver's start
            ):
                return replace(attempt.command, duplicate=True)
            command = await self._start(location, evse, connector, token)
            if not command.duplicate or self._attempt is None:
                self._set_attempt(start_attempt(command, card_uid))
                self._spawn(self._attach_session(command))  # it may have come in already
            return command

    def check_remote(self, location: Location, evse_uid: str) -> None:
        """Raise ChargingError (NOT_REMOTE) for a charger the operator says can't be started
        by command: the driver hears it before being asked to confirm."""
        found = next((e for e in location.evses or [] if e.uid.upper() == evse_uid.upper()), None)
        caps = (found.capabilities or []) if found else []
        if found is not None and caps and Capability.REMOTE_START_STOP_CAPABLE not in caps:
            raise ChargingError(advice.NOT_REMOTE)

    async def _start(
        self,
        location: Location,
        evse: EVSE | str,
        connector: Connector | str | None,
        token: Token | StoredToken,
    ) -> CommandView:
        card = await self.current_card(token)
        evse_uid = evse if isinstance(evse, str) else evse.uid
        connector_id = connector.id if isinstance(connector, Connector) else connector
        if not card.valid:
            raise ChargingError(advice.CARD_BLOCKED)
        self.check_remote(location, evse_uid)
        found = next((e for e in location.evses or [] if e.uid.upper() == evse_uid.upper()), None)
        caps = (found.capabilities or []) if found else []
        if connector_id is None and found and Capability.START_SESSION_CONNECTOR_REQUIRED in caps:
            connector_id = found.connectors[0].id
        owner = (location.country_code.upper(), location.party_id.upper())
        held = await self.db.run(loc_store.load_location, owner[0], owner[1], location.id)
        partner = await self.partner_for(owner, held[0] if held else None)
        url = partner.endpoint(ModuleID.COMMANDS, InterfaceRole.RECEIVER) if partner else None
        if partner is None or not url:
            raise ChargingError(advice.NO_ROUTE)
        now = self.now()
        command = StoredCommand(
            str(uuid.uuid4()),
            CommandType.START_SESSION,
            partner.id,
            *owner,
            CommandState.SENDING,
            now,
            location.id,
            evse_uid,
            connector_id,
            card.uid,
            str(card.type),
            str(uuid.uuid4()),
        )
        body = StartSession(
            response_url=self.us.response_url(CommandType.START_SESSION, command.id),
            token=card,
            location_id=location.id,
            evse_uid=evse_uid,
            connector_id=connector_id,
            authorization_reference=command.authorization_reference,
        )
        return await self._send(partner, url, command, body)

    async def stop(self, session: SessionView | SessionKey) -> CommandView:
        """Send STOP_SESSION for a running session (to its CPO, through the partner it came
        from)."""
        key = session.key if isinstance(session, SessionView) else session
        stored = await self.db.run(session_store.get_session, *key)
        if stored is None:
            raise ChargingError(advice.NOT_RUNNING)
        s = stored.session
        partner = await self.partner_for(key[:2], stored.partner_id)
        url = partner.endpoint(ModuleID.COMMANDS, InterfaceRole.RECEIVER) if partner else None
        if partner is None or not url:
            raise ChargingError(advice.NO_ROUTE)
        command = StoredCommand(
            str(uuid.uuid4()),
            CommandType.STOP_SESSION,
            partner.id,
            key[0],
            key[1],
            CommandState.SENDING,
            self.now(),
            s.location_id,
            s.evse_uid,
            s.connector_id,
            s.cdr_token.uid,
            str(s.cdr_token.type),
            None,
            s.id,
        )
        body = StopSession(
            response_url=self.us.response_url(CommandType.STOP_SESSION, command.id),
            session_id=s.id,
        )
        return await self._send(partner, url, command, body)

    async def _send(
        self, partner: Partner, url: str, command: StoredCommand, body: Any
    ) -> CommandView:
        db = self.db
        stored, created = await db.run(command_store.claim, command, self.now() + self.send_window)
        if not created:
            return command_view(stored, duplicate=True)
        links = {
            "command_id": command.id,
            "authorization_reference": command.authorization_reference,
            "session_id": command.session_id,
        }
        routing = routing_to(self.us.identity, partner, (command.country_code, command.party_id))
        client = self.clients.get(partner)
        try:
            with self.clients.linked(**links) as cid:
                response = await client.send_command(
                    url, command.type, body, routing=routing, correlation_id=cid
                )
        except OcpiError as err:
            if outcome_unknown(err):
                log.warning(
                    "%s to %s: outcome unknown, confirming it by its result or its session: %s",
                    command.type, partner.name, err,
                )  # fmt: skip
                done = await db.run(
                    outcome_store.mark_unconfirmed, command.id, str(err), err.status_code,
                    self.now(), self.now() + self.confirm_within,
                )  # fmt: skip
            else:
                done = await db.run(
                    command_store.record_error, command.id, str(err), err.status_code, self.now()
                )
        else:
            done = await db.run(
                command_store.record_response,
                command.id,
                response.result,
                display_text(response.message),
                response.timeout,
                self.now(),
            )
        assert done is not None
        self.command_changed(done)
        return command_view(done)

    # -- the card at the reader (demo/mock only) ------------------------------------------------
    async def tap(
        self,
        location: Location,
        evse: EVSE | str,
        token: Token | StoredToken,
        connector: str | None = None,
    ) -> TapResult:
        """Hold a card to a charger's reader in the simulated network (see card_tap). A start
        becomes the driver's attempt, as a START_SESSION does."""
        card = await self.current_card(token)
        partner = await self.partner_for((location.country_code, location.party_id))
        result = await card_tap.tap(
            location, evse, card, partner, connector, request_timeout=self.request_timeout
        )
        if result.result == "started":
            self._set_attempt(
                AttemptView(
                    location.id,
                    evse if isinstance(evse, str) else evse.uid,
                    None,
                    result.authorization_reference,
                    result.session_id,
                    tap_advice=result.advice,
                )
            )
            if result.session_id:
                owner = (location.country_code.upper(), location.party_id.upper())
                self._spawn(self._attach_session(None, (*owner, result.session_id)))
        return result
