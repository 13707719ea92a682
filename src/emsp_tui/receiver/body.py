"""Reading a partner's JSON body strictly: what we accept must be storable and servable back.

Refused (``BadBody``, answered with OCPI 2001): text that is not UTF-8 (a UTF-16 body too,
which ``json.loads`` of bytes would quietly decode), nesting deeper than ``MAX_JSON_DEPTH``,
``NaN``/``Infinity`` literals (not JSON), numbers that overflow a double (``1e400`` would be
read as infinity), integers outside SQLite's 64 bits, and lone UTF-16 surrogates (``"\\ud800"``
parses, but cannot be encoded to store or to answer). A UTF-8 byte order mark is skipped
(RFC 8259 lets a parser ignore it).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .limits import MAX_JSON_DEPTH, too_deep

_INT64 = (-(2**63), 2**63 - 1)
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class BadBody(ValueError):
    """A request body we cannot use; the message names what is wrong (answered with 2001)."""


def _constant(name: str) -> Any:
    raise BadBody(f"the body holds {name}, which is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadBody(f"the number {text[:40]} is out of range")
    return value


def _int(text: str) -> int:
    # Digits are counted first: int() of a few thousand digits is slow and then refused.
    if len(text) > 20 or not _INT64[0] <= (value := int(text)) <= _INT64[1]:
        raise BadBody(f"the integer {text[:40]} is out of range")
    return value


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def parse_json(raw: bytes) -> Any:
    """The JSON value of a request body, or BadBody naming why it cannot be used."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        raise BadBody("the request has no body")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody("the body is not UTF-8") from None
    if too_deep(raw):
        raise BadBody(f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except BadBody:
        raise
    except ValueError:  # JSONDecodeError included
        raise BadBody("the body is not valid JSON") from None
    if _SURROGATE_ESCAPE.search(raw) and _has_lone_surrogate(value):
        raise BadBody("the body holds a lone UTF-16 surrogate (\\ud800-\\udfff)")
    return value
