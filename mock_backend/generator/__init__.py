"""The seeded network: which CPO owns which location, and every object's generated content.

Locations are dealt to the CPOs in repeating blocks of `BLOCK` slots (DE 8, NL 5, FR 4, BE 3), so
the mapping between a global index g (the hub's merged order), a CPO and its local index is
arithmetic, and any location can be built on demand from (seed, CPO, local index) alone: start-up
is instant at any size, and `--locations 3000` starts with the same 300 as `--locations 300`.

Generated `last_updated` values are `anchor + step * g` (g = global index), strictly increasing,
so "oldest first" is index order for the hub and for each CPO, and a `date_from` / `date_to`
window is an index range found by arithmetic. They are spread over the `RECENT` seconds before
`as_of` (the instant the network is generated for: the mock passes its start time), so a network
started today was last updated in the last two weeks; the newest lies before `as_of`, so every
runtime change (stamped with the wall clock) is newer than anything generated. One seed, size
and `as_of` is one network; without `as_of` it is the fixed `ANCHOR_EPOCH`.
"""

from __future__ import annotations

import bisect
import functools
from typing import Any

from .catalog import ANCHOR_EPOCH, BLOCK, CPOS, HUB, CpoSpec, Party, build_tariffs
from .locations import build_location, build_location_json, location_id

__all__ = [
    "ANCHOR_EPOCH",
    "CPOS",
    "HUB",
    "RECENT",
    "CpoSpec",
    "Network",
    "Party",
]

RECENT = 14 * 86400  # generated locations were last updated in the two weeks before as_of


def _slot_pattern() -> list[int]:
    """CPO number for each of the BLOCK slots, spread evenly (D N D F D B ...)."""
    marks = []
    for cpo_no, cpo in enumerate(CPOS):
        marks += [((k + 0.5) / cpo.weight, cpo_no) for k in range(cpo.weight)]
    return [cpo_no for _, cpo_no in sorted(marks)]


class Network:
    """The generated part of the network for one seed and size. Immutable, thread-safe."""

    def __init__(self, seed: int, total: int, as_of: float = ANCHOR_EPOCH) -> None:
        if total < 0:
            raise ValueError("the number of locations cannot be negative")
        self.seed = seed
        self.total = total
        self.as_of = int(as_of)
        # Whole seconds between consecutive locations; at least 1, so a network of more than
        # RECENT locations reaches further back.
        self.step = max(1, RECENT // max(total, 1))
        self.anchor = self.as_of - self.step * total  # the first location's last_updated
        self.cpos = CPOS
        self.hub = HUB
        pattern = _slot_pattern()
        self._pattern = pattern
        self._slots = [[s for s, c in enumerate(pattern) if c == n] for n in range(len(CPOS))]
        self._by_key = {c.key: n for n, c in enumerate(CPOS)}
        self._by_code = {(c.country_code, c.party_id): n for n, c in enumerate(CPOS)}

    # -- index arithmetic -----------------------------------------------------------------

    def cpo_no(self, key: str) -> int | None:
        """CPO number from `DE-VOL` (case-insensitive)."""
        return self._by_key.get(key.upper())

    def cpo_by_code(self, country_code: str, party_id: str) -> int | None:
        return self._by_code.get((country_code.upper(), party_id.upper()))

    def owner(self, g: int) -> tuple[int, int]:
        """(CPO number, local index) of global index g."""
        block, slot = divmod(g, BLOCK)
        cpo_no = self._pattern[slot]
        slots = self._slots[cpo_no]
        return cpo_no, block * len(slots) + slots.index(slot)

    def global_index(self, cpo_no: int, local: int) -> int:
        slots = self._slots[cpo_no]
        block, k = divmod(local, len(slots))
        return block * BLOCK + slots[k]

    def count_before(self, cpo_no: int, g: int) -> int:
        """How many locations of the CPO have a global index < g (g may exceed the total)."""
        g = max(0, min(g, self.total))
        slots = self._slots[cpo_no]
        block, slot = divmod(g, BLOCK)
        return block * len(slots) + bisect.bisect_left(slots, slot)

    def count(self, cpo_no: int | None = None) -> int:
        return self.total if cpo_no is None else self.count_before(cpo_no, self.total)

    # -- time ------------------------------------------------------------------------------

    def epoch_of(self, g: int) -> int:
        """last_updated of global index g, epoch seconds (the last one is before as_of)."""
        return self.anchor + self.step * g

    def first_index_at_or_after(self, epoch: float) -> int:
        """Smallest global index whose last_updated >= epoch (may be negative-clamped to 0)."""
        if epoch <= self.anchor:
            return 0
        return int(-(-(epoch - self.anchor) // self.step))  # ceil

    # -- content ---------------------------------------------------------------------------

    def location(self, cpo_no: int, local: int) -> dict[str, Any]:
        g = self.global_index(cpo_no, local)
        return build_location(CPOS[cpo_no], self.seed, cpo_no, local, self.epoch_of(g))

    def location_at(self, g: int) -> dict[str, Any]:
        cpo_no, local = self.owner(g)
        return build_location(CPOS[cpo_no], self.seed, cpo_no, local, self.epoch_of(g))

    def location_json(self, cpo_no: int, local: int) -> str:
        """The location as JSON text: the listing hot path (no dict, no encoder)."""
        g = self.global_index(cpo_no, local)
        return build_location_json(CPOS[cpo_no], self.seed, cpo_no, local, self.epoch_of(g))

    def location_json_at(self, g: int) -> str:
        cpo_no, local = self.owner(g)
        return build_location_json(CPOS[cpo_no], self.seed, cpo_no, local, self.epoch_of(g))

    def location_id(self, cpo_no: int, local: int) -> str:
        return location_id(CPOS[cpo_no], local)

    def parse_location_id(self, text: str) -> tuple[int, int] | None:
        """(CPO number, local index) of a generated location id, None if not ours / too big."""
        parts = text.upper().split("-")
        if len(parts) != 3 or not parts[2].isdigit():
            return None
        cpo_no = self._by_code.get((parts[0], parts[1]))
        if cpo_no is None:
            return None
        local = int(parts[2])
        if local >= self.count(cpo_no) or text.upper() != location_id(CPOS[cpo_no], local):
            return None
        return cpo_no, local

    @functools.cached_property
    def _tariffs(self) -> list[list[dict[str, Any]]]:
        return [build_tariffs(c, self.as_of) for c in CPOS]

    def tariffs(self, cpo_no: int) -> list[dict[str, Any]]:
        """The CPO's tariffs (shared dicts: copy before changing), oldest first."""
        return self._tariffs[cpo_no]

    def tariff(self, cpo_no: int, tariff_id: str) -> dict[str, Any] | None:
        for tariff in self._tariffs[cpo_no]:
            if tariff["id"].upper() == tariff_id.upper():
                return tariff
        return None
