"""Time the dosing core: catalogue load, program parsing, program math and a full check.

Run: .venv/bin/python benchmarks/bench_dosing.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

import yaml

from intrathecal.core.catalogue import load_catalogue, parse_catalogue
from intrathecal.core.program_math import peak_rate, worst_case_daily_dose
from intrathecal.core.program_spec import prescription_from_dict
from intrathecal.core.safety import ProgramRequest, check_program
from intrathecal.device.limits import DEFAULT_MODEL, safety_limits

PROGRAM = yaml.safe_load(
    """
solution:
  - {drug: morphine, concentration: 10 mg/mL}
  - {drug: bupivacaine, concentration: 5 mg/mL}
basal: {flex: [{start: 0 h, rate: 0.2 mL/day}, {start: 8 h, rate: 0.4 mL/day}]}
periodic: [{volume: 0.05 mL, duration: 10 min, every: 6 h, first_at: 0 h}]
patient_bolus: {volume: 0.02 mL, duration: 5 min, lockout: 4 h, max_per_day: 4}
"""
)
# A pathological schedule: a 7-minute bolus against the 24 h flex cycle (7-day period).
DENSE = {**PROGRAM, "periodic": [{"volume": "0.001 mL", "duration": "1 min", "every": "7 min"}]}


def per_call(name: str, func: Callable[[], object], repeat: int) -> None:
    """Print the mean wall time of ``func`` over ``repeat`` calls."""
    start = time.perf_counter()
    for _ in range(repeat):
        func()
    elapsed = (time.perf_counter() - start) / repeat
    print(f"{name:<40} {elapsed * 1e6:10.1f} µs/call  ({repeat} calls)")


def main() -> None:
    """Run each timing once and print the results."""
    from importlib import resources

    raw = yaml.safe_load(
        resources.files("intrathecal").joinpath("data/drugs.yaml").read_text("utf-8")
    )
    per_call("parse_catalogue (from parsed YAML)", lambda: parse_catalogue(raw), 20)
    catalogue = load_catalogue()
    program = prescription_from_dict(PROGRAM)
    dense = prescription_from_dict(DENSE)
    per_call("prescription_from_dict", lambda: prescription_from_dict(PROGRAM), 2000)
    per_call("worst_case_daily_dose", lambda: worst_case_daily_dose(program), 2000)
    per_call("peak_rate (6 h boluses, flex)", lambda: peak_rate(program), 2000)
    per_call("peak_rate (7 min boluses, 7-day period)", lambda: peak_rate(dense), 5)
    request = ProgramRequest(program, safety_limits(DEFAULT_MODEL), catalogue=catalogue)
    per_call("check (admixture, flex, boluses)", lambda: check_program(request), 500)


if __name__ == "__main__":
    main()
