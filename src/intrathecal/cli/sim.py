"""CLI: ``intrathecal sim fleet|compare CONFIG.yaml`` — a clinic's pump fleet over years.

Thin: load the study file, run the replications (in process, or on a Dask cluster), render
each rate's median and 5–95 % band (or JSON), and optionally write a plot. A bad study file
is a one-line message naming the field, exit code 2.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from intrathecal.cli._common import INPUT_ERRORS, console, guarded, print_json
from intrathecal.sim.study_config import StudyConfig, StudyConfigError, load_study_config

if TYPE_CHECKING:  # the engine (numba) loads only when a study runs
    from intrathecal.sim.study import ReplicationMetrics, StudyResult

INPUT_ERRORS.append(StudyConfigError)

sim_app = typer.Typer(
    name="sim",
    help="Fleet simulation: refill policies, alarms, empty reservoirs and nurse time "
    "(simulation with configurable, mostly unverified rates; not clinical data).",
    no_args_is_help=True,
)


#: Shown until a study's first days are simulated: the first run in a fresh checkout
#: compiles the engine (numba, then cached on disk), which takes a minute or two.
PREPARING = "preparing the engine (compiled on the first run of a checkout: 1-2 min)"


class Policy(enum.StrEnum):
    """Refill booking policies."""

    NAIVE = "naive"
    CPSAT = "cpsat"


ConfigArg = Annotated[
    Path, typer.Argument(help="Study file (YAML); see examples/fleet-study.yaml.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
PlotOpt = Annotated[Path | None, typer.Option("--plot", help="Write a PNG or SVG plot here.")]
ReplicationsOpt = Annotated[
    int | None, typer.Option("--replications", min=1, max=1000, help="Override the file's count.")
]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", min=1, max=64, help="Run replications on a local Dask cluster."),
]
SchedulerOpt = Annotated[
    str | None, typer.Option("--dask-scheduler", help="Run replications on this Dask scheduler.")
]


def _check_plot(plot: Path | None) -> None:
    """Refuse a plot path that cannot be written before minutes of simulation."""
    if plot is None:
        return
    if plot.suffix.lower() not in (".png", ".svg"):
        raise StudyConfigError(f"--plot: expected a .png or .svg file name, got {plot.name}")
    if not plot.parent.is_dir():
        raise StudyConfigError(f"--plot: the folder {plot.parent} does not exist")


def _prepare(config_path: Path, replications: int | None, policy: Policy | None) -> StudyConfig:
    config = load_study_config(config_path)
    update: dict[str, Any] = {}
    if replications is not None:
        update["replications"] = replications
    if policy is not None:
        update["policy"] = config.policy.model_copy(update={"kind": policy.value})
    return config.model_copy(update=update)


@contextmanager
def _runner(
    workers: int | None, scheduler: str | None, quiet: bool
) -> Iterator[Callable[[StudyConfig], StudyResult]]:
    """A function running a study, in process or on a Dask cluster, with a progress bar."""
    from intrathecal.sim.study import run_study, study_days

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with ExitStack() as stack:
        client = _open_cluster(stack, workers, scheduler)
        bar = stack.enter_context(
            Progress(*columns, console=console, transient=True, disable=quiet)
        )
        if client is not None:
            yield lambda cfg: run_study(cfg, map_replications=_on_cluster(client, bar))
            return

        def in_process(cfg: StudyConfig) -> StudyResult:
            total = cfg.replications * study_days(cfg)
            # until the first days are done: the engine may be compiling (once per checkout)
            task = bar.add_task(f"{cfg.policy.kind}: {PREPARING}", total=total)

            def advance(days: int) -> None:
                bar.update(task, advance=days, description=f"{cfg.policy.kind}: simulated days")

            return run_study(cfg, progress=advance)

        yield in_process


def _open_cluster(stack: ExitStack, workers: int | None, scheduler: str | None) -> Any:
    """A Dask client closed with ``stack``, or None when the study runs in process."""
    if workers is None and scheduler is None:
        return None
    if workers is not None and scheduler is not None:
        raise StudyConfigError("--workers and --dask-scheduler: give one of them, not both")
    from intrathecal.sim.distributed import SchedulerUnreachable, cluster

    try:
        return stack.enter_context(cluster(scheduler=scheduler, workers=workers))
    except SchedulerUnreachable as exc:
        raise StudyConfigError(f"--dask-scheduler: {exc}") from None


def _on_cluster(
    client: Any, bar: Progress
) -> Callable[[StudyConfig, list[int]], list[ReplicationMetrics]]:
    """Replications mapped over the cluster, the bar counting those finished."""
    import distributed

    from intrathecal.sim.study import run_replication

    as_completed: Any = distributed.as_completed  # distributed ships no type hints

    def replications(cfg: StudyConfig, indices: list[int]) -> list[ReplicationMetrics]:
        task = bar.add_task(f"{cfg.policy.kind}: replications on the cluster", total=len(indices))
        futures = client.map(run_replication, [cfg] * len(indices), indices, pure=False)
        for _ in as_completed(futures):
            bar.advance(task)
        return list(client.gather(futures))

    return replications


def _render(results: list[StudyResult], config: StudyConfig) -> None:
    console.print(
        f"[bold]Fleet study[/]: {config.patients} patients × {config.years:g} years × "
        f"{config.replications} replications from {config.start} (seed {config.seed}). "
        "Simulation with configurable rates, not clinical data.",
        highlight=False,
    )
    table = Table("rate", *(f"{r.policy}: median [5–95 %]" for r in results))
    bands = [r.bands() for r in results]
    for name in bands[0]:
        cells = [f"{b[name][1]:.4g} [{b[name][0]:.4g}–{b[name][2]:.4g}]" for b in bands]
        table.add_row(name.replace("_", " "), *cells)
    console.print(table)


def _output(
    results: list[StudyResult], config: StudyConfig, as_json: bool, plot: Path | None
) -> None:
    if plot is not None:
        from intrathecal.sim.study_plot import plot_studies

        plot_studies(
            results,
            plot,
            f"{config.patients} patients, {config.years:g} year{'' if config.years == 1 else 's'}",
        )
    if as_json:
        print_json(
            {
                "study": config.model_dump(),
                "results": [
                    {
                        "policy": r.policy,
                        "bands_p5_p50_p95": r.bands(),
                        "replications": [asdict(m) for m in r.replications],
                    }
                    for r in results
                ],
            }
        )
    else:
        _render(results, config)
        if plot is not None:
            console.print(f"plot written to {plot}", highlight=False)


@sim_app.command("fleet")
@guarded
def fleet(
    config_path: ConfigArg,
    policy: Annotated[
        Policy | None, typer.Option("--policy", help="Override the file's refill policy.")
    ] = None,
    replications: ReplicationsOpt = None,
    as_json: JsonOpt = False,
    plot: PlotOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """Simulate the study's fleet under one refill policy; rates with percentile bands."""
    _check_plot(plot)
    config = _prepare(config_path, replications, policy)
    with _runner(workers, scheduler, as_json) as run:
        result = run(config)
    _output([result], config, as_json, plot)


@sim_app.command("compare")
@guarded
def compare(
    config_path: ConfigArg,
    replications: ReplicationsOpt = None,
    as_json: JsonOpt = False,
    plot: PlotOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
) -> None:
    """The naive and the CP-SAT refill policy on the same seeded fleet, side by side."""
    _check_plot(plot)
    base = _prepare(config_path, replications, None)
    configs = [
        base.model_copy(update={"policy": base.policy.model_copy(update={"kind": k})})
        for k in ("naive", "cpsat")
    ]
    with _runner(workers, scheduler, as_json) as run:
        results = [run(c) for c in configs]
    _output(results, base, as_json, plot)


def register(app: typer.Typer) -> None:
    """Add the ``sim`` commands to the root app."""
    app.add_typer(sim_app)
