"""Auth building blocks without HTTP: password hashing, login throttle, role policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intrathecal.clinic.auth import secret_hash
from intrathecal.clinic.auth_passwords import check_password, fast_hasher, hash_password
from intrathecal.clinic.auth_ratelimit import LoginThrottled, Throttle, ThrottlePolicy
from intrathecal.clinic.errors import PermissionDenied
from intrathecal.clinic.permissions import Action, Role, allowed, role_may
from intrathecal.clinic.permissions import require as use_case_require
from intrathecal.clinic.records import Actor
from tests.support.memory import InMemoryUnitOfWork

START = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


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


def _throttle(clock: Clock, **policy: int) -> Throttle:
    return Throttle(ThrottlePolicy(**policy), lambda: START + timedelta(seconds=clock.now))


def _login(throttle: Throttle, uow: InMemoryUnitOfWork, name: str, ip: str) -> None:
    with uow:
        throttle.before_login(uow, name, ip)
        uow.commit()


def _fail(throttle: Throttle, uow: InMemoryUnitOfWork, name: str, ip: str) -> None:
    with uow:
        throttle.before_login(uow, name, ip)
        throttle.login_failed(uow, name, ip)
        uow.commit()


def test_failures_back_off_per_username_and_address_but_never_lock_others_out() -> None:
    clock, uow = Clock(), InMemoryUnitOfWork()
    throttle = _throttle(clock, free_failures=3, backoff_seconds=2, attempts_per_ip=100)
    for _ in range(3):
        _fail(throttle, uow, "nurse", "10.0.0.1")
    with pytest.raises(LoginThrottled) as info:
        _login(throttle, uow, "nurse", "10.0.0.1")
    assert info.value.retry_after == 2
    _login(throttle, uow, "nurse", "10.0.0.2")  # the owner elsewhere is not locked out
    clock.now += 2
    _fail(throttle, uow, "nurse", "10.0.0.1")
    clock.now += 3
    with pytest.raises(LoginThrottled) as doubled:
        _login(throttle, uow, "nurse", "10.0.0.1")
    assert doubled.value.retry_after == 1  # 4 s after the fourth failure
    clock.now += 1
    _login(throttle, uow, "nurse", "10.0.0.1")


def test_success_clears_the_back_off() -> None:
    clock, uow = Clock(), InMemoryUnitOfWork()
    throttle = _throttle(clock, free_failures=1, attempts_per_ip=100)
    _fail(throttle, uow, "dr", "ip")
    with uow:
        throttle.login_succeeded(uow, "dr", "ip")
        uow.commit()
    _login(throttle, uow, "dr", "ip")


def test_one_address_is_limited_across_usernames() -> None:
    clock, uow = Clock(), InMemoryUnitOfWork()
    throttle = _throttle(clock, attempts_per_ip=5, window_seconds=60)
    for i in range(5):
        _login(throttle, uow, f"user{i}", "192.0.2.7")
    with pytest.raises(LoginThrottled) as info:
        _login(throttle, uow, "someone-else", "192.0.2.7")
    assert info.value.scope == "client address"
    _login(throttle, uow, "someone-else", "192.0.2.8")
    clock.now += 61
    _login(throttle, uow, "someone-else", "192.0.2.7")


@given(
    failures=st.integers(min_value=0, max_value=12),
    free=st.integers(min_value=1, max_value=6),
    elapsed=st.integers(min_value=0, max_value=5000),
)
def test_back_off_refuses_exactly_until_the_doubling_wait_has_passed(
    failures: int, free: int, elapsed: int
) -> None:
    clock, uow = Clock(), InMemoryUnitOfWork()
    throttle = _throttle(
        clock, free_failures=free, backoff_seconds=2, backoff_max_seconds=900,
        attempts_per_ip=10_000, window_seconds=3600,
    )  # fmt: skip
    with uow:
        for _ in range(failures):
            throttle.login_failed(uow, "u", "ip")
        uow.commit()
    clock.now += elapsed
    wait = min(2 * 2 ** (failures - free), 900) if failures >= free else 0
    if elapsed < wait:
        with pytest.raises(LoginThrottled) as info:
            _login(throttle, uow, "u", "ip")
        assert info.value.retry_after == wait - elapsed
    else:
        _login(throttle, uow, "u", "ip")


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
