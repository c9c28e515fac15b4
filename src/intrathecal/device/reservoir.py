"""The reservoir two ways: the pump's calculated volume (with its alarm levels) and the truth.

SynchroMed-type pumps have no level sensor: the volume they show, and their low- and
empty-reservoir alarms, follow the program (``expected``). What really is in the reservoir
(``true``) falls at the true flow (``k`` x programmed) and only while the fluid path flows;
delivery stops when it runs dry. Within a regime both are computed from their values at the
regime's start, never by adding per-advance deltas.
"""

from __future__ import annotations

from intrathecal.device.regime import Regime

EPS_V = 1e-9  # mL: volume tolerance for limit checks and crossings


class Reservoir:
    """Calculated and true volumes (mL), the low-alarm volume and which levels are armed."""

    def __init__(self, threshold: float | None) -> None:
        self.expected = 0.0
        self.true = 0.0
        self.threshold = threshold
        self.low_armed = False
        self.empty_armed = False
        self.k = 0.0  # true mL per programmed mL in the current regime
        self._expected0 = self._true0 = self._out = 0.0

    def anchor(self, k: float) -> None:
        """A new regime starts with true flow ``k`` x programmed."""
        self._expected0, self._true0, self._out, self.k = self.expected, self.true, 0.0, k

    def crossings(
        self, regime: Regime, t_end: float, programmed: float, found: list[tuple[float, str]]
    ) -> None:
        """Add the levels ("low", "empty", "dry") reached by ``t_end`` with their exact times."""
        exp0 = self._expected0
        threshold = self.threshold
        if self.low_armed and threshold is not None and exp0 - programmed <= threshold + EPS_V:
            _found(found, regime.reach("low", exp0 - threshold), t_end, "low")
        if self.empty_armed and exp0 - programmed <= EPS_V:
            _found(found, regime.reach("empty", exp0), t_end, "empty")
        k = self.k
        if k > 0.0 and self._true0 - k * programmed <= EPS_V:
            _found(found, regime.reach("dry", self._true0 / k), t_end, "dry")

    def move(self, programmed: float) -> float:
        """Volumes after ``programmed`` mL since the regime's start; returns newly pumped mL."""
        if programmed <= 0.0:
            return 0.0
        self.expected = max(self._expected0 - programmed, 0.0)
        out = min(self.k * programmed, self._true0)
        newly = out - self._out
        if newly > 0.0:
            self._out = out
            self.true = self._true0 - out
            return newly
        return 0.0


def _found(found: list[tuple[float, str]], when: float, t_end: float, name: str) -> None:
    if when <= t_end:
        found.append((when, name))
