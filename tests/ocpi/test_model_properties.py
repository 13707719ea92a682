"""Property-based tests of the OCPI models (issue #11): generated input, seeded and bounded.

Valid objects (the spec examples and objects built from the models' annotations, see
``model_strategies.py``) must validate, read the same from JSON and round-trip through
``to_ocpi``. Then exactly one field is broken (wrong type, missing required field, enum value
outside the enum, over-long string, control or bidi character, lone surrogate, bad timestamp,
non-finite, negative or huge number, cost or volume below zero, 1,000 levels of nesting) and
the answer must be a pydantic ValidationError, from Python data and from JSON text alike, never
another exception. The counts of cases run are printed at the end of the module.

Reproducible: derandomized, no example database; ``--hypothesis-show-statistics`` shows more.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from emsp_tui.ocpi import models as m
from emsp_tui.ocpi.models.cdrs import COST_FIELDS
from emsp_tui.ocpi.models.common import check_not_below_zero
from emsp_tui.ocpi.models.sessions import SIGNED_DIMENSIONS
from emsp_tui.ocpi.types import TextRule
from tests.ocpi.model_strategies import (
    DELETE,
    FORBIDDEN,
    Slot,
    get,
    replaced,
    slots,
    valid,
)

# Every model a partner's body or response is read into (receiver and client), full and PATCH.
MODELS: list[type[m.OcpiModel]] = [
    m.Location,
    m.EVSE,
    m.Connector,
    m.Session,
    m.Cdr,
    m.Tariff,
    m.Token,
    m.Credentials,
    m.ClientInfo,
    m.CommandResponse,
    m.CommandResult,
    m.LocationReferences,
    m.AuthorizationInfo,
    m.ChargingPreferences,
    m.LocationPatch,
    m.EVSEPatch,
    m.ConnectorPatch,
    m.SessionPatch,
    m.TariffPatch,
    m.TokenPatch,
    m.ClientInfoPatch,
]


def _profile(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


COUNTS: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report_counts(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    plugins = request.config.pluginmanager
    reporter = plugins.get_plugin("terminalreporter")
    capture = plugins.get_plugin("capturemanager")
    if reporter is None or capture is None or not COUNTS:
        return
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(COUNTS.items()) if k not in _TOTALS)
    totals = ", ".join(f"{k} {COUNTS[k]}" for k in _TOTALS)
    refused = sum(n for k, n in COUNTS.items() if k not in _TOTALS)
    with capture.global_and_fixture_disabled():
        reporter.write_line(
            f"\nOCPI model properties: {totals}; {refused} mutations refused ({kinds})"
        )


_TOTALS = ("valid objects", "with unknown fields")

DEEP = "__deep__"  # stands for 1,000 nested lists, in Python data and in JSON text alike
DEPTH = 1000


def nested(depth: int = DEPTH) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


BAD_TIMES: list[Any] = [
    1.5,
    0,
    1736955600,
    "1.5",
    "1736955600",
    "2015-06-29 20:39:09",
    "2015-02-30T00:00:00Z",
    "2015-06-29T24:00:00Z",
    "2015-06-29T20:39:09+25:00",
    "2015-06-29T20:39:09.Z",
    "0001-01-01T00:00:00+01:00",  # before year 1 once in UTC
    "9999-12-31T23:59:59-01:00",  # after year 9999 once in UTC
    "2015-06-29T20:39:09" + "0" * 40,
    "",
    True,
]


def _bad_numbers(slot: Slot) -> list[Any]:
    low, high = slot.kind.bounds()
    bad: list[Any] = [math.inf, -math.inf, math.nan, 10**400, -(10**400)]
    bad.append(int(high) * 10 + 1 if slot.kind.base is int else high * 10 + 1)
    if low >= 0:
        bad.append(-1)
    if slot.kind.base is int:
        bad.append(1.5)
    return bad


def _enum_outside(values: list[str]) -> list[str]:
    bad = {f"NOT_{v}" for v in values} | {f"{v} " for v in values}
    bad |= {v.lower() for v in values} | {v.upper() for v in values}
    return sorted(bad - set(values))


def _too_long(slot: Slot) -> Any:
    text = slot.kind.rule(TextRule)
    if text is not None:
        return "a" * (text.limit + 1)
    return "A" * 40  # a code or a pattern (currency, party id, country, coordinate, time)


def _with_bad_character(slot: Slot, current: Any) -> st.SearchStrategy[str]:
    base = current if isinstance(current, str) else "ab"
    rule = slot.kind.rule(TextRule)
    ascii_only = rule is None or rule.ascii  # codes and patterns are ASCII too
    chars = FORBIDDEN + (["é", "€"] if ascii_only else [])
    return st.builds(
        lambda c, at: base[:at] + c + base[at:],
        st.sampled_from(chars),
        st.integers(0, len(base)),
    )


def breakers(slot: Slot, obj: dict[str, Any]) -> list[tuple[str, st.SearchStrategy[Any]]]:
    """The ways to break ``slot`` that the model must refuse, each with its bad values."""
    kind = slot.kind
    scalar = not kind.many or slot.item
    out: list[tuple[str, st.SearchStrategy[Any]]] = [("deep nesting", st.just(DEEP))]
    if kind.is_model or not scalar:
        out.append(("wrong type", st.sampled_from(["not an object", 7])))
    else:
        out.append(("wrong type", st.sampled_from([{"wrong": 1}, [1, 2]])))
    if slot.required and not slot.item:
        out.append(("missing field", st.just(DELETE)))
    if not scalar:
        return out
    current = get(obj, slot.path) if _present(obj, slot.path) else None
    if kind.is_enum:
        out.append(("enum outside", st.sampled_from(_enum_outside([e.value for e in kind.base]))))
    if kind.is_text:
        out.append(("lone surrogate", st.sampled_from(["\ud800", "ab\udfff"])))
    if kind.base is str:
        out.append(("over-long string", st.just(_too_long(slot))))
        out.append(("control character", _with_bad_character(slot, current)))
    if kind.base is datetime:
        out.append(("bad timestamp", st.sampled_from(BAD_TIMES)))
    if kind.base in (int, float):
        out.append(("bad number", st.sampled_from(_bad_numbers(slot))))
    name = slot.path[-1]
    cdr_cost = slot.owner is m.Cdr and name in COST_FIELDS and not obj.get("credit")
    if kind.validator(check_not_below_zero) or cdr_cost:
        out.append(("cost below zero", st.just({"excl_vat": 10, "incl_vat": -0.01})))
    if slot.owner is m.CdrDimension and name == "volume":
        dimension = get(obj, slot.path[:-1])
        if dimension.get("type") not in SIGNED_DIMENSIONS:
            out.append(("volume below zero", st.just(-1.0)))
    return out


def _present(obj: Any, path: tuple[str | int, ...]) -> bool:
    try:
        get(obj, path)
    except (KeyError, IndexError, TypeError):
        return False
    return True


def as_json(obj: dict[str, Any], slot: Slot, value: Any) -> str:
    text = json.dumps(replaced(obj, slot.path, value))
    return text.replace(json.dumps(DEEP), "[" * DEPTH + "]" * DEPTH)


def _name(model: type[m.OcpiModel]) -> str:
    return model.__name__


@pytest.mark.parametrize("model", MODELS, ids=_name)
@_profile(20)
@given(data=st.data())
def test_valid_objects_validate_and_round_trip(
    model: type[m.OcpiModel], data: st.DataObject
) -> None:
    obj = data.draw(valid(model), label="object")
    parsed = model.model_validate(obj)
    assert model.model_validate_json(json.dumps(obj)) == parsed
    out = parsed.to_ocpi()
    assert model.model_validate(out) == parsed
    assert model.model_validate_json(parsed.to_ocpi_json()) == parsed
    assert json.loads(parsed.to_ocpi_json()) == out
    COUNTS["valid objects"] += 1


@pytest.mark.parametrize("model", MODELS, ids=_name)
@_profile(60)
@given(data=st.data())
def test_one_broken_field_is_refused(model: type[m.OcpiModel], data: st.DataObject) -> None:
    obj = data.draw(valid(model), label="object")
    # First the kind of damage, then where: else nesting and wrong types (possible in every
    # field) would crowd out the rarer kinds (timestamps, numbers, costs).
    where: dict[str, list[tuple[Slot, st.SearchStrategy[Any]]]] = {}
    for slot in slots(model, obj):
        for kind, bad in breakers(slot, obj):
            where.setdefault(kind, []).append((slot, bad))
    name = data.draw(st.sampled_from(sorted(where)), label="mutation")
    # an index, not sampled_from(slots): a slot's repr holds addresses, and hypothesis labels
    # strategies by repr, which would make runs differ
    slot, bad = where[name][data.draw(st.integers(0, len(where[name]) - 1), label="field")]
    value = data.draw(bad, label=f"{name} at {slot.path}")
    broken = replaced(obj, slot.path, nested() if value == DEEP else value)
    with pytest.raises(ValidationError):
        model.model_validate(broken)
    with pytest.raises(ValidationError):
        model.model_validate_json(as_json(obj, slot, value))
    if name == "lone surrogate":  # and as raw bytes that are not UTF-8 at all
        raw = as_json(obj, slot, DEEP).encode().replace(b"[" * DEPTH + b"]" * DEPTH, b'"\xff\xfe"')
        with pytest.raises(ValidationError):
            model.model_validate_json(raw)
    COUNTS[name] += 1


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
) | st.sampled_from([nested(), "\x1b[2J", 10**400, "\ud800"])


@pytest.mark.parametrize("model", MODELS, ids=_name)
@_profile(8)
@given(data=st.data())
def test_unknown_fields_are_tolerated(model: type[m.OcpiModel], data: st.DataObject) -> None:
    obj = data.draw(valid(model), label="object")
    unknown = st.text(min_size=1).filter(lambda key: key not in model.model_fields)
    extra = data.draw(st.dictionaries(unknown, JSON_VALUES, min_size=1, max_size=3), label="extra")
    assert model.model_validate({**obj, **extra}) == model.model_validate(obj)
    COUNTS["with unknown fields"] += 1
