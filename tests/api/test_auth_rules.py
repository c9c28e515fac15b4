"""Auth building blocks without HTTP: password hashing, login throttle, role policy."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intrathecal.clinic.auth import secret_hash
from intrathecal.clinic.auth_passwords import check_password, fast_hasher, hash_password
from intrathecal.clinic.auth_ratelimit import LoginRateLimiter, LoginThrottled, RateLimitPolicy
from intrathecal.clinic.errors import PermissionDenied
from intrathecal.clinic.permissions import Action, Role, allowed, role_may
from intrathecal.clinic.permissions import require as use_case_require
from intrathecal.clinic.records import Actor


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
    limiter.check("dr", "ip")  # one failure since the success: still under the limit of 2
    limiter.record_failure("dr")
    with pytest.raises(LoginThrottled):
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


CLINICAL_ACTIONS = frozenset(
    {
        Action.PATIENT_READ,
        Action.PATIENT_REGISTER,
        Action.PATIENT_UPDATE,
        Action.EVALUATION_RECORD,
        Action.TRIAL_RECORD,
        Action.IMPLANT_RECORD,
        Action.PRESCRIPTION_PROGRAM,
        Action.PRESCRIPTION_CONFIRM,
        Action.REFILL_RECORD,
        Action.ADVERSE_EVENT_RECORD,
        Action.ADVERSE_EVENT_UPDATE,
        Action.DEVICE_STATUS,
        Action.VISIT_COMPLETE,
        Action.WORKLIST_READ,
    }
)


def test_policy_keeps_schedulers_and_admins_away_from_clinical_data() -> None:
    for role in (Role.SCHEDULER, Role.ADMIN):
        assert not any(allowed(role, action) for action in CLINICAL_ACTIONS), role
    assert allowed(Role.SCHEDULER, Action.PATIENT_SEARCH)
    assert allowed(Role.SCHEDULER, Action.VISIT_SCHEDULE)
    assert not allowed(Role.ADMIN, Action.PATIENT_SEARCH)
    assert {a for a in Action if allowed(Role.PATIENT, a)} == {
        Action.PATIENT_READ,
        Action.APPOINTMENT_REQUEST,
    }


def test_nurses_do_clinical_work_but_never_program_or_cosign_an_override() -> None:
    for action in (Action.REFILL_RECORD, Action.EVALUATION_RECORD, Action.TRIAL_RECORD):
        assert allowed(Role.NURSE, action)
    with pytest.raises(PermissionDenied):
        role_may(Role.NURSE, Action.PRESCRIPTION_PROGRAM)
    assert not allowed(Role.NURSE, Action.OVERRIDE_COSIGN)
    assert {r for r in Role if allowed(r, Action.OVERRIDE_COSIGN)} == {Role.PHYSICIAN}
    role_may(Role.PHYSICIAN, Action.PRESCRIPTION_PROGRAM)


@given(role=st.sampled_from([*Role, "public", "system", "stranger"]))
def test_api_route_guards_admit_exactly_the_roles_the_use_cases_admit(role: str) -> None:
    for action in Action:
        actor = Actor(1, "u", role)
        try:
            use_case_require(actor, action)
            by_use_case = True
        except PermissionDenied:
            by_use_case = False
        assert allowed(role, action) == by_use_case


def test_secrets_are_stored_as_sha256_only() -> None:
    digest = secret_hash("its_example")
    assert len(digest) == 64
    assert "its_example" not in digest


def test_a_role_refusal_names_the_role_as_plain_text() -> None:
    expected = r"^role 'nurse' may not perform prescription\.program$"
    with pytest.raises(PermissionDenied, match=expected):
        role_may(Role.NURSE, Action.PRESCRIPTION_PROGRAM)
