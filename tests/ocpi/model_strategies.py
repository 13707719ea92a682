"""Hypothesis strategies for OCPI wire objects, derived from the models' own annotations.

``valid(model)`` draws JSON-like dicts the model must accept: the spec examples as seeds, and
objects built field by field from each field's type and rule (TextRule length and alphabet,
PatternRule and pattern regexes, DateTime forms, number bounds, enums, ISO codes); optional
fields come, go or are ``null``. ``slots(model, obj)`` lists every field of such an object (nested
ones too) with what it holds, so that a test can break exactly one of them.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import cache
from inspect import isclass
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from annotated_types import Ge, Le, MinLen
from hypothesis import strategies as st
from pydantic import AfterValidator
from pydantic.fields import FieldInfo

from emsp_tui.ocpi import models as m
from emsp_tui.ocpi.countries import ALPHA_2, ALPHA_3
from emsp_tui.ocpi.enums import SESSION_ONLY_DIMENSIONS, CdrDimensionType
from emsp_tui.ocpi.models.cdrs import COST_FIELDS
from emsp_tui.ocpi.models.common import check_not_below_zero
from emsp_tui.ocpi.models.sessions import SIGNED_DIMENSIONS
from emsp_tui.ocpi.types import MAX_VOLUME, PatternRule, TextRule, check_alpha_2, check_alpha_3
from tests.ocpi.test_examples import WHOLE, load

# What the models refuse in a string (types.py), for building valid text and breaking it.
FORBIDDEN = (
    [chr(c) for c in range(0x20)]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + ["\u2028", "\u2029"]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
)
ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
UNICODE = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters=FORBIDDEN)


@dataclass(frozen=True)
class Kind:
    """What a field holds once Optional and Annotated are peeled off."""

    base: Any  # str, int, float, bool, datetime, an Enum or OcpiModel class, or Any
    meta: tuple[Any, ...]
    many: bool = False
    min_items: int = 0

    @property
    def is_model(self) -> bool:
        return isclass(self.base) and issubclass(self.base, m.OcpiModel)

    @property
    def is_enum(self) -> bool:
        return isclass(self.base) and issubclass(self.base, Enum)

    def rule(self, kind: type) -> Any:
        return next((x for x in self.meta if isinstance(x, kind)), None)

    def validator(self, func: Any) -> bool:
        return any(isinstance(x, AfterValidator) and x.func is func for x in self.meta)

    @property
    def pattern(self) -> str | None:
        """The regex of a plain StringConstraints field (coordinates, local times, dates)."""
        found = next((x for x in self.meta if getattr(x, "pattern", None)), None)
        return None if found is None or isinstance(found, PatternRule) else found.pattern

    @property
    def is_text(self) -> bool:
        return self.base is str or self.base is datetime or self.is_enum

    def bounds(self) -> tuple[float, float]:
        lows = [x.ge for x in self.meta if isinstance(x, Ge)]
        highs = [x.le for x in self.meta if isinstance(x, Le)]
        return max(lows, default=-(2**53)), min(highs, default=2**53)


def _peel(annotation: Any, meta: list[Any]) -> tuple[Any, list[Any]]:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            for item in extra:  # Field(ge=...) inside an Annotated holds its rules in .metadata
                meta += item.metadata if isinstance(item, FieldInfo) else [item]
        elif origin in (Union, UnionType):
            (annotation,) = [a for a in get_args(annotation) if a is not NoneType]
        else:
            return annotation, meta


def kind_of(field: FieldInfo) -> Kind:
    annotation, meta = _peel(field.annotation, list(field.metadata))
    if get_origin(annotation) is list:
        item, item_meta = _peel(get_args(annotation)[0], [])
        least = next((x.min_length for x in meta if isinstance(x, MinLen)), 0)
        return Kind(item, tuple(item_meta), many=True, min_items=least)
    return Kind(annotation, tuple(meta))


# --- valid values --------------------------------------------------------------------------


def _datetime_text(moment: datetime, fraction: str, zone: str) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + zone


# Milliseconds at most: we emit milliseconds, so a finer value would not round-trip exactly.
# Naive moments: the zone is written into the text separately.
EARLIEST, LATEST = datetime(1971, 1, 1), datetime(2099, 12, 31)  # noqa: DTZ001
DATETIMES = st.builds(
    _datetime_text,
    st.datetimes(min_value=EARLIEST, max_value=LATEST),
    st.sampled_from(["", ".2", ".25", ".123", ".000"]),
    st.sampled_from(["Z", "", "z", "+00:00", "+02:00", "-05:30", "+0100"]),
)


def _any_case(codes: frozenset[str]) -> st.SearchStrategy[str]:
    # A CiString: any case is read (and kept as sent).
    return st.builds(
        lambda code, lower: code.lower() if lower else code,
        st.sampled_from(sorted(codes)),
        st.booleans(),
    )


def text_of(kind: Kind) -> st.SearchStrategy[str]:
    if kind.validator(check_alpha_2):
        return _any_case(ALPHA_2)
    if kind.validator(check_alpha_3):
        return _any_case(ALPHA_3)
    rule = kind.rule(PatternRule)
    if rule is not None:
        return st.from_regex(rule.pattern, fullmatch=True)
    if kind.pattern is not None:
        longest = min(
            (x.max_length for x in kind.meta if getattr(x, "max_length", None)), default=99
        )
        return st.from_regex(kind.pattern, fullmatch=True).filter(lambda t: len(t) <= longest)
    text = kind.rule(TextRule)
    limit = text.limit if text else 255
    alphabet: Any = ASCII if text is not None and text.ascii else UNICODE
    # mostly short; sometimes exactly at the limit (a short piece repeated: cheap to draw)
    at_limit = st.text(alphabet, min_size=1, max_size=3).map(lambda t: (t * limit)[:limit])
    return st.text(alphabet, max_size=min(limit, 12)) | at_limit


def number_of(kind: Kind) -> st.SearchStrategy[Any]:
    low, high = kind.bounds()
    whole = st.integers(math.ceil(low), math.floor(high))
    if kind.base is int:
        return whole
    return st.floats(low, high, allow_nan=False, allow_infinity=False) | whole


def value_of(kind: Kind) -> st.SearchStrategy[Any]:
    if kind.is_model:
        return objects(kind.base)
    if kind.is_enum:
        return st.sampled_from([e.value for e in kind.base])
    if kind.base is bool:
        return st.booleans()
    if kind.base is datetime:
        return DATETIMES
    if kind.base is str:
        return text_of(kind)
    if kind.base in (int, float):
        return number_of(kind)
    raise TypeError(f"no strategy for {kind}")


def _dimension(kind: CdrDimensionType) -> st.SearchStrategy[dict[str, Any]]:
    if kind == CdrDimensionType.STATE_OF_CHARGE:
        volume = st.floats(0, 100)
    elif kind in SIGNED_DIMENSIONS:
        volume = st.floats(-MAX_VOLUME, MAX_VOLUME)
    else:
        volume = st.floats(0, MAX_VOLUME)
    return st.fixed_dictionaries({"type": st.just(kind.value), "volume": volume})


def _cdr_rules(cdr: dict[str, Any]) -> dict[str, Any]:
    """A CDR has no Session-only dimensions, and costs below zero only when a credit."""
    cdr = copy.deepcopy(cdr)
    for period in cdr["charging_periods"]:
        for dim in period["dimensions"]:
            if dim["type"] in SESSION_ONLY_DIMENSIONS:
                dim["type"] = CdrDimensionType.ENERGY.value
    if not cdr.get("credit"):
        for name in COST_FIELDS:
            price = cdr.get(name)
            for key in ("excl_vat", "incl_vat"):
                if price and price.get(key) is not None:
                    price[key] = abs(price[key])
    return cdr


def _not_below_zero(price: dict[str, Any]) -> dict[str, Any]:
    return {k: abs(v) if v is not None else None for k, v in price.items()}


@cache
def objects(model: type[m.OcpiModel]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts ``model`` accepts, built from its fields."""
    if model is m.CdrDimension:
        return st.sampled_from(list(CdrDimensionType)).flatmap(_dimension)
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for name, field in model.model_fields.items():
        kind = kind_of(field)
        value = value_of(kind)
        if kind.validator(check_not_below_zero):
            value = value.map(_not_below_zero)
        if kind.many:
            value = st.lists(value, min_size=kind.min_items, max_size=max(kind.min_items, 2))
        if field.is_required():
            required[name] = value
        else:
            optional[name] = value | st.none()
    drawn = st.fixed_dictionaries(required, optional=optional)
    return drawn.map(_cdr_rules) if model is m.Cdr else drawn


