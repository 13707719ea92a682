"""How a mock network is set up: the command line and the Python API both build a MockConfig."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .paging import DEFAULT_LIMIT, MAX_LIMIT


@dataclass
class MockConfig:
    seed: int = 42
    locations: int = 300  # across all CPOs
    speed: float = 60.0  # simulated seconds per wall second for charging sessions
    token_a: str | None = None  # registration token for every party; random when None
    push_interval: float = 5.0  # wall seconds between session PATCHes
    churn_per_minute: float = 6.0  # seeded EVSE status changes per wall minute (0: none)
    host: str = "127.0.0.1"
    port: int = 0  # 0: a free port
    faults: list[str] = field(default_factory=list)  # "PARTY:KIND[=VALUE]"
    page_limit: int = DEFAULT_LIMIT  # when the client asks none
    max_page_limit: int = MAX_LIMIT  # X-Limit
    command_delay: float = 1.0  # wall seconds until a CommandResult is POSTed
    command_timeout: int = 30  # the `timeout` of a CommandResponse (s)
    hub_timeout: float = 15.0  # the hub's limit on a forwarded request (then 4002)
    push_timeout: float = 10.0  # outbound request timeout
    tick: float = 0.5  # wall seconds between simulator steps
    # Epoch seconds the generated data is dated back from (its last_updated values lie in the
    # two weeks before); None: the start time. Not in the future (changes must be newer).
    as_of: float | None = None

    def validate(self) -> None:
        """Raise ValueError (a user-facing message) on settings that cannot work."""
        if not 0 <= self.locations <= 5_000_000:
            raise ValueError("--locations must be between 0 and 5000000")
        if self.speed <= 0:
            raise ValueError("--speed must be positive")
        if self.push_interval <= 0:
            raise ValueError("--push-interval must be positive")
        if self.churn_per_minute < 0:
            raise ValueError("--churn must not be negative")
        if not 0 <= self.port <= 65535:
            raise ValueError("--port must be between 0 and 65535")
        if not 1 <= self.page_limit <= self.max_page_limit:
            raise ValueError("the default page size must be between 1 and the maximum page size")
        if self.as_of is not None and self.as_of > time.time():
            raise ValueError("as_of must not lie in the future")
        if self.token_a is not None and not (
            0 < len(self.token_a) <= 64 and all("!" <= c <= "~" for c in self.token_a)
        ):
            raise ValueError("--token-a must be 1-64 printable ASCII characters without spaces")
