"""The network's seam (`mock_backend.charging.ChargeRun`) on top of a ChargingSession."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .record import SessionSpec
from .session import ChargingSession


class SimRun:
    """A `ChargeRun`: driven by simulated datetimes instead of seconds."""

    def __init__(self, charging: ChargingSession) -> None:
        self.charging = charging

    def advance(self, now: datetime) -> None:
        self.charging.advance_to(now)

    def stop(self, now: datetime) -> None:
        self.charging.stop(now)

    @property
    def done(self) -> bool:
        return self.charging.done

    def session(self) -> dict[str, Any]:
        return self.charging.session_dict()

    def cdr(self, cdr_id: str) -> dict[str, Any]:
        return self.charging.cdr_dict(cdr_id)


def new_run(spec: SessionSpec) -> SimRun:
    """What `mock_backend.charging.new_run` calls: a seeded session (vehicle from `spec.seed`)."""
    return SimRun(ChargingSession(spec))
