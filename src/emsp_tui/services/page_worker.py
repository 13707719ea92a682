"""The page worker program: ``python -m emsp_tui.services.page_worker``.

Reads location page bodies from stdin and answers each with the page prepared (see
prepared_page.py), one at a time. A frame is an 8-byte little-endian length and that many
bytes; an answer frame starts with one kind byte: ``R`` a pickled PreparedPage follows (the
parent unpickles it on its database thread), ``P`` the envelope was not a plain success
(UTF-8 reason follows), ``E`` preparing failed (UTF-8 error follows). It exits at the end of
its input, which is also what happens when its parent dies.

A program of its own rather than multiprocessing: a child started by multiprocessing imports
its parent's main module (the app, a benchmark) again, and answers through threads of the
parent that compete with the database thread for the GIL.
"""

from __future__ import annotations

import gc
import pickle
import sys
from typing import BinaryIO

from .prepared_page import prepare_body

READY, PROBLEM, ERROR = b"R", b"P", b"E"
HEADER = 8


def write_frame(out: BinaryIO, kind: bytes, payload: bytes) -> None:
    out.write((len(payload) + 1).to_bytes(HEADER, "little"))
    out.write(kind)
    out.write(payload)
    out.flush()


def serve(source: BinaryIO, out: BinaryIO) -> None:
    # A page is ~100,000 objects that live until it is answered and have no reference cycles
    # (JSON trees, models, tuples): automatic collections would walk them again and again for
    # nothing (about a quarter of the time). Collect once per page instead, when they are gone,
    # for the rare cycle (an exception's traceback).
    gc.freeze()
    gc.disable()
    while header := source.read(HEADER):
        body = source.read(int.from_bytes(header, "little"))
        try:
            page = prepare_body(body)
        except Exception as err:  # reported to the parent, which decides
            write_frame(out, ERROR, f"{type(err).__name__}: {err}".encode())
            continue
        if page.problem is not None:
            write_frame(out, PROBLEM, page.problem.encode())
        else:
            write_frame(out, READY, pickle.dumps(page, protocol=pickle.HIGHEST_PROTOCOL))
        del page
        gc.collect()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
