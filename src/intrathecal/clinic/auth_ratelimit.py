"""Throttles kept in the database: login back-off and per-address limits, the public form.

State lives in ``throttle_hits`` (through the unit of work), so every server process and
worker sees the same counts. Each check runs inside the caller's transaction:

* **login, per (username, address)**: after ``free_failures`` failed logins in the window,
  each further attempt from that address for that username must wait
  ``backoff_seconds * 2**(failures - free_failures)`` (capped at ``backoff_max_seconds``)
  after the last failure. A success clears it. There is no hard lock: someone guessing
  a known username from elsewhere cannot lock its owner out.
* **login, per address**: at most ``attempts_per_ip`` attempts (any username) per window.
* **appointment form, per address**: at most ``appointment_requests_per_ip`` per window.

The client address is whatever ``api.client_address`` believed (proxies only when
trusted), so a forged ``X-Forwarded-For`` cannot dodge the per-address limits. Two
concurrent attempts may both pass the last free slot; the overrun is at most the number
of concurrent requests, which bounds guessing just the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from intrathecal.clinic.errors import ClinicError
from intrathecal.clinic.uow import UnitOfWork

LOGIN_FAILED = "login.failed"
LOGIN_ADDRESS = "login.address"
APPOINTMENT_ADDRESS = "appointment.address"


@dataclass(frozen=True)
class ThrottlePolicy:
    """The limits (``intrathecal.settings`` holds the configured values)."""

    free_failures: int = 3
    backoff_seconds: int = 2
    backoff_max_seconds: int = 15 * 60
    attempts_per_ip: int = 30
    appointment_requests_per_ip: int = 5
    window_seconds: int = 15 * 60


class LoginThrottled(ClinicError):
    """Too many attempts; ``retry_after`` is the wait in whole seconds."""

    def __init__(self, retry_after: int, scope: str, what: str = "login attempts") -> None:
        super().__init__(f"too many {what} for this {scope}; retry in {retry_after} s")
        self.retry_after = retry_after
        self.scope = scope


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


class Throttle:
    """The checks above, against a unit of work that is already open."""

    def __init__(
        self, policy: ThrottlePolicy | None = None, clock: Callable[[], datetime] = _utcnow
    ) -> None:
        self.policy = policy or ThrottlePolicy()
        self.clock = clock
        self.window = timedelta(seconds=self.policy.window_seconds)

    def _counted(
        self, uow: UnitOfWork, scope: str, key: str, limit: int, now: datetime, what: str
    ) -> None:
        hits = uow.throttle.window(scope, key, now - self.window)
        if hits.count >= limit and hits.oldest is not None:
            raise LoginThrottled(_seconds(hits.oldest + self.window - now), "client address", what)
        uow.throttle.add(scope, key, now)

    def before_login(self, uow: UnitOfWork, username: str, ip: str) -> None:
        """Refuse (``LoginThrottled``) or count this login attempt."""
        now = self.clock()
        uow.throttle.purge(now - self.window)
        failures = uow.throttle.window(LOGIN_FAILED, f"{username}|{ip}", now - self.window)
        extra = failures.count - self.policy.free_failures
        if extra >= 0 and failures.newest is not None:
            wait = min(self.policy.backoff_seconds * 2**extra, self.policy.backoff_max_seconds)
            ready = failures.newest + timedelta(seconds=wait)
            if ready > now:
                raise LoginThrottled(_seconds(ready - now), "username from this address")
        self._counted(uow, LOGIN_ADDRESS, ip, self.policy.attempts_per_ip, now, "login attempts")

    def login_failed(self, uow: UnitOfWork, username: str, ip: str) -> None:
        """Count a failed login for (username, address)."""
        uow.throttle.add(LOGIN_FAILED, f"{username}|{ip}", self.clock())

    def login_succeeded(self, uow: UnitOfWork, username: str, ip: str) -> None:
        """Forget the failures of (username, address)."""
        uow.throttle.clear(LOGIN_FAILED, f"{username}|{ip}")

    def appointment_request(self, uow: UnitOfWork, ip: str) -> None:
        """Refuse (``LoginThrottled``) or count a public appointment request."""
        now = self.clock()
        self._counted(
            uow,
            APPOINTMENT_ADDRESS,
            ip,
            self.policy.appointment_requests_per_ip,
            now,
            "appointment requests",
        )
