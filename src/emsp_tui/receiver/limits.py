"""What a partner may send us, at most, and the fast checks that hold it to that.

* Body size: ``MAX_BODY_BYTES`` (4 MiB). The largest legitimate body is a Location PUT; one
  with 1,000 EVSEs of two connectors each, the usual optional fields filled, is about 1.0 MB
  compact and 1.5 MB indented (measured for docs/reliability.md): 4 MiB leaves ample headroom.
* Nesting: ``MAX_JSON_DEPTH`` (32) levels of arrays and objects. The deepest object in the
  spec's examples is the CDR (7: tariffs, elements, restrictions, day_of_week); Python's own
  parser recurses once per level and fails at about 1,000.
* Paging: ``offset`` and ``limit`` are decimal integers below ``MAX_QUERY_INT`` (2**31), far
  inside SQLite's 64-bit integers.
"""

from __future__ import annotations

import re

MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_JSON_DEPTH = 32
MAX_QUERY_INT = 2**31

# A JSON string, escapes included; possessive, so a long string is one linear step.
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_AS_SQUARE = bytes.maketrans(b"{}", b"[]")  # a parser recurses alike into both


def too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a parser reading this text could nest more than ``limit`` arrays/objects deep.
    Strings are skipped; each pass drops the innermost pairs (C-speed ``bytes.replace``), at
    most ``limit`` passes over the brackets alone (under half a second for 4 MiB of the worst
    shapes). Unpaired brackets count as open: text that is not JSON is at worst called deep."""
    brackets = _STRING.sub(b"", raw).translate(_AS_SQUARE, _NOT_BRACKET)
    if b"[" * (limit + 1) in brackets:
        return True  # the usual attack, found in one pass
    for passes in range(limit + 1):
        inner_gone = brackets.replace(b"[]", b"")
        if len(inner_gone) == len(brackets):  # no pair left: "]]][[" at most
            return passes + brackets.count(b"[") > limit
        brackets = inner_gone
    return True


_QUERY_INT = re.compile(r"[0-9]{1,10}", re.ASCII)


def query_int(text: str) -> int | None:
    """A paging parameter: ASCII digits only (no sign, exponent, '_' or other scripts' digits,
    which ``int()`` would take) and below ``MAX_QUERY_INT``; None when it is not one."""
    if not _QUERY_INT.fullmatch(text):
        return None
    value = int(text)
    return value if value < MAX_QUERY_INT else None
