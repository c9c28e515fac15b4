"""Locust users for ``bench_load.py``: half read the worklist, half read a patient's record.

Both requests are audited reads. The token and patient ids come from the environment
(``BENCH_TOKEN``, ``BENCH_PATIENTS``); no think time, so a fixed number of users is a closed
loop that finds the service's throughput at that concurrency.
"""

from __future__ import annotations

import os
import random

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

PATIENTS = [int(p) for p in os.environ.get("BENCH_PATIENTS", "1").split(",")]
HEADERS = {"Authorization": f"Bearer {os.environ.get('BENCH_TOKEN', '')}"}


class Clinician(FastHttpUser):
    """A clinician reading as fast as the service answers."""

    wait_time = constant(0)

    @task
    def worklist(self) -> None:
        """The ranked worklist (one audited read)."""
        self.client.get("/api/v1/worklist?limit=50", headers=HEADERS, name="worklist")

    @task
    def patient(self) -> None:
        """One patient's record (one audited read)."""
        pid = random.choice(PATIENTS)
        self.client.get(f"/api/v1/patients/{pid}", headers=HEADERS, name="patient")
