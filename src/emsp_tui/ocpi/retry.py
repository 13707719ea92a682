"""Retry policy: bounded attempts, exponential backoff with jitter, idempotent requests only.

Retried: transport errors (connect, timeout), HTTP 5xx, HTTP 429 (at least its Retry-After) and
the hub's 4002 (timeout) / 4003 (receiver not connected). POST and PATCH are never retried: a
lost answer does not mean the peer did nothing, and spec 1.8 says never to re-send pushes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import OcpiError, OcpiTransportError
from .status import HUB_CONNECTION_PROBLEM, HUB_TIMEOUT

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_RETRY_STATUS_CODES = frozenset({HUB_TIMEOUT, HUB_CONNECTION_PROBLEM})


def is_retryable(err: OcpiError) -> bool:
    """Whether the failure is transient (worth another attempt of an idempotent request)."""
    if isinstance(err, OcpiTransportError):
        return True
    if err.http_status is not None and (err.http_status >= 500 or err.http_status == 429):
        return True
    return err.status_code in _RETRY_STATUS_CODES


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # in total, including the first
    backoff: float = 0.5  # seconds before the first retry, doubled for each further one
    max_backoff: float = 8.0
    jitter: float = 0.5  # fraction of each delay that is random (spreads a thundering herd)
    max_retry_after: float = 30.0  # a longer Retry-After ends the retries instead

    def backoff_delay(self, retry: int, rand: float) -> float:
        """Seconds before retry number ``retry`` (1-based); ``rand`` is uniform in [0, 1)."""
        base = min(self.max_backoff, self.backoff * 2.0 ** (retry - 1))
        return base * (1 - self.jitter * rand)

    def next_delay(self, err: OcpiError, attempt: int, rand: float) -> float | None:
        """Seconds to wait before another attempt after ``err`` on ``attempt``, or None: give up."""
        if attempt >= self.attempts or not is_retryable(err):
            return None
        delay = self.backoff_delay(attempt, rand)
        if err.retry_after is not None:
            if err.retry_after > self.max_retry_after:
                return None
            delay = max(delay, err.retry_after)
        return delay


DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(attempts=1)
