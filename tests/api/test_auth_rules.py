"""Auth building blocks without HTTP: password hashing, login throttle, role policy."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intrathecal.clinic.auth import secret_hash
from intrathecal.clinic.auth_passwords import (
    WeakPassword,
    check_password,
    fast_hasher,
    hash_password,
)
from intrathecal.clinic.auth_policy import POLICY, AccessDenied, Permission, Role, require
from intrathecal.clinic.auth_ratelimit import LoginRateLimiter, LoginThrottled, RateLimitPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_password_hash_is_argon2id_and_verifies_only_the_right_password() -> None:
    hasher = fast_hasher()
    encoded = hash_password("a good long password", hasher)
    assert encoded.startswith("$argon2id$")
    assert check_password(encoded, "a good long password", hasher).ok
    assert not check_password(encoded, "a good long passwore", hasher).ok
    assert not check_password(None, "anything", hasher).ok
    assert not check_password("not-a-hash", "anything", hasher).ok


def test_weak_passwords_are_refused() -> None:
    with pytest.raises(WeakPassword):
        hash_password("short", fast_hasher())
    with pytest.raises(WeakPassword):
        hash_password("x" * 300, fast_hasher())


def test_an_outdated_hash_is_upgraded_on_login() -> None:
    old = hash_password("a good long password", fast_hasher())
    from argon2 import PasswordHasher

    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    verdict = check_password(old, "a good long password", stronger)
    assert verdict.ok
    assert verdict.new_hash is not None
    assert stronger.verify(verdict.new_hash, "a good long password")


def test_username_is_locked_after_max_failures_until_the_window_passes() -> None:
    clock = Clock()
    limiter = LoginRateLimiter(RateLimitPolicy(3, 100, 60), clock)
    for _ in range(3):
        limiter.check("Nurse", "10.0.0.1")
        limiter.record_failure("nurse")
    with pytest.raises(LoginThrottled) as info:
        limiter.check("nurse", "10.0.0.2")
    assert info.value.scope == "username"
    assert 0 < info.value.retry_after <= 60
    clock.now += 61
    limiter.check("nurse", "10.0.0.2")


def test_success_clears_the_usernames_failures() -> None:
    limiter = LoginRateLimiter(RateLimitPolicy(2, 100, 60), Clock())
    limiter.record_failure("dr")
    limiter.record_success("dr")
    limiter.record_failure("dr")
    limiter.check("dr", "ip")


def test_one_address_is_limited_across_usernames() -> None:
    limiter = LoginRateLimiter(RateLimitPolicy(100, 5, 60), Clock())
    for i in range(5):
        limiter.check(f"user{i}", "192.0.2.7")
    with pytest.raises(LoginThrottled) as info:
        limiter.check("someone-else", "192.0.2.7")
    assert info.value.scope == "client address"
    limiter.check("someone-else", "192.0.2.8")


@given(
    failures=st.integers(min_value=0, max_value=20),
    limit=st.integers(min_value=1, max_value=10),
    elapsed=st.floats(min_value=0, max_value=200, allow_nan=False),
)
def test_throttle_refuses_exactly_when_failures_in_window_reach_the_limit(
    failures: int, limit: int, elapsed: float
) -> None:
    clock = Clock()
    limiter = LoginRateLimiter(RateLimitPolicy(limit, 10_000, 100), clock)
    for _ in range(failures):
        limiter.record_failure("u")
    clock.now += elapsed
    if failures >= limit and elapsed < 100:
        with pytest.raises(LoginThrottled) as info:
            limiter.check("u", "ip")
        assert 1 <= info.value.retry_after <= 100
    else:
        limiter.check("u", "ip")


def test_policy_keeps_schedulers_and_admins_away_from_clinical_data() -> None:
    clinical = {
        Permission.PATIENT_READ,
        Permission.WORKLIST_READ,
        Permission.PROGRAMMING_WRITE,
        Permission.REFILL_WRITE,
    }
    assert not clinical & POLICY[Role.SCHEDULER]
    assert not clinical & POLICY[Role.ADMIN]
    assert POLICY[Role.PATIENT] == {Permission.OWN_RECORD_READ}
    with pytest.raises(AccessDenied):
        require(Role.NURSE, Permission.PROGRAMMING_WRITE)
    require(Role.PHYSICIAN, Permission.PROGRAMMING_WRITE)
    require(Role.NURSE, Permission.REFILL_WRITE)


def test_secrets_are_stored_as_sha256_only() -> None:
    digest = secret_hash("its_example")
    assert len(digest) == 64
    assert "its_example" not in digest
