"""A small OCPI 2.2.1 CPO (or hub) of our own, over real HTTP (Starlette + uvicorn on
127.0.0.1, port 0), for the partner trust tests and the secrets sweep.

It serves what a real CPO serves: versions and 2.2.1 details (each only with a token it
issued), credentials, locations and tariffs SENDER, and hubclientinfo SENDER when it plays a
hub. It registers with our node as the Sender (``register_with``, ``update_with``) or lets
our node register with it (``emsp partners add``: its credentials POST calls our versions
back with TOKEN_B, as the spec says). Every request it gets is recorded with its token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from emsp_tui.ocpi.auth import encode_token_header, new_credentials_token, token_candidates
from emsp_tui.ocpi.models import envelope
from emsp_tui.receiver.server import ReceiverServer


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    token: str | None


@dataclass
class FakeCpo:
    country_code: str
    party_id: str
    role: str = "CPO"
    clients: list[tuple[str, str, str]] = field(default_factory=list)  # behind it, as a hub
    versions_delay: float = 0.0  # seconds before answering our versions GET (races)
    extra_roles: list[tuple[str, str, str]] = field(default_factory=list)
    locations: list[dict[str, Any]] = field(default_factory=list)  # its locations SENDER serves
    seen: list[Seen] = field(default_factory=list)
    # TOKEN_B: what the eMSP presents to us (we hand it over when we register)
    token_b: str = field(default_factory=new_credentials_token)
    token_c: str | None = None  # what the eMSP gave us to present to it
    token_a: str = field(default_factory=new_credentials_token)  # for ``partners add``
    accepted: set[str] = field(default_factory=set)
    server: ReceiverServer | None = None

    # -- serving ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self.server is not None
        return self.server.base_url

    @property
    def versions_url(self) -> str:
        return f"{self.base_url}/ocpi/versions"

    def roles(self, parties: list[tuple[str, str, str]] | None = None) -> list[dict[str, Any]]:
        chosen = parties or [(self.country_code, self.party_id, self.role), *self.extra_roles]
        return [
            {
                "role": role,
                "country_code": cc,
                "party_id": pid,
                "business_details": {"name": f"{cc}*{pid} operator"},
            }
            for cc, pid, role in chosen
        ]

    def _token(self, request: Request) -> str | None:
        for candidate in token_candidates(request.headers.get("authorization")):
            if candidate in self.accepted:
                return candidate
        return None

    async def _handle(self, request: Request) -> Response:
        token = self._token(request)
        self.seen.append(Seen(request.method, request.url.path, token))
        if token is None:
            return JSONResponse(envelope(None, 2000, "Unknown token"), status_code=401)
        path = request.url.path.rstrip("/")
        base = f"{self.base_url}/ocpi/2.2.1"
        if path == "/ocpi/versions":
            await asyncio.sleep(self.versions_delay)
            return JSONResponse(envelope([{"version": "2.2.1", "url": base}]))
        if path == "/ocpi/2.2.1":
            modules = [("credentials", "SENDER"), ("locations", "SENDER"), ("tariffs", "SENDER")]
            if self.role == "HUB":
                modules.append(("hubclientinfo", "SENDER"))
            endpoints = [{"identifier": m, "role": r, "url": f"{base}/{m}"} for m, r in modules]
            return JSONResponse(envelope({"version": "2.2.1", "endpoints": endpoints}))
        if path.endswith("/credentials"):
            return await self._credentials(request)
        if path.endswith("/hubclientinfo"):
            items = [
                {
                    "country_code": cc,
                    "party_id": pid,
                    "role": role,
                    "status": "CONNECTED",
                    "last_updated": "2026-01-01T00:00:00Z",
                }
                for cc, pid, role in self.clients
            ]
            return _page(items)
        if path.endswith("/locations"):
            return _page(self.locations)
        if path.endswith("/tariffs"):
            return _page([])
        return JSONResponse(envelope(None, 2000, "Unknown route"), status_code=404)

    async def _credentials(self, request: Request) -> Response:
        """We are the Receiver: the eMSP registers with us (``emsp partners add``)."""
        if request.method == "DELETE":
            return JSONResponse(envelope())
        body = await request.json()
        async with httpx.AsyncClient(
            headers={"Authorization": encode_token_header(body["token"])}
        ) as http:
            versions = await http.get(body["url"])  # spec step 4: call them back with TOKEN_B
            versions.raise_for_status()
        self.token_c = body["token"]  # here: what we present to the eMSP
        mine = new_credentials_token()
        self.accepted.add(mine)
        answer = {"token": mine, "url": self.versions_url, "roles": self.roles()}
        return JSONResponse(envelope(answer))

    async def start(self) -> FakeCpo:
        self.accepted |= {self.token_b, self.token_a}
        app = Starlette(
            routes=[Route("/{path:path}", self._handle, methods=["GET", "POST", "PUT", "DELETE"])]
        )
        self.server = ReceiverServer(app, "127.0.0.1", 0)
        await self.server.start()
        return self

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()

    # -- as the Sender of the credentials module ---------------------------------------------
    async def register_with(
        self,
        emsp_versions_url: str,
        token_a: str,
        parties: list[tuple[str, str, str]] | None = None,
    ) -> httpx.Response:
        """Our credentials POST with ``token_a``; on success we keep the TOKEN_C we got."""
        url = await credentials_url(emsp_versions_url, token_a)
        body = {"token": self.token_b, "url": self.versions_url, "roles": self.roles(parties)}
        async with httpx.AsyncClient(headers=auth(token_a)) as http:
            answer = await http.post(url, json=body)
        if answer.status_code == 200 and answer.json()["status_code"] == 1000:
            self.token_c = answer.json()["data"]["token"]
        return answer

    async def update_with(
        self, emsp_versions_url: str, parties: list[tuple[str, str, str]]
    ) -> httpx.Response:
        """Our credentials PUT (a new TOKEN_B, these roles); a refusal keeps the old tokens."""
        assert self.token_c is not None
        url = await credentials_url(emsp_versions_url, self.token_c)
        token_b = new_credentials_token()
        self.accepted.add(token_b)
        body = {"token": token_b, "url": self.versions_url, "roles": self.roles(parties)}
        async with httpx.AsyncClient(headers=auth(self.token_c)) as http:
            answer = await http.put(url, json=body)
        if answer.status_code == 200 and answer.json()["status_code"] == 1000:
            self.token_c, self.token_b = answer.json()["data"]["token"], token_b
        return answer


def auth(token: str) -> dict[str, str]:
    return {"Authorization": encode_token_header(token)}


def _page(items: list[dict[str, Any]]) -> Response:
    headers = {"X-Total-Count": str(len(items)), "X-Limit": "100"}
    return JSONResponse(envelope(items), headers=headers)


async def credentials_url(emsp_versions_url: str, token: str) -> str:
    async with httpx.AsyncClient(headers=auth(token)) as http:
        versions = (await http.get(emsp_versions_url)).json()["data"]
        detail_url = next(v["url"] for v in versions if v["version"] == "2.2.1")
        details = (await http.get(detail_url)).json()["data"]
    return str(next(e["url"] for e in details["endpoints"] if e["identifier"] == "credentials"))


@asynccontextmanager
async def running_fakes(*fakes: FakeCpo) -> AsyncIterator[tuple[FakeCpo, ...]]:
    for fake in fakes:
        await fake.start()
    try:
        yield fakes
    finally:
        for fake in fakes:
            await fake.stop()
