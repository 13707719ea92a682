"""Credentials registration as the Sender (spec 3): TOKEN_A → TOKEN_B → TOKEN_C.

1. GET the peer's versions and 2.2.1 details with TOKEN_A; the peer must offer credentials.
2. Mint TOKEN_B and have the caller accept it on our own server *before* the POST: while handling
   the POST the peer GETs our versions with TOKEN_B.
3. POST our Credentials ``{token: TOKEN_B, url: our versions, roles}`` with TOKEN_A.
4. The answer carries TOKEN_C (we present it from now on) and the peer's roles.

``update_registration`` (PUT) rotates both tokens; ``unregister`` (DELETE) ends it. The peer
answers HTTP 405 when we are already / not registered: AlreadyRegisteredError / NotRegisteredError.
The tokens never reach a log: the client scrubs them from exchange records and errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .auth import new_credentials_token
from .client import OcpiClient, new_id
from .enums import InterfaceRole, ModuleID, VersionNumber
from .errors import (
    AlreadyRegisteredError,
    NoMatchingEndpointsError,
    NotRegisteredError,
    OcpiError,
    RegistrationStateError,
)
from .models import Credentials, CredentialsRole, Endpoint, VersionDetail

AcceptToken = Callable[[str], Awaitable[None]]
"""Called with the TOKEN_B we are about to send; must make our server accept it, then return."""


@dataclass(frozen=True)
class Registration:
    """The outcome of a registration (or update): what to store for the peer."""

    versions_url: str  # the peer's versions URL we used
    version: VersionNumber
    endpoints: list[Endpoint]
    credentials_url: str
    peer_roles: list[CredentialsRole]
    advertised_versions_url: str  # the ``url`` in the peer's Credentials (usually the same)
    token_out: str = field(repr=False)  # TOKEN_C: we present it to the peer
    token_in: str = field(repr=False)  # TOKEN_B: the peer presents it to us

    def endpoint(self, module: ModuleID | str, role: InterfaceRole | str) -> str | None:
        for ep in self.endpoints:
            if ep.identifier == module and (module == ModuleID.CREDENTIALS or ep.role == role):
                return ep.url
        return None


def _credentials_url(
    detail: VersionDetail, required: Iterable[tuple[ModuleID, InterfaceRole]], url: str, cid: str
) -> str:
    credentials_url = detail.endpoint(ModuleID.CREDENTIALS, InterfaceRole.SENDER)
    if not credentials_url:
        raise NoMatchingEndpointsError(
            "the peer offers no credentials module", method="GET", url=url, correlation_id=cid
        )
    missing = [f"{m} {r}" for m, r in required if not detail.endpoint(m, r)]
    if missing:  # spec 3: a Sender missing required peer endpoints must not POST
        raise NoMatchingEndpointsError(
            f"the peer lacks {', '.join(missing)}", method="GET", url=url, correlation_id=cid
        )
    return credentials_url


def _our_credentials(
    token_b: str, our_versions_url: str, our_roles: Sequence[CredentialsRole | dict[str, Any]]
) -> Credentials:
    roles = [
        r if isinstance(r, CredentialsRole) else CredentialsRole.model_validate(r)
        for r in our_roles
    ]
    return Credentials(token=token_b, url=our_versions_url, roles=roles)


async def _exchange_credentials(
    client: OcpiClient,
    method: str,
    *,
    versions_url: str,
    token: str,
    our_versions_url: str,
    our_roles: Sequence[CredentialsRole | dict[str, Any]],
    accept_token_b: AcceptToken,
    required_endpoints: Iterable[tuple[ModuleID, InterfaceRole]],
    correlation_id: str | None,
    state_error: type[RegistrationStateError],
) -> Registration:
    cid = correlation_id or new_id()
    client.add_secret(token)
    detail = await client.negotiate(versions_url, token=token, correlation_id=cid)
    credentials_url = _credentials_url(detail, required_endpoints, versions_url, cid)
    token_b = new_credentials_token()
    client.add_secret(token_b)
    ours = _our_credentials(token_b, our_versions_url, our_roles)
    await accept_token_b(token_b)
    try:
        reply = await client.request(
            method,
            credentials_url,
            body=ours,
            correlation_id=cid,
            token=token,
            idempotent=False,  # each POST/PUT makes the peer mint a new token
        )
    except OcpiError as err:
        if err.http_status == 405:
            raise state_error(
                status_code=err.status_code,
                status_message=err.status_message,
                http_status=405,
                url=err.url,
                method=err.method,
                request_id=err.request_id,
                correlation_id=err.correlation_id,
            ) from err
        raise
    if isinstance(reply.data, dict) and isinstance(reply.data.get("token"), str):
        client.add_secret(reply.data["token"])  # before parse() can quote anything
    theirs = reply.parse(Credentials)
    if not theirs.token:
        raise reply.protocol_error("the peer's credentials carry an empty token")
    return Registration(
        versions_url=versions_url,
        version=detail.version,
        endpoints=list(detail.endpoints),
        credentials_url=credentials_url,
        peer_roles=list(theirs.roles),
        advertised_versions_url=theirs.url,
        token_out=theirs.token,
        token_in=token_b,
    )


async def register(
    client: OcpiClient,
    *,
    versions_url: str,
    token_a: str,
    our_versions_url: str,
    our_roles: Sequence[CredentialsRole | dict[str, Any]],
    accept_token_b: AcceptToken,
    required_endpoints: Iterable[tuple[ModuleID, InterfaceRole]] = (),
    correlation_id: str | None = None,
) -> Registration:
    """Register with a peer that gave us ``token_a`` and ``versions_url`` out of band.

    Every request of the handshake is sent with TOKEN_A (whatever token ``client`` holds) and
    shares one correlation id. If the POST fails, TOKEN_B was accepted but never used: the
    caller should revoke it.
    """
    return await _exchange_credentials(
        client,
        "POST",
        versions_url=versions_url,
        token=token_a,
        our_versions_url=our_versions_url,
        our_roles=our_roles,
        accept_token_b=accept_token_b,
        required_endpoints=required_endpoints,
        correlation_id=correlation_id,
        state_error=AlreadyRegisteredError,
    )


async def update_registration(
    client: OcpiClient,
    *,
    versions_url: str,
    token_out: str,
    our_versions_url: str,
    our_roles: Sequence[CredentialsRole | dict[str, Any]],
    accept_token_b: AcceptToken,
    required_endpoints: Iterable[tuple[ModuleID, InterfaceRole]] = (),
    correlation_id: str | None = None,
) -> Registration:
    """PUT new credentials (spec 3): rotate tokens, refresh the peer's endpoints or version.

    Sent with our current ``token_out`` (TOKEN_C); ``accept_token_b`` gets the new TOKEN_B',
    which our server must accept *besides* the old TOKEN_B until this returns. The result holds
    TOKEN_C' (``token_out``) and TOKEN_B' (``token_in``).
    """
    return await _exchange_credentials(
        client,
        "PUT",
        versions_url=versions_url,
        token=token_out,
        our_versions_url=our_versions_url,
        our_roles=our_roles,
        accept_token_b=accept_token_b,
        required_endpoints=required_endpoints,
        correlation_id=correlation_id,
        state_error=NotRegisteredError,
    )


async def unregister(
    client: OcpiClient,
    credentials_url: str,
    *,
    token: str | None = None,
    correlation_id: str | None = None,
) -> None:
    """DELETE our credentials at the peer: all automated traffic between us stops."""
    if not credentials_url:
        raise ValueError("no credentials URL known for this peer")
    try:
        await client.delete(credentials_url, correlation_id=correlation_id, token=token)
    except OcpiError as err:
        if err.http_status == 405:
            raise NotRegisteredError(
                status_code=err.status_code,
                status_message=err.status_message,
                http_status=405,
                url=err.url,
                method=err.method,
                request_id=err.request_id,
                correlation_id=err.correlation_id,
            ) from err
        raise
