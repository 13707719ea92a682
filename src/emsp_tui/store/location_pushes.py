"""Pushes from CPOs into the stored Locations: PATCH at any depth, PUT of an EVSE or connector.

(A PUT of a whole Location is ``locations.upsert_locations`` with one Location.) Each is a
read-modify-write of the stored JSON through the same write path as a sync page, validated as
a whole Location, so an invalid merge raises (pydantic ValidationError) and stores nothing.
A change at EVSE or connector depth bumps its parents' ``last_updated`` (spec, Locations
module); a push older than the object it targets is ignored. Each function returns the
Location as now stored, or None when the target is unknown (the receiver answers 2003, the
CPO then PUTs it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..ocpi.models import EVSE, Connector, Location, OcpiModel
from ..ocpi.models import patch_fields as _patch_fields
from ..ocpi.types import parse_datetime
from .locations import load_location, save_location

PatchBody = Mapping[str, Any] | OcpiModel  # the JSON body, or a *Patch model


def _fields(patch: PatchBody) -> dict[str, Any]:
    fields = _patch_fields(patch) if isinstance(patch, OcpiModel) else dict(patch)
    if "last_updated" not in fields:
        raise ValueError("a PATCH must carry last_updated")
    return fields


def _stamp(fields: Mapping[str, Any]) -> datetime:
    value = fields["last_updated"]
    return value if isinstance(value, datetime) else parse_datetime(str(value))


def _find(items: list[Any], attr: str, wanted: str) -> int | None:
    wanted = wanted.upper()
    return next((i for i, item in enumerate(items) if getattr(item, attr).upper() == wanted), None)


def apply_location_patch(
    conn: sqlite3.Connection,
    country_code: str,
    party_id: str,
    location_id: str,
    patch: PatchBody,
) -> Location | None:
    """Merge a PATCH into the stored Location; None when it is unknown (GET it, then PUT).

    Top-level fields are replaced as sent; the result is validated as a whole (a
    pydantic ValidationError leaves the store untouched). A PATCH older than the stored
    Location is ignored.
    """
    found = load_location(conn, country_code, party_id, location_id)
    if found is None:
        return None
    partner_id, loc = found
    fields = _fields(patch)
    if _stamp(fields) < loc.last_updated:
        return loc
    data = loc.to_ocpi() | fields
    data.update(country_code=loc.country_code, party_id=loc.party_id, id=loc.id)  # immutable
    new = Location.model_validate(data)
    save_location(conn, partner_id, new)
    return new


def apply_evse_patch(
    conn: sqlite3.Connection,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    patch: PatchBody,
) -> Location | None:
    """Merge a PATCH into one EVSE and bump the Location's last_updated (spec, Locations module)."""
    found = load_location(conn, country_code, party_id, location_id)
    if found is None:
        return None
    partner_id, loc = found
    i = _find(loc.evses or [], "uid", evse_uid)
    if i is None:
        return None
    fields = _fields(patch)
    old = loc.evses[i]  # type: ignore[index]
    if _stamp(fields) < old.last_updated:
        return loc
    data = old.to_ocpi() | fields
    data["uid"] = old.uid
    return _replace_evse(conn, partner_id, loc, i, EVSE.model_validate(data))


def apply_connector_patch(
    conn: sqlite3.Connection,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    connector_id: str,
    patch: PatchBody,
) -> Location | None:
    """Merge a PATCH into one connector and bump its EVSE's and Location's last_updated."""
    found = load_location(conn, country_code, party_id, location_id)
    if found is None:
        return None
    partner_id, loc = found
    i = _find(loc.evses or [], "uid", evse_uid)
    if i is None:
        return None
    evse = loc.evses[i]  # type: ignore[index]
    j = _find(evse.connectors, "id", connector_id)
    if j is None:
        return None
    fields = _fields(patch)
    old = evse.connectors[j]
    if _stamp(fields) < old.last_updated:
        return loc
    data = old.to_ocpi() | fields
    data["id"] = old.id
    return _replace_connector(conn, partner_id, loc, i, j, Connector.model_validate(data))


def put_evse(
    conn: sqlite3.Connection,
    country_code: str,
    party_id: str,
    location_id: str,
    evse: EVSE,
) -> Location | None:
    """Add or replace one EVSE (receiver PUT at EVSE depth); None if the Location is unknown."""
    found = load_location(conn, country_code, party_id, location_id)
    if found is None:
        return None
    partner_id, loc = found
    evses = list(loc.evses or [])
    i = _find(evses, "uid", evse.uid)
    if i is None:
        evses.append(evse)
        i = len(evses) - 1
    elif evse.last_updated < evses[i].last_updated:
        return loc
    loc = loc.model_copy(update={"evses": evses})
    return _replace_evse(conn, partner_id, loc, i, evse)


def put_connector(
    conn: sqlite3.Connection,
    country_code: str,
    party_id: str,
    location_id: str,
    evse_uid: str,
    connector: Connector,
) -> Location | None:
    """Add or replace one connector; None if its Location or EVSE is unknown."""
    found = load_location(conn, country_code, party_id, location_id)
    if found is None:
        return None
    partner_id, loc = found
    i = _find(loc.evses or [], "uid", evse_uid)
    if i is None:
        return None
    connectors = list(loc.evses[i].connectors)  # type: ignore[index]
    j = _find(connectors, "id", connector.id)
    if j is None:
        connectors.append(connector)
        j = len(connectors) - 1
    elif connector.last_updated < connectors[j].last_updated:
        return loc
    evse = loc.evses[i].model_copy(update={"connectors": connectors})  # type: ignore[index]
    loc = loc.model_copy(update={"evses": [*loc.evses[:i], evse, *loc.evses[i + 1 :]]})  # type: ignore[index]
    return _replace_connector(conn, partner_id, loc, i, j, connector)


def _replace_connector(
    conn: sqlite3.Connection, partner_id: int, loc: Location, i: int, j: int,
    connector: Connector,
) -> Location:  # fmt: skip
    evse = loc.evses[i]  # type: ignore[index]
    connectors = [*evse.connectors[:j], connector, *evse.connectors[j + 1 :]]
    evse = evse.model_copy(update={
        "connectors": connectors, "last_updated": max(evse.last_updated, connector.last_updated),
    })  # fmt: skip
    return _replace_evse(conn, partner_id, loc, i, evse)


def _replace_evse(
    conn: sqlite3.Connection, partner_id: int, loc: Location, i: int, evse: EVSE
) -> Location:
    evses = list(loc.evses or [])
    evses[i] = evse
    new = loc.model_copy(
        update={"evses": evses, "last_updated": max(loc.last_updated, evse.last_updated)}
    )
    save_location(conn, partner_id, new)
    return new
