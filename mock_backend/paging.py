"""Paginated listings (spec 1.6): filters, stable oldest-first order, and the response headers.

Locations are the generated base (lazy, ordered by index = by last_updated) minus the locations
changed at runtime, followed by those changed ones (the overlay, ordered by their wall-clock
last_updated, always later than anything generated). A page is found by index arithmetic plus a
bisect over the overlay's keys, so listing position 299,000 of 300,000 costs the same as position 0
and a `date_from` after start-up touches only the overlay.

Defaults (documented in --help): limit 100 when none is asked, capped at 1000 (`X-Limit: 1000`).
A limit below 1 is 2001, like an unparsable date or offset.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from .clock import parse_ocpi_datetime
from .generator import Network
from .wire import RawJson

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class BadParameter(ValueError):
    """An invalid pagination parameter (answered with 2001)."""


@dataclass(frozen=True)
class Window:
    date_from: float | None = None  # epoch seconds, inclusive
    date_to: float | None = None  # exclusive
    offset: int = 0
    limit: int = DEFAULT_LIMIT
    raw_from: str | None = None  # as the client sent them, repeated verbatim in Link
    raw_to: str | None = None

    def admits(self, epoch: float) -> bool:
        return (self.date_from is None or epoch >= self.date_from) and (
            self.date_to is None or epoch < self.date_to
        )


def parse_window(query: Mapping[str, str], default_limit: int, max_limit: int) -> Window:
    def date(name: str) -> tuple[float | None, str | None]:
        raw = query.get(name)
        if raw is None or raw == "":
            return None, None
        try:
            return parse_ocpi_datetime(raw), raw
        except (ValueError, OverflowError):
            raise BadParameter(f"{name} is not an OCPI DateTime: {raw!r}") from None

    def integer(name: str, default: int, minimum: int) -> int:
        raw = query.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise BadParameter(f"{name} is not an integer: {raw!r}") from None
        if value < minimum:
            raise BadParameter(f"{name} must be at least {minimum}: {raw!r}")
        return value

    date_from, raw_from = date("date_from")
    date_to, raw_to = date("date_to")
    offset = integer("offset", 0, 0)
    limit = min(integer("limit", default_limit, 1), max_limit)
    return Window(date_from, date_to, offset, limit, raw_from, raw_to)


def next_link(url_without_query: str, window: Window, returned: int, total: int) -> str | None:
    """`<url>; rel="next"` with every filter and the limit, or None on the last page."""
    following = window.offset + returned
    if returned == 0 or following >= total:
        return None
    params: list[tuple[str, str]] = []
    if window.raw_from is not None:
        params.append(("date_from", window.raw_from))
    if window.raw_to is not None:
        params.append(("date_to", window.raw_to))
    params += [("offset", str(following)), ("limit", str(window.limit))]
    return f'<{url_without_query}?{urlencode(params)}>; rel="next"'


def page_list(items: Sequence[tuple[float, Any]], window: Window) -> tuple[list[Any], int]:
    """A page of a small materialised list of (last_updated epoch, object), oldest first."""
    chosen = [obj for epoch, obj in items if window.admits(epoch)]
    return chosen[window.offset : window.offset + window.limit], len(chosen)


class LocationIndex:
    """Listings over generated + changed locations, for the hub (all CPOs) or one CPO."""

    def __init__(
        self,
        network: Network,
        cpo_no: int | None,
        changed_keys: Callable[[], list[int]],
        changed_items: Callable[[], list[tuple[float, dict[str, Any]]]],
    ) -> None:
        self.network = network
        self.cpo_no = cpo_no
        self._changed_keys = (
            changed_keys  # sorted base indices (global or local) changed at runtime
        )
        self._changed_items = changed_items  # their current versions, oldest first

    def _base_range(self, window: Window) -> tuple[int, int]:
        net = self.network
        g_lo = 0 if window.date_from is None else net.first_index_at_or_after(window.date_from)
        g_hi = net.total if window.date_to is None else net.first_index_at_or_after(window.date_to)
        g_lo, g_hi = min(g_lo, net.total), min(max(g_hi, 0), net.total)
        if self.cpo_no is None:
            return g_lo, max(g_lo, g_hi)
        lo, hi = net.count_before(self.cpo_no, g_lo), net.count_before(self.cpo_no, g_hi)
        return lo, max(lo, hi)

    def _build(self, index: int) -> RawJson:
        if self.cpo_no is None:
            return RawJson(self.network.location_json_at(index))
        return RawJson(self.network.location_json(self.cpo_no, index))

    def page(self, window: Window) -> tuple[list[RawJson | dict[str, Any]], int]:
        """(page items, total); generated items are JSON text (RawJson), changed ones dicts."""
        lo, hi = self._base_range(window)
        skip = self._changed_keys()
        first_skip, end_skip = bisect.bisect_left(skip, lo), bisect.bisect_left(skip, hi)
        base_total = (hi - lo) - (end_skip - first_skip)
        changed = [obj for epoch, obj in self._changed_items() if window.admits(epoch)]
        total = base_total + len(changed)
        out: list[RawJson | dict[str, Any]] = []
        start, wanted = window.offset, window.limit
        if start < base_total:
            index = self._kth_unchanged(lo, start, skip, first_skip)
            s = bisect.bisect_left(skip, index)
            while len(out) < wanted and index < hi:
                if s < len(skip) and skip[s] == index:
                    s += 1
                else:
                    out.append(self._build(index))
                index += 1
        if len(out) < wanted:
            begin = max(0, start - base_total)
            out.extend(changed[begin : begin + wanted - len(out)])
        return out, total

    @staticmethod
    def _kth_unchanged(lo: int, k: int, skip: list[int], first_skip: int) -> int:
        """The index of the k-th (0-based) unchanged base object at or after lo."""
        x = lo + k
        while True:
            passed = bisect.bisect_right(skip, x) - first_skip
            candidate = lo + k + passed
            if candidate == x:
                break
            x = candidate
        while bisect.bisect_left(skip, x) < len(skip) and skip[bisect.bisect_left(skip, x)] == x:
            x += 1
        return x
