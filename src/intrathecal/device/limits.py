"""The pump's own hard limits as checks: each refuses with a ``PumpLimitError`` naming the limit.

The pump applies these to every command whatever the controller already checked (defence in
depth). Messages carry the bound and its status tag, e.g. ``"... above the pump's bolus limit
1 mL/h (unverified default)"``. Clinical dose rules live in the core, not here: these are the
device's physical and programmed bounds only.
"""

from __future__ import annotations

from intrathecal.core.program import Continuous, Prescription
from intrathecal.core.quantities import Duration, Volume, VolumeRate
from intrathecal.core.safety import PumpLimits
from intrathecal.core.sourced_data import Sourced
from intrathecal.device.errors import DeviceInputError, PumpLimitError
from intrathecal.device.models import PumpModel, pump_model

#: The model assumed where no pump is named (the command-line check without --pump-model).
DEFAULT_MODEL = "synchromed-ii-20"

TOLERANCE_ML = 1e-9  # float volumes within a nanolitre of a bound count as at the bound


def limit_text(value: Sourced[VolumeRate] | Sourced[Volume], unit: str) -> str:
    """A bound with its status, e.g. ``"0.048 mL/day (literature)"``."""
    return f"{value.value.format(unit)} {value.tag()}"


def safety_limits(model: PumpModel | str) -> PumpLimits:
    """The flow limits the dosing safety check applies, from the model's own data.

    This is the one source of pump facts for every path (CLI, clinic, programmer, scenario).
    A fixed-rate pump delivers only its factory rate: that rate is both bounds.
    """
    chosen = pump_model(model) if isinstance(model, str) else model
    if chosen.min_rate is not None and chosen.max_rate is not None:
        return PumpLimits(chosen.min_rate, chosen.max_rate, chosen.max_bolus_rate)
    assert chosen.fixed_rate is not None, f"{chosen.key}: neither rates nor a fixed rate"
    nominal = chosen.fixed_rate.nominal_rate
    return PumpLimits(nominal, nominal, None)


def check_threshold(model: PumpModel, volume: Volume) -> None:
    """A low-reservoir alarm volume must lie above zero and below the capacity."""
    if not isinstance(volume, Volume):
        raise DeviceInputError(f"expected a Volume, got {type(volume).__name__}")
    capacity = model.reservoir_capacity
    if volume.is_negative() or volume.is_zero() or volume >= capacity.value:
        raise PumpLimitError(
            f"low-reservoir alarm volume {volume} must lie above 0 mL and below the capacity "
            f"{limit_text(capacity, 'mL')}",
            limit="low_reservoir_threshold",
            requested=str(volume),
            bound=str(capacity.value),
        )


def check_program(model: PumpModel, prescription: Prescription) -> None:
    """Flex step count, every basal rate, and every standing bolus flow of a program."""
    basal = prescription.basal
    if isinstance(basal, Continuous):
        rates = [basal.rate]
    else:
        steps = model.max_flex_steps
        assert steps is not None
        if len(basal.steps) > steps.value:
            raise PumpLimitError(
                f"{len(basal.steps)} flex steps exceed the pump's maximum of "
                f"{steps.value} {steps.tag()}",
                limit="max_flex_steps",
                requested=str(len(basal.steps)),
                bound=str(steps.value),
            )
        rates = [s.rate for s in basal.steps]
    for rate in rates:
        check_basal_rate(model, rate)
    for periodic in prescription.periodic:
        check_bolus(model, periodic.volume, periodic.duration, "periodic bolus")
    if prescription.patient_bolus is not None:
        pb = prescription.patient_bolus
        check_bolus(model, pb.volume, pb.duration, "patient bolus")


def check_basal_rate(model: PumpModel, rate: VolumeRate) -> None:
    """A basal rate must lie within the model's [min, max]."""
    low, high = model.min_rate, model.max_rate
    assert low is not None
    assert high is not None
    if rate < low.value:
        raise PumpLimitError(
            f"basal rate {rate.format('mL/day')} is below the pump's minimum "
            f"{limit_text(low, 'mL/day')}",
            limit="min_rate",
            requested=rate.format("mL/day"),
            bound=low.value.format("mL/day"),
        )
    if rate > high.value:
        raise PumpLimitError(
            f"basal rate {rate.format('mL/day')} exceeds the pump's maximum "
            f"{limit_text(high, 'mL/day')}",
            limit="max_rate",
            requested=rate.format("mL/day"),
            bound=high.value.format("mL/day"),
        )


def check_bolus(
    model: PumpModel,
    volume: Volume,
    duration: Duration,
    what: str,
    available_ml: float | None = None,
) -> None:
    """A bolus's flow within the bolus limit, its volume within capacity and what is left."""
    top = model.max_bolus_rate
    assert top is not None
    rate: VolumeRate = volume / duration
    if rate > top.value:
        raise PumpLimitError(
            f"{what} of {volume} over {duration} needs {rate.format('mL/h')}, above the pump's "
            f"bolus limit {limit_text(top, 'mL/h')}",
            limit="max_bolus_rate",
            requested=rate.format("mL/h"),
            bound=top.value.format("mL/h"),
        )
    capacity = model.reservoir_capacity.value
    if volume > capacity:
        raise PumpLimitError(
            f"{what} of {volume} exceeds the reservoir capacity {capacity}",
            limit="reservoir_capacity",
            requested=str(volume),
            bound=str(capacity),
        )
    if available_ml is not None and float(volume.to("mL")) > available_ml + TOLERANCE_ML:
        left = Volume(round(available_ml, 9), "mL")
        raise PumpLimitError(
            f"{what} of {volume} exceeds the calculated reservoir volume {left}",
            limit="reservoir_volume",
            requested=str(volume),
            bound=str(left),
        )


def check_fill(model: PumpModel, volume_ml: float, what: str) -> None:
    """A reservoir volume (true after a refill, or declared) must not exceed the capacity."""
    capacity = model.reservoir_capacity
    if volume_ml > float(capacity.value.to("mL")) + TOLERANCE_ML:
        shown = Volume(round(volume_ml, 9), "mL")
        raise PumpLimitError(
            f"{what} {shown} exceeds the reservoir capacity {limit_text(capacity, 'mL')}",
            limit="reservoir_capacity",
            requested=str(shown),
            bound=str(capacity.value),
        )
