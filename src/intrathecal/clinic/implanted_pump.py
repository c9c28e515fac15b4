"""What the implanted pump's model allows: volumes, programs, bridge geometry, ERI to EOS.

Reads the pump model from ``data/pumps.yaml`` (through ``device.models``) so the clinic
bounds an implant's volumes by the model, refuses programs a fixed-rate pump cannot run,
sizes bridge boluses from the implant's catheter and the pump's internal volume, and dates
the end of service from a reported ERI.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.records import Implant
from intrathecal.core.program import Continuous, Prescription
from intrathecal.core.quantities import Duration, Volume
from intrathecal.core.refill_math import CatheterSegment
from intrathecal.core.sourced_data import Sourced
from intrathecal.device.errors import DeviceError
from intrathecal.device.models import PumpModel, pump_model


def model_of(key: str) -> PumpModel:
    """The pump model ``key``; ValidationFailed naming ``pump_model`` otherwise."""
    try:
        return pump_model(key)
    except DeviceError as exc:
        raise ValidationFailed(f"pump_model: {exc}") from None


def check_implant_volumes(
    model: PumpModel, reservoir: Volume, catheter_volume: Volume, initial_fill: Volume | None
) -> None:
    """Reservoir, catheter and fill volumes within what the model holds."""
    capacity = model.reservoir_capacity
    for value, name in ((reservoir, "reservoir"), (catheter_volume, "catheter_volume")):
        if value.is_negative() or value.is_zero():
            raise ValidationFailed(f"{name}: must be above zero, got {value}")
    if reservoir > capacity.value:
        raise ValidationFailed(
            f"reservoir: {reservoir} exceeds the {model.name} capacity "
            f"{capacity.value} {capacity.tag()}"
        )
    if catheter_volume >= reservoir:
        raise ValidationFailed(
            f"catheter_volume: {catheter_volume} is not below the reservoir {reservoir}"
        )
    if initial_fill is not None:
        if initial_fill.is_negative() or initial_fill.is_zero():
            raise ValidationFailed(f"initial_fill: must be above zero, got {initial_fill}")
        if initial_fill > reservoir:
            raise ValidationFailed(
                f"initial_fill: {initial_fill} exceeds the reservoir capacity {reservoir}"
            )


def check_program_fits(implant: Implant, program: Prescription) -> None:
    """A fixed-rate pump runs one continuous factory rate: no boluses, no flex pattern."""
    model = model_of(implant.pump_model)
    if model.programmable:
        return
    problems = []
    if program.patient_bolus is not None:
        problems.append("patient boluses")
    if program.periodic:
        problems.append("periodic boluses")
    if not isinstance(program.basal, Continuous):
        problems.append("a flex (time-varying) basal pattern")
    if problems:
        raise ValidationFailed(
            f"program: the implanted {model.name} is a fixed-rate pump and cannot deliver "
            f"{', '.join(problems)}; prescribe its continuous rate only"
        )


def catheter_of(implant: Implant) -> CatheterSegment:
    """The implanted catheter as a segment (its recorded volume spread over its length)."""
    length = Fraction(implant.catheter_length_cm)
    return CatheterSegment(length, implant.catheter_volume.scaled(1 / length))


def internal_volume(implant: Implant) -> Volume:
    """The pump's internal drug path (reservoir outlet to catheter port)."""
    return model_of(implant.pump_model).internal_volume.value


def eri_to_eos(implant: Implant) -> Sourced[Duration] | None:
    """How long the pump runs after ERI before it stops (None: no battery, fixed-rate)."""
    battery = model_of(implant.pump_model).battery
    return None if battery is None else battery.eri_to_eos


def end_of_service(implant: Implant, eri_on: date) -> date | None:
    """The day the pump stops after an ERI reported on ``eri_on``."""
    span = eri_to_eos(implant)
    if span is None:
        return None
    return eri_on + timedelta(days=int(span.value.to("day")))
