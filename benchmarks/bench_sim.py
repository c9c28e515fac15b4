"""Benchmark: the batch fleet engine against a one-minute stepper and the exact reference pump.

Workload (every pump): SynchroMed II 40 mL, 4-step flex basal (0.40/0.60/0.50/0.45 mL/day,
about 0.49 mL/day), patient bolus 0.02 mL over 10 min, 3 h lockout, at most 4 a day, requests
a Poisson stream of 3 a day (counter-based, seed 1), refill every 60 days with 33 mL and a
2 mL low-reservoir alarm: the low alarm fires about two days before each refill (the empty
alarm does not). The battery starts at time 0: ERI comes at about 5.5 years, so end of
service is NOT inside the 5-year single-pump horizon (the fleet runs 1 year).

Cases, timed in interleaved rounds (median of the rounds; wall and process CPU time):
- engine, 1 pump x ``--single-years``, run ``--single-repeats`` times a sample (each a
  separate one-pump run: one run is a quarter of a millisecond, shorter than the hiccup of
  about a millisecond some virtual machines charge to the first work after other work);
  the one-minute stepper (plain Python, the same program, gate decided at each request's
  exact time) over ``--stepper-days``; both normalised to pump-years per second, and their
  ratio;
- engine fleet with patient boluses, ``--fleet`` pumps x ``--fleet-years``, one numba thread;
- engine fleet on continuous programs without patient boluses (``--quiet-fleet`` pumps);
- the fleet with boluses on a Dask LocalCluster of 1 and 2 worker processes.
``--fleet-rate`` and ``--fleet-fill`` (mL a refill) change only that fleet case
(``--fleet-rate 0.01`` leaves its per-day cost: the days are drawn whatever their count;
above about five a day, days of more than eight requests take the draw's scalar path; with a
rate or fill at which reservoirs run dry before the refill, the general gate decides each
such cycle from its first grant the reservoir cannot hold, and the empty and dry alarms are
solved too); the case's requests, grants and alarms a pump-year are printed after the
timings. The first line names the machine.
Before timing, the engine's decisions and alarm times over ``--stepper-days`` are compared
with the stepper (decisions identical, alarms within one step) and with ``device.Pump``
(decisions identical, alarms within 1 µs), not only counts; the generated stream the fleet
cases run (register gate) must count and alarm exactly like those recorded decisions.

Run: ``.venv/bin/python benchmarks/bench_sim.py`` (options: ``--help``).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import llvmlite.binding as llvm
import numba
import numpy as np

from intrathecal.core.program import (
    Continuous,
    Flex,
    FlexStep,
    PatientBolus,
    Prescription,
    Solution,
)
from intrathecal.core.quantities import Concentration, Duration, Volume, VolumeRate
from intrathecal.device.events import AlarmKind
from intrathecal.device.models import default_catheter, pump_model
from intrathecal.device.pump import Pump
from intrathecal.sim import (
    BolusRequests,
    Decision,
    FleetPrograms,
    FleetResult,
    FleetState,
    PoissonRequests,
    refill,
    run_cycle,
    run_fleet,
)
from intrathecal.sim.distributed import cluster, run_fleet_distributed
from intrathecal.sim.randomness import DAY_US

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY_S = 86_400.0
YEAR_DAYS = 365.25
MODEL = "synchromed-ii-40"
SOLUTION = Solution.single("morphine", Concentration.parse("10 mg/mL"))
FLEX = ((0, 40), (6, 60), (12, 50), (20, 45))  # (start h, mL/day x 100)
BOLUS_ML, BOLUS_MIN, LOCKOUT_H, MAX_PER_DAY = 0.02, 10, 3, 4
REQUESTS_PER_DAY, REFILL_DAYS, FILL_ML, THRESHOLD_ML, SEED = 3.0, 60, 33.0, 2.0, 1


def prescription(with_bolus: bool = True) -> Prescription:
    steps = tuple(
        FlexStep(Duration(h, "h"), VolumeRate(Fraction(r, 100), "mL/day")) for h, r in FLEX
    )
    bolus = PatientBolus(
        Volume(str(BOLUS_ML), "mL"), Duration(BOLUS_MIN, "min"), Duration(LOCKOUT_H, "h"), 4
    )
    return Prescription(SOLUTION, Flex(steps), (), bolus if with_bolus else None)


def quiet_prescription() -> Prescription:
    return Prescription(SOLUTION, Continuous(VolumeRate("0.5", "mL/day")))


def fleet(n: int, rx: Prescription) -> FleetPrograms:
    return FleetPrograms.build([rx] * n, pump_model(MODEL), threshold=Volume(2, "mL"))


def run_engine(
    programs: FleetPrograms, requests: PoissonRequests, years: float, fill_ml: float = FILL_ML
) -> FleetResult:
    """The fleet over ``years`` from empty pumps at 0, refilled with ``fill_ml``."""
    return run_fleet(
        programs,
        FleetState.start(programs, 0),
        requests,
        horizon_us=round(years * YEAR_DAYS * DAY_US),
        refill_every_us=REFILL_DAYS * DAY_US,
        refill_ml=fill_ml,
    )


def what_fires(result: FleetResult, pump_years: float) -> str:
    """The workload's events a pump-year: requests by outcome, and alarms."""
    counts = result.counts.sum(axis=0) / pump_years
    return (
        f"{counts.sum():.0f} requests, {counts[Decision.GRANTED]:.0f} granted, "
        f"{result.low_alarms.sum() / pump_years:.2f} low and "
        f"{result.empty_alarms.sum() / pump_years:.2f} empty alarms"
    )


