"""The batch fleet engine's entry points: ``run_cycle`` (one refill cycle) and ``run_fleet``.

``run_cycle`` advances every pump of a ``FleetState`` from its current time to its
``cycle_end_us`` (no refill inside), deciding every patient-bolus request like
``device.Pump`` does and reporting, per pump, the decisions, the volumes and the exact time
of each alarm reached in the cycle. A caller drives a fleet cycle by cycle:
``run_cycle``, look at the result, ``refill`` (or not: a missed visit), change programs,
``run_cycle`` again. ``run_fleet`` is that loop for a fixed refill interval with totals.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from intrathecal.device.status import BolusDenial
from intrathecal.sim import kernel
from intrathecal.sim.fleet import F64, I64, FleetPrograms, FleetState, check_fill
from intrathecal.sim.randomness import U64, seed_key
from intrathecal.sim.requests import BolusRequests, PoissonRequests


class Decision(enum.IntEnum):
    """A patient-bolus decision, in the order the pump checks (column of ``counts``)."""

    GRANTED = kernel.GRANTED
    BOLUS_RUNNING = kernel.RUNNING
    LOCKOUT = kernel.LOCKOUT
    DAILY_MAXIMUM = kernel.DAILY_MAX
    RESERVOIR_LOW = kernel.RESERVOIR_LOW
    END_OF_SERVICE = kernel.END_OF_SERVICE
    NOT_CONFIGURED = kernel.NOT_CONFIGURED

    @property
    def denial(self) -> BolusDenial | None:
        """The pump's typed denial reason (None when granted)."""
        return _DENIALS[self]


_DENIALS = {
    Decision.GRANTED: None,
    Decision.BOLUS_RUNNING: BolusDenial.BOLUS_RUNNING,
    Decision.LOCKOUT: BolusDenial.LOCKOUT,
    Decision.DAILY_MAXIMUM: BolusDenial.DAILY_MAXIMUM,
    Decision.RESERVOIR_LOW: BolusDenial.RESERVOIR_LOW,
    Decision.END_OF_SERVICE: BolusDenial.END_OF_SERVICE,
    Decision.NOT_CONFIGURED: BolusDenial.NOT_CONFIGURED,
}


@dataclass
class CycleResult:
    """One cycle per pump. Times are float seconds from ``start_us`` (NaN: not in this cycle).

    ``counts[:, d]`` counts requests decided ``Decision(d)``; ``decisions`` (when recorded,
    explicit requests only) is aligned with the requests' ``times_s``. ``programmed_ml`` is
    what the program asked for, ``delivered_ml`` what really left the reservoir. ``dry_at_s``
    is when the true reservoir ran dry (0 if it was dry at the start); ``no_flow_s`` the
    seconds without delivery (dry, or after end of service).
    """

    start_us: I64
    end_us: I64
    counts: NDArray[np.int64]
    programmed_ml: F64
    delivered_ml: F64
    low_at_s: F64
    empty_at_s: F64
    dry_at_s: F64
    eri_at_s: F64
    eos_at_s: F64
    no_flow_s: F64
    decisions: NDArray[np.int8] | None = None

    @property
    def granted(self) -> I64:
        """Granted patient boluses per pump."""
        return self.counts[:, Decision.GRANTED]


@dataclass
class FleetResult:
    """Totals per pump over a ``run_fleet`` horizon (absolute times in fleet µs, -1: none)."""

    pump_id: I64
    counts: NDArray[np.int64]
    programmed_ml: F64
    delivered_ml: F64
    low_alarms: I64
    empty_alarms: I64
    no_flow_s: F64
    first_empty_us: I64
    eri_us: I64
    eos_us: I64
    cycles: int

    @classmethod
    def concat(cls, parts: list[FleetResult]) -> FleetResult:
        """Pumps of ``parts`` in order (the same horizon and refill interval)."""
        fields = {
            name: np.concatenate([getattr(p, name) for p in parts])
            for name in cls.__dataclass_fields__
            if name != "cycles"
        }
        return cls(**fields, cycles=parts[0].cycles if parts else 0)

    def equals(self, other: FleetResult) -> bool:
        """Every number identical (the check that a distributed run changed nothing)."""
        return self.cycles == other.cycles and all(
            np.array_equal(getattr(self, name), getattr(other, name), equal_nan=True)
            for name in self.__dataclass_fields__
            if name != "cycles"
        )


@dataclass
class _Outputs:
    """The kernel's output arrays (per-cycle values; counts and totals accumulate)."""

    counts: NDArray[np.int64]
    programmed_ml: F64
    delivered_ml: F64
    low_at_s: F64
    empty_at_s: F64
    dry_at_s: F64
    eri_at_s: F64
    eos_at_s: F64
    no_flow_s: F64
    alarm_counts: NDArray[np.int64]
    first_empty_us: I64

    @classmethod
    def zeros(cls, n: int) -> _Outputs:
        nan = np.full(n, np.nan)
        return cls(
            np.zeros((n, kernel.N_CODES), dtype=np.int64),
            np.zeros(n),
            np.zeros(n),
            nan,
            nan.copy(),
            nan.copy(),
            nan.copy(),
            nan.copy(),
            np.zeros(n),
            np.zeros((n, 2), dtype=np.int64),
            np.full(n, -1, dtype=np.int64),
        )


