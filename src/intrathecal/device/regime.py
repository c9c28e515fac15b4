"""The delivery integrator: the current piecewise-constant regime and its threshold crossings.

Every rate change (a command, a bolus ending, an alarm) starts a new regime at the pump's
current time. Within it the programmed volume at any time is measured from the regime's
start (``Schedule.volume``: small magnitudes, so no error grows with the pump's age), and
each threshold's crossing is solved once from the start, independent of how far the clock
is advanced, placed on the microsecond grid and cached.
"""

from __future__ import annotations

import math

from intrathecal.device.schedule import Cycle, Schedule


def on_grid(t: float) -> float:
    """``t`` (s) rounded to the clock's microsecond grid."""
    return round(t * 1_000_000) / 1_000_000


class Regime:
    """The schedule in force since ``start`` and the crossing times solved for it."""

    def __init__(self) -> None:
        self.schedule = Schedule(0.0)
        self.start = 0.0
        self._reached: dict[tuple[str, float], float] = {}
        self._known: dict[tuple[float, int], Schedule] = {}

    def begin(self, t: float, constant: float, cycles: tuple[Cycle, ...]) -> None:
        """Start a regime at ``t`` (recurring regimes, a patient bolus on and off, share one)."""
        key = (constant, id(cycles))
        known = self._known.get(key)
        if known is None or known.cycles is not cycles:
            if len(self._known) >= 64:
                self._known.clear()
            known = self._known[key] = Schedule(constant, cycles)
        self.schedule = known
        self.start = t
        self._reached = {}

    def volume(self, t: float) -> float:
        """Programmed volume from the regime's start to ``t`` (mL)."""
        sched = self.schedule
        return 0.0 if sched.idle else sched.volume(self.start, t)

    def reach(self, name: str, level: float, alpha: float = 0.0, beta: float = 1.0) -> float:
        """When ``alpha*(t - start) + beta*volume(t)`` reaches ``level`` (µs grid), or inf."""
        key = (name, level)
        when = self._reached.get(key)
        if when is None:
            exact = self.schedule.solve_unbounded(self.start, level, alpha, beta)
            when = math.inf if exact is None else max(on_grid(exact), self.start)
            self._reached[key] = when
        return when

    def rate(self, t: float) -> float:
        """The programmed rate just after ``t`` (mL/s)."""
        return self.schedule.rate(t)
