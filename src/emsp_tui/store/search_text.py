"""A text query tested in Python against a few rows, with exactly FTS5's answer.

location_fts has a prefix index for three characters only (see the migration): a word of one
or two letters ("b", "de") makes FTS5 merge the doclists of every word that starts so, up to
300,000 locations and 20-80 ms for each statement that uses it, even when a search near home
only wants the few hundred locations of a small circle. search.py reads those locations' text
instead and tests it here, when that is the cheaper of the two (merged_rows guesses FTS5's
share from a sample).

Exact by construction: the table's tokenizer (unicode61, remove_diacritics 2) splits and
folds text one character at a time. For ASCII that is fixed (letters and digits in lower case,
everything else splits); any other character is put to SQLite's own tokenizer once (a scratch
FTS5 table in temp and its vocabulary) and its answer remembered. A query word that FTS5 would
split in two or drop is never handled here.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

TOKENIZE = "unicode61 remove_diacritics 2"
SHORT = 2  # words of at most this many characters have no prefix index
_WORD = re.compile(r"[^\W_]+")  # as search.fts_query
_TABLE_TOKENIZER = re.compile(rf"tokenize\s*=\s*'{TOKENIZE}'")
_WIDE = re.compile(r"[^\x00-\x7f]")

# What the tokenizer makes of a character: " " splits, "" drops it, else its folded form.
# A pure function of the SQLite library, so one table serves every connection.
_FOLD: dict[int, str] = {c: chr(c).lower() if chr(c).isalnum() else " " for c in range(128)}
_ODD: set[int] = set()  # characters whose answer was none of those (none seen so far)


@dataclass(frozen=True, slots=True)
class Words:
    """A query's words as FTS5 tokens: a row matches when each starts one of its tokens."""

    tokens: tuple[str, ...]

    @property
    def short(self) -> bool:
        return any(len(t) <= SHORT for t in self.tokens)


def query_words(conn: sqlite3.Connection, text: str) -> Words | None:
    """The tokens FTS5 reads from ``fts_query(text)``; None when a word is not exactly one
    token, or location_fts does not use the tokenizer emulated here."""
    words = _WORD.findall(text)[:16]
    if not words or not _same_tokenizer(conn):
        return None
    _learn(conn, "".join(words))
    tokens = []
    for word in words:
        if any(ord(c) in _ODD for c in word):
            return None
        token = word.translate(_FOLD)
        if not token or " " in token:
            return None
        tokens.append(token)
    return Words(tuple(tokens))


SAMPLE = 500  # locations whose text tells roughly how common a word is
# database file -> (max pk when sampled, the sample's texts folded as in matching)
_SAMPLES: dict[str, tuple[int, list[str]]] = {}


def merged_rows(conn: sqlite3.Connection, words: Words) -> float:
    """Roughly how many rows FTS5 merges for the short words (every location with a word that
    starts so), from a fixed sample of the locations' text: to choose between FTS5 and testing
    a circle here. A guess, never a result: the sample is retaken when the store grew or
    shrank by a tenth."""
    top = int(conn.execute("SELECT coalesce(max(pk), 0) FROM location_facets").fetchone()[0])
    name = conn.execute("PRAGMA database_list").fetchone()[2] or ""
    taken, texts = _SAMPLES.get(name, (-1, []))
    if abs(top - taken) > top / 10:
        # Random pks, not every n-th: locations often arrive in a repeating order (a hub
        # interleaving its CPOs), and a stride would see one CPO's only.
        pks = random.Random(top).sample(range(1, top + 1), min(SAMPLE, top))
        rows = conn.execute(
            """SELECT 0, rowid, name, address, city, postal_code, operator, evse_ids
                FROM location_fts WHERE rowid IN (SELECT value FROM json_each(?))""",
            (json.dumps(pks),),
        ).fetchall()
        texts = _folded(conn, rows) or []
        _SAMPLES[name] = (top, texts)
    short = [" " + t for t in words.tokens if len(t) <= SHORT]
    found = sum(1 for text in texts for w in short if w in text)
    return top * found / max(1, len(texts))


def matching(
    conn: sqlite3.Connection, words: Words, rows: Sequence[Sequence[Any]]
) -> list[tuple[int, int]] | None:
    """``(c2, pk)`` of the rows ``[c2, pk, *texts]`` whose texts hold every word, as
    ``location_fts MATCH`` would say; None if some character cannot be emulated."""
    texts = _folded(conn, rows)
    if texts is None:
        return None
    wanted = [" " + t for t in words.tokens]
    return [
        (int(row[0]), int(row[1]))
        for row, text in zip(rows, texts, strict=True)
        if all(w in text for w in wanted)
    ]


def _folded(conn: sqlite3.Connection, rows: Sequence[Sequence[Any]]) -> list[str] | None:
    """Each row's texts (from its third value on) as FTS5 tokens, each after a space."""
    texts = [" ".join(t for t in row[2:] if isinstance(t, str)) for row in rows]
    wide = set(_WIDE.findall("".join(t for t in texts if not t.isascii())))
    if wide:
        _learn(conn, wide)
        if _ODD and any(ord(c) in _ODD for c in wide):
            return None
    return [" " + text.translate(_FOLD) for text in texts]


def _same_tokenizer(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'location_fts'").fetchone()
    return row is not None and _TABLE_TOKENIZER.search(row[0]) is not None


def _learn(conn: sqlite3.Connection, chars: Iterable[str]) -> None:
    """Ask SQLite's tokenizer about each new character of ``chars``: the scratch document
    'a' + c + 'a' gives back 'a' and 'a' (c splits), 'aa' (dropped) or 'a' + fold + 'a'."""
    todo = sorted({ord(c) for c in chars} - _FOLD.keys() - _ODD)
    if not todo:
        return
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_chars"
        f" USING fts5(t, tokenize = '{TOKENIZE}')"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_chars_terms"
        " USING fts5vocab(temp, search_chars, instance)"
    )
    conn.execute("DELETE FROM temp.search_chars")
    conn.executemany(
        "INSERT INTO temp.search_chars (rowid, t) VALUES (?, ?)", [(c, f"a{chr(c)}a") for c in todo]
    )
    terms: dict[int, list[str]] = {}
    for term, doc in conn.execute("SELECT term, doc FROM temp.search_chars_terms"):
        terms.setdefault(doc, []).append(term)
    conn.execute("DELETE FROM temp.search_chars")
    for c in todo:
        found = terms.get(c, [])
        if found == ["a", "a"]:
            _FOLD[c] = " "
        elif len(found) == 1 and 2 <= len(found[0]) <= 3 and found[0][0] == found[0][-1] == "a":
            _FOLD[c] = found[0][1:-1]
        else:
            _ODD.add(c)
