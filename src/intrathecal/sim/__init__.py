"""Batch fleet simulation: per-pump arrays advanced one refill cycle at a time.

See docs/simulation.md.

``device.Pump`` stays the reference model; this engine is property-tested against it.
"""

from intrathecal.sim.engine import CycleResult, Decision, FleetResult, run_cycle, run_fleet
from intrathecal.sim.fleet import FleetPrograms, FleetState, RefillOutcome, from_us, refill, to_us
from intrathecal.sim.requests import BolusRequests, PoissonRequests

__all__ = [
    "BolusRequests",
    "CycleResult",
    "Decision",
    "FleetPrograms",
    "FleetResult",
    "FleetState",
    "PoissonRequests",
    "RefillOutcome",
    "from_us",
    "refill",
    "run_cycle",
    "run_fleet",
    "to_us",
]
