"""The response held over a time window: the basis of every "sustained for" trial rule."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from intrathecal.core.quantities import Duration


def held_over(points: Sequence[tuple[Duration, Fraction]], window: Duration) -> Fraction | None:
    """The highest value held at every point across some span of at least ``window``.

    For each starting point (time order), the span runs to the first point at least
    ``window`` later; the value held over it is the lowest in between. ``None`` if no span
    is long enough.
    """
    best: Fraction | None = None
    for i, (start, first) in enumerate(points):
        held = first
        for at, value in points[i:]:
            held = min(held, value)
            if at - start >= window:
                best = held if best is None else max(best, held)
                break
    return best
