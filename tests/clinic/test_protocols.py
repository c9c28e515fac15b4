"""Emergency protocols and MRI checklists: sourced data, and the ones shown for a patient."""

from __future__ import annotations

import pytest

from intrathecal.clinic.commands import ProgramPrescription
from intrathecal.clinic.errors import NotFound
from intrathecal.clinic.programming import program_prescription
from intrathecal.clinic.protocols import (
    emergency_protocol,
    emergency_protocols,
    mri_checklist,
    mri_checklists,
    patient_protocols,
)
from intrathecal.clinic.uow import UnitOfWork
from intrathecal.core.program_spec import prescription_from_dict
from intrathecal.core.sourced_data import Status
from intrathecal.device.models import pump_models
from tests.clinic.builders import implanted, programmed, register
from tests.clinic.conftest import Staff


def test_every_protocol_has_steps_a_source_and_a_status() -> None:
    for protocol in [*emergency_protocols().values(), *mri_checklists().values()]:
        assert protocol.steps.value
        assert protocol.steps.source.citation.strip()
        assert isinstance(protocol.steps.status, Status)


def test_every_pump_model_has_an_mri_checklist() -> None:
    for key in pump_models():
        assert mri_checklist(key) is not None, key


def test_prometra_checklist_empties_the_pump_and_synchromed_interrogates_after_the_scan() -> None:
    prometra = mri_checklist("prometra-ii-20")
    synchromed = mri_checklist("synchromed-ii-40")
    assert prometra is not None
    assert synchromed is not None
    assert any("Empty ALL drug" in s for s in prometra.steps.value)
    assert any("after the scan" in s and "Interrogate" in s for s in synchromed.steps.value)
    assert any("motor-stall recovery" in s for s in synchromed.steps.value)


def test_unknown_protocol_is_not_found_listing_the_known_ones() -> None:
    with pytest.raises(NotFound, match="opioid_overdose"):
        emergency_protocol("zombie")


def test_opioid_patient_gets_overdose_and_pocket_fill_and_the_pump_mri_list(
    uow: UnitOfWork, staff: Staff
) -> None:
    pid = programmed(uow, staff).id or 0
    found = patient_protocols(uow, staff.nurse, pid)
    assert [p.key for p in found.emergency] == ["opioid_overdose", "pocket_fill"]
    assert found.mri is not None
    assert found.mri.key == "synchromed-ii"
    with uow:
        assert uow.audit.for_patient(pid, 1)[0].action == "protocols.read"


def test_baclofen_patient_gets_the_withdrawal_protocol(uow: UnitOfWork, staff: Staff) -> None:
    pid = implanted(uow, staff).id or 0
    baclofen = prescription_from_dict(
        {
            "solution": [{"drug": "baclofen", "concentration": "500 mcg/mL"}],
            "basal": {"continuous": "0.4 mL/day"},
        }
    )
    program_prescription(uow, ProgramPrescription(pid, baclofen, 0), staff.physician)
    keys = [p.key for p in patient_protocols(uow, staff.nurse, pid).emergency]
    assert "baclofen_withdrawal" in keys
    assert "opioid_overdose" not in keys


def test_patient_without_a_pump_has_no_protocols(uow: UnitOfWork, staff: Staff) -> None:
    pid = register(uow, staff).id or 0
    found = patient_protocols(uow, staff.nurse, pid)
    assert found.emergency == ()
    assert found.mri is None
