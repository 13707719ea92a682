"""Pagination (spec 1.6): Link followed verbatim, headers per page, guards, per-item validation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from emsp_tui.ocpi import errors as e
from emsp_tui.ocpi.client import Routing
from emsp_tui.ocpi.models import Tariff
from emsp_tui.ocpi.paging import Page, next_link

from .client_support import Peer, ocpi

BASE = "https://cpo/ocpi/2.2.1/tariffs"


def tariff(n: int) -> dict[str, Any]:
    return {
        "country_code": "DE",
        "party_id": "ABC",
        "id": f"T{n}",
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "step_size": 1}]}],
        "last_updated": "2025-01-01T00:00:00Z",
    }


async def collect(pages: AsyncIterator[Page], into: list[Page]) -> None:
    async for page in pages:
        into.append(page)


def paged(items: list[Any], *, total: int | None = None, cap: int = 2) -> Peer:
    """A server that pages ``items`` with opaque cursors in its Link header."""

    def answer(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        start = int(cursor.removeprefix("c/")) if cursor else 0
        limit = min(int(request.url.params.get("limit", cap)), cap)
        page = items[start : start + limit]
        headers = {
            "X-Total-Count": str(len(items) if total is None else total),
            "X-Limit": str(cap),
        }
        if start + limit < len(items):
            # An opaque cursor the client cannot rebuild: it must follow the URL verbatim.
            headers["Link"] = f'<{BASE}?cursor=c%2F{start + limit}&limit={limit}>; rel="next"'
        return ocpi(page, headers=headers)

    return Peer(answer)


async def test_follows_link_across_three_pages_and_stops_when_it_is_absent() -> None:
    peer = paged([tariff(n) for n in range(5)])
    since = datetime(2025, 1, 1, 8, 30, tzinfo=UTC)
    until = datetime(2025, 2, 1, tzinfo=UTC)
    async with peer.client() as client:
        pages = [
            p
            async for p in client.iter_pages(
                BASE, date_from=since, date_to=until, limit=2, params={"x": "y"}
            )
        ]
    assert [[i["id"] for i in p.items] for p in pages] == [["T0", "T1"], ["T2", "T3"], ["T4"]]
    assert [p.number for p in pages] == [1, 2, 3]
    assert [p.total_count for p in pages] == [5, 5, 5]
    assert [p.limit for p in pages] == [2, 2, 2]
    assert pages[-1].next_url is None
    first, second, third = peer.requests
    assert first.url.params["date_from"] == "2025-01-01T08:30:00Z"
    assert first.url.params["date_to"] == "2025-02-01T00:00:00Z"
    assert first.url.params["limit"] == "2"
    assert first.url.params["x"] == "y"
    assert str(second.url) == f"{BASE}?cursor=c%2F2&limit=2" == pages[0].next_url
    assert str(third.url) == f"{BASE}?cursor=c%2F4&limit=2"
    assert len({r.headers["x-correlation-id"] for r in peer.requests}) == 1
    assert pages[0].correlation_id == first.headers["x-correlation-id"]


async def test_pages_stream_one_request_at_a_time() -> None:
    peer = paged([tariff(n) for n in range(6)])
    seen_requests = []
    async with peer.client() as client:
        async for _page in client.iter_pages(BASE):
            seen_requests.append(len(peer.requests))
    assert seen_requests == [1, 2, 3]  # page n is handed over before page n+1 is asked for


async def test_single_page_and_empty_list() -> None:
    peer = Peer(lambda r: ocpi([], headers={"X-Total-Count": "0"}))
    async with peer.client() as client:
        pages = [p async for p in client.iter_pages(BASE)]
    assert len(pages) == 1
    assert pages[0].items == []
    assert pages[0].total_count == 0
    assert pages[0].limit is None


async def test_routing_headers_on_every_page_when_given() -> None:
    peer = paged([tariff(n) for n in range(3)])
    async with peer.client() as client:
        async for _ in client.iter_pages(BASE, routing=Routing("NL", "TNM", "DE", "ABC")):
            pass
    assert [r.headers["ocpi-to-party-id"] for r in peer.requests] == ["ABC", "ABC"]


async def test_a_looping_link_is_rejected() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        page = request.url.params.get("page", "1")
        following = "2" if page == "1" else "1"  # page 2 links back to page 1
        link = f'<{BASE}?page={following}>; rel="next"'
        return ocpi([tariff(int(page))], headers={"Link": link})

    peer = Peer(answer)
    pages: list[Page] = []
    async with peer.client() as client:
        with pytest.raises(e.OcpiProtocolError, match="pagination loop"):
            await collect(client.iter_pages(f"{BASE}?page=1"), pages)
    assert len(peer.requests) == 2
    assert len(pages) == 1


async def test_a_link_to_itself_is_rejected() -> None:
    peer = Peer(lambda r: ocpi([tariff(1)], headers={"Link": f'<{BASE}>; rel="next"'}))
    async with peer.client() as client:
        with pytest.raises(e.OcpiProtocolError, match="pagination loop"):
            async for _ in client.iter_pages(BASE):
                pass
    assert len(peer.requests) == 1


async def test_endless_empty_pages_are_rejected() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("offset", "0"))
        return ocpi([], headers={"Link": f'<{BASE}?offset={n + 1}>; rel="next"'})

    peer = Peer(answer)
    async with peer.client() as client:
        with pytest.raises(e.OcpiProtocolError, match="never ends"):
            async for _ in client.iter_pages(BASE):
                pass
    assert len(peer.requests) == 3


async def test_a_server_that_never_ends_hits_max_pages() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        n = int(request.url.params.get("offset", "0"))
        return ocpi([tariff(n)], headers={"Link": f'<{BASE}?offset={n + 1}>; rel="next"'})

    peer = Peer(answer)
    async with peer.client(max_pages=25) as client:
        with pytest.raises(e.OcpiProtocolError, match="more than 25 pages"):
            async for _ in client.iter_pages(BASE):
                pass
    assert len(peer.requests) == 25


async def test_data_that_is_not_a_list_is_a_protocol_error() -> None:
    peer = Peer(lambda r: ocpi({"id": "T1"}))
    async with peer.client() as client:
        with pytest.raises(e.OcpiProtocolError, match="not a list"):
            async for _ in client.iter_pages(BASE):
                pass


async def test_a_malformed_item_is_rejected_with_its_id_and_the_rest_kept() -> None:
    broken = {**tariff(2), "currency": 42, "elements": "nope"}
    no_id = {"country_code": "DE"}
    items = [tariff(0), tariff(1), broken, tariff(3), no_id, "junk"]
    peer = paged(items, cap=4)
    async with peer.client() as client:
        pages = [vp async for vp in client.iter_objects(BASE, Tariff)]
    valid, rejected = pages[0]
    assert [t.id for t in valid] == ["T0", "T1", "T3"]
    assert all(isinstance(t, Tariff) for t in valid)
    assert rejected[0].object_id == "T2"
    assert "currency" in rejected[0].reason
    assert "elements" in rejected[0].reason
    assert "42" not in rejected[0].reason  # reasons name fields, never quote values
    second_valid, second_rejected = pages[1]
    assert second_valid == []
    assert [r.object_id for r in second_rejected] == [None, None]
    assert "not a JSON object" in second_rejected[1].reason
    assert pages[1].page.total_count == 6
    assert pages[1].page.number == 2


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('<https://h/x?o=2>; rel="next"', "https://h/x?o=2"),
        ("<https://h/x?o=2>; rel=next", "https://h/x?o=2"),
        ('<https://h/p>; rel="prev", <https://h/n?a=1,2>; rel="next"', "https://h/n?a=1,2"),
        ('<https://h/n>; title="x"; rel="Next"', "https://h/n"),
        ('<https://h/p>; rel="prev"', None),
        ('</ocpi/tariffs?offset=10>; rel="next"', "https://cpo/ocpi/tariffs?offset=10"),
    ],
)
def test_link_header_parsing(header: str, expected: str | None) -> None:
    assert next_link(httpx.Headers({"Link": header}), "https://cpo/ocpi/tariffs") == expected
