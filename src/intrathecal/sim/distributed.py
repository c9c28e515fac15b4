"""A fleet run partitioned over a Dask ``distributed`` cluster, merged back in pump order.

Pumps are independent and every random word is keyed by (seed, pump id, day, index), so a
fleet split into row blocks and run on any number of workers gives exactly the single-process
result (``FleetResult.equals``). ``cluster`` opens a client on a running scheduler
(``--dask-scheduler ADDRESS``) or on a ``LocalCluster`` of N single-threaded worker
processes (``--workers N``); ``map_partitions`` runs any per-block function (the fleet
simulation's own loop, for instance) and ``run_fleet_distributed`` the fixed-interval loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import numba
import numpy as np
from distributed import Client, LocalCluster

from intrathecal.sim.engine import FleetResult, run_fleet
from intrathecal.sim.fleet import I64, FleetPrograms, FleetState
from intrathecal.sim.requests import PoissonRequests

R = TypeVar("R")
_new_client: Any = Client  # distributed ships no type hints for these calls
_new_local_cluster: Any = LocalCluster


class SchedulerUnreachable(RuntimeError):
    """The scheduler address is malformed, or nothing answered there in time."""


def blocks(n: int, parts: int) -> list[I64]:
    """Row indices of ``parts`` contiguous, nearly equal blocks of ``n`` pumps (none empty)."""
    if n < 1 or parts < 1:
        raise ValueError("blocks needs at least one pump and one part")
    return [b for b in np.array_split(np.arange(n, dtype=np.int64), min(parts, n)) if b.size]


@contextmanager
def cluster(*, scheduler: str | None = None, workers: int | None = None) -> Iterator[Client]:
    """A client on ``scheduler`` (an address) or on a local cluster of ``workers`` processes."""
    if scheduler is not None and workers is not None:
        raise ValueError("give either a scheduler address or a number of workers, not both")
    if scheduler is not None:
        try:
            opened = _new_client(scheduler)
        except (OSError, ValueError) as exc:  # refused, timed out, or not an address
            raise SchedulerUnreachable(
                f"cannot use the Dask scheduler at {scheduler!r}: {exc}"
            ) from None
        with opened as client:
            yield client
        return
    count = workers or 1
    if count < 1:
        raise ValueError(f"workers must be at least 1, got {count}")
    with (
        _new_local_cluster(
            n_workers=count,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        ) as local,
        _new_client(local) as client,
    ):
        yield client


def _on_worker(
    fn: Callable[..., R], block: tuple[FleetPrograms, PoissonRequests], **kwargs: Any
) -> R:
    """Run ``fn`` on one block with one numba thread (a worker is one core)."""
    numba.set_num_threads(1)
    return fn(*block, **kwargs)


def map_partitions(
    client: Client,
    fn: Callable[..., R],
    programs: FleetPrograms,
    requests: PoissonRequests,
    *,
    parts: int | None = None,
    **kwargs: Any,
) -> list[R]:
    """``fn(programs_block, requests_block, **kwargs)`` for each block, results in block order.

    Blocks are scattered to the workers first (data, not task-graph payload); ``parts``
    defaults to twice the cluster's worker threads (load balance on shared cores).
    """
    dask: Any = client
    if parts is None:
        parts = 2 * max(sum(dask.nthreads().values()), 1)
    rows = blocks(len(programs), parts)
    data = dask.scatter([(programs.take(r), requests.take(r)) for r in rows])
    futures = [dask.submit(_on_worker, fn, block, pure=False, **kwargs) for block in data]
    results: list[R] = dask.gather(futures)
    return results


def _fleet_block(
    programs: FleetPrograms,
    requests: PoissonRequests,
    *,
    start_us: int,
    horizon_us: int,
    refill_every_us: int,
    refill_ml: float,
) -> FleetResult:
    state = FleetState.start(programs, start_us)
    return run_fleet(
        programs,
        state,
        requests,
        horizon_us=horizon_us,
        refill_every_us=refill_every_us,
        refill_ml=refill_ml,
    )


def run_fleet_distributed(
    client: Client,
    programs: FleetPrograms,
    requests: PoissonRequests,
    *,
    start_us: int,
    horizon_us: int,
    refill_every_us: int,
    refill_ml: float,
    parts: int | None = None,
) -> FleetResult:
    """``run_fleet`` from empty pumps at ``start_us``, blocks on the cluster, merged in order."""
    results = map_partitions(
        client,
        _fleet_block,
        programs,
        requests,
        parts=parts,
        start_us=start_us,
        horizon_us=horizon_us,
        refill_every_us=refill_every_us,
        refill_ml=refill_ml,
    )
    return FleetResult.concat(results)
