"""A card held to a charger's reader, in the simulated network (demo and test setups only).

Not OCPI: ``POST {mock}/mock/tap`` on the mock network's control API. The CPO then decides as
real CPOs do, from its copy of the card (pushed by us) or by asking our real-time authorisation,
and starts the session. The mock's base URL is derived from the partner's versions URL
(``mock_base_url``): the mock serves OCPI below ``{base}/ocpi/`` and its control API below
``{base}/mock/``. Against a real partner there is no such endpoint, and a tap says so (error).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..ocpi.models import EVSE, Location, Token
from ..store.partners import Partner
from . import driver_advice as advice
from .charging_events import ChargingError
from .driver_advice import DriverAdvice


@dataclass(frozen=True, slots=True)
class TapResult:
    result: str  # started | refused | error
    reason: str | None
    session_id: str | None
    decided_by: str | None  # cpo (its copy of the token) or emsp (real-time authorisation)
    allowed: str | None  # the AllowedType we answered, when we were asked
    authorization_reference: str | None
    advice: DriverAdvice


def mock_base_url(versions_url: str) -> str:
    """The mock network's base URL from a partner's versions URL (demo and test setups only):
    the mock serves OCPI below ``{base}/ocpi/`` (hub ``/ocpi/versions``, CPOs
    ``/ocpi/cpo/{cc-pid}/versions``) and its control API below ``{base}/mock/``."""
    parts = urlsplit(versions_url)
    path = parts.path
    cut = path.find("/ocpi/")
    prefix = path[:cut] if cut >= 0 else ""
    return f"{parts.scheme}://{parts.netloc}{prefix}"


async def tap(
    location: Location,
    evse: EVSE | str,
    card: Token,
    partner: Partner | None,
    connector: str | None = None,
    *,
    request_timeout: float,
) -> TapResult:
    """Tap ``card`` (as stored now) at the mock network ``partner`` reaches the location's CPO
    through (None: no route)."""
    evse_uid = evse if isinstance(evse, str) else evse.uid
    if partner is None:
        raise ChargingError(advice.NO_ROUTE)
    body: dict[str, Any] = {
        "token_uid": card.uid,
        "type": str(card.type),
        "location_id": location.id,
        "evse_uid": evse_uid,
    }
    if connector:
        body["connector_id"] = connector
    url = f"{mock_base_url(partner.versions_url)}/mock/tap"
    try:
        async with httpx.AsyncClient(timeout=request_timeout) as http:
            answer = (await http.post(url, json=body)).json()
    except (httpx.HTTPError, ValueError) as err:
        return TapResult("error", str(err), None, None, None, None, advice.UNREACHABLE)
    if not isinstance(answer, dict):
        return TapResult("error", "not a mock network", None, None, None, None, advice.UNREACHABLE)
    result = str(answer.get("result", "error"))
    allowed = answer.get("allowed")
    return TapResult(
        result,
        answer.get("reason"),
        answer.get("session_id"),
        answer.get("decided_by"),
        allowed,
        answer.get("authorization_reference"),
        advice.tap_advice(result, allowed, card.valid),
    )
