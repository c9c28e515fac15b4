"""A deliberately naive reference for the pump tests: explicit breakpoints, no closed forms.

It records what the pump was told (standing programs, on/off spans, bolus spans, stalls)
as a history, evaluates the programmed rate at any instant from that history directly, and
integrates over an interval by listing every breakpoint inside it (each flex step start of
each day, each periodic bolus start and end, each bolus/stall/on-off edge) and summing
rate x length piece by piece. It shares no code with ``intrathecal.device.schedule``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

DAY = 86_400.0


@dataclass
class Standing:
    """A standing program as plain numbers: flex steps (start s, mL/s) and periodic boluses."""

    steps: list[tuple[float, float]]  # a continuous rate is one step at 0
    periodic: list[tuple[float, float, float, float]]  # (anchor s, every s, duration s, mL/s)
    anchor: float = 0.0  # local midnight

    def rate(self, t: float) -> float:
        w = (t - self.anchor) % DAY
        basal = 0.0
        for start, rate in self.steps:
            if start <= w + 1e-9:
                basal = rate
        extra = 0.0
        for anchor, every, duration, rate in self.periodic:
            if t >= anchor - 1e-9 and ((t - anchor) % every) < duration - 1e-9:
                extra += rate
        return basal + extra

    def breakpoints(self, a: float, b: float) -> list[float]:
        points = []
        day0 = math.floor((a - self.anchor) / DAY)
        day = day0
        while self.anchor + day * DAY <= b:
            for start, _ in self.steps:
                points.append(self.anchor + day * DAY + start)
            day += 1
        for anchor, every, duration, _ in self.periodic:
            k = max(0, math.floor((a - anchor) / every))
            while anchor + k * every <= b:
                points.append(anchor + k * every)
                points.append(anchor + k * every + duration)
                k += 1
        return points


@dataclass
class Reference:
    """The programmed-rate history of one pump and a brute-force integral over it."""

    programs: list[tuple[float, Standing]] = field(default_factory=list)  # (from t, program)
    on_spans: list[list[float]] = field(default_factory=list)  # standing program running
    boluses: list[list[float]] = field(default_factory=list)  # [start, end, mL/s]
    stalls: list[list[float]] = field(default_factory=list)  # [start, end]

    def standing_at(self, t: float) -> Standing | None:
        current = None
        for since, program in self.programs:
            if since <= t + 1e-9:
                current = program
        return current

    def rate(self, t: float) -> float:
        if any(s <= t < e for s, e in self.stalls):
            return 0.0
        total = 0.0
        program = self.standing_at(t)
        if program is not None and any(s <= t < e for s, e in self.on_spans):
            total += program.rate(t)
        for start, end, rate in self.boluses:
            if start <= t < end:
                total += rate
        return total

    def pieces(self, a: float, b: float) -> list[tuple[float, float, float]]:
        """(start, end, rate) pieces covering [a, b]."""
        points = {a, b}
        for since, program in self.programs:
            points.add(since)
            points.update(program.breakpoints(a, b))
        for span in self.on_spans + self.stalls:
            points.update(span[:2])
        for start, end, _ in self.boluses:
            points.update((start, end))
        inner = sorted(p for p in points if a <= p <= b and not math.isinf(p))
        out = []
        for lo, hi in itertools.pairwise(inner):
            if hi - lo > 1e-9:
                out.append((lo, hi, self.rate(0.5 * (lo + hi))))
        return out

    def volume(self, a: float, b: float) -> float:
        return sum((hi - lo) * rate for lo, hi, rate in self.pieces(a, b))

    def time_to(self, a: float, b: float, level: float) -> float | None:
        """When the volume from ``a`` reaches ``level`` (within [a, b]), else None."""
        if level <= 0:
            return a
        total = 0.0
        for lo, hi, rate in self.pieces(a, b):
            piece = (hi - lo) * rate
            if rate > 0 and total + piece >= level:
                return lo + (level - total) / rate
            total += piece
        return None


def test_reference_integrates_a_flex_day_and_a_periodic_bolus_by_hand() -> None:
    steps = [(0.0, 0.2 / DAY), (8 * 3600.0, 0.8 / DAY), (20 * 3600.0, 0.2 / DAY)]
    ref = Reference(programs=[(0.0, Standing(steps, [(0.0, 6 * 3600.0, 1800.0, 0.05 / 1800)]))])
    ref.on_spans.append([0.0, math.inf])
    # 0.5 mL of flex basal plus four 0.05 mL boluses per day
    assert abs(ref.volume(0.0, 2 * DAY) - 2 * (0.5 + 0.2)) < 1e-12


def test_reference_stalls_and_stops_deliver_nothing() -> None:
    ref = Reference(programs=[(0.0, Standing([(0.0, 1.0 / DAY)], []))])
    ref.on_spans.append([0.0, DAY])
    ref.stalls.append([0.25 * DAY, 0.5 * DAY])
    assert abs(ref.volume(0.0, 3 * DAY) - 0.75) < 1e-12
    assert ref.time_to(0.0, 3 * DAY, 0.5) == 0.75 * DAY
