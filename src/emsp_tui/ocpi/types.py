"""OCPI basic types: DateTime, CiString, string, party and country codes, bounded numbers.

OCPI DateTimes are UTC. We accept every form seen in the field (with or without ``Z``,
with fractions, with an explicit ``+00:00`` or another offset, which we convert) and always
emit ``YYYY-MM-DDTHH:MM:SS[.fff]Z``. A DateTime must be a JSON string of that shape: a number
(``1.5``) or a numeric string would otherwise be read as seconds since 1970.

What a partner sends is refused here, before it is stored or shown (spec 1.7, issue #11):

* string: control characters (C0 incl. NUL, TAB, CR, LF, ESC; DEL; C1 U+0080-U+009F), the
  characters that reorder text on screen (bidi embeddings, overrides and isolates U+202A-U+202E,
  U+2066-U+2069) and the line/paragraph separators U+2028/U+2029. CiString: printable ASCII only.
* codes: a currency is three upper-case letters (ISO 4217 form); a party's country_code is an
  ISO 3166-1 alpha-2 code (``countries.py``, any case), a Location's country its alpha-3 code;
  a party_id is three letters or digits.
* numbers: NaN and infinities (``OcpiModel`` sets ``allow_inf_nan=False``; ``1e400`` parses as
  infinity) and anything outside the bounds below, generous for real data and far inside what
  a float holds exactly and SQLite stores:

  ==========================  =======================  =======================================
  alias                       range                    why that much
  ==========================  =======================  =======================================
  Kwh                         0 .. 1,000,000 kWh       a truck or depot session is ~1 MWh
  DurationHours               0 .. 100,000 h           a session is hours, a CDR at most weeks
  Seconds (int)               0 .. 315,360,000 s       ten years (tariff durations, timeouts,
                                                       step sizes in s or Wh)
  Money                       -1e11 .. 1e11            any currency (1 EUR is ~20,000 IDR),
                                                       exact to 4 decimals in a float
  Percent                     0 .. 100                 VAT, energy-mix shares
  Kilowatts, Amperes          0 .. 100,000             megawatt charging: ~3,750 kW, ~3,000 A
  WholeVolts, WholeAmperes    0 .. 100,000 (int)       HVDC chargers run at ~1,500 V
  WholeWatts                  0 .. 100,000,000 W       100 MW
  DimensionVolume             -1e6 .. 1e6              any CdrDimension unit (kWh, h, A, kW, %)
  Count                       0 .. 2,147,483,647       a version number or another counter
  ==========================  =======================  =======================================

  Which costs and volumes may be below zero: ``models/common.py`` (``Cost``, only a credit CDR
  has negative amounts) and ``models/sessions.py`` (``CdrDimension``: energy fed back to the grid).

Every check runs inside pydantic-core (a regex or a bound, no Python call per value) except the
country-code lookups, the cost and dimension rules, and reading a DateTime's text (CPython's
``fromisoformat``, after the shape regex): a sync validates hundreds of thousands of objects,
and with these rules a 40-EVSE Location validates as fast as before them (~0.3 ms).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, Field, GetCoreSchemaHandler, PlainSerializer
from pydantic_core import CoreSchema, core_schema

from .countries import ALPHA_2, ALPHA_3


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise ValueError("DateTime is out of range once converted to UTC") from exc


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
    hundreds of thousands of times. The year is always four digits (``0001``, not ``1``).
    """
    v = _as_utc(value)
    text = f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
    if v.microsecond:
        return f"{text}.{v.microsecond // 1000:03d}Z"
    return f"{text}Z"


@dataclass(frozen=True)
class PatternRule:
    """Annotated marker: a string matching ``pattern`` (one Rust regex in pydantic-core), with
    one plain-words error instead of the pattern itself."""

    pattern: str
    error: str
    message: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.custom_error_schema(
            core_schema.str_schema(pattern=self.pattern),
            custom_error_type=self.error,
            custom_error_message=self.message,
        )


_DATETIME_SHAPE = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:?[0-9]{2})?$"
)
_DATETIME_MESSAGE = "should be an OCPI DateTime string such as 2015-06-29T20:39:09Z"


def _utc_from_text(text: str) -> datetime:
    """A DateTime of the checked OCPI shape, in UTC. CPython's reader with its own UTC object
    is the fastest way (``datetime.replace`` and a pydantic TzInfo each cost more than parsing).
    """
    if text[-1] == "z":
        text = text[:-1] + "Z"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is UTC:
        return parsed
    if parsed.tzinfo is None:
        return datetime.fromisoformat(text + "+00:00")
    return _as_utc(parsed)


