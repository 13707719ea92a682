"""Versions module (spec 2): the peer's versions, one version's endpoints, negotiation.

A configuration module: these requests never carry routing headers. We speak 2.2.1 only; a
peer's entries for versions we do not know, and custom modules (``nltnm-tokens``) in its
endpoints, are left out rather than failing the whole answer.
"""

from __future__ import annotations

from pydantic import ValidationError

from .enums import InterfaceRole, ModuleID, VersionNumber
from .errors import UnsupportedVersionError
from .models import Version, VersionDetail
from .requester import Requester
from .wire import new_id, validation_summary

#: The versions we speak, best first: negotiation picks the first one the peer also offers.
SUPPORTED_VERSIONS: tuple[VersionNumber, ...] = (VersionNumber.V2_2_1,)
_KNOWN_MODULES = frozenset(m.value for m in ModuleID)
_KNOWN_ROLES = frozenset(r.value for r in InterfaceRole)


async def fetch_versions(
    client: Requester, url: str, *, token: str | None, correlation_id: str | None
) -> tuple[list[Version], list[str]]:
    """The versions we understand, and every version label the peer offered."""
    reply = await client.request("GET", url, correlation_id=correlation_id, token=token)
    if not isinstance(reply.data, list):
        raise reply.protocol_error("versions data is not a list")
    known: list[Version] = []
    offered: list[str] = []
    for item in reply.data:
        if not isinstance(item, dict):
            continue
        offered.append(str(item.get("version")))
        try:
            known.append(Version.model_validate(item))
        except ValidationError:
            continue  # a version we do not know (3.0) or a broken entry: not for us
    return known, offered


async def fetch_version_details(
    client: Requester, url: str, *, token: str | None, correlation_id: str | None
) -> VersionDetail:
    reply = await client.request("GET", url, correlation_id=correlation_id, token=token)
    data = reply.data
    if not isinstance(data, dict):
        raise reply.protocol_error("version details data is not an object")
    endpoints = data.get("endpoints")
    if isinstance(endpoints, list):
        data = {
            **data,
            "endpoints": [
                e
                for e in endpoints
                if isinstance(e, dict)
                and e.get("identifier") in _KNOWN_MODULES
                and e.get("role") in _KNOWN_ROLES
            ],
        }
    try:
        return VersionDetail.model_validate(data)
    except ValidationError as err:
        raise reply.protocol_error(f"invalid version details: {validation_summary(err)}") from None


async def negotiate(
    client: Requester, versions_url: str, *, token: str | None, correlation_id: str | None
) -> VersionDetail:
    """GET versions, pick the highest version we both speak, GET its details."""
    cid = correlation_id or new_id()
    known, offered = await fetch_versions(client, versions_url, token=token, correlation_id=cid)
    by_number = {v.version: v for v in known}
    for number in SUPPORTED_VERSIONS:
        if number not in by_number:
            continue
        url = by_number[number].url
        detail = await fetch_version_details(client, url, token=token, correlation_id=cid)
        if detail.version != number:
            raise UnsupportedVersionError(
                f"the details for {number} describe version {detail.version}",
                method="GET",
                url=url,
                correlation_id=cid,
            )
        return detail
    raise UnsupportedVersionError(
        f"peer offers {', '.join(offered) or 'no versions'}; we speak "
        + ", ".join(SUPPORTED_VERSIONS),
        method="GET",
        url=versions_url,
        correlation_id=cid,
    )
