"""Reading what real partners send where its meaning is unambiguous (issue #11).

A normalisation step before model validation. Each repair is a :class:`Deviation` the client
logs once (naming the partner) and reports to its ``on_deviation`` hook, so the services can
count it per partner and kind; in strict mode (conformance checks) the client refuses instead.

What is repaired, and nothing else:

* ``wrapped_object``: one object expected in ``data``, a list holding exactly that one object
  came (seen with a CommandResponse). An empty list or several objects stay invalid.
* ``null_field``: ``null`` where the field is meant to be absent. Our models read an absent and
  a null optional field alike; a null in a required field still fails validation. OCPI 2.2.1
  omits absent fields in every example and our own output never sends null, so a null is
  counted (and refused in strict mode) even where it would validate.
* ``missing_timeout``: a CommandResponse without its required ``timeout``; read as
  :data:`DEFAULT_COMMAND_TIMEOUT` seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WRAPPED_OBJECT = "wrapped_object"
NULL_FIELD = "null_field"
MISSING_TIMEOUT = "missing_timeout"
KINDS = (WRAPPED_OBJECT, NULL_FIELD, MISSING_TIMEOUT)

# The spec gives no default: 30 s is the value of its own example ({"result": "ACCEPTED",
# "timeout": 30}), and long enough for a charger on a slow mobile link.
DEFAULT_COMMAND_TIMEOUT = 30
_MAX_PATHS = 3  # field paths named in a deviation's detail


@dataclass(frozen=True, slots=True)
class Deviation:
    """One way a reply departs from OCPI 2.2.1, repaired (or refused in strict mode)."""

    kind: str  # one of KINDS
    detail: str  # what and where, never a value the partner sent
    count: int = 1  # objects of a page with this deviation


DeviationCallback = Callable[[Deviation], None]


def _name(key: str) -> str:
    """A field name fit for a log line: the partner chose it (printable ASCII, capped)."""
    shown = "".join(c if " " < c < "\x7f" else "?" for c in key[:40])
    return shown + ("…" if len(key) > 40 else "")


def _strip_nulls(value: Any, path: str, found: list[str]) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            where = f"{path}.{_name(str(key))}" if path else _name(str(key))
            if item is None:
                found.append(where)
                continue
            out[key] = _strip_nulls(item, where, found)
        return out
    if isinstance(value, list):
        return [_strip_nulls(item, f"{path}[]", found) for item in value]
    return value


def _paths(found: list[str]) -> str:
    unique = list(dict.fromkeys(found))
    more = len(unique) - _MAX_PATHS
    return ", ".join(unique[:_MAX_PATHS]) + (f" (+{more} more)" if more > 0 else "")


def normalise_item(data: Any, model_name: str) -> tuple[Any, list[Deviation]]:
    """One object as the model expects it, and what had to be repaired."""
    deviations: list[Deviation] = []
    if not isinstance(data, dict):
        return data, deviations
    found: list[str] = []
    data = _strip_nulls(data, "", found)
    if found:
        deviations.append(Deviation(NULL_FIELD, f"{model_name}: null in {_paths(found)}"))
    if model_name == "CommandResponse" and "timeout" not in data and "result" in data:
        data = {**data, "timeout": DEFAULT_COMMAND_TIMEOUT}
        deviations.append(
            Deviation(
                MISSING_TIMEOUT,
                f"CommandResponse without timeout (read as {DEFAULT_COMMAND_TIMEOUT} s)",
            )
        )
    return data, deviations


def normalise_object(data: Any, model_name: str) -> tuple[Any, list[Deviation]]:
    """``data`` of a reply that carries one object: unwrapped, then as :func:`normalise_item`."""
    deviations: list[Deviation] = []
    if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict):
        data = data[0]
        deviations.append(Deviation(WRAPPED_OBJECT, f"{model_name} wrapped in a one-element list"))
    data, more = normalise_item(data, model_name)
    return data, deviations + more


def merge(deviations: list[Deviation]) -> list[Deviation]:
    """One deviation per kind (a page's objects), counted, with the first detail."""
    merged: dict[str, Deviation] = {}
    for d in deviations:
        held = merged.get(d.kind)
        merged[d.kind] = d if held is None else Deviation(d.kind, held.detail, held.count + d.count)
    return list(merged.values())
