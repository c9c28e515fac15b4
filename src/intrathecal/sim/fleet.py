"""Fleet arrays: programs and hardware (``FleetPrograms``), evolving state (``FleetState``).

One row per pump, NumPy arrays in fixed base units named in each field (mL, mL/s, s, µs).
Absolute times are int64 microseconds after the fleet's epoch (an aware ``datetime`` the
caller keeps); times inside a cycle are float seconds from that cycle's start. Typed core
values (``Prescription``, ``PumpModel``) are converted once, here, by the builders.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Self

import numpy as np
from numpy.typing import NDArray

from intrathecal.core.program import Continuous, Prescription
from intrathecal.core.quantities import Volume
from intrathecal.device.battery import BatteryModel
from intrathecal.device.models import PumpModel

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BOOL = NDArray[np.bool_]
NEVER_US = np.iinfo(np.int64).max // 4  # a cap that is never reached
MAX_FLOW_FACTOR = 2.0  # true over programmed flow: far beyond any pump's accuracy spread


def to_us(when: datetime, epoch: datetime) -> int:
    """Microseconds from ``epoch`` to ``when`` (both aware), exact."""
    delta = when - epoch
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(us: int, epoch: datetime) -> datetime:
    """The aware datetime ``us`` microseconds after ``epoch``."""
    return epoch + timedelta(microseconds=int(us))


class _Rows:
    """Row selection and concatenation shared by the per-pump array dataclasses."""

    def take(self, rows: I64 | slice) -> Self:
        """The pumps at ``rows`` (a copy)."""
        fields = {f.name: np.array(getattr(self, f.name)[rows]) for f in dataclasses.fields(self)}  # type: ignore[arg-type]
        return type(self)(**fields)

    @classmethod
    def concat(cls, parts: Sequence[Self]) -> Self:
        """Pumps of ``parts`` in order (2-D fields padded to the widest part)."""
        fields = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            arrays = [getattr(p, f.name) for p in parts]
            if arrays[0].ndim == 2:
                width = max(a.shape[1] for a in arrays)
                fill = -np.inf if f.name == "grants_s" else 0.0
                arrays = [_pad(a, width, fill, left=f.name == "grants_s") for a in arrays]
            fields[f.name] = np.concatenate(arrays)
        return cls(**fields)

    def __len__(self) -> int:
        first = dataclasses.fields(self)[0]  # type: ignore[arg-type]
        return int(getattr(self, first.name).shape[0])


def _pad(a: F64, width: int, fill: float, *, left: bool) -> F64:
    extra = width - a.shape[1]
    if extra == 0:
        return a
    pad = np.full((a.shape[0], extra), fill)
    return np.hstack([pad, a] if left else [a, pad])


@dataclass
class FleetPrograms(_Rows):
    """What each pump runs and is: basal steps, patient bolus, reservoir alarm, flow, battery.

    A continuous basal is one step at 0 s. ``step_starts_s`` are seconds after local
    midnight (first 0, increasing), ``day_anchor_us`` any local midnight of the pump's clock.
    ``bolus_ml`` 0 means no patient bolus. ``flow_factor`` is true flow / programmed flow.
    Battery: ERI when ``alpha*s + beta*mL`` of use since ERI capacity 0 reaches 1 (see
    ``device.battery``), or at ``eri_cap_us``; EOS ``eri_to_eos_s`` after ERI or at
    ``eos_cap_us``. ``pump_id`` keys each pump's random streams (keep it global).
    """

    pump_id: I64
    n_steps: I64
    step_starts_s: F64
    step_rates_ml_s: F64
    day_anchor_us: I64
    bolus_ml: F64
    bolus_s: F64
    lockout_s: F64
    max_per_day: I64
    flow_factor: F64
    threshold_ml: F64
    capacity_ml: F64
    battery_alpha: F64
    battery_beta: F64
    eri_to_eos_s: F64
    eri_cap_us: I64
    eos_cap_us: I64
    battery_start_us: I64

    @classmethod
    def build(
        cls,
        prescriptions: Sequence[Prescription],
        model: PumpModel,
        *,
        pump_ids: Sequence[int] | I64 | None = None,
        threshold: Volume | None = None,
        flow_factor: Sequence[float] | F64 | float = 1.0,
        day_anchor_us: int = 0,
        battery_start_us: Sequence[int] | I64 | int = 0,
    ) -> FleetPrograms:
        """One pump per prescription (shared objects are converted once) on ``model``.

        ``battery_start_us`` is when each battery started (fleet µs; negative = before the
        epoch). Periodic boluses are not modelled by the engine and are refused.
        """
        n = len(prescriptions)
        rows: dict[int, tuple[list[float], list[float], float, float, float, int]] = {}
        for p in prescriptions:
            if id(p) not in rows:
                rows[id(p)] = _program_row(p)
        width = max(len(rows[id(p)][0]) for p in prescriptions) if n else 1
        starts = np.zeros((n, width))
        rates = np.zeros((n, width))
        n_steps = np.zeros(n, dtype=np.int64)
        bolus = np.zeros((n, 4))
        for i, p in enumerate(prescriptions):
            s, r, vol, dur, lock, mx = rows[id(p)]
            n_steps[i] = len(s)
            starts[i, : len(s)] = s
            rates[i, : len(r)] = r
            bolus[i] = (vol, dur, lock, mx)
        if not model.programmable or model.low_reservoir_default is None:
            raise ValueError(f"the fleet engine models programmable pumps, not {model.name}")
        chosen = threshold if threshold is not None else model.low_reservoir_default.value
        alpha = beta = e2e = 0.0
        eri_cap = eos_cap = np.full(n, NEVER_US, dtype=np.int64)
        start = np.broadcast_to(np.asarray(battery_start_us, dtype=np.int64), (n,))
        if model.battery is not None:
            battery = BatteryModel.from_spec(model.battery)
            alpha, beta, e2e = battery.alpha, battery.beta, battery.eri_to_eos_s
            eos_cap = start + round(battery.hard_max_s * 1e6)
            eri_cap = start + round((battery.hard_max_s - battery.eri_to_eos_s) * 1e6)
        ids = np.arange(n, dtype=np.int64) if pump_ids is None else np.asarray(pump_ids, np.int64)
        flow = np.broadcast_to(np.asarray(flow_factor, np.float64), (n,)).copy()
        if not np.all((flow >= 0.0) & (flow <= MAX_FLOW_FACTOR)):
            raise ValueError(
                f"flow_factor: each pump's true flow over the programmed, 0 to {MAX_FLOW_FACTOR:g}"
            )
        return cls(
            pump_id=ids,
            n_steps=n_steps,
            step_starts_s=starts,
            step_rates_ml_s=rates,
            day_anchor_us=np.full(n, day_anchor_us, dtype=np.int64),
            bolus_ml=bolus[:, 0].copy(),
            bolus_s=bolus[:, 1].copy(),
            lockout_s=bolus[:, 2].copy(),
            max_per_day=bolus[:, 3].astype(np.int64),
            flow_factor=flow,
            threshold_ml=np.full(n, float(chosen.to("mL"))),
            capacity_ml=np.full(n, float(model.reservoir_capacity.value.to("mL"))),
            battery_alpha=np.full(n, alpha),
            battery_beta=np.full(n, beta),
            eri_to_eos_s=np.full(n, e2e),
            eri_cap_us=np.asarray(eri_cap, dtype=np.int64).copy(),
            eos_cap_us=np.asarray(eos_cap, dtype=np.int64).copy(),
            battery_start_us=start.copy(),
        )


def _program_row(p: Prescription) -> tuple[list[float], list[float], float, float, float, int]:
    if p.periodic:
        raise ValueError("the fleet engine does not model periodic boluses")
    if isinstance(p.basal, Continuous):
        starts, rates = [0.0], [float(p.basal.rate.to("mL/s"))]
    else:
        starts = [float(s.start.seconds()) for s in p.basal.steps]
        rates = [float(s.rate.to("mL/s")) for s in p.basal.steps]
    pb = p.patient_bolus
    if pb is None:
        return starts, rates, 0.0, 0.0, 0.0, 0
    return (
        starts,
        rates,
        float(pb.volume.to("mL")),
        float(pb.duration.seconds()),
        float(pb.lockout.seconds()),
        pb.max_per_day,
    )


@dataclass
class FleetState(_Rows):
    """Each pump's state at its current time ``t_us`` (the start of its next cycle).

    ``reservoir_ml`` is the pump's calculated volume (what its alarms follow), ``true_ml``
    what really is in it. ``grants_s`` holds the latest granted patient boluses in seconds
    relative to ``t_us`` (oldest first, ``-inf`` padded); a bolus still running at ``t_us``
    runs ``bolus_end_s`` more seconds at ``bolus_rate_ml_s``. ``eri_us``/``eos_us`` are
    -1 until known; ``battery_used`` is the fraction of the capacity to ERI spent.
    """

    t_us: I64
    reservoir_ml: F64
    true_ml: F64
    low_armed: BOOL
    empty_armed: BOOL
    battery_used: F64
    eri_us: I64
    eos_us: I64
    grants_s: F64
    bolus_end_s: F64
    bolus_rate_ml_s: F64

    @classmethod
    def start(cls, programs: FleetPrograms, at_us: int | I64) -> FleetState:
        """Empty pumps at ``at_us`` (refill them before the first cycle)."""
        n = len(programs)
        t = np.broadcast_to(np.asarray(at_us, dtype=np.int64), (n,)).copy()
        age_s = (t - programs.battery_start_us) / 1e6
        width = max(int(programs.max_per_day.max(initial=1)), 1)
        return cls(
            t_us=t,
            reservoir_ml=np.zeros(n),
            true_ml=np.zeros(n),
            low_armed=np.zeros(n, dtype=np.bool_),
            empty_armed=np.zeros(n, dtype=np.bool_),
            battery_used=programs.battery_alpha * age_s,
            eri_us=np.full(n, -1, dtype=np.int64),
            eos_us=np.full(n, -1, dtype=np.int64),
            grants_s=np.full((n, width), -np.inf),
            bolus_end_s=np.zeros(n),
            bolus_rate_ml_s=np.zeros(n),
        )


@dataclass
class RefillOutcome:
    """What a refill found and set, per refilled pump (rows of the mask, in order)."""

    rows: I64
    expected_residual_ml: F64
    true_residual_ml: F64
    low_alarm: BOOL  # filled at or below the alarm volume: the alarm sounds at once
    empty_alarm: BOOL


def check_fill(volume_ml: F64, capacity_ml: F64, name: str) -> None:
    """Refill volumes from 0 to each pump's reservoir capacity (NaN refused)."""
    if not np.all((volume_ml >= 0) & (volume_ml <= capacity_ml + 1e-9)):
        raise ValueError(f"{name} must lie within 0 and each pump's reservoir capacity")


