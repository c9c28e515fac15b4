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
from intrathecal.sim.fleet import F64, I64, FleetPrograms, FleetState, refill
from intrathecal.sim.randomness import GOLDEN, U64, poisson_table
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
    is when the true reservoir ran dry (0 if it was dry at the start).
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
    decisions: NDArray[np.int8] | None = None

    @property
    def granted(self) -> I64:
        """Granted patient boluses per pump."""
        return self.counts[:, Decision.GRANTED]

    def dry_s(self) -> F64:
        """Seconds of the cycle with a truly empty reservoir (or after end of service)."""
        span = (self.end_us - self.start_us) / 1e6
        dry = np.where(np.isnan(self.dry_at_s), 0.0, span - self.dry_at_s)
        stopped = np.where(np.isnan(self.eos_at_s), 0.0, span - self.eos_at_s)
        return np.maximum(dry, stopped)


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
    end = np.broadcast_to(np.asarray(cycle_end_us, dtype=np.int64), (n,)).copy()
    if np.any(end < state.t_us):
        raise ValueError("cycle_end_us lies before a pump's current time")
    if state.grants_s.shape[1] < int(programs.max_per_day.max(initial=0)):
        raise ValueError("the state keeps fewer grants than a program's max_per_day")
    start = state.t_us.copy()
    generated = isinstance(requests, PoissonRequests)
    if isinstance(requests, PoissonRequests):
        lam = np.asarray(requests.rate_per_day, dtype=np.float64)
        table, rows = poisson_table(lam)
        with np.errstate(over="ignore"):
            seed_key = U64(requests.seed & 0xFFFFFFFFFFFFFFFF) * GOLDEN
        offsets, times = np.zeros(n + 1, dtype=np.int64), np.zeros(0)
        record = False
    else:
        lam = np.zeros(n)
        table, rows = np.zeros((1, 1)), np.zeros(n, dtype=np.int64)
        seed_key = U64(0)
        offsets, times = requests.offsets, requests.times_s
        if offsets.shape[0] != n + 1:
            raise ValueError(f"requests cover {offsets.shape[0] - 1} pumps, the fleet has {n}")
    counts = np.zeros((n, kernel.N_CODES), dtype=np.int64)
    prog, delivered, low, empty, dry, eri, eos = (np.empty(n) for _ in range(7))
    decisions = np.full(times.shape[0], -1, dtype=np.int8) if record else np.zeros(0, np.int8)
    p = programs
    advance: Any = kernel.advance  # numba's dispatcher stub does not know the signature
    advance(
        p.n_steps, p.step_starts_s, p.step_rates_ml_s, p.day_anchor_us,
        p.bolus_ml, p.bolus_s, p.lockout_s, p.max_per_day, p.flow_factor, p.threshold_ml,
        p.battery_alpha, p.battery_beta, p.eri_to_eos_s, p.eri_cap_us, p.eos_cap_us,
        state.t_us, state.reservoir_ml, state.true_ml, state.low_armed, state.empty_armed,
        state.battery_used, state.eri_us, state.eos_us, state.grants_s, state.bolus_end_s,
        state.bolus_rate_ml_s,
        generated, offsets, times, lam, table, rows, seed_key, p.pump_id,
        end,
        counts, prog, delivered, low, empty, dry, eri, eos, decisions, record,
        numba.get_num_threads() * 8,
    )  # fmt: skip
    kept = decisions if record else None
    return CycleResult(start, end, counts, prog, delivered, low, empty, dry, eri, eos, kept)


@dataclass
class FleetResult:
    """Totals per pump over a ``run_fleet`` horizon (absolute times in fleet µs, -1: none)."""

    pump_id: I64
    counts: NDArray[np.int64]
    programmed_ml: F64
    delivered_ml: F64
    low_alarms: I64
    empty_alarms: I64
    dry_s: F64
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


def run_fleet(
    programs: FleetPrograms,
    state: FleetState,
    requests: PoissonRequests,
    *,
    horizon_us: int,
    refill_every_us: int,
    refill_ml: F64 | float,
) -> FleetResult:
    """Refill every ``refill_every_us`` (full withdrawal, ``refill_ml``) until ``horizon_us``.

    The state must be at a common start time; it is refilled first, then advanced cycle by
    cycle (in place). Results depend only on the pumps' ids and the seed, never on how the
    fleet is split (see ``sim.distributed``).
    """
    n = len(state)
    t0 = int(state.t_us[0])
    if np.any(state.t_us != t0) or refill_every_us <= 0 or horizon_us <= t0:
        raise ValueError("run_fleet needs a common start, a positive interval and a later horizon")
    counts = np.zeros((n, kernel.N_CODES), dtype=np.int64)
    prog = np.zeros(n)
    delivered = np.zeros(n)
    low = np.zeros(n, dtype=np.int64)
    empty = np.zeros(n, dtype=np.int64)
    dry = np.zeros(n)
    first_empty = np.full(n, -1, dtype=np.int64)
    everyone = np.ones(n, dtype=np.bool_)
    cycles = 0
    t = t0
    while t < horizon_us:
        filled = refill(state, programs, everyone, refill_ml)
        low += filled.low_alarm
        empty += filled.empty_alarm
        end = min(t + refill_every_us, horizon_us)
        res = run_cycle(state, programs, requests, end)
        counts += res.counts
        prog += res.programmed_ml
        delivered += res.delivered_ml
        low += ~np.isnan(res.low_at_s)
        hit = ~np.isnan(res.empty_at_s)
        empty += hit
        new = hit & (first_empty < 0)
        first_empty[new] = t + np.round(res.empty_at_s[new] * 1e6).astype(np.int64)
        dry += res.dry_s()
        cycles += 1
        t = end
    return FleetResult(
        programs.pump_id.copy(),
        counts,
        prog,
        delivered,
        low,
        empty,
        dry,
        first_empty,
        state.eri_us.copy(),
        state.eos_us.copy(),
        cycles,
    )
