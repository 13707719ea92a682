"""PATCH bodies: every field optional except ``last_updated`` (spec: PATCH without it is 2001).

Built from the full models so a field's type and limits are defined once.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import create_model

from .base import OcpiModel
from .hubclientinfo import ClientInfo
from .locations import EVSE, Connector, Location
from .sessions import Session
from .tariffs import Tariff
from .tokens import Token


def _partial(model: type[OcpiModel]) -> type[OcpiModel]:
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        # Keep the field's constraints (lengths, patterns, the DateTime serialiser).
        annotation: Any = info.annotation
        if info.metadata:
            annotation = Annotated[(annotation, *info.metadata)]
        if name == "last_updated":
            fields[name] = (annotation, ...)
        else:
            fields[name] = (annotation | None, None)
    return create_model(f"{model.__name__}Patch", __base__=OcpiModel, **fields)


LocationPatch = _partial(Location)
EVSEPatch = _partial(EVSE)
ConnectorPatch = _partial(Connector)
SessionPatch = _partial(Session)
TariffPatch = _partial(Tariff)
TokenPatch = _partial(Token)
ClientInfoPatch = _partial(ClientInfo)


def patch_fields(patch: OcpiModel) -> dict[str, Any]:
    """The fields a PATCH actually carried, JSON-ready."""
    return patch.model_dump(mode="json", exclude_unset=True)
