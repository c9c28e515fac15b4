"""Counter-based random bits for patient-bolus requests, identical in NumPy and in numba.

A request stream must not depend on how the horizon is cut into refill cycles, on which
worker simulates a pump, or on the order pumps are processed. So every random word is a
pure function of ``(seed, pump id, absolute day, word index)``, never the state of a
sequential generator. The words are 32 bits wide, so the compiled loop hashes eight days
in one 256-bit vector with native 32-bit multiplies (AVX2 has no 64-bit multiply):

- a pump's 64-bit key is splitmix64's finaliser over the seed's and the pump's parts; its
  two halves key the pump's days;
- day ``d`` (covering ``[d, d + 1) x 86,400 s`` after the fleet epoch) has the key
  ``H(H(low + d x G) ^ high)``, with ``H`` a 32-bit integer hash (two multiply-xorshift
  rounds, the ``lowbias32`` constants); hashing twice with both halves keeps two pumps whose
  ``low + d x G`` coincide from sharing anything;
- the day's request count is Poisson with the pump's daily rate, by inversion on the key's
  top 31 bits; request ``j`` (from 1) takes word ``H(key + j x G)`` and falls at a uniform
  tick of the day: ``TICK_US`` = 1,024 µs, the day being exactly 84,375,000 ticks, so a
  time is whole µs and a tick becomes µs with a shift.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

U64 = np.uint64
U32 = np.uint32
GOLDEN = U64(0x9E3779B97F4A7C15)
GOLDEN32 = 0x9E3779B9
HASH_M1, HASH_M2 = 0x7FEB352D, 0x846CA68B  # lowbias32's multipliers (shifts 16, 15, 16)
_M1 = U64(0xBF58476D1CE4E5B9)
_M2 = U64(0x94D049BB133111EB)
PUMP = U64(0xD6E8FEB86659FD93)  # the pump id's multiplier in its key
_S30, _S27, _S31, _S32 = U64(30), U64(27), U64(31), U64(32)
_LOW32 = U64(0xFFFFFFFF)
TICK_US = 1024
TICKS_PER_DAY = 84_375_000  # 86,400 s / 1,024 µs
DAY_US = TICKS_PER_DAY * TICK_US  # 86,400,000,000: the day every time is measured in
MAX_PER_DAY = 255  # the widest Poisson table
MAX_RATE_PER_DAY = 100.0  # the highest rate a stream takes: its table's tail stays below 1e-15


def mix(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """splitmix64's finaliser (wrapping uint64 arithmetic, element-wise)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> _S30)) * _M1
        x = (x ^ (x >> _S27)) * _M2
        return x ^ (x >> _S31)


def hash32(x: NDArray[np.uint32]) -> NDArray[np.uint32]:
    """The 32-bit integer hash ``H`` (wrapping uint32 arithmetic, element-wise)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> U32(16))) * U32(HASH_M1)
        x = (x ^ (x >> U32(15))) * U32(HASH_M2)
        return x ^ (x >> U32(16))


def seed_key(seed: int) -> np.uint64:
    """The seed's part of every pump key (the pump's part is added to it)."""
    with np.errstate(over="ignore"):
        return U64(seed & 0xFFFFFFFFFFFFFFFF) * GOLDEN


def pump_keys(seed: int, pump_ids: NDArray[np.int64]) -> NDArray[np.uint64]:
    """Each pump's 64-bit key (its halves key the pump's days)."""
    with np.errstate(over="ignore"):
        return mix(seed_key(seed) + pump_ids.astype(np.uint64) * PUMP)


def day_keys(seed: int, pump_ids: NDArray[np.int64], days: NDArray[np.int64]) -> NDArray[np.uint32]:
    """The per (pump, day) key every word of that day is derived from."""
    key = pump_keys(seed, pump_ids)
    low, high = (key & _LOW32).astype(U32), (key >> _S32).astype(U32)
    with np.errstate(over="ignore"):
        first = hash32(low + days.astype(U32) * U32(GOLDEN32))
    return hash32(first ^ high)


def word(keys: NDArray[np.uint32], index: int) -> NDArray[np.uint32]:
    """Word ``index`` (from 1: request ``index``'s time) of each day key."""
    with np.errstate(over="ignore"):
        return hash32(keys + U32((index * GOLDEN32) & 0xFFFFFFFF))


def count_word(keys: NDArray[np.uint32]) -> NDArray[np.int64]:
    """The 31-bit word a day's request count is drawn from."""
    return (keys >> U32(1)).astype(np.int64)


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


def poisson_table(lam: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Poisson count thresholds for the distinct rates and each pump's row index.

    Row ``r`` holds ``ceil(F(k) * 2**31)`` (``poisson_cdf``), from 1 to ``2**31``: a 31-bit
    word ``w`` is at or above it exactly when the uniform ``w / 2**31`` is at or above
    ``F(k)`` (both sides are exact multiples of 2**-31 apart from ``F``), so the count, the
    number of entries at or below the word (inversion), takes integer compares only; the
    table's width caps it.
    """
    table, index = poisson_cdf(lam)
    return np.ceil(table * 2147483648.0).astype(np.int64), index


def poisson_count(w31: NDArray[np.int64], rows: NDArray[np.int64]) -> NDArray[np.int64]:
    """Counts by inversion: how many thresholds of each row lie at or below the word."""
    counts: NDArray[np.int64] = np.sum(w31[:, None] >= rows, axis=1).astype(np.int64)
    return counts


def tick_of_day(w: NDArray[np.uint32]) -> NDArray[np.int64]:
    """A uniform tick of the day from a 32-bit word (multiply-shift, no modulo bias)."""
    return ((w.astype(np.uint64) * U64(TICKS_PER_DAY)) >> _S32).astype(np.int64)
