"""Short words near a point: the text tested in Python (search_text.py) must give exactly what
FTS5 gives. Every page is compared with TEXT_SHORTCUTS off (FTS5 for every test, as before),
on a store of locations from the mock network's generator."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emsp_tui.ocpi.models import Location
from emsp_tui.store import search as search_module
from emsp_tui.store import search_near, search_text
from emsp_tui.store.search import SearchPage, SearchQuery, fts_query, search
from mock_backend.generator import Network
from tests.store.test_locations import Store

BERLIN = (52.520008, 13.404954)
PARIS = (48.8566, 2.3522)
ATLANTIC = (45.0, -30.0)  # nothing within 2,000 km
HOMES = [None, BERLIN, PARIS, ATLANTIC]
# The bench's first keys and their like: one- and two-letter words, alone, after a long word,
# between long words, with accents.
TEXTS = ["b", "be", "a", "ai", "aire d", "de*v", "de*vol*e", "d", "e", "s", "st", "x", "q", "zz",
         "ö", "straße b", "köln d", "frankfurt h", "p a", "1"]  # fmt: skip


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    st = Store(tmp_path_factory.mktemp("generated") / "emsp.sqlite3")
    net = Network(42, 4000)
    for start in range(0, net.total, 500):
        st.put(*(Location.model_validate(net.location_at(g)) for g in range(start, start + 500)))
    yield st
    st.db.close_sync()


def both(st: Store, query: SearchQuery) -> tuple[SearchPage, SearchPage]:
    """The page through FTS5 alone (the previous behaviour), and with the shortcuts."""
    plain = st.run(lambda conn: _with_shortcuts(conn, query, False))
    quick = st.run(lambda conn: _with_shortcuts(conn, query, True))
    return plain, quick


def _with_shortcuts(conn: sqlite3.Connection, query: SearchQuery, on: bool) -> SearchPage:
    before = search_near.TEXT_SHORTCUTS
    search_near.TEXT_SHORTCUTS = on
    try:
        return search(conn, query)
    finally:
        search_near.TEXT_SHORTCUTS = before


@pytest.mark.parametrize("home", HOMES, ids=["no-home", "berlin", "paris", "atlantic"])
@pytest.mark.parametrize(
    "extra",
    [{}, {"min_kw": 50}, {"available_only": True, "operator": "Voltwerk Ladenetz GmbH"},
     {"radius_km": 5.0}, {"offset": 40}],
    ids=["plain", "min-kw", "available-operator", "radius", "page-3"],
)  # fmt: skip
def test_short_words_give_the_same_pages_as_fts5(
    generated: Store, home: tuple[float, float] | None, extra: dict[str, Any]
) -> None:
    if home is None and "radius_km" in extra:
        pytest.skip("a radius needs a point")
    compared = 0
    for text in TEXTS:
        query = SearchQuery(text=text, near=home, limit=20, **extra)
        plain, quick = both(generated, query)
        assert quick == plain, text  # hits (distance included), order, total, radius, cap
        compared += bool(plain.hits)
    if not (home == ATLANTIC and "radius_km" in extra):  # nothing at all within 5 km there
        assert compared >= 10  # most find something: the comparison is not vacuous


@pytest.mark.parametrize(
    ("text_rows", "few", "row_vs_merged"),
    [(3_000, 25_000, 0), (5, 25_000, 0), (3_000, 10, 0), (5, 10, 0), (3_000, 10, 10**9)],
    ids=["python-circles", "big-circles-via-fts", "growing-circles", "both", "all-via-fts"],
)  # fmt: skip
def test_same_pages_whichever_way_the_circle_is_found(
    generated: Store,
    monkeypatch: pytest.MonkeyPatch,
    text_rows: int,
    few: int,
    row_vs_merged: int,
) -> None:
    # A circle over TEXT_ROWS, or one dearer to test in Python than FTS5's merge (ROW_VS_MERGED
    # 0: never), falls back to FTS5; over FEW_TEXT_MATCHES matches anywhere the circle grows
    # (each step tested in Python while it is small).
    monkeypatch.setattr(search_near, "TEXT_ROWS", text_rows)
    monkeypatch.setattr(search_near, "FEW_TEXT_MATCHES", few)
    monkeypatch.setattr(search_near, "ROW_VS_MERGED", row_vs_merged)
    for home in HOMES[1:]:
        for text in TEXTS:
            plain, quick = both(generated, SearchQuery(text=text, near=home, limit=30))
            assert quick == plain, (home, text)


@pytest.mark.parametrize("text", ["b", "de", "de*v"])
def test_short_words_near_home_never_reach_fts5(generated: Store, text: str) -> None:
    statements: list[str] = []

    def find(conn: sqlite3.Connection, query: SearchQuery) -> SearchPage:
        conn.set_trace_callback(statements.append)
        try:
            return search(conn, query)
        finally:
            conn.set_trace_callback(None)

    first = search_near.FIRST_RADIUS_KM
    within = generated.run(find, SearchQuery(text=text, near=BERLIN, radius_km=first))
    assert within.total >= 5
    # The first circle holds the page (as at 300,000 locations), so no FTS5 merge of every
    # doclist that starts with those letters.
    query = SearchQuery(text=text, near=BERLIN, limit=within.total)
    page = generated.run(find, query)
    assert (page.radius_km, page.total) == (first, within.total)
    assert not [s for s in statements if "MATCH" in s]
    assert both(generated, query) == (page, page)


@pytest.mark.parametrize("text", ["b", "de", "s", "x", "q", "1", "de*v", "zz"])
def test_the_estimate_of_what_fts5_would_merge(generated: Store, text: str) -> None:
    """A guess from a sample (it only chooses the strategy), but a fair one."""

    def guess_and_count(conn: sqlite3.Connection) -> tuple[float, int]:
        words = search_text.query_words(conn, text)
        assert words is not None
        short = " ".join(t for t in words.tokens if len(t) <= search_text.SHORT)
        merged = sum(len(fts_ids(conn, token)) for token in short.split())
        return search_text.merged_rows(conn, words), merged

    guess, merged = generated.run(guess_and_count)
    assert merged / 2 - 100 <= guess <= merged * 2 + 100


def test_matches_far_away_are_read_from_fts5_once(generated: Store) -> None:
    # Nothing within 2 km of the Atlantic point: the matches anywhere are counted, the nearest
    # found and those within the circle counted from one evaluation of the text.
    statements: list[str] = []

    def find(conn: sqlite3.Connection) -> SearchPage:
        conn.set_trace_callback(statements.append)
        try:
            return search(conn, SearchQuery(text="aire d", near=ATLANTIC, limit=20))
        finally:
            conn.set_trace_callback(None)

    page = generated.run(find)
    assert len(page.hits) == 20
    assert len([s for s in statements if "MATCH" in s]) == 1


# -- the tokenizer, character by character ------------------------------------------------
POOL = (
    "abcxyzABCXYZ0189 -'.,*/_·"  # ASCII: letters and digits are tokens, the rest splits
    "äöüßẞéèêëçñøæœåÅÆØŒłŁđĐıİŉǅǆĳ"  # Latin with diacritics, ligatures, title case
    "\u0301\u0308\u00a0\u2009\u200b"  # combining marks, spaces of several widths
    "ΣσςΆάΩωМоскваЁё東京٣½Ⅻ²ﬁﬀ🔌"  # Greek, Cyrillic, CJK, digits and numbers of other kinds
)


def fts_ids(conn: sqlite3.Connection, text: str) -> set[int]:
    match = fts_query(text)
    sql = "SELECT rowid FROM location_fts WHERE location_fts MATCH ?"
    return {r[0] for r in conn.execute(sql, (match,))}


def test_the_python_test_agrees_with_fts5_on_odd_characters(tmp_path: Path) -> None:
    """Random texts from a pool of awkward characters, straight into location_fts; every query
    word the Python side accepts must match exactly the rows FTS5 matches."""
    st = Store(tmp_path / "chars.sqlite3")
    rng = random.Random(7)
    rows = []
    for pk in range(1, 401):
        columns: list[str | None] = [
            "".join(rng.choice(POOL) for _ in range(rng.randint(0, 14))) for _ in range(6)
        ]
        columns[rng.randrange(6)] = None
        rows.append((pk, *columns))
    conn = st.db.conn
    conn.executemany("INSERT INTO location_fts (rowid, name, address, city, postal_code,"
                     " operator, evse_ids) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)  # fmt: skip
    words = sorted({w[:n] for r in rows for c in r[1:] if c
                    for w in search_module._WORD.findall(c) for n in (1, 2, 3)})  # fmt: skip
    texts = words + [f"{a} {b}" for a, b in zip(words[::7], words[3::7], strict=False)]
    checked = 0
    for text in texts:
        parsed = search_text.query_words(conn, text)
        if parsed is None:
            continue  # search uses FTS5 for it
        found = search_text.matching(conn, parsed, [(0, r[0], *r[1:]) for r in rows])
        assert found is not None
        assert {pk for _, pk in found} == fts_ids(conn, text), text
        checked += 1
    assert checked > 0.8 * len(texts)
    st.db.close_sync()