def refill(
    state: FleetState, programs: FleetPrograms, rows: I64 | BOOL, volume_ml: F64 | float
) -> RefillOutcome:
    """Withdraw everything and fill ``volume_ml`` at each pump's current time (in place).

    Like ``Pump.refill`` with the default withdrawal: the calculated volume is set to what
    is really in the reservoir and both reservoir alarms are re-armed.
    """
    idx = np.flatnonzero(rows) if np.asarray(rows).dtype == np.bool_ else np.asarray(rows, np.int64)
    vol = (
        np.broadcast_to(np.asarray(volume_ml, np.float64), idx.shape)
        if np.ndim(volume_ml) == 0
        else np.asarray(volume_ml, np.float64)
    )
    check_fill(vol, programs.capacity_ml[idx], "refill volume_ml")
    outcome = RefillOutcome(
        rows=idx,
        expected_residual_ml=state.reservoir_ml[idx].copy(),
        true_residual_ml=state.true_ml[idx].copy(),
        low_alarm=vol <= programs.threshold_ml[idx],
        empty_alarm=vol <= 0.0,
    )
    state.reservoir_ml[idx] = vol
    state.true_ml[idx] = vol
    state.low_armed[idx] = ~outcome.low_alarm
    state.empty_armed[idx] = ~outcome.empty_alarm
    return outcome
