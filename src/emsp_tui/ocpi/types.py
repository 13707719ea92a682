"""OCPI basic types: DateTime, CiString, string with a length limit.

OCPI DateTimes are UTC. We accept every form seen in the field (with or without ``Z``,
with fractions, with an explicit ``+00:00`` or another offset, which we convert) and always
emit ``YYYY-MM-DDTHH:MM:SS[.fff]Z``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, PlainSerializer, StringConstraints


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_datetime(text: str) -> datetime:
    """Parse an OCPI DateTime leniently into an aware UTC datetime."""
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1]
    return _as_utc(datetime.fromisoformat(cleaned))


@lru_cache(maxsize=8192)
def format_datetime(value: datetime) -> str:
    """Format as OCPI wants it: UTC, ``Z`` suffix, milliseconds only when present.

    Cached: a sync serialises the same few timestamps (EVSE and connector last_updated)
    hundreds of thousands of times.
    """
    value = _as_utc(value)
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


# pydantic parses ISO 8601 natively (fast, in Rust); we only make the result UTC-aware.
DateTime = Annotated[
    datetime,
    AfterValidator(_as_utc),
    PlainSerializer(format_datetime, return_type=str, when_used="json"),
]

_PRINTABLE_ASCII = r"^[\x20-\x7E]*$"


def CiString(max_length: int) -> type[str]:
    """A case-insensitive string: printable ASCII, at most ``max_length`` characters."""
    return Annotated[  # type: ignore[return-value]
        str, StringConstraints(max_length=max_length, pattern=_PRINTABLE_ASCII)
    ]


def String(max_length: int) -> type[str]:
    """A printable UTF-8 string of at most ``max_length`` characters."""
    return Annotated[str, StringConstraints(max_length=max_length)]  # type: ignore[return-value]


URL = String(255)
CountryCode = Annotated[
    str, StringConstraints(min_length=2, max_length=2, pattern=_PRINTABLE_ASCII)
]
PartyId = Annotated[str, StringConstraints(min_length=3, max_length=3, pattern=_PRINTABLE_ASCII)]
