"""Piecewise-constant flow schedules in closed form: cumulative volume and exact crossing times.

This is the pump's hot path, in plain floats with fixed base units (mL, seconds since the
pump's own epoch). A ``Schedule`` is a constant rate plus any number of ``Cycle`` terms
(a flex basal repeating every 24 h, a periodic bolus repeating every interval). Its
cumulative volume ``cum(t)`` is evaluated in O(log steps) per term without stepping through
time, and ``solve`` finds the exact time at which a linear function of time and cumulative
volume reaches a level: bisection down to a short bracket, then a walk over the few
breakpoints left and a linear solve on the final constant-rate piece.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field

_BRACKET = 86_400.0  # stop bisecting once the bracket is this short (s)
_EPS_T = 1e-6  # seconds: breakpoints closer than this to t are treated as at t


@dataclass(frozen=True)
class Cycle:
    """Rates ``rates[i]`` from ``starts[i]`` within each period, repeating from ``anchor``.

    Before ``begin`` the term delivers nothing (a periodic bolus not yet due); ``begin`` may
    be ``-inf`` (a flex cycle that has always been running).
    """

    anchor: float
    period: float
    starts: tuple[float, ...]
    rates: tuple[float, ...]
    begin: float
    prefix: tuple[float, ...]
    per_cycle: float

    @classmethod
    def build(
        cls,
        anchor: float,
        period: float,
        starts: tuple[float, ...],
        rates: tuple[float, ...],
        *,
        begin: float = -math.inf,
    ) -> Cycle:
        """A cycle; ``starts`` must begin at 0 and increase, all within the period."""
        prefix = [0.0]
        for i in range(len(starts) - 1):
            prefix.append(prefix[-1] + rates[i] * (starts[i + 1] - starts[i]))
        per_cycle = prefix[-1] + rates[-1] * (period - starts[-1])
        return cls(anchor, period, starts, rates, begin, tuple(prefix), per_cycle)

    def cum(self, t: float) -> float:
        """Volume delivered by this term from its anchor (or begin) up to ``t``."""
        if t <= self.begin:
            return 0.0
        u = t - self.anchor
        n = math.floor(u / self.period)
        w = u - n * self.period
        i = bisect_right(self.starts, w) - 1
        return n * self.per_cycle + self.prefix[i] + self.rates[i] * (w - self.starts[i])

    def between(self, t0: float, t1: float) -> float:
        """Volume delivered from ``t0`` to ``t1`` (``t0 <= t1``), from small terms only.

        Whole periods times the period volume plus the difference of two within-period
        prefixes: no term grows with the distance from the anchor, so the rounding error is
        that of the interval's volume, not of the pump's age.
        """
        if t1 <= self.begin:
            return 0.0
        if t0 < self.begin:
            t0 = self.begin
        u0, u1 = t0 - self.anchor, t1 - self.anchor
        n0, n1 = math.floor(u0 / self.period), math.floor(u1 / self.period)
        return (
            (n1 - n0) * self.per_cycle
            + self._within(u1 - n1 * self.period)
            - self._within(u0 - n0 * self.period)
        )

    def _within(self, w: float) -> float:
        i = bisect_right(self.starts, w) - 1
        return self.prefix[i] + self.rates[i] * (w - self.starts[i])

    def rate(self, t: float) -> float:
        """The rate in force just after ``t``."""
        if t < self.begin:
            return 0.0
        w = (t - self.anchor) % self.period
        return self.rates[bisect_right(self.starts, w + _EPS_T) - 1]

    def next_break(self, t: float) -> float:
        """The first time strictly after ``t`` (by more than a microsecond) the rate changes."""
        if t < self.begin - _EPS_T:
            return self.begin
        u = t - self.anchor
        n = math.floor(u / self.period)
        w = u - n * self.period
        i = bisect_right(self.starts, w + _EPS_T)
        offset = self.starts[i] if i < len(self.starts) else self.period
        return self.anchor + n * self.period + offset


@dataclass(frozen=True)
class Schedule:
    """A constant rate plus cyclic terms: the programmed outflow in one regime (mL/s)."""

    constant: float
    cycles: tuple[Cycle, ...] = ()
    idle: bool = field(init=False)  # True when nothing is ever delivered

    def __post_init__(self) -> None:
        idle = self.constant == 0.0 and all(c.per_cycle == 0.0 for c in self.cycles)
        object.__setattr__(self, "idle", idle)

    def cum(self, t: float) -> float:
        """Cumulative programmed volume up to ``t`` (only differences are meaningful).

        Its magnitude grows with ``t``; the pump measures volumes with ``volume`` instead.
        """
        total = self.constant * t
        for cycle in self.cycles:
            total += cycle.cum(t)
        return total

    def volume(self, t0: float, t1: float) -> float:
        """Programmed volume from ``t0`` to ``t1``, measured from ``t0`` (see ``Cycle.between``)."""
        total = self.constant * (t1 - t0)
        for cycle in self.cycles:
            total += cycle.between(t0, t1)
        return total

    def rate(self, t: float) -> float:
        """The programmed rate just after ``t``."""
        total = self.constant
        for cycle in self.cycles:
            total += cycle.rate(t)
        return total

    def next_break(self, t: float) -> float:
        """The next rate change after ``t`` (``inf`` for a constant schedule)."""
        best = math.inf
        for cycle in self.cycles:
            nxt = cycle.next_break(t)
            if nxt < best:
                best = nxt
        return best

    def solve(
        self, t0: float, t1: float, level: float, alpha: float = 0.0, beta: float = 1.0
    ) -> float:
        """The first ``t`` in ``[t0, t1]`` where ``g(t)`` reaches ``level``.

        ``g(t) = alpha*(t-t0) + beta*(cum(t)-cum(t0))``. The caller guarantees that ``g``
        (nondecreasing) reaches ``level`` by ``t1``.
        """
        if level <= 0.0:
            return t0

        def g(t: float) -> float:
            return alpha * (t - t0) + beta * self.volume(t0, t)

        lo, hi, glo = t0, t1, 0.0
        while hi - lo > _BRACKET:
            mid = 0.5 * (lo + hi)
            gm = g(mid)
            if gm >= level:
                hi = mid
            else:
                lo, glo = mid, gm
        while True:
            nxt = self.next_break(lo)
            if nxt < hi:
                gn = g(nxt)
                if gn < level:
                    lo, glo = nxt, gn
                    continue
                hi = nxt
            slope = alpha + beta * self.rate(lo)
            if slope <= 0.0:
                return hi
            return min(hi, max(lo, lo + (level - glo) / slope))

    def solve_unbounded(
        self, t0: float, level: float, alpha: float = 0.0, beta: float = 1.0
    ) -> float | None:
        """Like ``solve`` with no upper bound; ``None`` if the level is never reached.

        The result depends only on ``t0`` and the level (the bracket grows from ``t0`` by
        doubling), never on how far the caller means to look: the pump relies on this to
        give the same crossing time however its clock is advanced.
        """
        if level <= 0.0:
            return t0
        if self.idle and alpha <= 0.0:
            return None
        span = _BRACKET
        while alpha * span + beta * self.volume(t0, t0 + span) < level:
            span *= 2.0
            if span > 1e12:
                return None
        return self.solve(t0, t0 + span, level, alpha, beta)
