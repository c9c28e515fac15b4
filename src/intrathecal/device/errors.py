"""The device layer's exception hierarchy: every error a pump model raises derives from DeviceError.

Telemetry and controller modules add their own subclasses of ``DeviceError``; the CLI and
API map the whole family to a one-line refusal (exit code 2 / problem+json).
"""

from __future__ import annotations


class DeviceError(Exception):
    """Base of all errors raised by ``intrathecal.device``."""


class DeviceInputError(DeviceError, ValueError):
    """A command or setting given to a device is malformed (negative volume, bad level...)."""


class UnknownPumpModel(DeviceInputError):
    """A pump model key is not in ``data/pumps.yaml``."""


class ClockError(DeviceInputError):
    """A time was naive (no time zone) or lies before the device's current clock."""


class PumpLimitError(DeviceError):
    """A command would cross one of the pump's own hard limits; nothing was changed.

    ``limit`` names the limit (``"max_rate"``, ``"reservoir_capacity"``...), ``requested``
    and ``bound`` are the human-readable values that were compared.
    """

    def __init__(self, message: str, *, limit: str, requested: str, bound: str) -> None:
        super().__init__(message)
        self.limit = limit
        self.requested = requested
        self.bound = bound


class PumpStateError(DeviceError):
    """A command is impossible in the pump's current state (stopped, end of service, stall...)."""


class BolusInProgress(PumpStateError):
    """A one-off bolus was commanded while another one-off bolus is still running."""


class NotProgrammable(PumpStateError):
    """A fixed-rate pump was sent a programming, bolus or threshold command."""
