"""Offsets on the domain's exact clock (``Duration``) turned into datetimes and FHIR times."""

from __future__ import annotations

from datetime import datetime, timedelta

from intrathecal.core.quantities import Duration


def after(start: datetime, offset: Duration) -> datetime:
    """``start`` plus an exact offset, to the microsecond."""
    micro = offset.seconds() * 1_000_000
    return start + timedelta(microseconds=round(micro))


def time_of_day(offset: Duration) -> str:
    """An offset within a day as ``HH:MM:SS`` (whole seconds; the pump clock's resolution)."""
    total = round(offset.seconds())
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
