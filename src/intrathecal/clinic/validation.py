"""Field checks shared by the use cases; each failure is a ValidationFailed naming the field."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from intrathecal.clinic import config, icd10
from intrathecal.clinic.errors import NotFound, ValidationFailed
from intrathecal.clinic.records import Coverage, Diagnosis
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.quantities import Quantity

#: Characters no text field may hold: C0 controls but tab, line feed and carriage return,
#: and DEL. NUL in particular cannot be stored by PostgreSQL and truncates SQLite's LIKE.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ICD10 = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")


def text(value: str, field: str, max_len: int = 200, required: bool = True) -> str:
    """Trimmed text without control characters; required fields may not be blank."""
    if not isinstance(value, str):
        raise ValidationFailed(f"{field}: expected text, got {type(value).__name__}")
    if CONTROL_CHARACTERS.search(value):
        raise ValidationFailed(f"{field}: control characters (such as NUL) are not allowed")
    cleaned = value.strip()
    if required and not cleaned:
        raise ValidationFailed(f"{field}: required")
    if len(cleaned) > max_len:
        raise ValidationFailed(f"{field}: at most {max_len} characters, got {len(cleaned)}")
    return cleaned


def one_of(value: str, allowed: tuple[str, ...] | list[str], field: str) -> str:
    """``value`` if it is one of ``allowed``."""
    if value not in allowed:
        raise ValidationFailed(f"{field}: expected one of {', '.join(allowed)}, got {value!r}")
    return value


def positive(value: Quantity, field: str) -> None:
    """A quantity above zero."""
    if value.is_negative() or value.is_zero():
        raise ValidationFailed(f"{field}: must be above zero, got {value}")


def not_negative(value: Quantity, field: str) -> None:
    """A quantity of zero or more."""
    if value.is_negative():
        raise ValidationFailed(f"{field}: cannot be negative, got {value}")


def aware(moment: datetime, field: str) -> datetime:
    """A timezone-aware datetime, normalised to UTC."""
    if moment.tzinfo is None:
        raise ValidationFailed(f"{field}: needs a timezone (e.g. 2026-11-26T09:00+00:00)")
    return moment.astimezone(UTC)


#: The dates the clinic keeps: the use cases and the API's date fields accept this range.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2200, 12, 31)


def in_calendar(moment: datetime, field: str) -> datetime:
    """An aware date-time on a day between ``EARLIEST_DAY`` and ``LATEST_DAY``."""
    day = moment.astimezone(UTC).date()
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValidationFailed(
            f"{field}: {day.isoformat()} is outside {EARLIEST_DAY.isoformat()}.."
            f"{LATEST_DAY.isoformat()}"
        )
    return moment


#: Clock difference tolerated between a client and the server for "not in the future".
CLOCK_SKEW = timedelta(minutes=5)


def not_future_moment(moment: datetime, field: str, now: datetime | None = None) -> None:
    """An aware date-time that is not after now (allowing a few minutes of clock skew)."""
    if moment > (now or datetime.now(UTC)) + CLOCK_SKEW:
        raise ValidationFailed(f"{field}: {moment.isoformat()} lies in the future")


def not_future(day: date, field: str, today: date | None = None) -> None:
    """A date that is not after today."""
    if day > (today or datetime.now(UTC).date()):
        raise ValidationFailed(f"{field}: {day.isoformat()} lies in the future")


def not_past_day(day: date, field: str) -> None:
    """A date that is today or later (UTC): what a booking may name."""
    if day < datetime.now(UTC).date():
        raise ValidationFailed(f"{field}: {day.isoformat()} has passed: book today or later")


def diagnoses(items: tuple[Diagnosis, ...]) -> tuple[Diagnosis, ...]:
    """Complete ICD-10-CM codes from the code set, described by it, without Excludes1
    clashes; a description that contradicts the code set's is refused."""
    out = []
    for i, d in enumerate(items):
        code = d.code.strip().upper()
        if not _ICD10.match(code):
            raise ValidationFailed(f"diagnoses[{i}].code: {d.code!r} is not an ICD-10-CM code")
        official = icd10.description(code, f"diagnoses[{i}].code")
        given = " ".join(d.description.split())
        if given and given.casefold() != official.casefold():
            raise ValidationFailed(
                f"diagnoses[{i}].description: {given!r} contradicts the ICD-10-CM description "
                f"of {code}: {official!r} (leave it empty to use the code set's)"
            )
        out.append(Diagnosis(code, official, d.primary))
    if len({d.code for d in out}) != len(out):
        raise ValidationFailed("diagnoses: a code is listed twice")
    icd10.check_excludes1([d.code for d in out], "diagnoses")
    if sum(1 for d in out if d.primary) > 1:
        raise ValidationFailed("diagnoses: at most one primary diagnosis")
    return tuple(out)


def coverage(items: tuple[Coverage, ...]) -> tuple[Coverage, ...]:
    """Insurers from the accepted list (by key or name)."""
    out = []
    for i, c in enumerate(items):
        key = config.insurer_key(c.insurer)
        if key is None:
            accepted = ", ".join(i.name for i in config.insurers().values())
            raise ValidationFailed(
                f"coverage[{i}].insurer: {c.insurer!r} is not accepted here; accepted: {accepted}"
            )
        out.append(Coverage(key, text(c.member_id, f"coverage[{i}].member_id", 80), c.group_number))
    return tuple(out)


def location(uow: UnitOfWork, code: str | None, field: str = "location_code") -> str | None:
    """A known location code (or None)."""
    if code is None:
        return None
    try:
        return uow.locations.get(code).code
    except NotFound:
        raise ValidationFailed(f"{field}: unknown location {code!r}") from None
