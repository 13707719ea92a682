"""The eMSP's OCPI client: one ``httpx.AsyncClient``, OCPI headers, envelope, errors, retries.

Every request carries ``Authorization``, a fresh ``X-Request-ID`` and an ``X-Correlation-ID``
(one per logical operation: all pages of a crawl, all attempts of a retried request, all steps of
a registration share it). Routing headers go only on functional modules, so only the methods for
those take a :class:`Routing`. Idempotent requests (GET, PUT, DELETE) are retried on transient
failures; POST and PATCH never are (see :mod:`.retry`).

The pieces: :mod:`.wire` (bodies out, envelopes in), :mod:`.exchange` (the message log, secrets
scrubbed), :mod:`.paging`, :mod:`.versions` (negotiation), :mod:`.registration` (A → B → C).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TypedDict, TypeVar, Unpack

import httpx
from pydantic import BaseModel

from . import versions
from .auth import encode_token_header
from .enums import CommandType, TokenType
from .errors import OcpiError, OcpiNotSentError, OcpiProtocolError, OcpiTransportError
from .exchange import Exchange, ExchangeCallback, Scrubber
from .lenient import Deviation, DeviationCallback, merge, normalise_item, normalise_object
from .models import CommandResponse, Token, Version, VersionDetail
from .paging import (
    Page,
    Rejected,
    ValidatedPage,
    iter_pages,
    validate_objects,
    validate_page,
)
from .retry import DEFAULT_RETRY, IDEMPOTENT_METHODS, NO_RETRY, RetryPolicy
from .status import SUCCESS
from .versions import SUPPORTED_VERSIONS
from .wire import OcpiReply, Routing, encode_body, interpret, join_url, new_id

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

__all__ = [
    "NO_RETRY",
    "SUPPORTED_VERSIONS",
    "Deviation",
    "Exchange",
    "OcpiClient",
    "OcpiNotSentError",
    "OcpiReply",
    "Page",
    "Rejected",
    "RetryPolicy",
    "Routing",
    "ValidatedPage",
    "join_url",
    "new_id",
    "validate_page",
]


class RequestOptions(TypedDict, total=False):
    """The keyword options every verb passes on to :meth:`OcpiClient.request`."""

    params: Mapping[str, Any] | None
    routing: Routing | None  # functional modules only
    correlation_id: str | None  # default: a new one
    token: str | None  # default: the client's token
    idempotent: bool | None  # default: by method


_READ = httpx.ByteStream(b"")  # stands in for a response's stream once its body is read
# Failures before a connection was made: the peer cannot have seen the request.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _item_id(item: Any) -> str | None:
    found = item.get("id") or item.get("uid") if isinstance(item, dict) else None
    return found if isinstance(found, str) else None


class OcpiClient:
    """Talks OCPI 2.2.1 to one peer with one credentials token (we present ``token``).

    ``raw_token`` sends the token unencoded (old 2.1.1/2.2 peers). ``timeout`` applies to
    read/write/pool, ``connect_timeout`` to connecting. ``on_exchange`` receives an
    :class:`Exchange` for every HTTP attempt (synchronously: queue it if storing is slow).
    ``sleep`` and ``rand`` are injectable so tests need not wait. Use as an async context
    manager or call :meth:`aclose`.

    Objects are read leniently where the meaning is unambiguous (:mod:`.lenient`): each repair
    is logged as one warning naming ``peer`` and passed to ``on_deviation``. ``strict``
    (conformance checks) refuses them instead: OcpiProtocolError, or a rejected page item.
    """

    def __init__(
        self,
        token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        base_url: str = "",
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        raw_token: bool = False,
        on_exchange: ExchangeCallback | None = None,
        max_pages: int = 10_000,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        log_body_limit: int = 256_000,
        peer: str | None = None,
        strict: bool = False,
        on_deviation: DeviationCallback | None = None,
    ) -> None:
        self.raw_token = raw_token
        self.peer = peer or "partner"
        self.strict = strict
        self.on_deviation = on_deviation
        self.retry = retry
        self.max_pages = max_pages
        self.on_exchange = on_exchange
        self._token = token
        self._sleep = sleep
        self._rand = rand
        self._scrubber = Scrubber(log_body_limit)
        self._scrubber.add_secret(token)
        self._http = httpx.AsyncClient(
            transport=transport,
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            headers={"Accept": "application/json", "User-Agent": "emsp-tui"},
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def add_secret(self, secret: str) -> None:
        """Also keep ``secret`` (e.g. a TOKEN_B we minted) out of exchange records and errors."""
        self._scrubber.add_secret(secret)

    # --- the core ---------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        url: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        routing: Routing | None = None,
        correlation_id: str | None = None,
        token: str | None = None,
        idempotent: bool | None = None,
        raw: bool = False,
    ) -> OcpiReply:
        """Send one OCPI request (retried if idempotent); return the unwrapped success reply.

        ``body``: an OcpiModel/BaseModel, or a JSON-ready dict/list. ``token`` overrides the
        client's token for this request (TOKEN_A during registration). ``idempotent`` overrides
        the method's default (a credentials PUT mints a new token each time: not idempotent).
        ``raw``: a 2xx reply with a body is returned undecoded (``reply.body``), for a caller
        that reads the envelope elsewhere (a worker process); it must check the status_code
        itself. Raises an OcpiError.
        """
        method = method.upper()
        content = encode_body(body)
        if params:
            url = str(httpx.URL(url).copy_merge_params(dict(params)))
        cid = correlation_id or new_id()
        if token is not None:
            self._scrubber.add_secret(token)
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        attempts = max(1, self.retry.attempts) if idempotent else 1
        for attempt in range(1, attempts + 1):
            try:
                return await self._attempt(method, url, content, routing, cid, token, attempt, raw)
            except OcpiError as err:
                if attempt >= attempts:
                    raise
                delay = self.retry.next_delay(err, attempt, self._rand())
                if delay is None:
                    raise
                log.info("retrying %s %s in %.2fs after: %s", method, err.url, delay, err)
                await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(
        self,
        method: str,
        url: str,
        content: bytes | None,
        routing: Routing | None,
        cid: str,
        token: str | None,
        attempt: int,
        raw: bool = False,
    ) -> OcpiReply:
        request_id = new_id()
        headers = {"X-Request-ID": request_id, "X-Correlation-ID": cid}
        if content is not None:
            headers["Content-Type"] = "application/json"
        if routing is not None:
            headers.update(routing.headers())
        ids: dict[str, Any] = {
            "method": method,
            "url": url,
            "request_id": request_id,
            "correlation_id": cid,
        }
        try:
            request = self._http.build_request(method, url, content=content, headers=headers)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise OcpiProtocolError(f"invalid URL: {exc}", **ids) from None
        # Set on the request, never held in a local: a traceback with locals (a crash report)
        # shows dicts in full, a Request only as its method and URL.
        request.headers["Authorization"] = encode_token_header(token or self._token, self.raw_token)
        started_at = datetime.now(UTC)
        started = time.perf_counter()
        try:
            response = await self._http.send(request)
        except httpx.UnsupportedProtocol as exc:
            raise OcpiProtocolError(f"invalid URL: {exc}", **ids) from None
        except httpx.TransportError as exc:
            duration = time.perf_counter() - started
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            reason = self._scrubber.text(reason)
            self._record(request, None, duration, started_at, attempt, reason)
            if isinstance(exc, _NOT_SENT):
                raise OcpiNotSentError(reason, **ids) from None
            raise OcpiTransportError(reason, **ids) from None
        duration = time.perf_counter() - started
        # httpx leaves a read response in a reference cycle with its stream, so its body (a
        # sync page: megabytes) lived until the next full garbage collection: the sync's
        # memory grew by a page with every page. The stream is closed; cut the cycle.
        response.stream = _READ
        if raw and 200 <= response.status_code < 300 and response.content.strip():
            self._record(request, response, duration, started_at, attempt, None)
            return OcpiReply(
                None, SUCCESS, None, None, response.status_code, response.headers, method, url,
                request_id, cid, body=response.content,
            )  # fmt: skip
        try:
            reply = interpret(response, method, url, request_id, cid, self._scrubber.text)
        except OcpiError as err:
            self._record(request, response, duration, started_at, attempt, str(err))
            raise
        self._record(request, response, duration, started_at, attempt, None)
        log.debug(
            "%s %s -> HTTP %s OCPI %s in %.0f ms (request %s)",
            method,
            url,
            response.status_code,
            reply.status_code,
            duration * 1000,
            request_id,
        )
        return reply

    def _record(
        self,
        request: httpx.Request,
        response: httpx.Response | None,
        duration: float,
        started_at: datetime,
        attempt: int,
        error: str | None,
    ) -> None:
        if self.on_exchange is None:
            return
        record = self._scrubber.exchange(request, response, duration, started_at, attempt, error)
        try:
            self.on_exchange(record)
        except Exception:  # a broken log sink must not break the protocol
            log.exception("on_exchange callback failed")

    # --- generic verbs: options are those of request() -----------------------------------------

    async def get(self, url: str, **options: Unpack[RequestOptions]) -> OcpiReply:
        return await self.request("GET", url, **options)

    async def get_object(self, url: str, model: type[M], **options: Unpack[RequestOptions]) -> M:
        """GET one object and validate it (OcpiProtocolError if it does not fit ``model``)."""
        return self.read_object(await self.request("GET", url, **options), model)

    # --- reading what partners send (lenient unless strict) ----------------------------------

    def read_object(self, reply: OcpiReply, model: type[M]) -> M:
        """``reply.data`` as ``model``, repaired where unambiguous (see :mod:`.lenient`)."""
        data, deviations = normalise_object(reply.data, model.__name__)
        if deviations:
            self._deviated(deviations, reply.method, reply.url)
            if self.strict:
                details = "; ".join(d.detail for d in deviations)
                raise reply.protocol_error(f"not OCPI 2.2.1 (strict mode): {details}")
            reply = replace(reply, data=data)
        return reply.parse(model)

    def read_page(self, page: Page, model: type[M]) -> ValidatedPage[M]:
        """A page's items validated one by one, each repaired where unambiguous; in strict
        mode an item that needed a repair is rejected."""
        items: list[Any] = []
        refused: list[Rejected] = []
        found: list[Deviation] = []
        for item in page.items:
            fixed, deviations = normalise_item(item, model.__name__)
            found.extend(deviations)
            if deviations and self.strict:
                reason = "; ".join(d.detail for d in deviations)
                refused.append(Rejected(_item_id(item), f"strict mode: {reason}"))
            else:
                items.append(fixed)
        if found:
            self._deviated(merge(found), "GET", page.url)
        valid, rejected, documents = validate_objects(items, model)
        return ValidatedPage(valid, refused + rejected, page, documents)

    def _deviated(self, deviations: list[Deviation], method: str, url: str) -> None:
        what = "refused (strict mode)" if self.strict else "read anyway"
        for d in deviations:
            many = f" ({d.count} objects)" if d.count > 1 else ""
            log.warning(
                "%s deviates from OCPI 2.2.1: %s%s, %s [%s %s]",
                self.peer, d.detail, many, what, method, self._scrubber.text(url),
            )  # fmt: skip
            if self.on_deviation is not None:
                try:
                    self.on_deviation(d)
                except Exception:  # counting must not break the protocol
                    log.exception("on_deviation callback failed")

    async def put(self, url: str, body: Any, **options: Unpack[RequestOptions]) -> OcpiReply:
        return await self.request("PUT", url, body=body, **options)

    async def patch(self, url: str, body: Any, **options: Unpack[RequestOptions]) -> OcpiReply:
        return await self.request("PATCH", url, body=body, **options)

    async def post(
        self, url: str, body: Any = None, **options: Unpack[RequestOptions]
    ) -> OcpiReply:
        return await self.request("POST", url, body=body, **options)

    async def delete(self, url: str, **options: Unpack[RequestOptions]) -> OcpiReply:
        return await self.request("DELETE", url, **options)

    # --- pagination ---------------------------------------------------------------------------

    def iter_pages(
        self,
        url: str,
        *,
        date_from: datetime | str | None = None,
        date_to: datetime | str | None = None,
        limit: int | None = None,
        params: Mapping[str, Any] | None = None,
        routing: Routing | None = None,
        correlation_id: str | None = None,
        raw: bool = False,
    ) -> AsyncIterator[Page]:
        """Every page of a list GET, as it arrives (spec 1.6). See :func:`.paging.iter_pages`."""
        return iter_pages(
            self,
            url,
            date_from=date_from,
            date_to=date_to,
            limit=limit,
            params=params,
            routing=routing,
            correlation_id=correlation_id or new_id(),
            max_pages=self.max_pages,
            raw=raw,
        )

    async def iter_objects(
        self,
        url: str,
        model: type[M],
        *,
        date_from: datetime | str | None = None,
        date_to: datetime | str | None = None,
        limit: int | None = None,
        params: Mapping[str, Any] | None = None,
        routing: Routing | None = None,
        correlation_id: str | None = None,
    ) -> AsyncIterator[ValidatedPage[M]]:
        """Like :meth:`iter_pages`, each page validated: unpacks as ``(valid, rejected)``."""
        async for page in self.iter_pages(
            url,
            date_from=date_from,
            date_to=date_to,
            limit=limit,
            params=params,
            routing=routing,
            correlation_id=correlation_id,
        ):
            yield self.read_page(page, model)

    # --- versions (configuration module: never routing headers) ---------------------------------

    async def get_versions(
        self, url: str, *, token: str | None = None, correlation_id: str | None = None
    ) -> list[Version]:
        """The peer's versions list; entries for versions we do not know are left out."""
        known, _ = await versions.fetch_versions(
            self, url, token=token, correlation_id=correlation_id
        )
        return known

    async def get_version_details(
        self, url: str, *, token: str | None = None, correlation_id: str | None = None
    ) -> VersionDetail:
        """One version's endpoints; custom modules (``nltnm-tokens``) are left out."""
        return await versions.fetch_version_details(
            self, url, token=token, correlation_id=correlation_id
        )

    async def negotiate(
        self, versions_url: str, *, token: str | None = None, correlation_id: str | None = None
    ) -> VersionDetail:
        """GET versions, pick the highest common one (we speak 2.2.1: else
        UnsupportedVersionError), GET and return its details."""
        return await versions.negotiate(
            self, versions_url, token=token, correlation_id=correlation_id
        )

    # --- what an eMSP sends -------------------------------------------------------------------

    async def send_command(
        self,
        commands_url: str,
        command_type: CommandType | str,
        body: Any,
        *,
        routing: Routing | None = None,
        correlation_id: str | None = None,
    ) -> CommandResponse:
        """``POST {commands_url}/{command}`` (spec 9); the synchronous CommandResponse."""
        reply = await self.post(
            join_url(commands_url, str(command_type)),
            body,
            routing=routing,
            correlation_id=correlation_id,
        )
        return self.read_object(reply, CommandResponse)

    async def push_token(
        self,
        tokens_url: str,
        token: Token,
        *,
        routing: Routing | None = None,
        correlation_id: str | None = None,
    ) -> OcpiReply:
        """``PUT {tokens_url}/{country_code}/{party_id}/{uid}?type=`` on the CPO's receiver."""
        url = join_url(tokens_url, token.country_code.upper(), token.party_id.upper(), token.uid)
        return await self.put(
            url,
            token,
            params={"type": str(token.type)},
            routing=routing,
            correlation_id=correlation_id,
        )

    async def patch_token(
        self,
        tokens_url: str,
        country_code: str,
        party_id: str,
        uid: str,
        patch: Any,
        *,
        token_type: TokenType | str = TokenType.RFID,
        routing: Routing | None = None,
        correlation_id: str | None = None,
    ) -> OcpiReply:
        """``PATCH`` a pushed token, e.g. ``{"valid": false, "last_updated": ...}``."""
        if isinstance(patch, Mapping) and "last_updated" not in patch:
            raise ValueError("a Token PATCH needs last_updated (the peer answers 2001 without)")
        url = join_url(tokens_url, country_code.upper(), party_id.upper(), uid)
        return await self.patch(
            url,
            patch,
            params={"type": str(token_type)},
            routing=routing,
            correlation_id=correlation_id,
        )
