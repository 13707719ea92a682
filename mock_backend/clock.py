"""Time for the mock: OCPI DateTime strings, and a wall clock that never goes backwards.

Runtime changes are stamped with the wall clock; pagination orders by `last_updated`, so two
changes must never be stamped out of order even if the system clock steps back.
"""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime

from emsp_tui.ocpi.types import parse_datetime

__all__ = ["Clock", "iso_second", "iso_utc", "parse_ocpi_datetime"]


@functools.lru_cache(maxsize=4096)
def _day(day: int) -> str:
    return time.strftime("%Y-%m-%dT", time.gmtime(day * 86400))


def iso_second(epoch: int) -> str:
    """iso_utc for a whole second (the generator's hot path)."""
    day, rest = divmod(epoch, 86400)
    return f"{_day(day)}{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}Z"


def iso_utc(epoch: float) -> str:
    """`YYYY-MM-DDTHH:MM:SS[.mmm]Z`: what OCPI wants us to emit (hot path: no strftime)."""
    millis = round(epoch * 1000)
    whole, millis = divmod(millis, 1000)
    day, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{_day(day)}{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


def parse_ocpi_datetime(text: str) -> float:
    """Epoch seconds of an OCPI DateTime (lenient: with or without Z, fractions, offsets)."""
    epoch: float = parse_datetime(text).timestamp()
    return epoch


class Clock:
    """Wall-clock epoch seconds, millisecond resolution, non-decreasing across calls."""

    def __init__(self) -> None:
        self._last = 0.0

    def now(self) -> float:
        current = round(time.time(), 3)
        if current < self._last:
            current = self._last
        self._last = current
        return current

    def now_datetime(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC)