# --- the one-minute stepper -----------------------------------------------------------------
def run_stepper(
    requests_s: list[float], days: float
) -> tuple[list[Decision], list[tuple[str, float]]]:
    """Minute steps in plain Python: decisions at each request's exact time, alarms per step."""
    flex = [(h * 3600.0, r / 100 / DAY_S) for h, r in FLEX]
    bolus_rate = BOLUS_ML / (BOLUS_MIN * 60)
    reservoir, low_fired, empty_fired = FILL_ML, False, False
    grants: deque[float] = deque()
    last, bolus_start, bolus_end = -1e18, -1e18, -1e18
    decisions: list[Decision] = []
    alarms: list[tuple[str, float]] = []
    nxt = 0
    for minute in range(int(days * 1440)):
        t = minute * 60.0
        if minute and minute % (REFILL_DAYS * 1440) == 0:
            reservoir, low_fired, empty_fired = FILL_ML, False, False
        while nxt < len(requests_s) and requests_s[nxt] < t + 60.0:
            rt = requests_s[nxt]
            nxt += 1
            while grants and grants[0] <= rt - DAY_S + 1e-6:
                grants.popleft()
            if rt < bolus_end:
                decisions.append(Decision.BOLUS_RUNNING)
            elif rt - last < LOCKOUT_H * 3600 - 1e-6:
                decisions.append(Decision.LOCKOUT)
            elif len(grants) >= MAX_PER_DAY:
                decisions.append(Decision.DAILY_MAXIMUM)
            elif reservoir + 1e-9 < BOLUS_ML:
                decisions.append(Decision.RESERVOIR_LOW)
            else:
                decisions.append(Decision.GRANTED)
                grants.append(rt)
                last, bolus_start, bolus_end = rt, rt, rt + BOLUS_MIN * 60
        w = t % DAY_S
        rate = 0.0
        for start, r in flex:
            if start <= w:
                rate = r
        overlap = max(0.0, min(t + 60.0, bolus_end) - max(t, bolus_start))
        out = min(rate * 60.0 + bolus_rate * overlap, reservoir)
        reservoir -= out
        if not low_fired and reservoir <= THRESHOLD_ML:
            low_fired = True
            alarms.append(("low", t + 60.0))
        if not empty_fired and reservoir <= 0.0:
            empty_fired = True
            alarms.append(("empty", t + 60.0))
    return decisions, alarms


# --- the same span on the engine (cycle by cycle, decisions recorded) and on device.Pump ----
def engine_decisions(days: float) -> tuple[list[float], list[Decision], list[tuple[str, float]]]:
    """The span cycle by cycle on materialised times (general gate, decisions recorded);
    the same span on the generated stream (register gate) must count and alarm the same."""
    programs = fleet(1, prescription())
    stream = PoissonRequests.uniform(1, REQUESTS_PER_DAY, SEED)
    state, generated = FleetState.start(programs, 0), FleetState.start(programs, 0)
    times: list[float] = []
    decisions: list[Decision] = []
    alarms: list[tuple[str, float]] = []
    counts = np.zeros(len(Decision), dtype=np.int64)
    same_alarms = True
    t, end = 0, round(days * DAY_US)
    while t < end:
        stop = min(t + REFILL_DAYS * DAY_US, end)
        refill(state, programs, np.array([0]), FILL_ML)
        refill(generated, programs, np.array([0]), FILL_ML)
        reqs = stream.materialise(programs.pump_id, state.t_us.copy(), np.array([stop]))
        res = run_cycle(
            state, programs, BolusRequests(reqs.offsets, reqs.times_s), stop, record=True
        )
        fast = run_cycle(generated, programs, stream, stop)
        assert res.decisions is not None
        counts += fast.counts[0]
        same_alarms &= np.array_equal(
            [res.low_at_s, res.empty_at_s], [fast.low_at_s, fast.empty_at_s], equal_nan=True
        )
        times.extend(float(x) + t / 1e6 for x in reqs.times_s)
        decisions.extend(Decision(int(d)) for d in res.decisions)
        for name, at in (("low", res.low_at_s[0]), ("empty", res.empty_at_s[0])):
            if not np.isnan(at):
                alarms.append((name, t / 1e6 + float(at)))
        t = stop
    recorded = np.bincount([int(d) for d in decisions], minlength=len(Decision))
    print(
        "generated stream (register gate) vs recorded decisions: counts identical "
        f"{np.array_equal(counts, recorded)}, alarm times identical {same_alarms}"
    )
    return times, decisions, alarms