class DateTimeRule:
    """Annotated marker: a DateTime is read from a string of the OCPI shape only (a datetime
    object is fine when we build a model ourselves), and is always aware and in UTC."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        text = core_schema.chain_schema(
            [
                core_schema.str_schema(pattern=_DATETIME_SHAPE, max_length=35),
                core_schema.no_info_plain_validator_function(_utc_from_text),
            ]
        )
        ours = core_schema.no_info_after_validator_function(
            _as_utc, core_schema.datetime_schema(strict=True)
        )
        either = core_schema.json_or_python_schema(
            json_schema=text,
            # The text first: it is what partners send, so it fails least often.
            python_schema=core_schema.union_schema([text, ours], mode="left_to_right"),
        )
        return core_schema.custom_error_schema(
            either, custom_error_type="ocpi_datetime", custom_error_message=_DATETIME_MESSAGE
        )


DateTime = Annotated[
    datetime,
    DateTimeRule(),
    PlainSerializer(format_datetime, return_type=str, when_used="json"),
]

# Allowed: everything but C0, DEL, C1, U+2028/9, bidi embeddings/overrides/isolates. Lone
# surrogates (JSON "\ud800") fail already: pydantic-core cannot read them as a string.
_PRINTABLE = r"^[^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*$"
_PRINTABLE_ASCII = r"^[\x20-\x7E]*$"


@dataclass(frozen=True)
class TextRule:
    """Annotated marker: a string of at most ``limit`` characters, all allowed by ``pattern``.

    One pydantic-core string check (length and Rust regex together, the fastest form) with
    one plain-words error for any way of missing it."""

    limit: int
    ascii: bool = False

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        kind = "printable ASCII (an OCPI CiString)" if self.ascii else "printable text"
        return core_schema.custom_error_schema(
            core_schema.str_schema(
                max_length=self.limit, pattern=_PRINTABLE_ASCII if self.ascii else _PRINTABLE
            ),
            custom_error_type="ocpi_cistring" if self.ascii else "ocpi_string",
            custom_error_message=(
                f"should be {kind} of at most {self.limit} characters, without control "
                "characters (NUL, ESC, CR, LF, TAB), bidi overrides or line separators"
            ),
        )


# Length-limited strings, one alias per limit the spec uses. Written out (not built by a
# factory function) so that mypy sees them as ``str``; pydantic enforces the constraints.
CiString4 = Annotated[str, TextRule(4, ascii=True)]
CiString32 = Annotated[str, TextRule(32, ascii=True)]
CiString36 = Annotated[str, TextRule(36, ascii=True)]
CiString39 = Annotated[str, TextRule(39, ascii=True)]
CiString48 = Annotated[str, TextRule(48, ascii=True)]

String2 = Annotated[str, TextRule(2)]
String3 = Annotated[str, TextRule(3)]
String4 = Annotated[str, TextRule(4)]
String10 = Annotated[str, TextRule(10)]
String16 = Annotated[str, TextRule(16)]
String45 = Annotated[str, TextRule(45)]
String64 = Annotated[str, TextRule(64)]
String100 = Annotated[str, TextRule(100)]
String255 = Annotated[str, TextRule(255)]
String512 = Annotated[str, TextRule(512)]
String5000 = Annotated[str, TextRule(5000)]

URL = String255

# ISO 4217 form: three upper-case letters (string, so case-sensitive).
Currency = Annotated[
    str,
    PatternRule(
        r"^[A-Z]{3}$",
        "ocpi_currency",
        "should be a currency code: three upper-case letters like EUR",
    ),
]


_ALPHA_2_MESSAGE = "should be an ISO 3166-1 alpha-2 country code like NL"
_ALPHA_3_MESSAGE = "should be an ISO 3166-1 alpha-3 country code like NLD"


def check_alpha_2(code: str) -> str:
    if code.upper() not in ALPHA_2:
        raise ValueError(_ALPHA_2_MESSAGE)
    return code


def check_alpha_3(code: str) -> str:
    if code.upper() not in ALPHA_3:
        raise ValueError(_ALPHA_3_MESSAGE)
    return code


# A party's country_code is a CiString(2): any case is accepted and kept as sent (the store
# and every comparison use upper case). A Location's country is its alpha-3 code. ASCII
# letters first: no other script's letter may upper-case into a code (U+0131 + "t" is "IT").
CountryCode = Annotated[
    str,
    PatternRule(r"^[A-Za-z]{2}$", "ocpi_country_code", _ALPHA_2_MESSAGE),
    AfterValidator(check_alpha_2),
]
CountryAlpha3 = Annotated[
    str,
    PatternRule(r"^[A-Za-z]{3}$", "ocpi_country_alpha_3", _ALPHA_3_MESSAGE),
    AfterValidator(check_alpha_3),
]
# ISO 15118 party id: three letters or digits.
PartyId = Annotated[
    str,
    PatternRule(r"^[A-Za-z0-9]{3}$", "ocpi_party_id", "should be a party id: 3 letters or digits"),
]

MAX_KWH = 1_000_000
MAX_HOURS = 100_000
MAX_SECONDS = 10 * 365 * 24 * 3600
MAX_MONEY = 100_000_000_000
MAX_KILOWATTS = 100_000
MAX_AMPERES = 100_000
MAX_VOLTS = 100_000
MAX_WATTS = 100_000_000
MAX_VOLUME = 1_000_000
MAX_COUNT = 2**31 - 1

Kwh = Annotated[float, Field(ge=0, le=MAX_KWH)]
DurationHours = Annotated[float, Field(ge=0, le=MAX_HOURS)]
Seconds = Annotated[int, Field(ge=0, le=MAX_SECONDS)]
Money = Annotated[float, Field(ge=-MAX_MONEY, le=MAX_MONEY)]
Percent = Annotated[float, Field(ge=0, le=100)]
Kilowatts = Annotated[float, Field(ge=0, le=MAX_KILOWATTS)]
Amperes = Annotated[float, Field(ge=0, le=MAX_AMPERES)]
WholeVolts = Annotated[int, Field(ge=0, le=MAX_VOLTS)]
WholeAmperes = Annotated[int, Field(ge=0, le=MAX_AMPERES)]
WholeWatts = Annotated[int, Field(ge=0, le=MAX_WATTS)]
DimensionVolume = Annotated[float, Field(ge=-MAX_VOLUME, le=MAX_VOLUME)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
