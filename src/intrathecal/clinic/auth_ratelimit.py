"""Login throttling: failed attempts counted per username and per client IP.

A sliding window per key: after ``max_failures`` failed logins for one username, or
``max_attempts_per_ip`` attempts of any outcome from one address, within ``window``,
further attempts are refused until the oldest counted one leaves the window. The caller
gets the wait in whole seconds (for a ``Retry-After`` header). State lives in process
memory: one limiter per running app (documented gap for multi-process deployments).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from intrathecal.clinic.errors import ClinicError


@dataclass(frozen=True)
class RateLimitPolicy:
    """How many login attempts are allowed in which window."""

    max_failures_per_username: int = 5
    max_attempts_per_ip: int = 20
    window_seconds: float = 15 * 60


class LoginThrottled(ClinicError):
    """Too many login attempts; ``retry_after`` is the wait in whole seconds."""

    def __init__(self, retry_after: int, scope: str) -> None:
        super().__init__(f"too many login attempts for this {scope}; retry in {retry_after} s")
        self.retry_after = retry_after
        self.scope = scope


class LoginRateLimiter:
    """Counts login attempts in memory; thread-safe."""

    def __init__(
        self,
        policy: RateLimitPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy or RateLimitPolicy()
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._attempts: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, username: str, client_ip: str) -> None:
        """Raise ``LoginThrottled`` if this attempt must be refused; else count it for the IP."""
        now = self._clock()
        user_key = username.strip().lower()
        with self._lock:
            ip_hits = self._pruned(self._attempts, client_ip, now)
            if len(ip_hits) >= self.policy.max_attempts_per_ip:
                raise LoginThrottled(self._wait(ip_hits, now), "client address")
            user_hits = self._pruned(self._failures, user_key, now)
            if len(user_hits) >= self.policy.max_failures_per_username:
                raise LoginThrottled(self._wait(user_hits, now), "username")
            ip_hits.append(now)

    def record_failure(self, username: str) -> None:
        """Count a failed login against the username."""
        now = self._clock()
        with self._lock:
            self._pruned(self._failures, username.strip().lower(), now).append(now)

    def record_success(self, username: str) -> None:
        """Forget the username's failures after a successful login."""
        with self._lock:
            self._failures.pop(username.strip().lower(), None)

    def _pruned(self, table: dict[str, deque[float]], key: str, now: float) -> deque[float]:
        hits = table.setdefault(key, deque())
        while hits and now - hits[0] >= self.policy.window_seconds:
            hits.popleft()
        return hits

    def _wait(self, hits: deque[float], now: float) -> int:
        return max(1, math.ceil(self.policy.window_seconds - (now - hits[0])))
