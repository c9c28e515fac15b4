"""Pump status from interrogations: reported ERI and critical alarms become worklist items.

Critical alarms (empty reservoir, motor stall, end of service, low-battery reset) and catheter
faults raise a device alert that ranks first on the worklist, and first of all for baclofen
patients (abrupt withdrawal is life-threatening). A reported ERI replaces the estimated one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date

from intrathecal.clinic import validation as v
from intrathecal.clinic.commands import ClearDeviceAlert, RecordPumpStatus
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor, CareStatus
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.clinic.vocabulary import PUMP_ALARMS

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
    """Apply an interrogation's findings to the patient's worklist model."""
    require(actor, "device.status", cmd.patient_id)
    at = v.aware(cmd.at, "at")
    for i, alarm in enumerate(cmd.alarms):
        v.one_of(alarm, PUMP_ALARMS, f"alarms[{i}]")
    with uow:
        uow.patients.lock(cmd.patient_id)
        if uow.implants.active_for(cmd.patient_id) is None:
            raise ValidationFailed("the patient has no active implant")
        status = uow.care_status.get(cmd.patient_id) or CareStatus(cmd.patient_id)
        day = at.date()
        if cmd.eri_reported or "elective_replacement" in cmd.alarms:
            status = dataclasses.replace(status, eri_due=min(day, status.eri_due or day))
        critical = [a for a in cmd.alarms if ALARMS[a]]
        if critical:
            status = raise_alert(status, "pump alarm: " + ", ".join(critical), day)
        uow.care_status.put(status)
        uow.audit.append(
            actor,
            "pump.status",
            cmd.patient_id,
            {"alarms": list(cmd.alarms), "eri_reported": cmd.eri_reported, "note": cmd.note},
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
