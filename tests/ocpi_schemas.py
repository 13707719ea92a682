"""Independent checker of OCPI 2.2.1 payloads against the shared OpenAPI schemas.

The mock backend reuses our own pydantic models, so a misreading of the spec could hide on both
sides. This module validates JSON payloads (the mock's responses, our own `to_ocpi()` output)
against `tests/data/ocpi/schemas/openapi` (OpenAPI 3.1 = JSON Schema 2020-12), never our models.
The copy's provenance and licence are in tests/data/ocpi/schemas/SOURCE.md.

API
  validate(instance, schema_name)            one object; schema_name = a file name under
                                             components/schemas ("Location", "EVSE", "CDR", ...;
                                             case-insensitive, so "Cdr" works too)
  validate_response(envelope, schema_name, many)
                                             the OCPI envelope plus `data` (one object or a list);
                                             schema_name None checks the envelope only
  validate_headers_paginated(headers)        Link / X-Total-Count / X-Limit of a list response
  schema_names()                             every name `validate` accepts
  corrected_schema(name)                     one corrected schema document, for inspection
  openapi_document()                         the whole corrected set as one OpenAPI dict, file
                                             $refs made internal (for schemathesis)
All raise AssertionError listing every violation as "<json path>: <message>".

Modes. By default the check is stricter than the spec in two ways, both right for our own traffic
(architecture.md: absent fields are omitted, never null) and both switchable off:
  allow_unknown_fields=False  objects get `additionalProperties: false` (catches `floor` for
                              `floor_level`, 2.1.1 leftovers such as `auth_id`)
  allow_null=False            optional fields may not be null (the spec allows null for `?`/`*`
                              fields; allow_null=True accepts that, required fields never take null)
Validator details: an `integer` must be a JSON integer (230.0 fails, unlike plain JSON Schema);
`pattern` uses ECMA-262 anchoring (Python's `$` would also match before a trailing newline) and
ASCII `\\d`; `format: uri` is asserted (absolute http(s) URL, no whitespace).

Corrections, applied in memory at load time (the YAML files are never edited; each correction
checks the upstream text it replaces and raises SchemaDriftError if that text changed):
  1. `+` cardinality (list of >= 1) modelled as a single object and not required
     (schemas/SOURCE.md defect 1): Credentials.roles, EVSE.connectors, Tariff.elements,
     TariffElement.price_components, ChargingPeriod.dimensions, CDR.charging_periods,
     SignedData.signed_values become `type: array, minItems: 1, items: $ref` and required.
     EVSEPartial.connectors gets the same array shape (not required: it is a PATCH body).
  2. Versions (the `data` of GET versions, `Version+`) gets `minItems: 1`.
  3. DateTime: `format: date-time` (strict RFC 3339) dropped; a pattern accepts exactly the OCPI
     forms: YYYY-MM-DDTHH:MM:SS, optional .fraction, optional Z; no offsets (not even +00:00).
     maxLength 25 kept.
  4. Errata lengths: Location/LocationPartial address 255 and state 45; CdrLocation address 255
     and state 45 too (the errata left CdrLocation's text alone, but a snapshot of a Location must
     fit); SignedValue.plain_data 5000.
  5. RegularHours.weekday is `int(1)` 1..7 in the spec; upstream says `type: string`.
  6. Image.width / Image.height are `int(5)`; upstream says `type: string` (with maximum 99999).
  7. Hours: with twentyfourseven=false, regular_hours is required with >= 1 entry; with
     twentyfourseven=true it must be absent or empty ("only to be used if twentyfourseven=false").
  8. Location.publish_allowed_to only with publish=false (absent or empty when publish=true).
  9. PublishTokenType: at least one of uid / visual_number / group_id; uid needs type;
     visual_number needs issuer.
 10. Command and LocationPush: `oneOf` -> `anyOf`. The body type is given by the URL, not the
     shape, and the alternatives overlap (a StartSession with evse_uid + connector_id also
     satisfies UnlockConnector, so `oneOf` rejected a valid StartSession).
 11. CiString fields (described "Case insensitive string.", plus CountryCode and PartyID): printable
     ASCII only (U+0020..U+007E).
 12. Plain string fields (no enum / pattern / format): no control characters (OCPI `string` is
     printable UTF-8, no CR/LF/TAB).
 13. Credentials.token: printable non-whitespace ASCII (U+0021..U+007E), at least one character.
 14. Fixed-length ISO codes: Location/CdrLocation.country (alpha-3) minLength 3; currency
     (ISO 4217) minLength 3 in Session, CDR, Tariff; language (ISO 639-1) minLength 2 in
     DisplayText and Token.
 15. Envelope (responses/BaseResponse): status_code is a 4-digit code in 1000..4999.
 16. PriceComponent.step_size: the spec says `int`, upstream adds `minimum: 1`. FLAT has no step,
     and the spec's own tariff_5_free_of_charge.json (as fixed by errata a57ecb6) sends
     `step_size: 0`, so the lower bound is 0.
"""

