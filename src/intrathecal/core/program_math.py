"""Arithmetic over a ``Prescription``: volumes, doses, peak rates and derived boluses.

All functions are pure and exact (``Fraction`` magnitudes inside the quantity types).
Periodic and patient boluses are delivered on top of the basal rate. A patient-bolus
lockout is counted from the start of one bolus to the start of the next.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType

from intrathecal.core.errors import InvalidProgram
from intrathecal.core.program import (
    ONE_DAY,
    Basal,
    BridgeBolus,
    Continuous,
    Flex,
    PatientBolus,
    PeriodicBolus,
    Prescription,
    Solution,
)
from intrathecal.core.quantities import (
    Concentration,
    DoseRate,
    Duration,
    Volume,
    VolumeRate,
)

#: Above this many bolus/step starts in one repeat period, ``peak_rate`` stops
#: enumerating and assumes every bolus can overlap (a safe over-estimate).
MAX_PEAK_EVENTS = 50_000
#: The longest repeat period ``peak_rate`` enumerates exactly.
MAX_PEAK_PERIOD = Duration(28, "day")


def basal_rate_at(basal: Basal, offset: Duration) -> VolumeRate:
    """The basal rate at ``offset`` into the program (taken modulo the 24 h cycle)."""
    if isinstance(basal, Continuous):
        return basal.rate
    within = Duration(offset.to("day") % 1, "day")
    rate = basal.steps[0].rate
    for step in basal.steps:
        if step.start <= within:
            rate = step.rate
    return rate


def basal_daily_volume(basal: Basal) -> Volume:
    """The volume the basal pattern delivers in one 24 h cycle."""
    if isinstance(basal, Continuous):
        return basal.rate * ONE_DAY
    total = Volume.zero()
    for index, step in enumerate(basal.steps):
        total = total + step.rate * (basal.step_end(index) - step.start)
    return total


def periodic_daily_volume(bolus: PeriodicBolus) -> Volume:
    """The mean volume one periodic bolus entry delivers per 24 h."""
    return bolus.volume.scaled(ONE_DAY.ratio(bolus.every))


def daily_volume(p: Prescription) -> Volume:
    """Mean volume per 24 h: basal plus periodic boluses (patient boluses excluded)."""
    total = basal_daily_volume(p.basal)
    for bolus in p.periodic:
        total = total + periodic_daily_volume(bolus)
    return total


def mean_rate(p: Prescription) -> VolumeRate:
    """Mean flow over 24 h, basal plus periodic boluses (patient boluses excluded)."""
    return daily_volume(p) / ONE_DAY


def daily_dose(p: Prescription) -> Mapping[str, DoseRate]:
    """Mean daily dose of each component of the solution, patient boluses excluded."""
    return _doses(p.solution, mean_rate(p))


def daily_dose_of(p: Prescription, drug: str) -> DoseRate:
    """Mean daily dose of one component; ``InvalidProgram`` if it is not in the solution."""
    return p.solution.concentration_of(drug) * mean_rate(p)


def patient_boluses_per_day(bolus: PatientBolus) -> int:
    """Most patient boluses possible in 24 h: ``max_per_day``, or fewer if the lockout binds."""
    fit = math.ceil(ONE_DAY.ratio(bolus.lockout))
    return min(bolus.max_per_day, fit)


def worst_case_daily_volume(p: Prescription) -> Volume:
    """Daily volume if the patient takes every bolus the settings allow."""
    total = daily_volume(p)
    if p.patient_bolus is not None:
        total = total + p.patient_bolus.volume.scaled(patient_boluses_per_day(p.patient_bolus))
    return total


def worst_case_daily_dose(p: Prescription) -> Mapping[str, DoseRate]:
    """Daily dose of each component if every permitted patient bolus is taken."""
    return _doses(p.solution, worst_case_daily_volume(p) / ONE_DAY)


def bolus_rate(volume: Volume, duration: Duration) -> VolumeRate:
    """The flow a bolus adds while it runs."""
    return volume / duration


def peak_rate(p: Prescription, *, include_patient_bolus: bool = True) -> VolumeRate:
    """Highest instantaneous flow: basal plus every bolus running at that moment.

    Periodic boluses are placed exactly over their common repeat period with the 24 h
    basal cycle. A patient bolus may start at any time, so (when included) its rate is
    added to the highest scheduled flow.
    """
    peak = _scheduled_peak(p)
    if include_patient_bolus and p.patient_bolus is not None:
        peak = peak + bolus_rate(p.patient_bolus.volume, p.patient_bolus.duration)
    return peak


def rate_for_dose(dose: DoseRate, concentration: Concentration) -> VolumeRate:
    """The flow that delivers ``dose`` from a solution at ``concentration``."""
    return dose / concentration


def bridge_bolus(
    old_solution: Solution,
    old_rate: VolumeRate,
    pump_path_volume: Volume,
    catheter_volume: Volume,
) -> BridgeBolus:
    """The bridge after a concentration change: old drug in pump path and catheter.

    The volume is the pump's internal path plus the catheter; its duration makes the old
    solution reach the patient at ``old_rate``, the rate it was prescribed at.
    """
    if old_rate.is_negative() or old_rate.is_zero():
        raise InvalidProgram(f"the old rate must be above zero to size a bridge, got {old_rate}")
    if pump_path_volume.is_negative() or catheter_volume.is_negative():
        raise InvalidProgram("pump path and catheter volumes cannot be negative")
    volume = pump_path_volume + catheter_volume
    return BridgeBolus(volume=volume, duration=volume / old_rate, old_solution=old_solution)


# --- internals -------------------------------------------------------------------------


def _doses(solution: Solution, rate: VolumeRate) -> Mapping[str, DoseRate]:
    return MappingProxyType({c.drug: c.concentration * rate for c in solution.components})


def _lcm(a: Fraction, b: Fraction) -> Fraction:
    """Least common multiple of two positive rationals."""
    return Fraction(math.lcm(a.numerator, b.numerator), math.gcd(a.denominator, b.denominator))


def _active_rate(bolus: PeriodicBolus, t: Fraction) -> Fraction:
    """Flow (mL/day) the bolus adds at absolute time ``t`` (days)."""
    first = bolus.first_at.to("day")
    if t < first:
        return Fraction(0)
    if (t - first) % bolus.every.to("day") < bolus.duration.to("day"):
        return bolus_rate(bolus.volume, bolus.duration).to("mL/day")
    return Fraction(0)


def _scheduled_peak(p: Prescription) -> VolumeRate:
    basal_peak = _basal_peak(p.basal)
    if not p.periodic:
        return basal_peak
    period = Fraction(1)
    for bolus in p.periodic:
        period = _lcm(period, bolus.every.to("day"))
    events = sum(int(period / b.every.to("day")) for b in p.periodic)
    if isinstance(p.basal, Flex):
        events += int(period) * len(p.basal.steps)
    if period > MAX_PEAK_PERIOD.to("day") or events > MAX_PEAK_EVENTS:
        total = basal_peak
        for bolus in p.periodic:
            total = total + bolus_rate(bolus.volume, bolus.duration)
        return total
    # Steady state: after every bolus has started at least once, the pattern repeats.
    origin = max(b.first_at.to("day") for b in p.periodic)
    starts: set[Fraction] = set()
    for bolus in p.periodic:
        every, first = bolus.every.to("day"), bolus.first_at.to("day")
        k = math.ceil((origin - first) / every)
        t = first + k * every
        while t < origin + period:
            starts.add(t)
            t += every
    if isinstance(p.basal, Flex):
        day = math.floor(origin)
        while day < origin + period:
            for step in p.basal.steps:
                t = day + step.start.to("day")
                if origin <= t < origin + period:
                    starts.add(t)
            day += 1
    best = Fraction(0)
    for t in starts:
        flow = basal_rate_at(p.basal, Duration(t, "day")).to("mL/day")
        flow += sum((_active_rate(b, t) for b in p.periodic), Fraction(0))
        best = max(best, flow)
    return max(VolumeRate(best, "mL/day"), basal_peak)


def _basal_peak(basal: Basal) -> VolumeRate:
    if isinstance(basal, Continuous):
        return basal.rate
    return max((s.rate for s in basal.steps), key=lambda r: r.to("mL/day"))
