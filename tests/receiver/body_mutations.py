"""Request bodies for the receiver's property tests: valid ones from the spec's examples and our
payloads, and mutations of them, each marked with what the receiver must answer.

Where a mutation goes comes from the corrected OpenAPI schemas (tests/ocpi_schemas.py), not
from our models: a required field, an enum, a length limit, a DateTime, a number, an array or
object. ``certain`` mutations break the spec for sure (the receiver must refuse them with
2001); ``doubtful`` ones may be read either way (tolerance is allowed), but never with a 500
and never half-written; ``tolerated`` ones (an unknown field) must be accepted.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from hypothesis import strategies as st

from tests.ocpi_schemas import corrected_schema
from tests.paths import OCPI_EXAMPLES

Path = tuple[str | int, ...]
Expect = Literal["valid", "certain", "doubtful", "tolerated"]

# Placeholders swapped for raw bytes after serialising (what json.dumps cannot write).
_RAW = "\u2063RAW{}\u2063"


@dataclass(frozen=True)
class Case:
    raw: bytes
    expect: Expect
    what: str


def example(name: str, **replace: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((OCPI_EXAMPLES / name).read_text(encoding="utf-8"))
    body.update(replace)
    return body


@functools.cache
def _named(name: str) -> dict[str, Any]:
    return corrected_schema(name)  # a deep copy per call: cached, and never changed here


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = _named(schema["$ref"].removeprefix("./").removesuffix(".yaml"))
    return schema


def sites(value: Any, schema: dict[str, Any], path: Path = ()) -> Iterator[tuple[Path, Any, Any]]:
    """Every (path, schema, value) of a body, the body itself first."""
    schema = resolve(schema)
    yield path, schema, value
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key, inner in value.items():
            if key in props:
                yield from sites(inner, props[key], (*path, key))
    elif isinstance(value, list) and "items" in schema:
        for index, inner in enumerate(value[:2]):
            yield from sites(inner, schema["items"], (*path, index))


def _set(body: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    parent = body
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return body


def _remove(body: Any, path: Path) -> Any:
    parent = body
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return body


def _kind(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return "enum"
    kind = schema.get("type")
    if kind == "string" and str(schema.get("pattern", "")).startswith("^[0-9]{4}-"):
        return "datetime"
    return str(kind)


# For a site of each kind: (what, value, certain?) replacements.
def _replacements(schema: dict[str, Any], value: Any) -> list[tuple[str, Any, Expect]]:
    kind = _kind(schema)
    out: list[tuple[str, Any, Expect]] = []
    if kind == "enum":
        out += [("not in the enum", "NOT_AN_OCPI_VALUE", "certain"), ("a number", 7, "certain")]
    elif kind == "datetime":
        out += [
            ("a number as DateTime", 1.5, "certain"),
            ("not a DateTime", "the 5th of June", "certain"),
            ("month 13", "2026-13-01T10:00:00Z", "certain"),
            ("an offset", "2026-03-01T10:00:00+02:00", "doubtful"),
        ]
    elif kind == "string":
        if "maxLength" in schema:
            over = "x" * (int(schema["maxLength"]) + 1)
            out.append((f"longer than {schema['maxLength']}", over, "certain"))
        out += [
            ("an object for a string", {"a": 1}, "certain"),
            ("control characters", "A\x1b[31mB\r\nC\x00", "certain"),
            ("empty", "", "doubtful"),
        ]
    elif kind in ("number", "integer"):
        out += [
            ("a string for a number", "twelve", "certain"),
            ("an object for a number", {"n": 1}, "certain"),
            ("non-finite 1e400", _RAW.format("1e400"), "certain"),
            ("NaN literal", _RAW.format("NaN"), "certain"),
            ("negative", -1, "doubtful"),
            ("huge", 1e300, "doubtful"),
        ]
    elif kind == "boolean":
        out += [("not a boolean", "maybe", "certain"), ("a list", [True], "certain")]
    elif kind == "array":
        out += [("an object for an array", {"a": 1}, "certain"), ("empty", [], "doubtful")]
    elif kind == "object":
        out += [
            ("a list for an object", [value], "certain"),
            ("a string for an object", "object", "certain"),
            ("an unknown field", {**value, "x_newer_minor_field": {"a": [1]}}, "tolerated"),
        ]
    out.append(("nested 40 deep", _nested(40), "certain"))
    return out


def _nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


def encode(body: Any) -> bytes:
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    for literal in ("1e400", "NaN"):
        raw = raw.replace(json.dumps(_RAW.format(literal)).encode("utf-8"), literal.encode())
    return raw


@st.composite
def cases(
    draw: st.DrawFn,
    bases: list[dict[str, Any]],
    schema_name: str,
    *,
    keep: frozenset[str] = frozenset(),
) -> Case:
    """A valid base (1 in 6) or one mutation of it. ``keep``: top-level fields left alone (the
    ids that tie the body to its URL, which other tests cover)."""
    body = copy.deepcopy(draw(st.sampled_from(bases)))
    if draw(st.integers(0, 5)) == 0:
        return Case(encode(body), "valid", "valid")
    if draw(st.integers(0, 9)) == 0:
        raw = encode(body)
        if draw(st.booleans()):
            return Case(b"\xff\xfe" + raw.decode().encode("utf-16-le"), "certain", "UTF-16 + BOM")
        return Case(raw.replace(b'"', b'"\xc3\x28', 1), "certain", "invalid UTF-8")
    found = [
        (path, schema, value)
        for path, schema, value in sites(body, {"$ref": f"./{schema_name}.yaml"})
        if not (path and path[0] in keep)
    ]
    path, schema, value = draw(st.sampled_from(found))
    required: list[str] = [
        key for key in schema.get("required", []) if isinstance(value, dict) and key in value
    ]
    drop = draw(st.booleans())
    if required and drop:
        key = draw(st.sampled_from(required))
        if not path and key in keep:
            return Case(encode(body), "valid", "valid")
        return Case(encode(_remove(body, (*path, key))), "certain", f"without {(*path, key)}")
    if not path:
        return Case(encode(body), "valid", "valid")
    what, replacement, expect = draw(st.sampled_from(_replacements(schema, value)))
    return Case(encode(_set(body, path, replacement)), expect, f"{path}: {what}")
