"""Locations module, Receiver: live status from the CPOs, applied to the store so that search
and station detail show live availability.

``{locations}/{country_code}/{party_id}/{location_id}[/{evse_uid}[/{connector_id}]]``:
GET (what we hold), PUT (a Location, EVSE or Connector by depth), PATCH (``last_updated``
required; a change below bumps the parents' ``last_updated``). A push older than what we hold
is acknowledged and not applied (store/location_pushes.py). A PATCH or an EVSE/Connector PUT
for a Location we do not hold is answered 2003 (HTTP 404), the spec's cue for the CPO to PUT
the whole Location; that is normal before the first sync, so it is not counted as refused.
"""

from __future__ import annotations

import sqlite3

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ..ocpi import status
from ..ocpi.models import (
    EVSE,
    Connector,
    ConnectorPatch,
    EVSEPatch,
    Location,
    LocationPatch,
    OcpiModel,
)
from ..services.events import LocationPushed
from ..store import location_pushes as pushes
from ..store import locations as store
from ..store.partners import Partner
from .common import (
    BadBody,
    authenticate,
    context,
    invalid,
    may_act_for,
    method_not_allowed,
    mismatch,
    now,
    read_object,
    refuse,
    reply,
)

MODULE = "locations"
_NAMES = ("Location", "EVSE", "Connector")
_MODELS: tuple[type[OcpiModel], ...] = (Location, EVSE, Connector)
_PATCHES: tuple[type[OcpiModel], ...] = (LocationPatch, EVSEPatch, ConnectorPatch)


def _unknown(request: Request, what: str) -> Response:
    return reply(
        request,
        status_code=status.UNKNOWN_LOCATION,
        http_status=404,
        message=f"Unknown {what}: PUT the whole Location first",
    )


async def location_object(request: Request) -> Response:
    partner = await authenticate(request)
    if isinstance(partner, Response):
        return partner
    p = request.path_params
    cc, pid, location_id = p["country_code"].upper(), p["party_id"].upper(), p["location_id"]
    path = [v for v in (p.get("evse_uid"), p.get("connector_id")) if v is not None]
    depth = len(path)
    method = request.method
    if method not in ("GET", "PUT", "PATCH"):
        return method_not_allowed(request, "locations (RECEIVER) answers GET, PUT and PATCH")
    if not await may_act_for(request, partner, cc, pid):
        message = f"{cc}*{pid} is not a party you registered"
        if method == "GET":
            return reply(
                request, status_code=status.INVALID_PARAMETERS, http_status=404, message=message
            )
        return await refuse(request, partner, MODULE, message)
    if method == "GET":
        return await _get(request, cc, pid, location_id, path)
    try:
        body = await read_object(request)
    except BadBody as err:
        return await refuse(request, partner, MODULE, str(err))
    if method == "PATCH" and "last_updated" not in body:
        return await refuse(request, partner, MODULE, "A PATCH must carry last_updated")
    model = (_MODELS if method == "PUT" else _PATCHES)[depth]
    try:
        obj = model.model_validate(body)
    except ValidationError as err:
        what = _NAMES[depth] + (" PATCH" if method == "PATCH" else "")
        return await refuse(request, partner, MODULE, invalid(what, err))
    url_id = (location_id, *path)[-1]
    id_name = ("id", "uid", "id")[depth]
    owner = (body.get("country_code"), body.get("party_id")) if depth == 0 else (None, None)
    wrong = mismatch((cc, pid, url_id), (*owner, body.get(id_name)), id_name)
    if method == "PUT" and depth > 0 and body.get(id_name) is None:
        wrong = f"{id_name} is required"
    if wrong:
        return await refuse(request, partner, MODULE, wrong)
    try:
        found = await context(request).db.run(
            _write, partner, method, cc, pid, location_id, path, obj
        )
    except ValidationError as err:
        what = f"{_NAMES[depth]} after this {method}"
        return await refuse(request, partner, MODULE, invalid(what, err))
    if found is None:
        return _unknown(request, "/".join(_NAMES[: depth + 1]))
    context(request).events.emit(LocationPushed((cc, pid, location_id), found, now()))
    return reply(request)


def _write(
    conn: sqlite3.Connection,
    partner: Partner,
    method: str,
    cc: str,
    pid: str,
    location_id: str,
    path: list[str],
    obj: OcpiModel,
) -> bool | None:
    """One transaction; None when the target is unknown, else whether it was applied."""
    if method == "PUT":
        if not path:
            assert isinstance(obj, Location)
            assert partner.id is not None
            return store.upsert_locations(conn, partner.id, [obj]).written > 0
        if len(path) == 1:
            assert isinstance(obj, EVSE)
            return pushes.put_evse(conn, cc, pid, location_id, obj) is not None or None
        assert isinstance(obj, Connector)
        return pushes.put_connector(conn, cc, pid, location_id, path[0], obj) is not None or None
    if not path:
        found = pushes.apply_location_patch(conn, cc, pid, location_id, obj)
    elif len(path) == 1:
        found = pushes.apply_evse_patch(conn, cc, pid, location_id, path[0], obj)
    else:
        found = pushes.apply_connector_patch(conn, cc, pid, location_id, path[0], path[1], obj)
    return True if found is not None else None


async def _get(request: Request, cc: str, pid: str, location_id: str, path: list[str]) -> Response:
    location = await context(request).db.run(store.get_location, cc, pid, location_id)
    if location is None:
        return _unknown(request, "Location")
    if not path:
        return reply(request, location.to_ocpi())
    evse = next((e for e in location.evses or [] if e.uid.upper() == path[0].upper()), None)
    if evse is None:
        return _unknown(request, "EVSE")
    if len(path) == 1:
        return reply(request, evse.to_ocpi())
    connector = next((c for c in evse.connectors if c.id.upper() == path[1].upper()), None)
    if connector is None:
        return _unknown(request, "Connector")
    return reply(request, connector.to_ocpi())