SEEDS: dict[type[m.OcpiModel], list[dict[str, Any]]] = {}
for _name, _model in sorted(WHOLE.items()):
    SEEDS.setdefault(_model, []).append(load(_name))


def valid(model: type[m.OcpiModel]) -> st.SearchStrategy[dict[str, Any]]:
    """The spec's examples of ``model`` (copied, so a test may change them) and built ones."""
    built = objects(model)
    seeds = SEEDS.get(model)
    if not seeds:
        return built
    return st.sampled_from(seeds).map(copy.deepcopy) | built


# --- the fields of an object, to break one --------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One field of a drawn object: where it is, what it holds, in which model."""

    path: tuple[str | int, ...]
    kind: Kind
    required: bool
    owner: type[m.OcpiModel]
    item: bool = False  # an item of a list of scalars (tariff_ids[0])


def slots(
    model: type[m.OcpiModel], obj: dict[str, Any], path: tuple[str | int, ...] = ()
) -> list[Slot]:
    found: list[Slot] = []
    for name, field in model.model_fields.items():
        kind = kind_of(field)
        here = (*path, name)
        found.append(Slot(here, kind, field.is_required(), model))
        value = obj.get(name)
        if value is None:
            continue
        if kind.many:
            for index, item in enumerate(value[:2]):
                if kind.is_model:
                    found += slots(kind.base, item, (*here, index))
                else:
                    found.append(
                        Slot((*here, index), Kind(kind.base, kind.meta), True, model, True)
                    )
        elif kind.is_model:
            found += slots(kind.base, value, here)
    return found


def get(obj: Any, path: tuple[str | int, ...]) -> Any:
    for key in path:
        obj = obj[key]
    return obj


class _Delete:
    def __repr__(self) -> str:  # fixed, so that hypothesis labels (made from reprs) are too
        return "DELETE"


DELETE = _Delete()


def replaced(obj: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """A copy of ``obj`` with the value at ``path`` replaced (or deleted: ``DELETE``)."""
    out = copy.deepcopy(obj)
    parent = get(out, path[:-1])
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return out