def _advance(
    state: FleetState,
    programs: FleetPrograms,
    requests: BolusRequests | PoissonRequests,
    end_us: I64,
    *,
    cycles: int = 1,
    interval_us: int = 0,
    refill_ml: F64 | None = None,
    record: bool = False,
) -> tuple[_Outputs, NDArray[np.int8] | None]:
    n = len(state)
    if state.grants_s.shape[1] < int(programs.max_per_day.max(initial=0)):
        raise ValueError("the state keeps fewer grants than a program's max_per_day")
    if len(requests) != n:
        raise ValueError(f"requests: one stream per pump wanted, got {len(requests)} for {n} pumps")
    generated = isinstance(requests, PoissonRequests)
    if isinstance(requests, PoissonRequests):
        lam = requests.rate_per_day.copy()  # writeable: numba compiles read-only arrays apart
        table, rows = requests.thresholds
        stream_key = seed_key(requests.seed)
        offsets, times = np.zeros(n + 1, dtype=np.int64), np.zeros(0)
        record = False
    else:
        lam = np.zeros(n)
        table, rows = np.zeros((1, 16), dtype=np.int64), np.zeros(n, dtype=np.int64)
        stream_key = U64(0)
        offsets, times = requests.offsets, requests.times_s
    o = _Outputs.zeros(n)
    decisions = np.full(times.shape[0], -1, dtype=np.int8) if record else np.zeros(0, np.int8)
    fill = np.zeros(n) if refill_ml is None else refill_ml
    p = programs
    advance: Any = kernel.advance  # numba's dispatcher stub does not know the signature
    advance(
        p.n_steps, p.step_starts_s, p.step_rates_ml_s, p.day_anchor_us,
        p.bolus_ml, p.bolus_s, p.lockout_s, p.max_per_day, p.flow_factor, p.threshold_ml,
        p.battery_alpha, p.battery_beta, p.eri_to_eos_s, p.eri_cap_us, p.eos_cap_us,
        state.t_us, state.reservoir_ml, state.true_ml, state.low_armed, state.empty_armed,
        state.battery_used, state.eri_us, state.eos_us, state.grants_s, state.bolus_end_s,
        state.bolus_rate_ml_s,
        generated, offsets, times, lam, table, rows, stream_key, p.pump_id,
        end_us, cycles, refill_ml is not None, np.int64(interval_us), fill,
        o.counts, o.programmed_ml, o.delivered_ml, o.low_at_s, o.empty_at_s, o.dry_at_s,
        o.eri_at_s, o.eos_at_s, o.no_flow_s, o.alarm_counts, o.first_empty_us,
        decisions, record, numba.get_num_threads() * 8,
    )  # fmt: skip
    return o, (decisions if record else None)


def _whole_us(value: I64 | int, name: str) -> I64:
    """Times and spans in whole µs: integers, never floats (which would be rounded silently)."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return np.asarray(value, dtype=np.int64)
    array = np.asarray(value)
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name}: whole microseconds (integers), got {array.dtype}")
    return array.astype(np.int64)


def run_cycle(
    state: FleetState,
    programs: FleetPrograms,
    requests: BolusRequests | PoissonRequests,
    cycle_end_us: I64 | int,
    *,
    record: bool = False,
) -> CycleResult:
    """Advance every pump from ``state.t_us`` to ``cycle_end_us`` (in place); no refill inside.

    ``requests``: explicit times per pump, or a Poisson stream drawn inside the compiled
    loop. ``record`` keeps each explicit request's decision.
    """
    n = len(state)
    end = np.broadcast_to(_whole_us(cycle_end_us, "cycle_end_us"), (n,)).copy()
    if np.any(end < state.t_us):
        raise ValueError("cycle_end_us lies before a pump's current time")
    start = state.t_us.copy()
    o, decisions = _advance(state, programs, requests, end, record=record)
    return CycleResult(
        start, end, o.counts, o.programmed_ml, o.delivered_ml, o.low_at_s, o.empty_at_s,
        o.dry_at_s, o.eri_at_s, o.eos_at_s, o.no_flow_s, decisions,
    )  # fmt: skip


def run_fleet(
    programs: FleetPrograms,
    state: FleetState,
    requests: PoissonRequests | BolusRequests,
    *,
    horizon_us: int,
    refill_every_us: int,
    refill_ml: F64 | float,
) -> FleetResult:
    """Refill every ``refill_every_us`` (full withdrawal, ``refill_ml``) until ``horizon_us``.

    The state must be at a common start time; each cycle starts with a refill; all cycles
    run in one compiled call (state advanced in place). Results depend only on the pumps'
    ids and the seed, never on how the fleet is split (see ``sim.distributed``).
    """
    n = len(state)
    t0 = int(state.t_us[0]) if n else 0
    horizon_us = int(_whole_us(horizon_us, "horizon_us"))
    refill_every_us = int(_whole_us(refill_every_us, "refill_every_us"))
    if np.any(state.t_us != t0) or refill_every_us <= 0 or horizon_us <= t0:
        raise ValueError("run_fleet needs a common start, a positive interval and a later horizon")
    fill = np.broadcast_to(np.asarray(refill_ml, dtype=np.float64), (n,)).copy()
    check_fill(fill, programs.capacity_ml, "refill_ml")
    cycles = -(-(horizon_us - t0) // refill_every_us)
    end = np.full(n, horizon_us, dtype=np.int64)
    o, _ = _advance(
        state, programs, requests, end, cycles=cycles, interval_us=refill_every_us, refill_ml=fill
    )
    return FleetResult(
        programs.pump_id.copy(), o.counts, o.programmed_ml, o.delivered_ml,
        o.alarm_counts[:, 0].copy(), o.alarm_counts[:, 1].copy(), o.no_flow_s,
        o.first_empty_us, state.eri_us.copy(), state.eos_us.copy(), cycles,
    )  # fmt: skip
