"""Benchmark: clinic API latency in-process (TestClient) on SQLite with the demo data.

Measures the password login with the production argon2id parameters, an authenticated
patient read (one audited transaction) and the worklist, each as median and 95th
percentile milliseconds over N requests. A sketch of the request cost, not a load test.

Run: ``.venv/bin/python benchmarks/bench_api.py [--requests 200]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from intrathecal.bootstrap import create_app
from intrathecal.clinic.demo import DEMO_PASSWORDS, load_demo
from intrathecal.clinic.reference import sync_locations
from intrathecal.settings import Settings
from intrathecal.storage.migrate import upgrade
from intrathecal.storage.uow import SqlAlchemyUnitOfWork


def _timed(label: str, count: int, call: Callable[[], int]) -> None:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        status = call()
        samples.append((time.perf_counter() - start) * 1000)
        assert status == 200, status
    samples.sort()
    p95 = samples[int(0.95 * (len(samples) - 1))]
    print(
        f"{label:<28} n={count:<5} median {statistics.median(samples):7.2f} ms  p95 {p95:7.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        sync_locations(SqlAlchemyUnitOfWork(url))
        app = create_app(
            Settings(database_url=url, login_free_failures=5, login_attempts_per_ip=1_000_000)
        )
        ctx = app.state.context
        load_demo(ctx.uow_factory, ctx.auth)
        client = TestClient(app)
        body = {"username": "dr.demo", "password": DEMO_PASSWORDS["dr.demo"][1]}
        _timed(
            "login (argon2id RFC 9106)",
            max(5, args.requests // 10),
            lambda: client.post("/api/v1/auth/login", json=body).status_code,
        )
        _timed(
            "GET /patients/{id}",
            args.requests,
            lambda: client.get("/api/v1/patients/4").status_code,
        )
        _timed("GET /worklist", args.requests, lambda: client.get("/api/v1/worklist").status_code)
        ctx.close()


if __name__ == "__main__":
    main()
