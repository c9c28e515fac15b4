"""Benchmark: audited reads under load, ``intrathecal serve`` against locust (headless).

For each database (SQLite, PostgreSQL) and read auditing on and off, starts a real
``intrathecal serve --demo`` subprocess on loopback with production settings (a real audit
key, several workers), takes an API token, and runs locust for a bounded time with N users,
half reading the worklist and half reading one patient (both audited reads). Rounds are
interleaved (on, off, on, off, ...); the report gives the median over rounds of throughput,
p50/p95/p99, failures, the CPU milliseconds each request cost the server's processes and
the database's (PostgreSQL backends of the run's database; SQLite runs in the server), and
the audited/unaudited throughput ratio. On a shared machine throughput follows the CPU the
others leave; CPU per request does not.

With ``--baseline DIR`` (a checkout of an earlier revision, ideally with its own
virtualenv in ``DIR/.venv`` so it runs with the dependencies it had) that revision's server
runs the same workload in the same rounds, so the gain is measured under the same
conditions.

Run: ``.venv/bin/python benchmarks/bench_load.py [--users 30] [--seconds 20] [--rounds 2]
[--workers 2] [--backend sqlite|postgresql|both] [--baseline DIR]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import IO

import httpx

from intrathecal.clinic.demo import DEMO_PASSWORDS

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("INTRATHECAL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class Run:
    """One locust run's aggregate figures."""

    rps: float
    p50: float
    p95: float
    p99: float
    requests: int
    failures: int
    #: CPU milliseconds per request: the server's processes, and (PostgreSQL) the
    #: database server's backends for this run's database.
    server_cpu_ms: float = float("nan")
    database_cpu_ms: float = float("nan")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'load-{uuid.uuid4().hex[:6]}.db'}"
        return
    import psycopg

    name = f"bench_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + (
            f"/{name}"
        )
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _serve_command(source: Path | None, workers: int) -> list[str]:
    """``intrathecal serve`` of this checkout, or of ``source`` with its own virtualenv
    (``DIR/.venv``) when it has one; ``--workers`` only where that ``serve`` has it (the
    revision before issue 10 ran one process)."""
    binary = BIN / "intrathecal"
    if source is not None and (source / ".venv" / "bin" / "intrathecal").exists():
        binary = source / ".venv" / "bin" / "intrathecal"
    command = [str(binary), "serve", "--demo", "--host", "127.0.0.1"]
    usage = subprocess.run(
        [*command[:2], "--help"], env=_source_env(source), capture_output=True, text=True
    )
    if "--workers" in usage.stdout:
        command += ["--workers", str(workers)]
    return command


def _source_env(source: Path | None) -> dict[str, str]:
    """The environment that makes ``intrathecal`` import ``source``'s package: this
    checkout's as this process imports it (``PYTHONPATH`` included), another checkout's
    without this ``PYTHONPATH`` (which would shadow that checkout's package with this one)."""
    if source is None:
        return dict(os.environ)
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    if (source / ".venv").exists():
        return env
    return {**env, "PYTHONPATH": str(source / "src")}


@contextmanager
def _server(
    url: str, port: int, workers: int, audit_reads: bool, source: Path | None
) -> Iterator[tuple[str, int]]:
    env = {
        **_source_env(source),
        "INTRATHECAL_AUDIT_KEY": secrets.token_hex(32),
        "INTRATHECAL_AUDIT_READS": "true" if audit_reads else "false",
        "INTRATHECAL_LOGIN_ATTEMPTS_PER_IP": "1000",
    }
    command = [
        *_serve_command(source, workers),
        "--port",
        str(port),
        "--database-url",
        url,
    ]
    with tempfile.TemporaryFile(mode="w+") as log:  # a pipe nobody reads could block
        proc = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield _wait_until_up(proc, log, f"http://127.0.0.1:{port}"), proc.pid
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _wait_until_up(proc: subprocess.Popen[bytes], log: IO[str], base: str) -> str:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    log.seek(0)
    raise RuntimeError(f"serve did not come up: {log.read()[-2000:]}")


def _token_and_patients(base: str) -> tuple[str, list[int]]:
    with httpx.Client(base_url=base, timeout=30) as client:
        login = client.post(
            "/api/v1/auth/login",
            json={"username": "dr.demo", "password": DEMO_PASSWORDS["dr.demo"][1]},
        )
        login.raise_for_status()
        issued = client.post("/api/v1/auth/tokens", json={"name": "load benchmark"})
        issued.raise_for_status()
        items = client.get("/api/v1/worklist?limit=200").json()["items"]
    patients = sorted({int(i["patient_id"]) for i in items}) or [1]
    return str(issued.json()["token"]), patients