from __future__ import annotations

import copy
import difflib
import functools
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple, cast
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.paths import OCPI_SCHEMAS

__all__ = [
    "PageHeaders",
    "SchemaDriftError",
    "corrected_schema",
    "openapi_dir",
    "openapi_document",
    "schema_names",
    "validate",
    "validate_headers_paginated",
    "validate_response",
]

Doc = dict[str, Any]
# Synthetic base URI for the registry: relative `$ref`s resolve against it, independent of disk.
BASE_URI = "https://ocpi-schemas.test/openapi/"
SCHEMAS = "components/schemas/"
BASE_RESPONSE = "components/responses/BaseResponse.yaml"
MAX_MESSAGE = 240


class SchemaDriftError(RuntimeError):
    """The upstream YAML no longer looks like what a correction expects: review the correction."""


def openapi_dir() -> Path:
    return OCPI_SCHEMAS


# --------------------------------------------------------------------------------------------
# Corrections. Each takes all documents (keyed by path relative to openapi/) and edits them.


def _schema(docs: dict[str, Doc], name: str) -> Doc:
    return docs[f"{SCHEMAS}{name}.yaml"]


def _expect(actual: object, expected: object, where: str) -> None:
    if actual != expected:
        raise SchemaDriftError(f"{where}: expected {expected!r}, found {actual!r}")


def _ref(name: str) -> Doc:
    return {"$ref": f"./{name}.yaml"}


PLUS_LISTS = {  # schema -> (field, item schema), all `+` in the spec
    "Credentials": ("roles", "CredentialsRole"),
    "EVSE": ("connectors", "Connector"),
    "Tariff": ("elements", "TariffElement"),
    "TariffElement": ("price_components", "PriceComponent"),
    "ChargingPeriod": ("dimensions", "CdrDimension"),
    "CDR": ("charging_periods", "ChargingPeriod"),
    "SignedData": ("signed_values", "SignedValue"),
}


def fix_plus_lists(docs: dict[str, Doc]) -> None:
    """1. `+` fields: a single $ref, optional -> a non-empty array, required."""
    for name, (field, item) in PLUS_LISTS.items():
        schema = _schema(docs, name)
        _expect(schema["properties"][field], _ref(item), f"{name}.{field}")
        schema["properties"][field] = {"type": "array", "minItems": 1, "items": _ref(item)}
        schema.setdefault("required", []).append(field)
    # The PATCH body keeps the field optional but it is still a list when present.
    partial = _schema(docs, "EVSEPartial")["properties"]
    _expect(partial["connectors"], _ref("Connector"), "EVSEPartial.connectors")
    partial["connectors"] = {"type": "array", "minItems": 1, "items": _ref("Connector")}


def fix_versions_non_empty(docs: dict[str, Doc]) -> None:
    """2. GET versions returns `Version+`."""
    versions = _schema(docs, "Versions")
    _expect(versions.get("minItems"), None, "Versions.minItems")
    versions["minItems"] = 1


