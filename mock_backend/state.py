"""Everything that changes while the mock runs, kept apart from the generated network.

* Overlay: locations changed at runtime (status churn, sessions, /mock/changes). Each is a full
  copy of the generated location, stamped with the wall clock; insertion order is time order
  (a change re-inserts), so listings need no sort.
* Sessions and CDRs per CPO, time-ordered the same way.
* Tokens pushed by eMSPs, per CPO (the CPO's copy used for whitelist decisions).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .clock import Clock, iso_utc
from .generator import Network

T = TypeVar("T")


class Overlay:
    """Runtime versions of locations, keyed by (CPO number, local index)."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self._items: dict[tuple[int, int], tuple[float, dict[str, Any]]] = {}
        self._version = 0
        self._cache: dict[tuple[str, int | None], tuple[int, Any]] = {}

    def __len__(self) -> int:
        return len(self._items)

    def current(self, cpo_no: int, local: int) -> dict[str, Any]:
        """The location as served now (runtime version or generated)."""
        found = self._items.get((cpo_no, local))
        return found[1] if found else self.network.location(cpo_no, local)

    def is_changed(self, cpo_no: int, local: int) -> bool:
        return (cpo_no, local) in self._items

    def editable(self, cpo_no: int, local: int) -> dict[str, Any]:
        """A private copy to change; commit it with `commit`."""
        return copy.deepcopy(self.current(cpo_no, local))

    def commit(self, cpo_no: int, local: int, location: dict[str, Any], epoch: float) -> None:
        key = (cpo_no, local)
        self._items.pop(key, None)
        self._items[key] = (epoch, location)
        self._version += 1

    def _cached(self, what: str, cpo_no: int | None, build: Callable[[], T]) -> T:
        hit = self._cache.get((what, cpo_no))
        if hit is not None and hit[0] == self._version:
            cached: T = hit[1]
            return cached
        value = build()
        self._cache[(what, cpo_no)] = (self._version, value)
        return value

    def keys(self, cpo_no: int | None) -> list[int]:
        """Sorted base indices that changed: global ones (hub) or the CPO's local ones."""
        net = self.network
        if cpo_no is None:
            return self._cached(
                "keys", None, lambda: sorted(net.global_index(c, loc) for c, loc in self._items)
            )
        return self._cached(
            "keys", cpo_no, lambda: sorted(loc for c, loc in self._items if c == cpo_no)
        )

    def items(self, cpo_no: int | None) -> list[tuple[float, dict[str, Any]]]:
        """(last_updated, location) oldest first, for all CPOs or one."""
        if cpo_no is None:
            return self._cached("items", None, lambda: list(self._items.values()))
        return self._cached(
            "items", cpo_no, lambda: [v for (c, _), v in self._items.items() if c == cpo_no]
        )


class TimeOrdered:
    """Objects by id with a last_updated; iteration is oldest-first (re-insert on change)."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, dict[str, Any]]] = {}

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: str) -> dict[str, Any] | None:
        found = self._items.get(key)
        return found[1] if found else None

    def put(self, key: str, obj: dict[str, Any], epoch: float) -> None:
        self._items.pop(key, None)
        newest = next(reversed(self._items.values()))[0] if self._items else epoch
        self._items[key] = (epoch, obj)
        if epoch < newest:  # stamped before what is there (a late CDR): keep time order
            self._items = dict(sorted(self._items.items(), key=lambda item: item[1][0]))

    def ordered(self) -> list[tuple[float, dict[str, Any]]]:
        return list(self._items.values())


def token_key(country_code: str, party_id: str, uid: str, token_type: str) -> tuple[str, ...]:
    return (country_code.upper(), party_id.upper(), uid.upper(), token_type.upper())


@dataclass
class CpoState:
    sessions: TimeOrdered = field(default_factory=TimeOrdered)
    cdrs: TimeOrdered = field(default_factory=TimeOrdered)
    tokens: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict)
    # CDR id -> the Location header the eMSP answered (kept for /mock/state, never fetched).
    cdr_locations: dict[str, str] = field(default_factory=dict)
    reservations: dict[str, dict[str, Any]] = field(default_factory=dict)
    session_counter: int = 0
    cdr_counter: int = 0

    def find_token(self, uid: str, token_type: str) -> dict[str, Any] | None:
        """A pushed token by uid and type, whichever eMSP owns it."""
        for (_, _, t_uid, t_type), token in self.tokens.items():
            if t_uid == uid.upper() and t_type == token_type.upper():
                return token
        return None


class RuntimeState:
    def __init__(self, network: Network, clock: Clock) -> None:
        self.network = network
        self.clock = clock
        self.overlay = Overlay(network)
        self.cpos = [CpoState() for _ in network.cpos]

    def cpos_reservations(self) -> list[tuple[str, dict[str, Any]]]:
        return [(rid, r) for cs in self.cpos for rid, r in cs.reservations.items()]

    def reservation_on(self, cpo_no: int, evse_uid: str) -> dict[str, Any] | None:
        for r in self.cpos[cpo_no].reservations.values():
            if r["evse_uid"].upper() == evse_uid.upper():
                return r
        return None

    def set_evse_status(
        self, cpo_no: int, local: int, evse_uid: str, status: str
    ) -> tuple[dict[str, Any], float] | None:
        """Change an EVSE's status now; returns (the PATCH body for the EVSE, epoch), or None
        when the EVSE is unknown or already in that status (no bump without a change)."""
        location = self.overlay.editable(cpo_no, local)
        for evse in location.get("evses", []):
            if evse["uid"].upper() == evse_uid.upper():
                if evse["status"] == status:
                    return None
                epoch = self.clock.now()
                stamp = iso_utc(epoch)
                evse["status"] = status
                evse["last_updated"] = stamp
                location["last_updated"] = stamp  # a child change bumps the parent
                self.overlay.commit(cpo_no, local, location, epoch)
                return {"status": status, "last_updated": stamp}, epoch
        return None
