"""Evaluation, trial and implant use cases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intrathecal.clinic.commands import RecordTrial
from intrathecal.clinic.errors import PermissionDenied, SafetyRefused, ValidationFailed
from intrathecal.clinic.pathway import (
    key_fingerprint,
    record_evaluation,
    record_implant,
    record_trial,
)
from intrathecal.clinic.records import ConservativeTherapy
from intrathecal.clinic.uow import UnitOfWork
from tests.clinic.builders import TODAY, evaluation, implant_cmd, register, trial_record
from tests.clinic.conftest import Staff


def test_evaluation_with_contraindication_is_ineligible_with_reason(
    uow: UnitOfWork, staff: Staff
) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    stored = record_evaluation(
        uow, evaluation(patient.id, contraindications=("sepsis",)), staff.physician
    )
    assert stored.eligible is False
    assert any("sepsis" in r for r in stored.reasons)


def test_short_conservative_care_blocks_non_cancer_but_not_cancer_pain(
    uow: UnitOfWork, staff: Staff
) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    short = (ConservativeTherapy("oral opioids", 3),)
    non_cancer = record_evaluation(
        uow, evaluation(patient.id, conservative_therapies=short), staff.physician
    )
    cancer = record_evaluation(
        uow,
        evaluation(
            patient.id,
            indication="cancer",
            conservative_therapies=short,
            life_expectancy_months=6,
        ),
        staff.physician,
    )
    assert not non_cancer.eligible
    assert any("6 months" in r for r in non_cancer.reasons)
    assert cancer.eligible


def test_only_physicians_record_evaluations(uow: UnitOfWork, staff: Staff) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    with pytest.raises(PermissionDenied):
        record_evaluation(uow, evaluation(patient.id), staff.scheduler)


def test_successful_trial_refers_to_neurosurgeon(uow: UnitOfWork, staff: Staff) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    record_evaluation(uow, evaluation(patient.id), staff.physician)
    result = record_trial(
        uow, RecordTrial(patient.id, trial_record(), referral_to="Dr Neuro"), staff.physician
    )
    assert result.trial.outcome == "success"
    assert result.trial.referral_to == "Dr Neuro"
    with uow:
        assert uow.trials.get(result.trial.id or 0).record.baseline.value == 8


def test_trial_with_little_relief_fails_without_referral(uow: UnitOfWork, staff: Staff) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    record_evaluation(uow, evaluation(patient.id), staff.physician)
    result = record_trial(uow, RecordTrial(patient.id, trial_record(relief_to=7)), staff.physician)
    assert result.trial.outcome == "failure"
    assert result.trial.referral_to is None


def test_trial_dose_above_catalogue_trial_bolus_range_is_refused(
    uow: UnitOfWork, staff: Staff
) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    record_evaluation(uow, evaluation(patient.id), staff.physician)
    with pytest.raises(SafetyRefused, match="trial bolus range") as refused:
        record_trial(uow, RecordTrial(patient.id, trial_record(dose="5 mg")), staff.physician)
    assert [getattr(f, "rule", None) for f in refused.value.findings] == ["trial_bolus_range"]
    with uow:
        assert uow.trials.for_patient(patient.id) == []


def test_trial_needs_an_eligible_evaluation(uow: UnitOfWork, staff: Staff) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    record_evaluation(uow, evaluation(patient.id, psych_cleared=False), staff.physician)
    with pytest.raises(ValidationFailed, match="eligible"):
        record_trial(uow, RecordTrial(patient.id, trial_record()), staff.physician)


def test_implant_stores_key_fingerprint_not_key_and_sets_worklist_dates(
    uow: UnitOfWork, staff: Staff
) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    record_evaluation(uow, evaluation(patient.id), staff.physician)
    record_trial(uow, RecordTrial(patient.id, trial_record()), staff.physician)
    implant = record_implant(uow, implant_cmd(patient.id), staff.physician)
    assert implant.device_key_fingerprint == key_fingerprint(b"k" * 32)
    assert "k" * 32 not in repr(implant)
    with uow:
        status = uow.care_status.get(patient.id)
        assert uow.implants.by_key_id("key-NGP123456") == implant
    assert status is not None
    assert status.wound_check_due == TODAY - timedelta(days=10) + timedelta(days=10)
    assert status.eri_due is not None
    assert status.eri_due.year == implant.implanted_on.year + 5


def test_implant_without_successful_trial_needs_a_waiver(uow: UnitOfWork, staff: Staff) -> None:
    patient = register(uow, staff)
    assert patient.id is not None
    with pytest.raises(ValidationFailed, match="trial"):
        record_implant(uow, implant_cmd(patient.id), staff.physician)
    from dataclasses import replace

    waived = replace(implant_cmd(patient.id), trial_waived_reason="advanced cancer, high risk")
    assert record_implant(uow, waived, staff.physician).active
