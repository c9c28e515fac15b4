"""The compiled request-time pass draws exactly the times NumPy materialises for the stream."""

from __future__ import annotations

import math

import numpy as np
import pytest
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


@pytest.mark.parametrize(
    "rates", [[-0.5], [float("nan")], [float("inf")], [rnd.MAX_RATE_PER_DAY + 1], [[3.0, 3.0]]]
)
def test_a_stream_refuses_rates_it_cannot_draw_exactly(rates: list[float]) -> None:
    with pytest.raises(ValueError, match="rate_per_day"):
        PoissonRequests(np.array(rates), seed=1)


def test_the_table_leaves_a_tail_below_1e_15_at_the_highest_rate_a_stream_takes() -> None:
    lam = rnd.MAX_RATE_PER_DAY
    width = rnd.poisson_table(np.array([lam]))[0].shape[1]
    tail = sum(
        math.exp(-lam + k * math.log(lam) - math.lgamma(k + 1)) for k in range(width, width + 500)
    )
    assert width <= rnd.MAX_PER_DAY
    assert tail < 1e-15
