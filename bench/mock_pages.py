"""How fast the mock network serves locations: start-up, page generation + JSON, a real crawl.

    .venv/bin/python bench/mock_pages.py [--locations 300000] [--page 1000] [--http]

1. start-up: building the network (nothing is generated ahead of time).
2. in-process: every page of the hub's merged listing generated and JSON-encoded as the server
   does it (the envelope included), reported per location.
3. --http: the same crawl over real HTTP against uvicorn on a loopback port, following Link
   (includes the client's JSON decoding).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mock_backend.config import MockConfig
from mock_backend.core import World
from mock_backend.paging import Window
from mock_backend.wire import Reply


def in_process(locations: int, page: int) -> None:
    started = time.perf_counter()
    world = World(MockConfig(locations=locations, churn_per_minute=0))
    took = (time.perf_counter() - started) * 1000
    print(f"start-up (World for {locations} locations): {took:.1f} ms")
    index = world.location_index(None)
    world.sim.churn(50)  # a few runtime changes, so the overlay path is part of the walk
    seen = 0
    size = 0
    started = time.perf_counter()
    for offset in range(0, locations, page):
        items, total = index.page(Window(offset=offset, limit=page))
        size += len(Reply(data=items).encode())
        seen += len(items)
    elapsed = time.perf_counter() - started
    assert seen == total == locations, (seen, total)
    each = elapsed / seen * 1e6
    print(
        f"in-process: {seen} locations in {elapsed:.2f} s = {each:.1f} us per location "
        f"(generation + JSON), {size / seen:.0f} bytes each"
    )


async def over_http(locations: int, page: int) -> None:
    import httpx

    from mock_backend import running_mock

    config = MockConfig(locations=locations, churn_per_minute=0, token_a="bench-token")
    async with running_mock(config) as mock:
        auth = {"Authorization": "Token " + base64.b64encode(b"bench-token").decode()}
        async with httpx.AsyncClient(timeout=60) as client:
            # Register (TOKEN_A only opens versions/credentials) through a throwaway receiver.
            from tests.mock.emsp_stub import EmspStub, serving

            async with serving(EmspStub()) as stub:
                await stub.register_with(mock.versions_url, mock.token_a)
                assert stub.token_c is not None
                auth = {
                    "Authorization": "Token " + base64.b64encode(stub.token_c.encode()).decode()
                }
                url: str | None = f"{mock.base_url}/ocpi/2.2.1/locations?limit={page}"
                seen = 0
                started = time.perf_counter()
                while url:
                    answer = await client.get(url, headers=auth)
                    seen += len(answer.json()["data"])
                    link = answer.headers.get("link")
                    url = link[1 : link.index(">")] if link else None
                elapsed = time.perf_counter() - started
    each = elapsed / seen * 1e6
    print(
        f"over HTTP: {seen} locations in {elapsed:.2f} s = {each:.1f} us per location "
        "(server + client decode)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=300_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--http", action="store_true", help="also crawl over real HTTP")
    args = parser.parse_args()
    in_process(args.locations, args.page)
    if args.http:
        asyncio.run(over_http(args.locations, args.page))


if __name__ == "__main__":
    main()
