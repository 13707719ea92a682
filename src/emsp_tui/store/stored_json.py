"""Reading back what partners sent us before the models' rules tightened (issue #11).

A Location or Tariff stored by an earlier version may break a rule the models have since
gained (a control character in a name, say). One such row must not fail every search or page
that touches it: it reads as absent, with one warning naming it, until the partner sends it
again (a PUT, or the next sync, replaces it).
"""

from __future__ import annotations

import logging
from typing import TypeVar

from pydantic import ValidationError

from ..ocpi.models.base import OcpiModel

log = logging.getLogger(__name__)

M = TypeVar("M", bound=OcpiModel)


def read_stored(model: type[M], data: str | bytes, what: str) -> M | None:
    """``data`` (stored JSON) as ``model``, or None if it no longer validates."""
    try:
        return model.model_validate_json(data)
    except ValidationError as err:
        log.warning(
            "stored %s %s no longer validates (%d errors): absent until it is sent again",
            model.__name__, what, err.error_count(),
        )  # fmt: skip
        return None
