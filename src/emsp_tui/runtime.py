"""Process-wide settings for the ``emsp`` process (called once, from the command line entry).

Garbage collection: a sync page is about 150,000 short-lived Python objects (the decoded JSON
and the validated models). With CPython's default thresholds (700, 10, 10) that triggers a young
collection every 700 allocations and, every hundred or so, a full one that walks every
long-lived object (Textual, pydantic and their caches). Decoding + validating the mock's pages
with Textual imported measured about 250 µs per location by default, 120 with the settings
below; `bench/sync_bench.py` at 30,000 locations went from 18.8 s to 12.2 s. The objects
involved have no reference cycles (JSON trees, pydantic models), so collecting less often
costs a little memory, not correctness.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def tune_gc() -> None:
    """Collect less often, and never walk what exists at start-up (modules, classes) again."""
    gc.freeze()  # what is alive now (imports) moves to a generation collections skip
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
