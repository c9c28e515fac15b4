"""Counter-based random bits for patient-bolus requests, identical in NumPy and in numba.

A request stream must not depend on how the horizon is cut into refill cycles, on which
worker simulates a pump, or on the order pumps are processed. So every random word is a
pure function of ``(seed, pump id, absolute day, word index)`` (a splitmix64 finaliser over
a mixed key), never the state of a sequential generator. Day ``d`` covers
``[d, d + 1) x 86,400 s`` after the fleet epoch; its request count is Poisson with the
pump's daily rate (inversion on word 0) and request ``j`` falls at a uniform millisecond of
the day (word ``j + 1``). Words are the two 32-bit halves of successive 64-bit hashes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

U64 = np.uint64
GOLDEN = U64(0x9E3779B97F4A7C15)
_M1 = U64(0xBF58476D1CE4E5B9)
_M2 = U64(0x94D049BB133111EB)
_PUMP = U64(0xD6E8FEB86659FD93)
_DAY = U64(0xA0761D6478BD642F)
_S30, _S27, _S31, _S32 = U64(30), U64(27), U64(31), U64(32)
_LOW32 = U64(0xFFFFFFFF)
MS_PER_DAY = 86_400_000
MAX_PER_DAY = 255  # the widest Poisson table (rates up to ~150 requests a day)


def mix(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """splitmix64's finaliser (wrapping uint64 arithmetic, element-wise)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> _S30)) * _M1
        x = (x ^ (x >> _S27)) * _M2
        return x ^ (x >> _S31)


def seed_key(seed: int) -> np.uint64:
    """The seed's part of every day key (the compiled loop adds the pump's and the day's)."""
    with np.errstate(over="ignore"):
        return U64(seed & 0xFFFFFFFFFFFFFFFF) * GOLDEN


def day_keys(seed: int, pump_ids: NDArray[np.int64], days: NDArray[np.int64]) -> NDArray[np.uint64]:
    """The per (pump, day) key every word of that day is derived from."""
    with np.errstate(over="ignore"):
        key = seed_key(seed) + pump_ids.astype(np.uint64) * _PUMP + days.astype(np.uint64) * _DAY
    return mix(key)


def word(keys: NDArray[np.uint64], index: int) -> NDArray[np.uint64]:
    """32-bit word ``index`` of each key's stream (as uint64 values below 2**32)."""
    with np.errstate(over="ignore"):
        h = mix(keys + U64(index // 2 + 1) * GOLDEN)
    return (h >> _S32) if index % 2 == 0 else (h & _LOW32)


def poisson_cdf(lam: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Poisson CDF rows ``F(0), F(1), ...`` for the distinct rates and each pump's row index.

    The width keeps the tail beyond it below 1e-15 for every rate in the table.
    """
    rates, index = np.unique(lam, return_inverse=True)
    top = float(rates.max(initial=0.0))
    width = int(min(MAX_PER_DAY, max(16, top + 12.0 * np.sqrt(top) + 24)))
    table = np.empty((rates.shape[0], width))
    p = np.exp(-rates)
    cdf = p.copy()
    for k in range(width):
        table[:, k] = cdf
        p = p * (rates / (k + 1))
        cdf = cdf + p
    return table, index.astype(np.int64)


def poisson_table(lam: NDArray[np.float64]) -> tuple[NDArray[np.uint64], NDArray[np.int64]]:
    """Poisson count thresholds for the distinct rates and each pump's row index.

    Row ``r`` holds ``ceil(F(k) * 2**32)`` (``poisson_cdf``): a 32-bit word ``w`` is at or
    above it exactly when the uniform ``w / 2**32`` is at or above ``F(k)`` (both sides are
    exact multiples of 2**-32 apart from ``F``), so the count, the number of entries at or
    below the word (inversion), takes integer compares only; the table's width caps it.
    """
    table, index = poisson_cdf(lam)
    return np.ceil(table * 4294967296.0).astype(np.uint64), index


def poisson_count(u32: NDArray[np.uint64], rows: NDArray[np.uint64]) -> NDArray[np.int64]:
    """Counts by inversion: how many thresholds of each row lie at or below the word."""
    counts: NDArray[np.int64] = np.sum(u32[:, None] >= rows, axis=1).astype(np.int64)
    return counts


def ms_of_day(u32: NDArray[np.uint64]) -> NDArray[np.int64]:
    """A uniform millisecond of the day from a 32-bit word (multiply-shift, no modulo bias)."""
    return ((u32 * U64(MS_PER_DAY)) >> _S32).astype(np.int64)
