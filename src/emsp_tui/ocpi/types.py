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


# Length-limited strings, one alias per limit the spec uses. Written out (not built by a
# factory function) so that mypy sees them as ``str``; pydantic enforces the constraints.
# CiString (case-insensitive in the spec): printable ASCII only. String: any UTF-8.
CiString4 = Annotated[str, StringConstraints(max_length=4, pattern=_PRINTABLE_ASCII)]
CiString32 = Annotated[str, StringConstraints(max_length=32, pattern=_PRINTABLE_ASCII)]
CiString36 = Annotated[str, StringConstraints(max_length=36, pattern=_PRINTABLE_ASCII)]
CiString39 = Annotated[str, StringConstraints(max_length=39, pattern=_PRINTABLE_ASCII)]
CiString48 = Annotated[str, StringConstraints(max_length=48, pattern=_PRINTABLE_ASCII)]

String2 = Annotated[str, StringConstraints(max_length=2)]
String3 = Annotated[str, StringConstraints(max_length=3)]
String4 = Annotated[str, StringConstraints(max_length=4)]
String10 = Annotated[str, StringConstraints(max_length=10)]
String16 = Annotated[str, StringConstraints(max_length=16)]
String45 = Annotated[str, StringConstraints(max_length=45)]
String64 = Annotated[str, StringConstraints(max_length=64)]
String100 = Annotated[str, StringConstraints(max_length=100)]
String255 = Annotated[str, StringConstraints(max_length=255)]
String512 = Annotated[str, StringConstraints(max_length=512)]
String5000 = Annotated[str, StringConstraints(max_length=5000)]

URL = String255
CountryCode = Annotated[
    str, StringConstraints(min_length=2, max_length=2, pattern=_PRINTABLE_ASCII)
]
PartyId = Annotated[str, StringConstraints(min_length=3, max_length=3, pattern=_PRINTABLE_ASCII)]
