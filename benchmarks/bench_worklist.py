"""Worklist latency over a large synthetic clinic, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/bench_worklist.py [--patients 100000] [--runs 50]
        [--backend sqlite|postgresql|both] [--limit 200]

Bulk-loads patients and their worklist model (CareStatus) with executemany batches, then
times the worklist query alone and the whole audited use case. Prints p50/p95/max in ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import Engine, insert

from intrathecal.clinic.records import Actor
from intrathecal.clinic.worklist import worklist, worklist_query
from intrathecal.storage import tables as t
from intrathecal.storage.db import make_engine
from intrathecal.storage.migrate import upgrade
from intrathecal.storage.uow import SqlAlchemyUnitOfWork

PG_URL = os.environ.get(
    "INTRATHECAL_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TODAY = date(2026, 11, 26)
BATCH = 5000


def synthetic_rows(
    n: int, seed: int = 7
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Patients and CareStatus rows with a plausible spread of due dates and flags."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    patients, statuses = [], []
    for i in range(1, n + 1):
        patients.append(
            {
                "id": i,
                "mrn": f"SYN{i:07d}",
                "given_name": f"Given{i % 997}",
                "family_name": f"Family{i % 1999}",
                "birth_date": date(1940 + i % 50, 1 + i % 12, 1 + i % 28),
                "sex": ("female", "male")[i % 2],
                "phone": "",
                "email": "",
                "location_code": None,
                "created_at": now,
                "version": 1,
            }
        )
        baclofen = rng.random() < 0.08
        opioid = not baclofen and rng.random() < 0.85
        implanted = TODAY - timedelta(days=rng.randint(0, 5 * 365))  # replaced at ERI
        refill_due = TODAY + timedelta(days=rng.randint(-10, 120))
        alert = rng.random() < 0.002
        statuses.append(
            {
                "patient_id": i,
                "drug": "baclofen" if baclofen else ("morphine" if opioid else "ziconotide"),
                "is_baclofen": baclofen,
                "on_opioid": opioid,
                "daily_dose_mcg": rng.uniform(100, 12000),
                "concentration_mcg_per_ml": rng.choice([500.0, 10000.0, 25000.0]),
                "granuloma_risk": opioid and rng.random() < 0.03,
                "granuloma_reason": "synthetic",
                "dose_rise_pct": rng.uniform(-20, 80),
                "rising_dose": opioid and rng.random() < 0.02,
                "implanted_on": implanted,
                "eri_due": implanted + timedelta(days=5 * 365),
                "alarm_date": refill_due + timedelta(days=7),
                "refill_due": refill_due,
                "discrepancy_flag": rng.random() < 0.01,
                "discrepancy_ml": rng.uniform(-3, 3),
                "endocrine_due": TODAY + timedelta(days=rng.randint(-30, 365)) if opioid else None,
                "wound_check_due": implanted + timedelta(days=10)
                if (TODAY - implanted).days < 20
                else None,
                "device_alert": "pump alarm: motor_stall" if alert else None,
                "device_alert_since": TODAY - timedelta(days=rng.randint(0, 3)) if alert else None,
            }
        )
    return patients, statuses


def load(engine: Engine, n: int) -> float:
    """Bulk-insert ``n`` patients; returns seconds taken."""
    patients, statuses = synthetic_rows(n)
    started = time.perf_counter()
    with engine.begin() as conn:
        for table, rows in ((t.patients, patients), (t.care_status, statuses)):
            for k in range(0, len(rows), BATCH):
                conn.execute(insert(table), rows[k : k + BATCH])
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval('patients_id_seq', (SELECT max(id) FROM patients))")
        # The steady state autovacuum reaches: statistics and a visibility map, so the
        # covering indexes are read without visiting the table.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(engine: Engine, runs: int, limit: int) -> None:
    uow = SqlAlchemyUnitOfWork(engine)
    nurse = Actor(1, "bench", "nurse", "127.0.0.1")
    query_ms, usecase_ms = [], []
    count = 0
    for i in range(runs + 3):
        day = TODAY + timedelta(days=i % 7)
        started = time.perf_counter()
        with uow:
            rows = uow.care_status.worklist(worklist_query(day, limit))
        elapsed = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        items = worklist(uow, nurse, day, limit)
        elapsed_uc = (time.perf_counter() - started) * 1000
        if i >= 3:  # warm-up
            query_ms.append(elapsed)
            usecase_ms.append(elapsed_uc)
            count = len(items)
        assert len(rows) == len(items)
    for name, samples in (("query", query_ms), ("use case (+audit write)", usecase_ms)):
        print(
            f"  {name:<24} p50 {statistics.median(samples):7.2f} ms   "
            f"p95 {percentile(samples, 95):7.2f} ms   max {max(samples):7.2f} ms   "
            f"({count} items, limit {limit})"
        )


def run_sqlite(n: int, runs: int, limit: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        print(f"sqlite: loaded {n} patients in {load(engine, n):.1f} s")
        measure(engine, runs, limit)
        engine.dispose()


def run_postgres(n: int, runs: int, limit: int) -> None:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
        upgrade(url)
        engine = make_engine(url)
        print(f"postgresql: loaded {n} patients in {load(engine, n):.1f} s")
        measure(engine, runs, limit)
        engine.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        run_sqlite(args.patients, args.runs, args.limit)
    if args.backend in ("postgresql", "both"):
        run_postgres(args.patients, args.runs, args.limit)


if __name__ == "__main__":
    main()
