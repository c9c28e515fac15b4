"""Every benchmark script still runs end to end (tiny sizes; timings are not asserted)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

CASES = [
    (
        "bench_pump.py",
        ["--single-years", "0.05", "--fleet", "3", "--fleet-days", "2", "--naive-days", "1"],
        "granted patient boluses agree with the naive run: True",
    ),
    (
        "bench_sim.py",
        [
            *("--rounds", "1", "--single-years", "0.2", "--stepper-days", "65"),
            *("--fleet", "50", "--quiet-fleet", "100", "--dask-workers", ""),
        ],
        "decisions identical to the reference pump: True",
    ),
    ("bench_worklist.py", ["--patients", "300", "--runs", "3", "--backend", "sqlite"], "p95"),
    (
        "bench_refill_writes.py",
        ["--refills", "5", "--patients", "2", "--backend", "sqlite"],
        "refills/s",
    ),
    ("bench_api.py", ["--requests", "3"], "GET /worklist"),
    (
        "bench_load.py",
        [
            *("--users", "2", "--seconds", "5", "--rounds", "1"),
            *("--workers", "1", "--backend", "sqlite"),
        ],
        "audited / not audited throughput",
    ),
    ("bench_dosing.py", [], "check (admixture"),
    (
        "bench_scheduling.py",
        ["--patients", "60", "--days", "30", "--seconds", "5"],
        "feasible schedule within the time limit: True",
    ),
    ("bench_telemetry.py", [], "bad-tag rejections"),
]


@pytest.mark.parametrize(("script", "args", "expected"), CASES, ids=[c[0] for c in CASES])
def test_benchmark_script_runs_and_reports(script: str, args: list[str], expected: str) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert expected in done.stdout
