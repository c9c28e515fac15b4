"""The password policy (NIST SP 800-63B spirit): length, breached/common list, no username."""

from __future__ import annotations

import pytest

from intrathecal.clinic.demo import DEMO_PASSWORDS
from intrathecal.clinic.password_policy import MIN_LENGTH, WeakPassword, check_new_password


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password", "at least"),
        ("12345678", "at least"),
        ("short-one", "at least"),
        ("x" * 300, "at most"),
        ("passwordpassword", "too easy to guess"),
        ("123456789012345678", "commonly used"),
        ("qwertyuiopasdfghjkl", "too easy to guess"),
        ("iloveyou12345678", "too easy to guess"),
        ("aaaaaaaaaaaaaaaaaaaa", "too easy to guess"),
    ],
)
def test_short_common_and_guessable_passwords_are_refused(password: str, reason: str) -> None:
    with pytest.raises(WeakPassword, match=reason):
        check_new_password(password, "nurse.kim")


@pytest.mark.parametrize(
    "password",
    ["nurse.kim.nurse.kim", "Nurse-Kim-2026-Clinic", "nursekim_was_here!", "nurse.kin.nurse.kin"],
)
def test_a_password_containing_or_resembling_the_username_is_refused(password: str) -> None:
    with pytest.raises(WeakPassword, match="username"):
        check_new_password(password, "nurse.kim")


def test_the_username_itself_is_refused_even_when_long() -> None:
    with pytest.raises(WeakPassword, match="username"):
        check_new_password("dr.longname.physician", "dr.longname.physician")


def test_a_long_unrelated_passphrase_is_accepted() -> None:
    check_new_password("plum-harbour-quietly-7", "nurse.kim")
    check_new_password("correct-horse-battery", "someone")


def test_no_composition_rule_a_lowercase_passphrase_is_fine() -> None:
    check_new_password("violet rivers hum under lanterns", "admin.one")


def test_every_demo_password_meets_the_policy() -> None:
    for username, (_role, password) in DEMO_PASSWORDS.items():
        assert len(password) >= MIN_LENGTH
        check_new_password(password, username)
