"""A fleet run split over a Dask LocalCluster equals the single-process run, number for number."""

from __future__ import annotations

import re

import dask
import numpy as np
import pytest

from intrathecal.core.program_spec import prescription_from_dict
from intrathecal.device.models import pump_model
from intrathecal.sim import FleetPrograms, FleetState, PoissonRequests, run_fleet
from intrathecal.sim.distributed import (
    SchedulerUnreachable,
    blocks,
    cluster,
    run_fleet_distributed,
)

DAY_US = 86_400_000_000
RX = prescription_from_dict(
    {
        "solution": [{"drug": "morphine", "concentration": "10 mg/mL"}],
        "basal": {
            "flex": [{"start": "0 h", "rate": "0.4 mL/day"}, {"start": "8 h", "rate": "0.6 mL/day"}]
        },
        "patient_bolus": {
            "volume": "0.02 mL",
            "duration": "10 min",
            "lockout": "3 h",
            "max_per_day": 4,
        },
    }
)


def test_blocks_cover_every_pump_once_in_order() -> None:
    rows = blocks(10, 3)
    assert [len(r) for r in rows] == [4, 3, 3]
    assert np.array_equal(np.concatenate(rows), np.arange(10))
    assert len(blocks(2, 5)) == 2


def test_cluster_needs_one_way_to_find_workers() -> None:
    with pytest.raises(ValueError, match="not both"), cluster(scheduler="tcp://x:1", workers=2):
        pass


def test_a_scheduler_that_does_not_answer_is_named_in_a_typed_error() -> None:
    # a closed port on this host: refused within the connect timeout, no cluster involved
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "2s"}),
        pytest.raises(SchedulerUnreachable, match=re.escape("'tcp://127.0.0.1:1'")),
        cluster(scheduler="tcp://127.0.0.1:1"),
    ):
        pass


def test_fleet_on_a_two_worker_local_cluster_equals_the_single_process_run() -> None:
    n = 300
    programs = FleetPrograms.build(
        [RX] * n,
        pump_model("synchromed-ii-20"),
        flow_factor=np.linspace(0.9, 1.1, n),
        battery_start_us=-6 * 365 * DAY_US,
    )
    requests = PoissonRequests(np.linspace(0.5, 6.0, n), seed=2026)
    settings = {"horizon_us": 500 * DAY_US, "refill_every_us": 45 * DAY_US, "refill_ml": 20.0}
    alone = run_fleet(programs, FleetState.start(programs, 0), requests, **settings)  # type: ignore[arg-type]
    with cluster(workers=2) as client:
        assert len(client.nthreads()) == 2  # type: ignore[no-untyped-call]
        spread = run_fleet_distributed(client, programs, requests, start_us=0, parts=5, **settings)  # type: ignore[arg-type]
    assert spread.equals(alone)
    assert np.array_equal(spread.pump_id, np.arange(n))
    assert alone.counts.sum() > 0
    assert alone.empty_alarms.sum() > 0
