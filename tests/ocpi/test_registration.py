"""Credentials registration as the Sender (spec 3): TOKEN_A → B → C, update, unregister."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from emsp_tui.ocpi import errors as e
from emsp_tui.ocpi.enums import InterfaceRole, ModuleID, Role
from emsp_tui.ocpi.models import BusinessDetails, CredentialsRole
from emsp_tui.ocpi.registration import register, unregister, update_registration

from .client_support import Peer, body_of, ocpi, token_of

TOKEN_A = "token-A-given-out-of-band"
PEER_VERSIONS = "https://cpo.example/ocpi/versions"
PEER_DETAILS = "https://cpo.example/ocpi/2.2.1"
PEER_CREDENTIALS = "https://cpo.example/ocpi/2.2.1/credentials"
OUR_VERSIONS = "https://emsp.example/ocpi/versions"
OUR_ROLES = [
    CredentialsRole(
        role=Role.EMSP,
        business_details=BusinessDetails(name="TNM eMSP"),
        party_id="TNM",
        country_code="NL",
    )
]
PEER_ROLES = [
    {
        "role": "CPO",
        "business_details": {"name": "ABC Charging"},
        "party_id": "ABC",
        "country_code": "DE",
    }
]


@dataclass
class CpoPeer:
    """The Receiver side of the handshake, as strict as the spec: tokens checked at each step."""

    modules: tuple[str, ...] = ("credentials", "locations", "tariffs")
    valid_tokens: set[str] = field(default_factory=lambda: {TOKEN_A})
    registered: bool = False
    issued: list[str] = field(default_factory=list)  # TOKEN_C, TOKEN_C', ...
    events: list[tuple[str, str]] = field(default_factory=list)
    our_server_accepts: set[str] = field(default_factory=set)  # tokens our receiver accepts

    async def accept_token_b(self, token_b: str) -> None:
        self.events.append(("accept_token_b", token_b))
        self.our_server_accepts.add(token_b)

    def handle(self, request: httpx.Request) -> httpx.Response:
        token = token_of(request) or ""
        self.events.append((f"{request.method} {request.url.path}", token))
        if token not in self.valid_tokens:
            return httpx.Response(401)
        url = str(request.url)
        if url == PEER_VERSIONS:
            return ocpi(
                [
                    {"version": "2.1.1", "url": "https://cpo.example/ocpi/2.1.1"},
                    {"version": "2.2.1", "url": PEER_DETAILS},
                ]
            )
        if url == PEER_DETAILS:
            return ocpi(
                {
                    "version": "2.2.1",
                    "endpoints": [
                        {"identifier": m, "role": "SENDER", "url": f"{PEER_DETAILS}/{m}"}
                        for m in self.modules
                    ],
                }
            )
        assert url == PEER_CREDENTIALS
        return self._credentials(request, token)

    def _credentials(self, request: httpx.Request, token: str) -> httpx.Response:
        if request.method == "DELETE":
            if not self.registered:
                return ocpi(None, 2000, "Not registered", http=405)
            self.registered = False
            self.valid_tokens.discard(token)
            return ocpi()
        if (request.method == "POST") == self.registered:
            return ocpi(
                None, 2000, "Already registered" if self.registered else "Not registered", http=405
            )
        body = body_of(request)
        # Inside the POST/PUT the peer GETs our versions with the token we just sent it.
        if body["token"] not in self.our_server_accepts or body["url"] != OUR_VERSIONS:
            return ocpi(None, 3001, "Could not GET your versions with your token")
        new_token = f"token-C-{len(self.issued) + 1}"
        self.issued.append(new_token)
        self.valid_tokens.discard(token)  # TOKEN_A (or the old TOKEN_C) is void now
        self.valid_tokens.add(new_token)
        self.registered = True
        return ocpi({"token": new_token, "url": PEER_VERSIONS, "roles": PEER_ROLES})


async def do_register(cpo: CpoPeer, peer: Peer, **kwargs: Any) -> Any:
    async with peer.client(TOKEN_A) as client:
        return await register(
            client,
            versions_url=PEER_VERSIONS,
            token_a=TOKEN_A,
            our_versions_url=OUR_VERSIONS,
            our_roles=OUR_ROLES,
            accept_token_b=cpo.accept_token_b,
            **kwargs,
        )


async def test_registration_a_b_c_sends_the_right_token_at_each_step() -> None:
    cpo = CpoPeer()
    peer = Peer(cpo.handle)
    reg = await do_register(cpo, peer)

    versions, details, post = peer.requests
    assert [r.method for r in peer.requests] == ["GET", "GET", "POST"]
    assert str(versions.url) == PEER_VERSIONS
    assert str(details.url) == PEER_DETAILS
    assert str(post.url) == PEER_CREDENTIALS
    for request in peer.requests:
        assert token_of(request) == TOKEN_A
        assert not any(h.startswith("ocpi-from") for h in request.headers)
    assert len({r.headers["x-correlation-id"] for r in peer.requests}) == 1

    token_b = body_of(post)["token"]
    assert body_of(post) == {
        "token": token_b,
        "url": OUR_VERSIONS,
        "roles": [
            {
                "role": "EMSP",
                "business_details": {"name": "TNM eMSP"},
                "party_id": "TNM",
                "country_code": "NL",
            }
        ],
    }
    assert token_b not in (TOKEN_A, "")
    # The hook ran, with that TOKEN_B, before the POST went out.
    assert [name for name, _ in cpo.events] == [
        "GET /ocpi/versions",
        "GET /ocpi/2.2.1",
        "accept_token_b",
        "POST /ocpi/2.2.1/credentials",
    ]
    assert cpo.events[2] == ("accept_token_b", token_b)

    assert reg.token_in == token_b
    assert reg.token_out == "token-C-1"
    assert reg.version == "2.2.1"
    assert reg.versions_url == PEER_VERSIONS == reg.advertised_versions_url
    assert reg.credentials_url == PEER_CREDENTIALS
    assert reg.endpoint(ModuleID.LOCATIONS, InterfaceRole.SENDER) == f"{PEER_DETAILS}/locations"
    assert [(r.role, r.country_code, r.party_id) for r in reg.peer_roles] == [
        (Role.CPO, "DE", "ABC")
    ]
    assert "token-C-1" not in repr(reg)
    assert token_b not in repr(reg)

    # Afterwards we present TOKEN_C and TOKEN_A is void.
    assert cpo.valid_tokens == {"token-C-1"}


async def test_registration_uses_token_a_whatever_token_the_client_holds() -> None:
    cpo = CpoPeer()
    peer = Peer(cpo.handle)
    async with peer.client("some-other-token") as client:
        await register(
            client,
            versions_url=PEER_VERSIONS,
            token_a=TOKEN_A,
            our_versions_url=OUR_VERSIONS,
            our_roles=OUR_ROLES,
            accept_token_b=cpo.accept_token_b,
        )
    assert {token_of(r) for r in peer.requests} == {TOKEN_A}


async def test_no_token_ever_reaches_the_exchange_log_or_the_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    cpo = CpoPeer()
    peer = Peer(cpo.handle)
    reg = await do_register(cpo, peer)
    async with peer.client(reg.token_out) as client:
        await unregister(client, reg.credentials_url)
        cpo.valid_tokens.add(reg.token_out)  # a lenient peer that still knows the token
        with pytest.raises(e.NotRegisteredError) as caught:
            await unregister(client, reg.credentials_url)
    assert len(peer.exchanges) == 5
    assert caplog.records  # the client does log each exchange at debug level
    text = "\n".join([peer.records_text(), caplog.text, str(caught.value)])
    for secret in (TOKEN_A, reg.token_in, reg.token_out):
        assert secret not in text
        assert base64.b64encode(secret.encode()).decode() not in text
    assert '"token":"<redacted>"' in (peer.exchanges[2].request_body or "")
    assert '"token":"<redacted>"' in (peer.exchanges[2].response_body or "")


async def test_peer_without_credentials_module_is_refused_before_minting_a_token() -> None:
    cpo = CpoPeer(modules=("locations",))
    peer = Peer(cpo.handle)
    with pytest.raises(e.NoMatchingEndpointsError, match="no credentials module"):
        await do_register(cpo, peer)
    assert [r.method for r in peer.requests] == ["GET", "GET"]
    assert cpo.our_server_accepts == set()


async def test_missing_required_endpoints_stop_the_registration_before_the_post() -> None:
    cpo = CpoPeer(modules=("credentials", "tariffs"))
    peer = Peer(cpo.handle)
    with pytest.raises(e.NoMatchingEndpointsError, match="locations SENDER"):
        await do_register(
            cpo, peer, required_endpoints=[(ModuleID.LOCATIONS, InterfaceRole.SENDER)]
        )
    assert [r.method for r in peer.requests] == ["GET", "GET"]


async def test_already_registered_is_a_clear_error() -> None:
    cpo = CpoPeer(registered=True)
    peer = Peer(cpo.handle)
    with pytest.raises(e.AlreadyRegisteredError) as caught:
        await do_register(cpo, peer)
    assert caught.value.http_status == 405
    assert "already registered" in str(caught.value)


async def test_peer_failing_to_reach_us_is_client_api_error() -> None:
    cpo = CpoPeer()

    async def forgetful_hook(token_b: str) -> None:  # our server does not accept TOKEN_B
        cpo.events.append(("accept_token_b", token_b))

    peer = Peer(cpo.handle)
    async with peer.client(TOKEN_A) as client:
        with pytest.raises(e.ClientApiError):
            await register(
                client,
                versions_url=PEER_VERSIONS,
                token_a=TOKEN_A,
                our_versions_url=OUR_VERSIONS,
                our_roles=OUR_ROLES,
                accept_token_b=forgetful_hook,
            )


async def test_a_failing_hook_means_no_post() -> None:
    cpo = CpoPeer()

    async def failing_hook(token_b: str) -> None:
        raise RuntimeError("database locked")

    peer = Peer(cpo.handle)
    async with peer.client(TOKEN_A) as client:
        with pytest.raises(RuntimeError, match="database locked"):
            await register(
                client,
                versions_url=PEER_VERSIONS,
                token_a=TOKEN_A,
                our_versions_url=OUR_VERSIONS,
                our_roles=OUR_ROLES,
                accept_token_b=failing_hook,
            )
    assert "POST" not in {r.method for r in peer.requests}


async def test_wrong_token_a_is_unauthorized() -> None:
    cpo = CpoPeer(valid_tokens={"another-token"})
    peer = Peer(cpo.handle)
    with pytest.raises(e.OcpiUnauthorizedError):
        await do_register(cpo, peer)


async def test_update_rotates_both_tokens_with_a_put() -> None:
    cpo = CpoPeer()
    peer = Peer(cpo.handle)
    first = await do_register(cpo, peer)
    peer.requests.clear()
    async with peer.client("unused") as client:
        updated = await update_registration(
            client,
            versions_url=PEER_VERSIONS,
            token_out=first.token_out,
            our_versions_url=OUR_VERSIONS,
            our_roles=OUR_ROLES,
            accept_token_b=cpo.accept_token_b,
        )
    assert [r.method for r in peer.requests] == ["GET", "GET", "PUT"]
    assert {token_of(r) for r in peer.requests} == {first.token_out}
    assert len(peer.requests) == 3  # a credentials PUT is never retried
    assert updated.token_out == "token-C-2"
    assert updated.token_in not in (first.token_in, "")
    assert body_of(peer.requests[2])["token"] == updated.token_in
    assert cpo.valid_tokens == {"token-C-2"}


async def test_update_when_not_registered_is_a_clear_error() -> None:
    cpo = CpoPeer(valid_tokens={"token-C-1"})
    peer = Peer(cpo.handle)
    async with peer.client("token-C-1") as client:
        with pytest.raises(e.NotRegisteredError) as caught:
            await update_registration(
                client,
                versions_url=PEER_VERSIONS,
                token_out="token-C-1",
                our_versions_url=OUR_VERSIONS,
                our_roles=OUR_ROLES,
                accept_token_b=cpo.accept_token_b,
            )
    assert caught.value.http_status == 405


async def test_unregister_deletes_and_a_second_time_is_not_registered() -> None:
    cpo = CpoPeer()
    peer = Peer(cpo.handle)
    reg = await do_register(cpo, peer)
    cpo.valid_tokens.add(reg.token_out)
    async with peer.client(reg.token_out) as client:
        await unregister(client, reg.credentials_url)
        assert peer.requests[-1].method == "DELETE"
        assert token_of(peer.requests[-1]) == reg.token_out
        assert cpo.registered is False
        cpo.valid_tokens.add(reg.token_out)  # a lenient peer that still knows the token
        with pytest.raises(e.NotRegisteredError):
            await unregister(client, reg.credentials_url)
        with pytest.raises(ValueError, match="no credentials URL"):
            await unregister(client, "")
