"""The base of every OCPI wire model."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class OcpiModel(BaseModel):
    """An OCPI object.

    Unknown fields are ignored, so a partner on a newer minor version does not break us, and
    never echoed back: what we send is exactly what 2.2.1 defines. NaN and infinities are
    refused in every number (``1e400`` parses as infinity and would be stored as ``Infinity``).
    """

    model_config = ConfigDict(
        extra="ignore", frozen=False, validate_assignment=False, allow_inf_nan=False
    )

    def to_ocpi(self) -> dict[str, Any]:
        """JSON-ready dict as the spec wants it: absent fields omitted, never ``null``."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_ocpi_json(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def from_ocpi(cls, data: Any) -> Self:
        return cls.model_validate(data)
