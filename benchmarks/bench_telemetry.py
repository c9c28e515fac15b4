"""Telemetry and scenario speed: frames per second through the endpoint, scenario run time.

.venv/bin/python benchmarks/bench_telemetry.py
"""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from intrathecal.core.program_spec import prescription_from_dict
from intrathecal.core.quantities import Volume
from intrathecal.device.endpoint import PumpEndpoint
from intrathecal.device.models import default_catheter
from intrathecal.device.programmer import ClinicianProgrammer
from intrathecal.device.pump import Pump
from intrathecal.device.scenario import load_scenario, run_scenario
from intrathecal.device.telemetry import messages as m
from intrathecal.device.telemetry.errors import TelemetryError
from intrathecal.device.telemetry.frame import LinkRole, decode_frame
from intrathecal.device.telemetry.session import Link, pair

RX = prescription_from_dict(
    {
        "solution": [{"drug": "morphine", "concentration": "10 mg/mL"}],
        "basal": {"continuous": "0.3 mL/day"},
    }
)


def frames_per_second(n: int = 20_000) -> float:
    """Seal and open a PROGRAM frame ``n`` times (no pump)."""
    key = pair("BENCH")
    sender, receiver = Link(key, pump_side=False), Link(key, pump_side=True)
    payload = m.encode_message(m.Program(RX))
    start = time.perf_counter()
    for _ in range(n):
        _, data = sender.seal(m.MessageType.PROGRAM, payload)
        frame = receiver.open(data)
        m.decode_message(frame.msg_type, frame.payload)
    return n / (time.perf_counter() - start)


def rejects_per_second(n: int = 20_000) -> float:
    """Reject frames with a bad tag ``n`` times."""
    key = pair("BENCH")
    _, data = Link(key, pump_side=False).seal(m.MessageType.STOP, b"")
    bad = data[:-1] + bytes([data[-1] ^ 1])
    start = time.perf_counter()
    for _ in range(n):
        with contextlib.suppress(TelemetryError):
            decode_frame(bad, lambda role: key.secret)
    return n / (time.perf_counter() - start)


def interrogations_per_second(n: int = 500) -> float:
    """Full round trips (INTERROGATE → STATUS_REPORT) against a running pump."""
    pump = Pump("synchromed-ii-20", default_catheter(), "BENCH", datetime(2026, 1, 1, tzinfo=UTC))
    endpoint = PumpEndpoint(pump)
    programmer = ClinicianProgrammer(endpoint.pair(LinkRole.CLINICIAN), endpoint.handle)
    pump.refill(added=Volume.parse("20 mL"), solution=RX.solution)
    programmer.program(RX)
    start = time.perf_counter()
    for _ in range(n):
        programmer.interrogate()
    return n / (time.perf_counter() - start)


def scenario_seconds() -> dict[str, float]:
    """Wall time of each shipped scenario."""
    folder = Path(str(resources.files("intrathecal.device").joinpath("scenarios")))
    times = {}
    for path in sorted(folder.glob("*.yaml")):
        start = time.perf_counter()
        run_scenario(load_scenario(path))
        times[path.stem] = time.perf_counter() - start
    return times


if __name__ == "__main__":
    print(f"seal+open+decode PROGRAM frames: {frames_per_second():,.0f} /s")
    print(f"bad-tag rejections: {rejects_per_second():,.0f} /s")
    print(f"interrogation round trips: {interrogations_per_second():,.0f} /s")
    for name, seconds in scenario_seconds().items():
        print(f"scenario {name}: {seconds:.2f} s")
