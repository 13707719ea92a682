"""A tiny eMSP for the mock's integration tests: versions, details, credentials, and receivers
that record what the mock pushes. Served by uvicorn on a loopback port (real sockets)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mock_backend.server import QuickServer, start_serving

PARTY = ("NL", "TNM")


def roles(party: tuple[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "role": "EMSP",
            "party_id": party[1],
            "country_code": party[0],
            "business_details": {"name": f"TestNet Mobility {party[0]}"},
        }
    ]


ALL_ENDPOINTS = [
    ("locations", "RECEIVER"),
    ("sessions", "RECEIVER"),
    ("cdrs", "RECEIVER"),
    ("tokens", "SENDER"),
    ("commands", "SENDER"),
    ("hubclientinfo", "RECEIVER"),
]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def envelope(data: Any = None, code: int = 1000, message: str = "Success") -> dict[str, Any]:
    body: dict[str, Any] = {
        "status_code": code,
        "status_message": message,
        "timestamp": "2026-01-01T00:00:00Z",
    }
    if data is not None:
        body["data"] = data
    return body


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    authorized: bool
    query: str = ""


@dataclass
class EmspStub:
    party: tuple[str, str] = PARTY
    token_a: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    versions: list[str] = field(default_factory=lambda: ["2.2.1"])
    endpoints: list[tuple[str, str]] = field(default_factory=lambda: list(ALL_ENDPOINTS))
    # token uid -> AllowedType for real-time authorization; absent = unknown (404 + 2004)
    authorize: dict[str, str] = field(default_factory=dict)
    accepted: set[str] = field(default_factory=set)  # tokens the mock may present to us
    seen: list[Seen] = field(default_factory=list)
    base_url: str = ""
    token_c: str | None = None  # what we present to the mock after we registered with it
    mock_credentials: dict[str, Any] | None = None
    _changed: asyncio.Condition | None = None

    # -- serving ----------------------------------------------------------------------------

    def app(self) -> Starlette:
        routes = [
            Route("/ocpi/versions", self._versions, methods=["GET"]),
            Route("/ocpi/2.2.1", self._details, methods=["GET"]),
            Route(
                "/ocpi/2.2.1/credentials",
                self._credentials,
                methods=["GET", "POST", "PUT", "DELETE"],
            ),
            Route("/ocpi/2.2.1/tokens/{uid}/authorize", self._authorize, methods=["POST"]),
            Route("/ocpi/2.2.1/cdrs", self._cdrs, methods=["POST"]),
            Route(
                "/ocpi/2.2.1/{module}/{rest:path}",
                self._record,
                methods=["GET", "PUT", "PATCH", "POST"],
            ),
        ]
        return Starlette(routes=routes)

    def _token_ok(self, request: Request, allow_a: bool = False) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Token "):
            return False
        token = base64.b64decode(header[6:]).decode()
        return token in self.accepted or (allow_a and token == self.token_a)

    async def _note(self, request: Request, authorized: bool) -> Any:
        raw = await request.body()
        body = json.loads(raw) if raw else None
        self.seen.append(
            Seen(
                request.method,
                request.url.path,
                dict(request.headers),
                body,
                authorized,
                request.url.query,
            )
        )
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()
        return body

    async def _versions(self, request: Request) -> Response:
        if not self._token_ok(request, allow_a=True):
            return JSONResponse(envelope(code=2000, message="unauthorized"), 401)
        await self._note(request, True)
        data = [{"version": v, "url": f"{self.base_url}/ocpi/{v}"} for v in self.versions]
        return JSONResponse(envelope(data))

    async def _details(self, request: Request) -> Response:
        if not self._token_ok(request, allow_a=True):
            return JSONResponse(envelope(code=2000, message="unauthorized"), 401)
        await self._note(request, True)
        base = f"{self.base_url}/ocpi/2.2.1"
        eps = [{"identifier": "credentials", "role": "SENDER", "url": f"{base}/credentials"}]
        eps += [{"identifier": m, "role": r, "url": f"{base}/{m}"} for m, r in self.endpoints]
        return JSONResponse(envelope({"version": "2.2.1", "endpoints": eps}))

    async def _credentials(self, request: Request) -> Response:
        """The mock registering with us (we are the Receiver of the handshake)."""
        ok = self._token_ok(request, allow_a=True)
        body = await self._note(request, ok)
        if not ok:
            return JSONResponse(envelope(code=2000, message="unauthorized"), 401)
        if request.method != "POST":
            return JSONResponse(envelope(code=2000, message="not supported by the stub"), 405)
        async with httpx.AsyncClient() as client:  # step 4: read their versions with TOKEN_B
            versions = (await client.get(body["url"], headers=auth(body["token"]))).json()
            url = next(v["url"] for v in versions["data"] if v["version"] == "2.2.1")
            (await client.get(url, headers=auth(body["token"]))).raise_for_status()
        self.mock_credentials = body
        token_c = secrets.token_urlsafe(16)
        self.accepted.add(token_c)
        return JSONResponse(
            envelope(
                {
                    "token": token_c,
                    "url": f"{self.base_url}/ocpi/versions",
                    "roles": roles(self.party),
                }
            )
        )

    async def _authorize(self, request: Request) -> Response:
        ok = self._token_ok(request)
        await self._note(request, ok)
        uid = request.path_params["uid"]
        if uid not in self.authorize:
            return JSONResponse(envelope(code=2004, message="unknown token"), 404)
        token = {
            "country_code": self.party[0],
            "party_id": self.party[1],
            "uid": uid,
            "type": "RFID",
            "contract_id": f"NL-TNM-C{uid[-6:]:0>6}-X",
            "issuer": "TestNet",
            "valid": True,
            "whitelist": "NEVER",
            "last_updated": "2026-01-01T00:00:00Z",
        }
        return JSONResponse(
            envelope(
                {
                    "allowed": self.authorize[uid],
                    "token": token,
                    "authorization_reference": f"AUTH-{uid}",
                }
            )
        )

    async def _cdrs(self, request: Request) -> Response:
        ok = self._token_ok(request)
        body = await self._note(request, ok)
        location = (
            f"{self.base_url}/ocpi/2.2.1/cdrs/{body.get('id') if isinstance(body, dict) else 'x'}"
        )
        return JSONResponse(envelope(), headers={"Location": location})

    async def _record(self, request: Request) -> Response:
        ok = self._token_ok(request)
        await self._note(request, ok)
        return JSONResponse(
            envelope() if ok else envelope(code=2000, message="unauthorized"), 200 if ok else 401
        )

    # -- helpers for tests -------------------------------------------------------------------

    def received(self, method: str | None = None, contains: str = "") -> list[Seen]:
        return [
            s for s in self.seen if (method is None or s.method == method) and contains in s.path
        ]

    async def wait_for(self, predicate: Callable[[], Any], within: float = 10.0) -> Any:
        changed = self._changed
        assert changed is not None

        async def check() -> Any:
            async with changed:
                while not (found := predicate()):
                    await changed.wait()
                return found

        return await asyncio.wait_for(check(), within)

    async def register_with(self, versions_url: str, token_a: str) -> httpx.Response:
        """We register with the mock (we are the Sender of the handshake)."""
        token_b = secrets.token_urlsafe(16)
        self.accepted.add(token_b)
        async with httpx.AsyncClient() as client:
            versions = (await client.get(versions_url, headers=auth(token_a))).json()["data"]
            details = (await client.get(versions[0]["url"], headers=auth(token_a))).json()["data"]
            creds_url = next(
                e["url"] for e in details["endpoints"] if e["identifier"] == "credentials"
            )
            answer = await client.post(
                creds_url,
                headers=auth(token_a),
                json={
                    "token": token_b,
                    "url": f"{self.base_url}/ocpi/versions",
                    "roles": roles(self.party),
                },
            )
        if answer.status_code == 200 and answer.json().get("status_code") == 1000:
            self.token_c = answer.json()["data"]["token"]
        return answer

    def client(self, **headers: str) -> httpx.AsyncClient:
        """An httpx client presenting our TOKEN_C, with routing headers from us."""
        assert self.token_c is not None
        base = {
            **auth(self.token_c),
            "OCPI-from-country-code": self.party[0],
            "OCPI-from-party-id": self.party[1],
        }
        return httpx.AsyncClient(headers={**base, **headers}, timeout=10)


@contextlib.asynccontextmanager
async def serving(stub: EmspStub) -> AsyncIterator[EmspStub]:
    config = uvicorn.Config(
        stub.app(), host="127.0.0.1", port=0, log_level="warning", access_log=False, lifespan="off"
    )
    server = QuickServer(config)
    stub._changed = asyncio.Condition()
    task = await start_serving(server)
    port = server.servers[0].sockets[0].getsockname()[1]
    stub.base_url = f"http://127.0.0.1:{port}"
    try:
        yield stub
    finally:
        server.exit()
        await task
