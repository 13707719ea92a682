"""Billing values (Document, CdrAudit, ...) to JSON and back, exactly.

Decimals are written as strings (``"12.50"`` stays ``12.50``, never a float), dates and times in
ISO 8601, enums by value, tuples as lists. Reading follows the dataclass's type hints, so a
field added to the model (with a default) needs no change here, and a document stored before
the field existed reads back with the default.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, TypeVar

from .model import CdrAudit, Document

T = TypeVar("T")


def to_data(value: Any) -> Any:
    """A JSON-ready form of a billing value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_data(v) for v in value]
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_data(kind: Any, data: Any) -> Any:
    """The value of type ``kind`` that ``to_data`` wrote as ``data``."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        (inner,) = [a for a in typing.get_args(kind) if a is not type(None)]
        return from_data(inner, data)
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_data(args[0], v) for v in data)
        return tuple(from_data(a, v) for a, v in zip(args, data, strict=True))
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        names = {f.name for f in dataclasses.fields(kind)}
        return kind(**{k: from_data(hints[k], v) for k, v in data.items() if k in names})
    if kind is Decimal:
        return Decimal(data)
    if kind is datetime:
        return datetime.fromisoformat(data)
    if kind is date:
        return date.fromisoformat(data)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(data)
    return data


def dumps(value: Any) -> str:
    return json.dumps(to_data(value), separators=(",", ":"), ensure_ascii=False)


def loads(kind: type[T], text: str) -> T:
    result: T = from_data(kind, json.loads(text))
    return result


def document_to_json(document: Document) -> str:
    return dumps(document)


def document_from_json(text: str) -> Document:
    return loads(Document, text)


def audit_to_json(audit: CdrAudit) -> str:
    return dumps(audit)


def audit_from_json(text: str) -> CdrAudit:
    return loads(CdrAudit, text)