# YYYY-MM-DDTHH:MM:SS[.fraction][Z]; no offsets. ECMA-262 regex, ASCII digits.
DATETIME_PATTERN = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?Z?$"
)


def fix_datetime(docs: dict[str, Doc]) -> None:
    """3. DateTime: RFC 3339 `date-time` rejects OCPI's offset-less form; use the OCPI subset."""
    dt = _schema(docs, "DateTime")
    _expect(dt.pop("format", None), "date-time", "DateTime.format")
    dt["pattern"] = DATETIME_PATTERN


def fix_errata_lengths(docs: dict[str, Doc]) -> None:
    """4. Errata: longer address/state (Location, its PATCH body, CdrLocation) and plain_data."""
    for name in ("Location", "LocationPartial", "CdrLocation"):
        props = _schema(docs, name)["properties"]
        for field, old, new in (("address", 45, 255), ("state", 20, 45)):
            _expect(props[field].get("maxLength"), old, f"{name}.{field}.maxLength")
            props[field]["maxLength"] = new
    plain = _schema(docs, "SignedValue")["properties"]["plain_data"]
    _expect(plain.get("maxLength"), 512, "SignedValue.plain_data.maxLength")
    plain["maxLength"] = 5000


def fix_weekday_integer(docs: dict[str, Doc]) -> None:
    """5. RegularHours.weekday is int(1), 1 = Monday .. 7 = Sunday."""
    props = _schema(docs, "RegularHours")["properties"]
    _expect(props["weekday"].get("type"), "string", "RegularHours.weekday.type")
    props["weekday"] = {"type": "integer", "minimum": 1, "maximum": 7}


def fix_image_size_integer(docs: dict[str, Doc]) -> None:
    """6. Image.width/height are int(5) pixels."""
    props = _schema(docs, "Image")["properties"]
    for field in ("width", "height"):
        _expect(props[field].get("type"), "string", f"Image.{field}.type")
        props[field] = {"type": "integer", "minimum": 0, "maximum": 99999}


def fix_hours_regular_hours(docs: dict[str, Doc]) -> None:
    """7. regular_hours: >= 1 entry unless twentyfourseven, and only used when not 24/7."""
    hours = _schema(docs, "Hours")
    _expect("if" in hours, False, "Hours.if")
    hours["if"] = {
        "properties": {"twentyfourseven": {"const": False}},
        "required": ["twentyfourseven"],
    }
    hours["then"] = {
        "required": ["regular_hours"],
        "properties": {"regular_hours": {"minItems": 1}},
    }
    hours["else"] = {"properties": {"regular_hours": {"maxItems": 0}}}


def fix_publish_allowed_to(docs: dict[str, Doc]) -> None:
    """8. publish_allowed_to may only be used when publish is false."""
    location = _schema(docs, "Location")
    _expect("if" in location, False, "Location.if")
    location["if"] = {"properties": {"publish": {"const": True}}, "required": ["publish"]}
    location["then"] = {"properties": {"publish_allowed_to": {"maxItems": 0}}}


def fix_publish_token_type(docs: dict[str, Doc]) -> None:
    """9. PublishTokenType: something to match on, and the fields that qualify it."""
    ptt = _schema(docs, "PublishTokenType")
    _expect(ptt.get("required"), None, "PublishTokenType.required")
    ptt["anyOf"] = [
        {"required": ["uid"]},
        {"required": ["visual_number"]},
        {"required": ["group_id"]},
    ]
    ptt["dependentRequired"] = {"uid": ["type"], "visual_number": ["issuer"]}


def fix_union_any_of(docs: dict[str, Doc]) -> None:
    """10. Command / LocationPush: overlapping alternatives, so `anyOf`, not `oneOf`."""
    for name in ("Command", "LocationPush"):
        schema = _schema(docs, name)
        _expect("oneOf" in schema, True, f"{name}.oneOf")
        schema["anyOf"] = schema.pop("oneOf")