def _cpu_seconds(pid: int, url: str) -> tuple[float, float]:
    """CPU seconds used so far by the server's process tree and by the PostgreSQL backends
    serving ``url``'s database (whose process titles name it; 0 for SQLite)."""
    import psutil

    def used(process: psutil.Process) -> float:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            return 0.0
        return float(times.user + times.system)

    root = psutil.Process(pid)
    server = used(root) + sum(used(child) for child in root.children(recursive=True))
    database = 0.0
    if not url.startswith("sqlite"):
        name = url.rsplit("/", 1)[1]
        for process in psutil.process_iter(["name", "cmdline"]):
            title = " ".join(process.info["cmdline"] or [])
            if (process.info["name"] or "").startswith("postgres") and f" {name} " in title:
                database += used(process)
    return server, database


def _measured(pid: int, url: str, run: Callable[[], Run]) -> Run:
    """``run()`` with the CPU it cost the server and the database, per request."""
    server0, database0 = _cpu_seconds(pid, url)
    result = run()
    server1, database1 = _cpu_seconds(pid, url)
    per = 1000 / max(result.requests, 1)
    return replace(
        result,
        server_cpu_ms=(server1 - server0) * per,
        database_cpu_ms=(database1 - database0) * per,
    )


def _locust(base: str, token: str, patients: list[int], users: int, seconds: int) -> Run:
    with tempfile.TemporaryDirectory() as folder:
        prefix = Path(folder) / "run"
        env = {
            **os.environ,
            "BENCH_TOKEN": token,
            "BENCH_PATIENTS": ",".join(map(str, patients)),
        }
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(HERE / "load_users.py"),
                "--headless",
                "--only-summary",
                "-u",
                str(users),
                "-r",
                str(users),
                "--run-time",
                f"{seconds}s",
                "--host",
                base,
                "--csv",
                str(prefix),
                "--loglevel",
                "ERROR",
            ],
            env=env,
            check=False,
            capture_output=True,
            timeout=seconds + 120,
        )
        with open(f"{prefix}_stats.csv", newline="") as handle:
            rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows["Aggregated"]
    return Run(
        rps=_number(total["Requests/s"]),
        p50=_number(total["50%"]),
        p95=_number(total["95%"]),
        p99=_number(total["99%"]),
        requests=int(total["Request Count"]),
        failures=int(total["Failure Count"]),
    )


def _number(text: str) -> float:
    """A figure from locust's CSV (``N/A`` when a run finished no request)."""
    return float("nan") if text == "N/A" else float(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of an earlier revision (e.g. git archive of it, with its own "
        ".venv): its audited reads run interleaved with this one's, as 'baseline'",
    )
    args = parser.parse_args()
    configs: list[tuple[str, bool, Path | None]] = [
        ("audited reads", True, None),
        ("reads not audited", False, None),
    ]
    if args.baseline is not None:
        configs.append(("baseline, audited", True, args.baseline.resolve()))
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    print(
        f"workload: {args.users} users (half worklist, half patient read, no think time), "
        f"{args.seconds} s per run, {args.rounds} interleaved rounds, "
        f"serve --workers {args.workers}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for backend in backends:
            results: dict[str, list[Run]] = {label: [] for label, _, _ in configs}
            for _ in range(args.rounds):
                for label, audit_reads, source in configs:
                    with (
                        _database(backend, Path(folder)) as url,
                        _server(url, _free_port(), args.workers, audit_reads, source) as (
                            base,
                            pid,
                        ),
                    ):
                        token, patients = _token_and_patients(base)
                        results[label].append(
                            _measured(
                                pid,
                                url,
                                partial(_locust, base, token, patients, args.users, args.seconds),
                            )
                        )
            for label, runs in results.items():
                print(
                    f"{backend:<10} {label:<18} "
                    f"{statistics.median(r.rps for r in runs):7.1f} req/s  "
                    f"p50 {statistics.median(r.p50 for r in runs):5.0f} ms  "
                    f"p95 {statistics.median(r.p95 for r in runs):5.0f} ms  "
                    f"p99 {statistics.median(r.p99 for r in runs):5.0f} ms  "
                    f"failures {sum(r.failures for r in runs)}/{sum(r.requests for r in runs)}  "
                    f"CPU/request: server {statistics.median(r.server_cpu_ms for r in runs):.2f} "
                    f"ms, database {statistics.median(r.database_cpu_ms for r in runs):.2f} ms"
                )
            rps = {label: statistics.median(r.rps for r in runs) for label, runs in results.items()}
            ratio = rps["audited reads"] / max(rps["reads not audited"], 1e-9)
            print(f"{backend:<10} audited / not audited throughput: {ratio:.2f}")
            if "baseline, audited" in rps:
                gain = rps["audited reads"] / max(rps["baseline, audited"], 1e-9)
                print(f"{backend:<10} audited throughput / baseline's: {gain:.2f}")


if __name__ == "__main__":
    main()
