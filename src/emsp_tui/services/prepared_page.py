"""A location page prepared for the store: decoded, validated, its search rows derived.

Pure and light to import: the page worker program (page_worker.py) runs it in child processes,
the sync (location_pages.py) in process for small pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ..ocpi.models import Location
from ..ocpi.paging import Rejected, validate_objects
from ..ocpi.status import is_success
from ..ocpi.wire import parse_envelope
from ..store.location_index import Derived, derive_location

T = TypeVar("T")


@dataclass(slots=True)
class PreparedPage(Generic[T]):
    """A page ready to store, or why it is not (``problem``: its envelope said no). ``items``
    are Derived Locations here; the sync also validates tariff pages into one."""

    items: list[T] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    received: int = 0
    problem: str | None = None


def prepare_items(items: list[Any]) -> PreparedPage[Derived]:
    """Validate each item on its own (a malformed one costs only itself) and derive it."""
    valid, rejected, documents = validate_objects(items, Location)
    derived = [derive_location(loc, doc) for loc, doc in zip(valid, documents, strict=True)]
    return PreparedPage(derived, rejected, len(items))


def prepare_body(body: bytes) -> PreparedPage[Derived]:
    """A list response's body: its envelope read, its data prepared (runs in a worker)."""
    envelope = parse_envelope(body)
    if isinstance(envelope, str):
        return PreparedPage(problem=envelope)
    if not is_success(envelope.status_code):
        return PreparedPage(problem=f"status_code {envelope.status_code}")
    if envelope.data is None:
        return PreparedPage()
    if not isinstance(envelope.data, list):
        return PreparedPage(problem="data of a list endpoint is not a list")
    return prepare_items(envelope.data)