CISTRING_PATTERN = r"^[ -~]*$"  # printable ASCII
STRING_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"  # no C0/C1 control characters
CISTRING_DESCRIPTION = "Case insensitive string."


def _string_schemas(node: object) -> Iterator[Doc]:
    """Every inline `type: string` schema below node."""
    if isinstance(node, dict):
        if node.get("type") == "string":
            yield node
        for value in node.values():
            yield from _string_schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _string_schemas(value)


def fix_cistring_charset(docs: dict[str, Doc]) -> None:
    """11. CiString: printable ASCII only."""
    for name in ("CountryCode", "PartyID"):
        _schema(docs, name)["pattern"] = CISTRING_PATTERN
    for path, doc in docs.items():
        if path.startswith(SCHEMAS):
            for node in _string_schemas(doc):
                if node.get("description") == CISTRING_DESCRIPTION:
                    _expect(node.get("pattern"), None, f"{path} CiString pattern")
                    node["pattern"] = CISTRING_PATTERN


def fix_string_charset(docs: dict[str, Doc]) -> None:
    """12. string: printable UTF-8, no control characters (runs after the CiString fix)."""
    for path, doc in docs.items():
        if path.startswith(SCHEMAS):
            for node in _string_schemas(doc):
                if not {"enum", "pattern", "format", "const"} & node.keys():
                    node["pattern"] = STRING_PATTERN


def fix_credentials_token(docs: dict[str, Doc]) -> None:
    """13. Credentials.token: printable non-whitespace ASCII (U+0021..U+007E)."""
    token = _schema(docs, "Credentials")["properties"]["token"]
    _expect(token.get("maxLength"), 64, "Credentials.token.maxLength")
    token["pattern"] = r"^[!-~]+$"


def fix_fixed_length_codes(docs: dict[str, Doc]) -> None:
    """14. ISO 3166 alpha-3 country, ISO 4217 currency, ISO 639-1 language have fixed lengths."""
    for name, field, length in (
        ("Location", "country", 3),
        ("LocationPartial", "country", 3),
        ("CdrLocation", "country", 3),
        ("Session", "currency", 3),
        ("SessionPatch", "currency", 3),
        ("CDR", "currency", 3),
        ("Tariff", "currency", 3),
        ("DisplayText", "language", 2),
        ("Token", "language", 2),
        ("TokenPatch", "language", 2),
    ):
        prop = _schema(docs, name)["properties"][field]
        _expect(prop.get("maxLength"), length, f"{name}.{field}.maxLength")
        prop["minLength"] = length


def fix_status_code(docs: dict[str, Doc]) -> None:
    """15. Envelope status_code: 4 digits, 1xxx success .. 4xxx hub errors."""
    code = docs[BASE_RESPONSE]["properties"]["status_code"]
    _expect(code.get("type"), "integer", "BaseResponse.status_code.type")
    code.update(minimum=1000, maximum=4999)


def fix_step_size_minimum(docs: dict[str, Doc]) -> None:
    """16. step_size may be 0 (FLAT components have no step; see the spec's tariff_5 example)."""
    step = _schema(docs, "PriceComponent")["properties"]["step_size"]
    _expect(step.get("minimum"), 1, "PriceComponent.step_size.minimum")
    step["minimum"] = 0


CORRECTIONS: tuple[Callable[[dict[str, Doc]], None], ...] = (
    fix_plus_lists,
    fix_versions_non_empty,
    fix_datetime,
    fix_errata_lengths,
    fix_weekday_integer,
    fix_image_size_integer,
    fix_hours_regular_hours,
    fix_publish_allowed_to,
    fix_publish_token_type,
    fix_union_any_of,
    fix_cistring_charset,
    fix_string_charset,  # after the CiString fix: it skips strings that already have a pattern
    fix_credentials_token,
    fix_fixed_length_codes,
    fix_status_code,
    fix_step_size_minimum,
)


