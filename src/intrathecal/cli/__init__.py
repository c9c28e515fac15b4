"""The ``intrathecal`` command line: a thin typer app over the use cases of each layer.

Exit codes: 0 success, 1 safety refusal (or a failed verification), 2 bad input.
"""

from __future__ import annotations

import typer

from intrathecal.cli import clinic, dosing, fhir, protocols, pump, refill, schedule, sim, trial

app = typer.Typer(
    name="intrathecal",
    help=(
        "Intrathecal drug delivery: dosing checks, refill and trial math, pump simulation "
        "and the clinic service. Decision support and simulation software, not a certified "
        "medical device."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

dosing.register(app)
refill.register(app)
trial.register(app)
pump.register(app)
clinic.register(app)
fhir.register(app)
sim.register(app)
schedule.register(app)
protocols.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
