"""Write throughput of the refill use case (validation, core plan, 3 writes, audit, commit).

    .venv/bin/python benchmarks/bench_refill_writes.py [--refills 500] [--patients 50]
        [--backend sqlite|postgresql|both]

Each refill is one full ``record_refill`` transaction; patients are set up directly through
the repositories. Prints refills per second and per-refill latency percentiles.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg

from intrathecal.clinic.commands import RecordRefill
from intrathecal.clinic.records import Actor, Implant, Patient, PrescriptionVersion
from intrathecal.clinic.refills import record_refill
from intrathecal.core.program_spec import prescription_from_dict
from intrathecal.core.quantities import Concentration, DoseRate, Volume
from intrathecal.storage.db import make_engine
from intrathecal.storage.migrate import upgrade
from intrathecal.storage.uow import SqlAlchemyUnitOfWork

PG_URL = os.environ.get(
    "INTRATHECAL_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PROGRAM = prescription_from_dict(
    {
        "solution": [{"drug": "morphine", "concentration": "10 mg/mL"}],
        "basal": {"continuous": "0.05 mL/day"},
    }
)


def setup(uow: SqlAlchemyUnitOfWork, patients: int) -> list[int]:
    """Patients with an active pump and a morphine prescription."""
    ids = []
    with uow:
        for i in range(patients):
            pid = uow.patients.add(
                Patient(None, f"B{i:06d}", "Bench", f"P{i}", date(1960, 1, 1), "other", START)
            ).id
            assert pid is not None
            implant = uow.implants.add(
                Implant(
                    None,
                    pid,
                    date(2025, 12, 1),
                    "H",
                    "S",
                    2,
                    "synchromed-ii-20",
                    f"SER{i:06d}",
                    Volume(20, "mL"),
                    Decimal("45"),
                    "T10",
                    Volume(Decimal("0.1"), "mL"),
                    ("abdomen", "back"),
                    "1-2 weeks",
                    None,
                )
            )
            uow.prescriptions.add(
                PrescriptionVersion(
                    None,
                    pid,
                    implant.id,
                    1,
                    PROGRAM,
                    "morphine",
                    DoseRate.parse("0.5 mg/day"),
                    Concentration.parse("10 mg/mL"),
                    (),
                    None,
                    START - timedelta(days=30),
                )
            )
            ids.append(pid)
        uow.commit()
    return ids


def run(url: str, label: str, refills: int, patients: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    uow = SqlAlchemyUnitOfWork(engine)
    ids = setup(uow, patients)
    nurse = Actor(None, "bench", "nurse", "127.0.0.1")
    latencies = []
    started = time.perf_counter()
    for n in range(refills):
        pid = ids[n % len(ids)]
        at = START + timedelta(days=30 * (n // len(ids)))
        t0 = time.perf_counter()
        record_refill(
            uow,
            RecordRefill(
                pid,
                at,
                "morphine",
                f"LOT{n}",
                Concentration.parse("10 mg/mL"),
                Volume.parse("18.5 mL") if n >= len(ids) else Volume.parse("0 mL"),
                Volume.parse("20 mL"),
            ),
            nurse,
        )
        latencies.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - started
    ordered = sorted(latencies)
    print(
        f"{label}: {refills} refills in {total:.2f} s = {refills / total:.0f} refills/s; "
        f"latency p50 {statistics.median(ordered):.2f} ms, "
        f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:.2f} ms"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refills", type=int, default=500)
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{Path(tmp) / 'bench.db'}", "sqlite", args.refills, args.patients)
    if args.backend in ("postgresql", "both"):
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            url = f"{PG_URL}?options=-csearch_path%3D{schema}"
            run(url, "postgresql", args.refills, args.patients)
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
