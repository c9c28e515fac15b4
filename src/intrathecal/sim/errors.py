"""The simulation layer's errors (kept free of heavy imports so the CLI can name them)."""


class SchedulingError(ValueError):
    """The scheduling inputs are inconsistent, or no schedule can keep every deadline."""
