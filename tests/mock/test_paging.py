"""Listings over generated + changed locations agree with a naive sorted list, for any window."""

from __future__ import annotations

import random

import pytest

from mock_backend.clock import Clock, iso_utc, parse_ocpi_datetime
from mock_backend.generator import CPOS, Network
from mock_backend.paging import LocationIndex, Window
from mock_backend.state import RuntimeState
from mock_backend.wire import as_object


def naive_rows(state: RuntimeState, cpo_no: int | None) -> list[tuple[float, str]]:
    """(last_updated, id) of every location, materialised and sorted the slow, obvious way."""
    net = state.network
    rows = []
    for g in range(net.total):
        c, local = net.owner(g)
        if cpo_no is not None and c != cpo_no:
            continue
        loc = state.overlay.current(c, local)
        changed = state.overlay.is_changed(c, local)
        rows.append((parse_ocpi_datetime(loc["last_updated"]), changed, g, loc["id"]))
    # changed ones keep their change order (equal stamps: the order of the changes)
    order = {key: n for n, key in enumerate(state.overlay._items)}
    rows.sort(key=lambda r: (r[0], order.get(net.owner(r[2]), -1)))
    return [(r[0], r[3]) for r in rows]


def naive(rows: list[tuple[float, str]], window: Window) -> tuple[list[str], int]:
    chosen = [loc_id for epoch, loc_id in rows if window.admits(epoch)]
    return chosen[window.offset : window.offset + window.limit], len(chosen)


@pytest.mark.parametrize("cpo_no", [None, 0, 3])
def test_pages_match_a_naive_listing(cpo_no: int | None) -> None:
    net = Network(5, 500)
    state = RuntimeState(net, Clock())
    rng = random.Random(9)
    stamps = []
    for _ in range(60):  # change EVSE statuses at random (some locations twice)
        g = rng.randrange(net.total)
        c, local = net.owner(g)
        evse = rng.choice(state.overlay.current(c, local)["evses"])
        new = "OUTOFORDER" if evse["status"] != "OUTOFORDER" else "AVAILABLE"
        changed = state.set_evse_status(c, local, evse["uid"], new)
        assert changed is not None
        stamps.append(changed[1])
    index = LocationIndex(
        net, cpo_no, lambda: state.overlay.keys(cpo_no), lambda: state.overlay.items(cpo_no)
    )
    generated = [net.epoch_of(g) for g in (0, 77, 250, 499)]
    rows = naive_rows(state, cpo_no)
    edges = [None, *generated, *(s - 0.0005 for s in stamps[::7]), stamps[-1] + 1]
    for _ in range(300):
        date_from, date_to = rng.choice(edges), rng.choice(edges)
        window = Window(
            date_from=date_from,
            date_to=date_to,
            offset=rng.randrange(0, 520),
            limit=rng.choice((1, 7, 50, 1000)),
        )
        items, total = index.page(window)
        ids = [as_object(i)["id"] for i in items]
        assert (ids, total) == naive(rows, window), window


def test_date_window_is_inclusive_from_and_exclusive_to() -> None:
    net = Network(5, 100)
    state = RuntimeState(net, Clock())
    index = LocationIndex(
        net, None, lambda: state.overlay.keys(None), lambda: state.overlay.items(None)
    )
    at = net.epoch_of(40)
    items, total = index.page(Window(date_from=at, date_to=at + 1))
    assert total == 1
    assert as_object(items[0])["last_updated"] == iso_utc(at)
    assert index.page(Window(date_from=at, date_to=at))[1] == 0
    assert index.page(Window(date_from=at + 0.001))[1] == 100 - 41
    assert sum(net.count(c) for c in range(len(CPOS))) == 100
