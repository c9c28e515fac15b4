"""Pump interrogations: a stored report per visit; reported ERI and critical alarms become
worklist items.

Critical alarms (empty reservoir, motor stall, end of service, low-battery reset) and catheter
faults raise a device alert that ranks first on the worklist, and first of all for baclofen
patients (abrupt withdrawal is life-threatening). A reported ERI replaces the estimated one,
earlier or later, and dates the end of service (the pump stops ERI + 90 days later).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date

from intrathecal.clinic import implanted_pump
from intrathecal.clinic import validation as v
from intrathecal.clinic.commands import ClearDeviceAlert, RecordPumpStatus
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor, CareStatus, Interrogation
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.clinic.vocabulary import BATTERY_STATES, PUMP_ALARMS

#: Alarms the pump can report; the critical ones raise a device alert.
ALARMS: Mapping[str, bool] = {
    "empty_reservoir": True,
    "motor_stall": True,
    "end_of_service": True,
    "low_battery_reset": True,
    "catheter_fault": True,
    "low_reservoir": False,
    "elective_replacement": False,
}


def raise_alert(status: CareStatus, text: str, since: date) -> CareStatus:
    """Add ``text`` to the patient's device alert (keeping the earliest start date)."""
    current = status.device_alert
    merged = text if not current else (current if text in current else f"{current}; {text}")
    start = min(since, status.device_alert_since) if status.device_alert_since else since
    return dataclasses.replace(status, device_alert=merged[:300], device_alert_since=start)


def record_pump_status(uow: UnitOfWork, cmd: RecordPumpStatus, actor: Actor) -> CareStatus:
    """Store the interrogation report and apply its findings to the worklist model."""
    require(actor, "device.status", cmd.patient_id)
    at = v.aware(cmd.at, "at")
    v.not_future_moment(at, "at")
    for i, alarm in enumerate(cmd.alarms):
        v.one_of(alarm, PUMP_ALARMS, f"alarms[{i}]")
    v.one_of(cmd.battery, BATTERY_STATES, "battery")
    if cmd.reservoir_estimate is not None:
        v.not_negative(cmd.reservoir_estimate, "reservoir_estimate")
    if cmd.eri_on is not None:
        v.not_future(cmd.eri_on, "eri_on", at.date())
    log = tuple(v.text(e, f"event_log[{i}]", 300) for i, e in enumerate(cmd.event_log))
    eri = (
        cmd.eri_reported
        or cmd.battery in ("eri", "eos")
        or "elective_replacement" in cmd.alarms
        or cmd.eri_on is not None
    )
    with uow:
        uow.patients.lock(cmd.patient_id)
        implant = uow.implants.active_for(cmd.patient_id)
        if implant is None or implant.id is None:
            raise ValidationFailed("the patient has no active implant")
        if cmd.reservoir_estimate is not None and cmd.reservoir_estimate > implant.reservoir:
            raise ValidationFailed(
                f"reservoir_estimate: {cmd.reservoir_estimate} exceeds the reservoir "
                f"{implant.reservoir}"
            )
        if cmd.active_program is not None:
            implanted_pump.check_program_fits(implant, cmd.active_program)
        eri_on = (cmd.eri_on or at.date()) if eri else None
        report = uow.interrogations.add(
            Interrogation(
                id=None,
                patient_id=cmd.patient_id,
                implant_id=implant.id,
                at=at,
                reservoir_estimate=cmd.reservoir_estimate,
                alarms=tuple(cmd.alarms),
                battery="eri" if eri and cmd.battery == "ok" else cmd.battery,
                eri_on=eri_on,
                active_program=cmd.active_program,
                event_log=log,
                note=v.text(cmd.note, "note", 4000, required=False),
                recorded_by=actor.user_id,
            )
        )
        status = uow.care_status.get(cmd.patient_id) or CareStatus(cmd.patient_id)
        day = at.date()
        if eri_on is not None:
            status = dataclasses.replace(
                status,
                eri_due=eri_on,
                eri_reported=True,
                eos_due=implanted_pump.end_of_service(implant, eri_on),
            )
        critical = [a for a in cmd.alarms if ALARMS[a]]
        if report.battery == "eos" and "end_of_service" not in critical:
            critical.append("end_of_service")
        if critical:
            status = raise_alert(status, "pump alarm: " + ", ".join(critical), day)
        uow.care_status.put(status)
        uow.audit.append(
            actor,
            "pump.status",
            cmd.patient_id,
            {
                "interrogation_id": report.id,
                "alarms": list(cmd.alarms),
                "battery": report.battery,
                "eri_on": None if eri_on is None else eri_on.isoformat(),
                "note": cmd.note,
            },
        )
        uow.commit()
    return status


def clear_device_alert(uow: UnitOfWork, cmd: ClearDeviceAlert, actor: Actor) -> CareStatus:
    """Remove the device alert once the problem was handled (the note says how)."""
    require(actor, "device.status", cmd.patient_id)
    note = v.text(cmd.note, "note", 2000)
    with uow:
        status = uow.care_status.get(cmd.patient_id)
        if status is None or status.device_alert is None:
            raise ValidationFailed("the patient has no device alert to clear")
        cleared = dataclasses.replace(status, device_alert=None, device_alert_since=None)
        uow.care_status.put(cleared)
        uow.audit.append(
            actor,
            "device_alert.cleared",
            cmd.patient_id,
            {"alert": status.device_alert, "note": note},
        )
        uow.commit()
    return cleared
