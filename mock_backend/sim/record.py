"""What a session is about and what it measured: shared by `session` and its OCPI `views`.

`views` reads a session only through `SessionRecord`, so it never imports the session module.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


class SessionSpec(Protocol):
    """What a session is about; `mock_backend.charging.RunSpec` has exactly these."""

    @property
    def session_id(self) -> str: ...
    @property
    def country_code(self) -> str: ...  # the CPO
    @property
    def party_id(self) -> str: ...
    @property
    def location(self) -> dict[str, Any]: ...
    @property
    def evse(self) -> dict[str, Any]: ...
    @property
    def connector(self) -> dict[str, Any]: ...
    @property
    def tariffs(self) -> list[dict[str, Any]]: ...
    @property
    def cdr_token(self) -> dict[str, Any]: ...
    @property
    def auth_method(self) -> str: ...
    @property
    def authorization_reference(self) -> str | None: ...
    @property
    def start(self) -> datetime: ...  # aware
    @property
    def seed(self) -> int: ...


@dataclass
class Period:
    """A charging period as measured (the OCPI dicts are built from it in `views`)."""

    start_ms: int  # since the session was created
    charging: bool
    elements: tuple[int | None, ...]  # the element pricing each dimension when it began
    kwh_start: float
    kwh_end: float
    max_kw: float = 0.0
    min_kw: float = math.inf
    max_a: float = 0.0
    min_a: float = math.inf
    amp_ms: float = 0.0  # integral of the current, for its average
    soc: float = 0.0  # at the end (so far)
    end_ms: int | None = None  # None while open

    def sample(self, kw: float, amps: float) -> None:
        if self.charging:
            self.max_kw, self.min_kw = max(self.max_kw, kw), min(self.min_kw, kw)
            self.max_a, self.min_a = max(self.max_a, amps), min(self.min_a, amps)


class SessionRecord(Protocol):
    """The read-only face of a `ChargingSession` that the OCPI views are built from."""

    @property
    def spec(self) -> SessionSpec: ...
    @property
    def periods(self) -> list[Period]: ...
    @property
    def tariff(self) -> Mapping[str, Any] | None: ...
    @property
    def time_zone(self) -> str: ...
    @property
    def now(self) -> datetime: ...
    @property
    def status(self) -> str: ...
    @property
    def kwh(self) -> float: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def ended_at(self) -> datetime | None: ...
    @property
    def elapsed_ms(self) -> int: ...
    @property
    def was_active(self) -> bool: ...

    def time_at(self, ms: int) -> datetime: ...
    def period_end_ms(self, period: Period) -> int: ...
    def ms_since_active(self, ms: int) -> int: ...