# --------------------------------------------------------------------------------------------
# Modes: stricter than the spec by default (see the module docstring).


def _object_schemas(node: object) -> Iterator[Doc]:
    if isinstance(node, dict):
        if "properties" in node and node.get("type") == "object":
            yield node
        for value in node.values():
            yield from _object_schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _object_schemas(value)


def _forbid_unknown_fields(doc: Doc) -> None:
    for node in _object_schemas(doc):
        node.setdefault("additionalProperties", False)  # keeps Problem's explicit `true`


def _allow_null_optionals(doc: Doc) -> None:
    for node in _object_schemas(doc):
        required = set(node.get("required", ()))
        for field, prop in node["properties"].items():
            if field in required:
                continue
            if isinstance(prop.get("type"), str) and not {"$ref", "enum", "allOf"} & prop.keys():
                node["properties"][field] = {**prop, "type": [prop["type"], "null"]}
            else:
                node["properties"][field] = {"anyOf": [prop, {"type": "null"}]}


# --------------------------------------------------------------------------------------------
# Loading (lazy, cached per process).


@functools.cache
def _corrected_documents() -> dict[str, Doc]:
    root = openapi_dir()
    if not (root / "openapi.yaml").is_file():
        raise FileNotFoundError(
            f"OCPI OpenAPI schemas not found at {root}: the repository's tests/data/ocpi is "
            "incomplete"
        )
    docs: dict[str, Doc] = {}
    for path in sorted(root.rglob("*.yaml")):
        docs[path.relative_to(root).as_posix()] = yaml.load(
            path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader
        )
    for correct in CORRECTIONS:
        correct(docs)
    return docs


def corrected_schema(name: str) -> Doc:
    """A deep copy of one corrected components/schemas document, before the modes are applied."""
    return copy.deepcopy(_corrected_documents()[_schema_path(name)])


def openapi_document() -> Doc:
    """The corrected set as one OpenAPI 3.1 document: each components/<kind>/<Name>.yaml under
    components.<kind>.<Name>, each path file inlined, every file $ref made internal."""
    docs = copy.deepcopy(_corrected_documents())

    def internal(node: Any, where: str) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.endswith(".yaml"):
                target = posixpath.normpath(posixpath.join(posixpath.dirname(where), ref))
                kind, name = target.split("/")[1], target.rsplit("/", 1)[-1][: -len(".yaml")]
                return {**node, "$ref": f"#/components/{kind}/{name}"}
            return {key: internal(value, where) for key, value in node.items()}
        if isinstance(node, list):
            return [internal(value, where) for value in node]
        return node

    root = docs["openapi.yaml"]
    components: Doc = dict(root.get("components", {}))
    for path, doc in docs.items():
        if path.startswith("components/"):
            _, kind, file = path.split("/")
            components.setdefault(kind, {})[file[: -len(".yaml")]] = internal(doc, path)
    paths = {key: internal(docs[ref["$ref"]], ref["$ref"]) for key, ref in root["paths"].items()}
    return {**root, "paths": paths, "components": components}


@functools.cache
def _registry(allow_unknown_fields: bool, allow_null: bool) -> Registry[Any]:
    resources = []
    for path, original in _corrected_documents().items():
        doc = copy.deepcopy(original)
        if path.startswith(SCHEMAS) or path == BASE_RESPONSE:
            if not allow_unknown_fields:
                _forbid_unknown_fields(doc)
            if allow_null:
                _allow_null_optionals(doc)
        resource = Resource.from_contents(doc, default_specification=DRAFT202012)
        resources.append((BASE_URI + path, resource))
    return Registry().with_resources(resources)


@functools.cache
def _schema_lookup() -> dict[str, str]:
    paths = [p for p in _corrected_documents() if p.startswith(SCHEMAS)]
    return {p[len(SCHEMAS) : -len(".yaml")].lower(): p for p in paths}


