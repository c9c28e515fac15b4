"""Patient-bolus request streams: explicit (``BolusRequests``) or generated (``PoissonRequests``).

``BolusRequests`` is a ragged array (CSR): pump ``i``'s request times are
``times_s[offsets[i]:offsets[i + 1]]``, sorted, in seconds from that pump's cycle start.
``PoissonRequests`` describes a Poisson stream per pump (``rate_per_day``) that the compiled
loop draws on the fly from counter-based random words (see ``randomness``), so nothing is
materialised; ``PoissonRequests.materialise`` produces exactly the same times, vectorised
in NumPy, as ``BolusRequests`` (for inspection, tests and the reference pump).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from intrathecal.sim import randomness as rnd
from intrathecal.sim.randomness import DAY_US

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass(frozen=True)
class BolusRequests:
    """Explicit request times per pump (CSR), seconds from each pump's cycle start."""

    offsets: I64
    times_s: F64

    def __post_init__(self) -> None:
        offsets, times = np.asarray(self.offsets), np.asarray(self.times_s, dtype=np.float64)
        if (
            offsets.ndim != 1
            or offsets.shape[0] < 1
            or not np.issubdtype(offsets.dtype, np.integer)
            or offsets[0] != 0
            or offsets[-1] != times.shape[0]
            or np.any(np.diff(offsets) < 0)
        ):
            raise ValueError("offsets: from 0 up to the number of times, never down")
        if times.ndim != 1 or not np.all(times >= 0.0) or not np.all(np.isfinite(times)):
            raise ValueError("times_s: seconds from each pump's cycle start, finite, not negative")
        falls = np.flatnonzero(np.diff(times) < 0.0) + 1  # a time below the one before it
        if not np.all(np.isin(falls, offsets)):
            raise ValueError("times_s: each pump's request times in order")

    def __len__(self) -> int:
        """The number of pumps."""
        return int(self.offsets.shape[0]) - 1

    @classmethod
    def from_lists(cls, per_pump: list[list[float]]) -> BolusRequests:
        """From one sorted list of times (s from the cycle start) per pump."""
        counts = np.array([len(t) for t in per_pump], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        flat = [t for times in per_pump for t in times]
        return cls(offsets, np.asarray(flat, dtype=np.float64))

    @classmethod
    def none(cls, n: int) -> BolusRequests:
        """No requests for ``n`` pumps."""
        return cls(np.zeros(n + 1, dtype=np.int64), np.zeros(0))

    def of(self, i: int) -> F64:
        """Pump ``i``'s request times."""
        return self.times_s[self.offsets[i] : self.offsets[i + 1]]


@dataclass(frozen=True)
class PoissonRequests:
    """A Poisson request stream per pump at ``rate_per_day`` requests a day, keyed by ``seed``."""

    rate_per_day: F64
    seed: int

    def __post_init__(self) -> None:
        # a read-only copy of its own, so the thresholds cached below cannot go stale
        rates = np.array(self.rate_per_day, dtype=np.float64)
        if rates.ndim != 1 or not np.all((rates >= 0.0) & (rates <= rnd.MAX_RATE_PER_DAY)):
            raise ValueError(
                "rate_per_day: one rate per pump, each from 0 to "
                f"{rnd.MAX_RATE_PER_DAY:g} requests a day (no NaN)"
            )
        rates.flags.writeable = False
        object.__setattr__(self, "rate_per_day", rates)

    def __len__(self) -> int:
        """The number of pumps."""
        return int(self.rate_per_day.shape[0])

    @cached_property
    def thresholds(self) -> tuple[I64, I64]:
        """The Poisson count thresholds and each pump's row (``randomness.poisson_table``),
        computed once: a study advances the same streams day after day."""
        return rnd.poisson_table(self.rate_per_day)

    @classmethod
    def uniform(cls, n: int, rate_per_day: float, seed: int) -> PoissonRequests:
        """The same rate for ``n`` pumps."""
        return cls(np.full(n, float(rate_per_day)), seed)

    def take(self, rows: I64 | slice) -> PoissonRequests:
        """The streams of the pumps at ``rows`` (same seed, so the same times)."""
        return PoissonRequests(np.array(self.rate_per_day[rows]), self.seed)

    def materialise(self, pump_ids: I64, start_us: I64, end_us: I64) -> BolusRequests:
        """The times the compiled loop draws for ``[start_us, end_us)`` of each pump."""
        n = pump_ids.shape[0]
        d0 = start_us // DAY_US
        d1 = (end_us - 1) // DAY_US
        ndays = np.maximum(d1 - d0 + 1, 0)
        row = np.repeat(np.arange(n), ndays)
        day = d0[row] + (np.arange(row.shape[0]) - np.repeat(np.cumsum(ndays) - ndays, ndays))
        keys = rnd.day_keys(self.seed, pump_ids[row], day)
        table, index = self.thresholds
        lam = self.rate_per_day[row]
        count = np.where(lam > 0, rnd.poisson_count(rnd.count_word(keys), table[index[row]]), 0)
        kmax = int(count.max(initial=0))
        ticks = np.full((row.shape[0], kmax), rnd.TICKS_PER_DAY, dtype=np.int64)
        for j in range(kmax):
            drawn = rnd.tick_of_day(rnd.word(keys, j + 1))
            ticks[:, j] = np.where(count > j, drawn, ticks[:, j])
        ticks.sort(axis=1)
        rel_us = (day * DAY_US - start_us[row])[:, None] + ticks * rnd.TICK_US
        valid = (np.arange(kmax)[None, :] < count[:, None]) & (rel_us >= 0)
        valid &= rel_us < (end_us - start_us)[row][:, None]
        per_pump = np.bincount(row[np.nonzero(valid)[0]], minlength=n).astype(np.int64)
        offsets = np.concatenate([[0], np.cumsum(per_pump)]).astype(np.int64)
        return BolusRequests(offsets, rel_us[valid] / 1e6)
