"""Where the pumped fluid is: the reservoir mix, the first-in-first-out drug path, and totals.

Fluid leaves the well-mixed reservoir into the pump's internal path and the catheter lumen
(together the "line"), and what leaves the far end goes to the CSF or, by the catheter's
tissue fraction, to the tissue. The line is a FIFO of segments, each a volume of one
reservoir mix, so a concentration change reaches the patient only after the line volume has
been pushed through (which is what bridge and priming boluses are for). Floats in mL; a
mix is a mapping drug -> mcg/mL, stored once and referred to by index in the hot path.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

NO_DRUG = 0  # mix index of drug-free fluid (saline / CSF filling a new line)


class Contents:
    """Reservoir mix, line FIFO and delivered volumes per destination and per mix."""

    def __init__(self, line_volume: float, primed_mix: Mapping[str, float] | None = None) -> None:
        self.mixes: list[dict[str, float]] = [{}]
        self.reservoir_mix = NO_DRUG
        first = self.add_mix(dict(primed_mix)) if primed_mix else NO_DRUG
        self.line: deque[list[float]] = (
            deque([[line_volume, float(first)]]) if line_volume > 0 else deque()
        )
        self.to_csf: list[float] = [0.0]
        self.to_tissue: list[float] = [0.0]
        self._grow()
        self.pumped = 0.0

    def add_mix(self, mix: dict[str, float]) -> int:
        """Register a mix and return its index."""
        self.mixes.append(mix)
        self._grow()
        return len(self.mixes) - 1

    def _grow(self) -> None:
        while len(self.to_csf) < len(self.mixes):
            self.to_csf.append(0.0)
            self.to_tissue.append(0.0)

    def pump(self, volume: float, tissue_fraction: float) -> None:
        """Move ``volume`` from the reservoir into the line and the same out of its far end."""
        if volume <= 0.0:
            return
        self.pumped += volume
        line = self.line
        mix = float(self.reservoir_mix)
        if line and line[-1][1] == mix:
            line[-1][0] += volume
        else:
            line.append([volume, mix])
        remaining = volume
        keep = 1.0 - tissue_fraction
        while remaining > 0.0 and line:
            seg = line[0]
            index = int(seg[1])
            if seg[0] <= remaining:
                out = seg[0]
                line.popleft()
            else:
                out = remaining
                seg[0] -= remaining
            remaining -= out
            self.to_csf[index] += out * keep
            self.to_tissue[index] += out * tissue_fraction

    def direct_to_tissue(self, volume: float, mix: int) -> None:
        """Fluid that bypassed the pump straight into tissue (a pocket fill)."""
        self.to_tissue[mix] += volume

    def refill_mix(self, left_behind: float, added: float, new_mix: dict[str, float]) -> None:
        """The reservoir mix after ``added`` mL of ``new_mix`` joins ``left_behind`` mL."""
        total = left_behind + added
        if total <= 0.0:
            self.reservoir_mix = self.add_mix(dict(new_mix))
            return
        old = self.mixes[self.reservoir_mix]
        drugs = set(old) | set(new_mix)
        mixed = {
            d: (old.get(d, 0.0) * left_behind + new_mix.get(d, 0.0) * added) / total for d in drugs
        }
        self.reservoir_mix = self.add_mix(mixed)

    def replace_line(self, keep_volume: float, new_volume: float) -> None:
        """A new catheter: keep the ``keep_volume`` nearest the pump, drug-free fluid beyond."""
        kept: deque[list[float]] = deque()
        need = keep_volume
        while need > 0.0 and self.line:
            seg = self.line.pop()
            take = min(seg[0], need)
            kept.appendleft([take, seg[1]])
            need -= take
        if need > 0.0:
            kept.appendleft([need, float(NO_DRUG)])
        if new_volume > 0.0:
            kept.appendleft([new_volume, float(NO_DRUG)])
        self.line = kept

    def in_line(self) -> float:
        """Volume held in the line."""
        return sum(seg[0] for seg in self.line)

    def masses(self, volumes: list[float]) -> dict[str, float]:
        """Drug masses (mcg) for per-mix volumes (mL)."""
        out: dict[str, float] = {}
        for index, volume in enumerate(volumes):
            if volume:
                for drug, conc in self.mixes[index].items():
                    out[drug] = out.get(drug, 0.0) + volume * conc
        return out
