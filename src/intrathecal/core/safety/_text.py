"""Wording helpers shared by the rule modules (numbers as text, ratios as words)."""

from __future__ import annotations

from fractions import Fraction

from intrathecal.core.quantities import Quantity, format_fraction


def shown(value: Quantity, like: Quantity | None = None) -> str:
    """``value`` as text, in the unit of ``like`` when given (so both read alike)."""
    return value.format(like.unit if like is not None else None)


def percent(fraction: Fraction) -> str:
    """A fraction as a percentage, e.g. ``"20 %"``."""
    return f"{format_fraction(fraction * 100, 4)} %"


def times(ratio: Fraction) -> str:
    """How far one value is from another: ``"1/1000 of"`` or ``"12 times"``."""
    if ratio < 1:
        return f"1/{format_fraction(1 / ratio, 4)} of"
    return f"{format_fraction(ratio, 4)} times"