def schema_names() -> list[str]:
    return sorted(p[len(SCHEMAS) : -len(".yaml")] for p in _schema_lookup().values())


def _schema_path(name: str) -> str:
    try:
        return _schema_lookup()[name.lower()]
    except KeyError:
        close = difflib.get_close_matches(name, schema_names(), n=3)
        raise KeyError(f"no OCPI schema named {name!r}; did you mean {close}?") from None


# --------------------------------------------------------------------------------------------
# The validator: JSON Schema 2020-12 with OCPI-friendly keyword semantics.


@functools.cache
def _compile(pattern: str) -> re.Pattern[str]:
    # ECMA-262 `$` (no multiline flag) matches only at the very end; Python's `$` also matches
    # before a final "\n", so "...Z\n" would pass. ASCII: ECMA `\d` is [0-9] only.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern, re.ASCII)


def _pattern(
    validator: Validator, pattern: str, instance: Any, schema: Doc
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _compile(pattern).search(str(instance)):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _is_integer(_checker: object, instance: object) -> bool:
    # OCPI `int`: a JSON integer. 230.0 is a number with a fraction part on the wire.
    return isinstance(instance, int) and not isinstance(instance, bool)


FORMATS = FormatChecker(formats=())


@FORMATS.checks("uri")
def _is_absolute_url(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not value.isprintable() or any(c.isspace() for c in value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


_OcpiValidator = extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    validators={"pattern": _pattern},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@functools.cache
def _validator(
    schema_key: tuple[str, bool, str | None], allow_unknown_fields: bool, allow_null: bool
) -> Validator:
    kind, many, name = schema_key
    if kind == "object":
        assert name is not None
        schema: Doc = {"$ref": BASE_URI + _schema_path(name)}
    else:  # envelope
        schema = {"$ref": BASE_URI + BASE_RESPONSE}
        if name is not None:
            item = {"$ref": BASE_URI + _schema_path(name)}
            data = {"type": "array", "items": item} if many else item
            schema = {"allOf": [schema], "required": ["data"], "properties": {"data": data}}
    registry = _registry(allow_unknown_fields, allow_null)
    validator: Validator = _OcpiValidator(schema, registry=registry, format_checker=FORMATS)
    return validator


# --------------------------------------------------------------------------------------------
# Reporting.


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(error: ValidationError) -> str:
    """The message, with a long embedded instance (a whole object) abbreviated."""
    message = error.message
    if len(message) > MAX_MESSAGE:
        shown = repr(error.instance)
        message = message.replace(shown, _clip(shown, 60), 1)
    return _clip(message, MAX_MESSAGE)


def _label(subschema: object) -> str:
    if isinstance(subschema, dict) and isinstance(subschema.get("$ref"), str):
        ref: str = subschema["$ref"]
        return ref.rsplit("/", 1)[-1].removesuffix(".yaml")
    return "alternative"


def _violations(error: ValidationError) -> Iterator[tuple[str, str]]:
    """Leaf violations; anyOf/oneOf failures are unfolded into their alternatives' errors."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        alternatives = cast(list[Any], error.validator_value)
        branches: dict[int, list[ValidationError]] = {}
        for sub in error.context:
            index = int(sub.relative_schema_path[0])
            if alternatives[index] != {"type": "null"}:  # the allow_null wrapper
                branches.setdefault(index, []).append(sub)
        if len(branches) == 1:
            for sub in next(iter(branches.values())):
                yield from _violations(sub)
            return
        yield error.json_path, _short(error)
        for index, subs in sorted(branches.items()):
            for sub in subs:
                for path, message in _violations(sub):
                    yield path, f"(as {_label(alternatives[index])}) {message}"
        return
    yield error.json_path, _short(error)


def _check(validator: Validator, instance: Any, what: str) -> None:
    unique = dict.fromkeys(
        v for error in validator.iter_errors(instance) for v in _violations(error)
    )
    found = sorted(unique, key=lambda violation: violation[0])  # stable: a union's summary first
    if found:
        lines = "\n".join(f"  {path}: {message}" for path, message in found)
        raise AssertionError(f"{what}: {len(found)} schema violation(s)\n{lines}")


# --------------------------------------------------------------------------------------------
# Public API.


def validate(
    instance: Any,
    schema_name: str,
    *,
    allow_unknown_fields: bool = False,
    allow_null: bool = False,
) -> None:
    """Validate one JSON value against components/schemas/<schema_name>.yaml (corrected)."""
    validator = _validator(("object", False, schema_name), allow_unknown_fields, allow_null)
    _check(validator, instance, f"OCPI {schema_name}")


def validate_response(
    envelope: Any,
    schema_name: str | None,
    many: bool = False,
    *,
    allow_unknown_fields: bool = False,
    allow_null: bool = False,
) -> None:
    """Validate an OCPI response envelope and its `data` (a list of schema_name if many).

    status_code must be an int, timestamp an OCPI DateTime, status_message (optional) a string.
    With schema_name None only the envelope is checked and `data` may be anything or absent.
    """
    validator = _validator(("envelope", many, schema_name), allow_unknown_fields, allow_null)
    what = f"OCPI response of {f'[{schema_name}]' if many else schema_name}"
    _check(validator, envelope, what)


class PageHeaders(NamedTuple):
    next_url: str | None
    total_count: int
    limit: int


LINK_NEXT = re.compile(r'<([^<>]*)>[ \t]*;[ \t]*rel="next"', re.ASCII)


def validate_headers_paginated(
    headers: Mapping[str, str], *, expect_next: bool | None = None
) -> PageHeaders:
    """Check the pagination headers of a list response; return their parsed values.

    X-Total-Count (>= 0) and X-Limit (>= 1) are required decimal integers. Link is optional (only
    when more pages exist) and must be exactly `<absolute http(s) URL>; rel="next"`. expect_next
    True/False also requires Link to be present/absent. Header names are case-insensitive.
    """
    values: dict[str, list[str]] = {}
    for key, value in headers.items():
        values.setdefault(key.lower(), []).append(value)
    problems: list[str] = []

    def integer(name: str, schema_file: str) -> int:
        found = values.get(name.lower(), [])
        if len(found) != 1:
            problems.append(f"{name}: expected exactly one header, found {found!r}")
            return -1
        text = found[0].strip()
        if not re.fullmatch(r"[0-9]+", text, re.ASCII):
            problems.append(f"{name}: {found[0]!r} is not a decimal integer")
            return -1
        schema = _corrected_documents()[f"components/headers/{schema_file}"]["schema"]
        number = int(text)
        if number < schema.get("minimum", 0):
            problems.append(f"{name}: {number} is less than the minimum of {schema['minimum']}")
        return number

    total = integer("X-Total-Count", "X-Total-Count.yaml")
    limit = integer("X-Limit", "X-Limit.yaml")

    next_url: str | None = None
    links = values.get("link", [])
    if len(links) > 1:
        problems.append(f"Link: expected at most one header, found {links!r}")
    elif links:
        match = LINK_NEXT.fullmatch(links[0].strip())
        if match is None:
            problems.append(f'Link: {links[0]!r} is not of the form <absolute-url>; rel="next"')
        elif not _is_absolute_url(match.group(1)):
            problems.append(f"Link: {match.group(1)!r} is not an absolute http(s) URL")
        else:
            next_url = match.group(1)
    if expect_next is True and not links:
        problems.append("Link: missing, but more pages were expected")
    if expect_next is False and links:
        problems.append(f"Link: {links[0]!r} present, but this should be the last page")

    if problems:
        lines = "\n".join(f"  {p}" for p in problems)
        raise AssertionError(f"OCPI pagination headers: {len(problems)} violation(s)\n{lines}")
    return PageHeaders(next_url, total, limit)
