"""The compiled request-time pass draws exactly the times NumPy materialises for the stream."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from intrathecal.sim import PoissonRequests, draw
from intrathecal.sim import randomness as rnd

DAY_US = draw.DAY_US


def _compiled_times(stream: PoissonRequests, pump_id: int, start: int, end: int) -> list[int]:
    table, rows = rnd.poisson_table(stream.rate_per_day)
    thr = table[rows[0]]
    rel_us = np.empty(int(draw.room(np.int64(end - start), thr.shape[0])), dtype=np.int64)
    counts = np.empty(draw.ROW, dtype=np.int64)
    key = rnd.seed_key(stream.seed)
    m = draw.request_times(
        key, np.int64(pump_id), np.int64(start), np.int64(end), thr, counts, rel_us
    )
    return rel_us[:m].tolist()


@given(
    rate=st.sampled_from([0.5, 3.0, 8.0, 20.0, 40.0]),
    seed=st.integers(0, 2**32),
    pump_id=st.integers(0, 10**6),
    start=st.integers(0, 3 * DAY_US),
    length=st.integers(1, 150 * DAY_US),
)
@settings(max_examples=80, deadline=None)
def test_compiled_request_times_equal_the_materialised_stream(
    rate: float, seed: int, pump_id: int, start: int, length: int
) -> None:
    """Any rate (busy days of more than ``draw.ROW`` requests included), seed, pump and window
    starting and ending inside a day: the same times, in the same order, to the µs."""
    stream = PoissonRequests.uniform(1, rate, seed)
    ids = np.array([pump_id], dtype=np.int64)
    want = stream.materialise(ids, np.array([start]), np.array([start + length])).of(0)
    got = _compiled_times(stream, pump_id, start, start + length)
    assert got == np.round(want * 1e6).astype(np.int64).tolist()
