"""Pagination (spec 1.6): follow ``Link: <...>; rel="next"`` verbatim until it is absent.

The first request carries the filters; every later URL is the server's, untouched (clients that
rebuild offsets are interop pitfall 6). Pages are yielded as they arrive, so a caller that
processes and drops each page keeps memory flat. A server that loops (a next URL already
fetched), keeps sending empty pages with a next link, or never ends (``max_pages``) raises
OcpiProtocolError instead of spinning forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import httpx
import orjson
from pydantic import BaseModel, ValidationError

from .requester import Requester
from .types import format_datetime
from .wire import OcpiReply, Routing, validation_summary

M = TypeVar("M", bound=BaseModel)

MAX_EMPTY_PAGES = 3  # consecutive empty pages that still announce a next one
_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]+)*)")


@dataclass(frozen=True)
class Page:
    """One page of a list GET: its raw items and the pagination headers."""

    items: list[Any]
    url: str  # the URL this page was fetched from
    number: int  # 1-based
    next_url: str | None  # from Link rel="next"; None on the last page
    total_count: int | None  # X-Total-Count
    limit: int | None  # X-Limit (the server's cap, not len(items))
    correlation_id: str
    body: bytes | None = None  # raw pages: the undecoded body (``items`` is then empty)


@dataclass(frozen=True)
class Rejected:
    """An item that failed validation: its id (when it has one) and a short reason."""

    object_id: str | None
    reason: str


@dataclass(frozen=True)
class ValidatedPage(Generic[M]):
    """A page validated against a model. Unpacks as ``valid, rejected = vp``; ``.page`` has
    the headers; ``documents[i]`` is ``valid[i]`` as the partner sent it (JSON text), for a
    store that keeps what was received rather than serialising the model again."""

    valid: list[M]
    rejected: list[Rejected]
    page: Page
    documents: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.valid, self.rejected))


def _object_id(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    for key in ("id", "uid"):  # Location/Session/Cdr/Tariff have id; Token has uid
        value = item.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def validate_objects(items: list[Any], model: type[M]) -> tuple[list[M], list[Rejected], list[str]]:
    """Validate each item on its own: one malformed object never costs the rest of the page.
    Returns the valid models, the rejected items, and each valid item's JSON as received."""
    valid: list[M] = []
    rejected: list[Rejected] = []
    documents: list[str] = []
    validate = model.model_validate
    for item in items:
        if not isinstance(item, dict):
            rejected.append(Rejected(None, f"not a JSON object ({type(item).__name__})"))
            continue
        try:
            valid.append(validate(item))
        except ValidationError as err:
            rejected.append(Rejected(_object_id(item), validation_summary(err)))
            continue
        documents.append(orjson.dumps(item).decode())
    return valid, rejected, documents


def validate_page(page: Page, model: type[M]) -> ValidatedPage[M]:
    """:func:`validate_objects` of a page's items, with the page."""
    valid, rejected, documents = validate_objects(page.items, model)
    return ValidatedPage(valid, rejected, page, documents)


def list_data(reply: OcpiReply, number: int) -> list[Any]:
    """The items of page ``number`` of a list GET (absent data: none)."""
    if reply.data is None:
        return []
    if not isinstance(reply.data, list):
        raise reply.protocol_error(f"page {number}: data of a list endpoint is not a list")
    return reply.data


class EmptyRun:
    """Counts consecutive empty pages that still link onwards (a server that never ends)."""

    def __init__(self) -> None:
        self.count = 0

    def check(self, empty: bool, has_next: bool, error: Callable[[str], Exception]) -> None:
        """Raise ``error(message)`` once too many empty pages in a row linked onwards."""
        self.count = self.count + 1 if empty and has_next else 0
        if self.count >= MAX_EMPTY_PAGES:
            raise error(
                f"pagination never ends: {self.count} empty pages in a row still link onwards"
            )


def _int_header(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _query_value(value: datetime | str | int) -> str:
    return format_datetime(value) if isinstance(value, datetime) else str(value)


def next_link(headers: httpx.Headers, current_url: str) -> str | None:
    """The ``rel="next"`` target of the ``Link`` header(s), or None. A relative target (the
    spec wants absolute URLs) is resolved against the current URL."""
    for value in headers.get_list("link"):
        for match in _LINK.finditer(value):
            for param in match.group(2).split(";"):
                name, _, rel = param.partition("=")
                if (
                    name.strip().lower() == "rel"
                    and "next" in rel.strip().strip('"').lower().split()
                ):
                    target = match.group(1).strip()
                    if "://" not in target:
                        return str(httpx.URL(current_url).join(target))
                    return target
    return None


async def iter_pages(
    client: Requester,
    url: str,
    *,
    date_from: datetime | str | None = None,
    date_to: datetime | str | None = None,
    limit: int | None = None,
    params: Mapping[str, Any] | None = None,
    routing: Routing | None = None,
    correlation_id: str,
    max_pages: int = 10_000,
    raw: bool = False,
) -> AsyncIterator[Page]:
    """Yield every page of a paginated GET; all pages share ``correlation_id``.

    ``raw``: pages come undecoded (``Page.body``, see ``OcpiClient.request``); the caller reads
    each envelope and applies :class:`EmptyRun` itself.

    The next page is requested as soon as this one's ``Link`` is known, before it is yielded:
    the partner serves page n+1 while the caller validates and stores page n (one request
    ahead, never more, so memory stays at two pages).
    """
    query: dict[str, str] = {k: _query_value(v) for k, v in (params or {}).items()}
    for name, value in (("date_from", date_from), ("date_to", date_to), ("limit", limit)):
        if value is not None:
            query[name] = _query_value(value)

    def fetch(page_url: str, first: bool) -> asyncio.Task[OcpiReply]:
        return asyncio.ensure_future(
            client.request(
                "GET",
                page_url,
                params=query if first else None,
                routing=routing,
                correlation_id=correlation_id,
                raw=raw,
            )
        )

    fetched: set[str] = set()
    number = 0
    empty_run = EmptyRun()
    pending: asyncio.Task[OcpiReply] | None = fetch(url, True)
    try:
        while pending is not None:
            reply = await pending
            pending = None
            number += 1
            fetched.add(reply.url)
            data = [] if reply.body is not None else list_data(reply, number)
            link = next_link(reply.headers, reply.url)
            if reply.body is None:  # a raw page's emptiness is known once its caller decodes it
                empty_run.check(not data, link is not None, reply.protocol_error)
            if link is not None:
                if link in fetched:
                    raise reply.protocol_error(
                        f"pagination loop: page {number} links back to an already fetched page "
                        f"{link}"
                    )
                if number >= max_pages:
                    raise reply.protocol_error(
                        f"pagination never ends: more than {max_pages} pages"
                    )
                pending = fetch(link, False)
            yield Page(
                items=data,
                url=reply.url,
                number=number,
                next_url=link,
                total_count=_int_header(reply.headers, "x-total-count"),
                limit=_int_header(reply.headers, "x-limit"),
                correlation_id=correlation_id,
                body=reply.body,
            )
    finally:
        if pending is not None:  # the caller stopped early, or failed: drop the page ahead
            await _discard(pending)


async def _discard(task: asyncio.Task[OcpiReply]) -> None:
    task.cancel()
    with contextlib.suppress(BaseException):
        await task


__all__ = [
    "MAX_EMPTY_PAGES",
    "EmptyRun",
    "Page",
    "Rejected",
    "ValidatedPage",
    "iter_pages",
    "list_data",
    "next_link",
    "validate_objects",
    "validate_page",
]