def pump_decisions(
    times: list[float], days: float
) -> tuple[list[Decision], list[tuple[str, float]]]:
    pump = Pump(MODEL, default_catheter(), "SN-B", T0, catheter_primed=True)
    decisions: list[Decision] = []
    events = [(t, 1) for t in times] + [
        (k * REFILL_DAYS * DAY_S, 0) for k in range(int(days // REFILL_DAYS) + 1)
    ]
    for t, kind in sorted(events):
        if t >= days * DAY_S:
            break
        pump.advance_to(T0 + timedelta(microseconds=round(t * 1e6)))
        if kind == 0:
            pump.refill(added=Volume(Fraction(FILL_ML), "mL"), solution=SOLUTION)
            if t == 0:
                pump.program(prescription())
            continue
        d = pump.request_patient_bolus()
        decisions.append(
            Decision.GRANTED if d.granted else next(x for x in Decision if x.denial is d.denial)
        )
    pump.advance_to(T0 + timedelta(days=days))
    names = {AlarmKind.LOW_RESERVOIR: "low", AlarmKind.EMPTY_RESERVOIR: "empty"}
    alarms = [(names[a.kind], (a.at - T0).total_seconds()) for a in pump.alarms if a.kind in names]
    return decisions, alarms


def compare(days: float) -> None:
    times, engine, engine_alarms = engine_decisions(days)
    stepper, stepper_alarms = run_stepper(times, days)
    pump, pump_alarms = pump_decisions(times, days)
    granted = sum(d is Decision.GRANTED for d in engine)
    print(
        f"compared over {days:g} days: {len(times)} requests, {granted} granted, "
        f"{len(engine_alarms)} alarms ({', '.join(sorted({n for n, _ in engine_alarms}))})"
    )
    print(f"decisions identical to the stepper: {engine == stepper}")
    print(f"decisions identical to the reference pump: {engine == pump}")
    same_kinds = [n for n, _ in engine_alarms] == [n for n, _ in stepper_alarms]
    step_gap = _gap(engine_alarms, stepper_alarms)
    pump_gap = _gap(engine_alarms, pump_alarms)
    print(
        f"alarm times vs stepper: same alarms {same_kinds}, max gap {step_gap:.1f} s "
        "(one step is 60 s)"
    )
    same_pump = [n for n, _ in engine_alarms] == [n for n, _ in pump_alarms]
    print(
        f"alarm times vs reference pump: same alarms {same_pump}, max gap {pump_gap * 1e6:.3f} µs"
    )


def _gap(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> float:
    """The largest time difference between matching alarms (s)."""
    return max((abs(x - y) for (_, x), (_, y) in zip(a, b, strict=False)), default=0.0)


# --- timing ------------------------------------------------------------------------------------
def machine() -> str:
    """The CPU as the OS and as LLVM (which the compiled code is tuned for) name it."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            model = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    return f"{model}; LLVM CPU {llvm.get_host_cpu_name()}; numba {numba.__version__}"


def timed(work: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--single-years", type=float, default=5.0)
    parser.add_argument("--single-repeats", type=int, default=20)
    parser.add_argument("--stepper-days", type=float, default=120.0)
    parser.add_argument("--fleet", type=int, default=20_000)
    parser.add_argument("--fleet-years", type=float, default=1.0)
    parser.add_argument("--fleet-rate", type=float, default=REQUESTS_PER_DAY)
    parser.add_argument("--fleet-fill", type=float, default=FILL_ML, help="mL each refill")
    parser.add_argument("--quiet-fleet", type=int, default=200_000)
    parser.add_argument("--dask-fleet", type=int, default=100_000)
    parser.add_argument("--dask-workers", default="1,2", help="comma-separated; '' skips Dask")
    args = parser.parse_args()

    numba.set_num_threads(1)  # per-core figures
    print(f"machine: {machine()}")
    compare(args.stepper_days)

    one = fleet(1, prescription())
    one_req = PoissonRequests.uniform(1, REQUESTS_PER_DAY, SEED)
    many = fleet(args.fleet, prescription())
    many_req = PoissonRequests.uniform(args.fleet, args.fleet_rate, SEED)
    quiet = fleet(args.quiet_fleet, quiet_prescription())
    quiet_req = PoissonRequests.uniform(args.quiet_fleet, 0.0, SEED)
    stepper_times = one_req.materialise(
        one.pump_id, np.zeros(1, np.int64), np.array([round(args.stepper_days * DAY_US)])
    ).times_s.tolist()
    cases: dict[str, tuple[float, Callable[[], object]]] = {
        "engine, 1 pump": (
            args.single_years * args.single_repeats,
            lambda: [
                run_engine(one, one_req, args.single_years) for _ in range(args.single_repeats)
            ],
        ),
        "one-minute stepper, 1 pump": (
            args.stepper_days / YEAR_DAYS,
            lambda: run_stepper(stepper_times, args.stepper_days),
        ),
        f"engine fleet, patient boluses ({args.fleet_rate:g}/day), 1 thread": (
            args.fleet * args.fleet_years,
            lambda: run_engine(many, many_req, args.fleet_years, args.fleet_fill),
        ),
        "engine fleet, continuous, no boluses, 1 thread": (
            args.quiet_fleet * args.fleet_years,
            lambda: run_engine(quiet, quiet_req, args.fleet_years),
        ),
    }
    for _, work in cases.values():  # compile / warm caches outside the timings
        work()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, (_, work) in cases.items():
            samples[name].append(timed(work))
    rates: dict[str, float] = {}
    print(f"\nmedian of {args.rounds} interleaved rounds (wall / process CPU):")
    for name, (pump_years, _) in cases.items():
        wall = statistics.median(w for w, _ in samples[name])
        cpu = statistics.median(c for _, c in samples[name])
        rates[name] = pump_years / cpu
        print(
            f"{name:<48} {pump_years:>10.2f} pump-years  wall {wall:8.4f} s "
            f"{pump_years / wall:>12,.0f}/s   CPU {cpu:8.4f} s {pump_years / cpu:>12,.0f}/s"
        )
    ratio = rates["engine, 1 pump"] / rates["one-minute stepper, 1 pump"]
    print(f"speed-up, engine (1 pump) / one-minute stepper (CPU time): {ratio:,.0f} x")
    fired = what_fires(
        run_engine(many, many_req, args.fleet_years, args.fleet_fill),
        args.fleet * args.fleet_years,
    )
    print(f"fleet with patient boluses ({args.fleet_fill:g} mL a refill), a pump-year: {fired}")

    workers = [int(w) for w in args.dask_workers.split(",") if w.strip()]
    if workers:
        dask_fleet = fleet(args.dask_fleet, prescription())
        dask_req = PoissonRequests.uniform(args.dask_fleet, REQUESTS_PER_DAY, SEED)
        alone = run_fleet(
            dask_fleet,
            FleetState.start(dask_fleet, 0),
            dask_req,
            horizon_us=round(args.fleet_years * YEAR_DAYS * DAY_US),
            refill_every_us=REFILL_DAYS * DAY_US,
            refill_ml=FILL_ML,
        )
        print(f"\nDask LocalCluster, {args.dask_fleet} pumps x {args.fleet_years:g} years:")
        for count in workers:
            with cluster(workers=count) as client:

                def spread() -> object:
                    return run_fleet_distributed(
                        client,
                        dask_fleet,
                        dask_req,
                        start_us=0,
                        horizon_us=round(args.fleet_years * YEAR_DAYS * DAY_US),
                        refill_every_us=REFILL_DAYS * DAY_US,
                        refill_ml=FILL_ML,
                    )

                same = spread()  # warm-up: workers load the compiled kernel
                walls = [timed(spread)[0] for _ in range(args.rounds)]
                wall = statistics.median(walls)
                years = args.dask_fleet * args.fleet_years
                print(
                    f"{count} worker(s): wall {wall:7.3f} s  {years / wall:>12,.0f} pump-years/s  "
                    f"identical to the single-process run: {same.equals(alone)}"  # type: ignore[attr-defined]
                )


if __name__ == "__main__":
    main()
