"""Emergency protocols and MRI checklists (sourced data), and the ones that apply to a patient.

Read from ``data/protocols.yaml``: opioid overdose, baclofen withdrawal and pocket fill, and
an MRI checklist per pump family (SynchroMed II: interrogate before and after, motor-stall
recovery; Prometra: empty the pump first). Every list keeps its source and status.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from intrathecal.clinic.errors import NotFound
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor, CareStatus
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.sourced_data import (
    InvalidDataFile,
    Sourced,
    load_data_file,
    section,
    sourced,
)

DATA_FILE = "protocols.yaml"


@dataclass(frozen=True)
class Protocol:
    """A titled list of steps with its source; ``applies_to`` is opioid, baclofen or any."""

    key: str
    title: str
    steps: Sourced[tuple[str, ...]]
    applies_to: str = "any"


@dataclass(frozen=True)
class PatientProtocols:
    """What to have at hand for one patient: emergency protocols and the pump's MRI list."""

    patient_id: int
    emergency: tuple[Protocol, ...]
    mri: Protocol | None


def _steps(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(s, str) for s in raw):
        raise ValueError("steps must be a non-empty list of text")
    return tuple(" ".join(s.split()) for s in raw)


def _protocols(block: str) -> dict[str, Protocol]:
    body = section(load_data_file(DATA_FILE), block, DATA_FILE)
    if not isinstance(body, Mapping):
        raise InvalidDataFile(f"{DATA_FILE}: {block} must be a mapping")
    out = {}
    for key, raw in body.items():
        where = f"{DATA_FILE}: {block}.{key}"
        entry = {"value": section(raw, "steps", where), **raw}
        out[str(key)] = Protocol(
            key=str(key),
            title=str(section(raw, "title", where)),
            steps=sourced(entry, where, _steps),
            applies_to=str(raw.get("applies_to", "any")),
        )
    return out


@functools.cache
def emergency_protocols() -> Mapping[str, Protocol]:
    """Emergency protocols by key (``opioid_overdose``, ``baclofen_withdrawal``,
    ``pocket_fill``)."""
    return _protocols("emergency")


@functools.cache
def mri_checklists() -> Mapping[str, Protocol]:
    """MRI checklists by pump family key."""
    return _protocols("mri")


def mri_checklist(pump_model: str) -> Protocol | None:
    """The MRI checklist of a pump model (``synchromed-ii-20`` -> ``synchromed-ii``)."""
    for family in sorted(mri_checklists(), key=len, reverse=True):
        if pump_model.startswith(family):
            return mri_checklists()[family]
    return None


def emergency_protocol(key: str) -> Protocol:
    """One emergency protocol; NotFound listing the known keys otherwise."""
    try:
        return emergency_protocols()[key]
    except KeyError:
        known = ", ".join(sorted(emergency_protocols()))
        raise NotFound(f"protocol {key!r} not found; known: {known}") from None


def applicable(status: CareStatus) -> tuple[Protocol, ...]:
    """The emergency protocols for a patient's therapy: the overdose protocol on opioids,
    withdrawal on baclofen, pocket fill for every pump (first when a refill was flagged)."""
    found = emergency_protocols()
    chosen = [p for p in found.values() if p.applies_to == "opioid" and status.on_opioid]
    chosen += [p for p in found.values() if p.applies_to == "baclofen" and status.is_baclofen]
    pocket = [p for p in found.values() if p.applies_to == "any"]
    return tuple(pocket + chosen if status.discrepancy_flag else chosen + pocket)


def patient_protocols(uow: UnitOfWork, actor: Actor, patient_id: int) -> PatientProtocols:
    """The emergency protocols and MRI checklist that apply to a patient (audited read)."""
    require(actor, "patient.read", patient_id)
    with uow:
        uow.patients.get(patient_id)
        implant = uow.implants.active_for(patient_id)
        status = uow.care_status.get(patient_id) or CareStatus(patient_id)
        result = PatientProtocols(
            patient_id=patient_id,
            emergency=applicable(status) if implant is not None else (),
            mri=None if implant is None else mri_checklist(implant.pump_model),
        )
        uow.audit.append(
            actor,
            "protocols.read",
            patient_id,
            {
                "emergency": [p.key for p in result.emergency],
                "mri": None if result.mri is None else result.mri.key,
            },
        )
        uow.commit()
    return result
