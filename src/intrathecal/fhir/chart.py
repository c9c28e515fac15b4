"""The export's reads: the clinic's audited patient chart (``clinic.chart``) plus the staff
its records name (for Practitioner and Provenance), and every patient id for bulk export."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from intrathecal.clinic.chart import PatientChart, patient_chart
from intrathecal.clinic.errors import NotFound
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor, UserRecord
from intrathecal.clinic.uow import UnitOfWork

#: Patients read per transaction when exporting everyone.
PAGE = 100


@dataclass(frozen=True)
class ExportChart:
    """A patient's chart and the staff members its records name."""

    chart: PatientChart
    staff: Mapping[int, UserRecord]

    @property
    def patient_id(self) -> int:
        """The patient's id (a stored record always has one)."""
        assert self.chart.patient.id is not None
        return self.chart.patient.id


def read_chart(uow: UnitOfWork, actor: Actor, patient_id: int) -> ExportChart:
    """The chart for export (clinicians, or the patient's own login); audited as
    ``chart.read`` by the clinic and ``fhir.exported`` here."""
    chart = patient_chart(uow, actor, patient_id, audit_rows=0)
    with uow:
        staff = {uid: uow.users.get(uid) for uid in sorted(_staff_ids(chart))}
        uow.audit.append(actor, "fhir.exported", patient_id, {"staff": sorted(staff)})
        uow.commit()
    return ExportChart(chart, staff)


def _staff_ids(chart: PatientChart) -> set[int]:
    ids: set[int | None] = {e.evaluator_id for e in chart.evaluations}
    ids |= {t.recorded_by for t in chart.trials}
    ids |= {i.recorded_by for i in chart.implants}
    for p in chart.prescriptions:
        ids |= {p.prescribed_by, p.override_by, p.pump_confirmed_by}
    ids |= {r.performed_by for r in chart.refills}
    ids |= {e.recorded_by for e in chart.adverse_events}
    ids |= {v.clinician_id for v in chart.visits}
    return {i for i in ids if i is not None}


def every_patient_id(uow: UnitOfWork, actor: Actor) -> Iterator[int]:
    """The ids of all patients, in name order (for a clinician's bulk export)."""
    require(actor, "patient.search")
    offset = 0
    while True:
        with uow:
            # An empty search text matches every patient.
            page = uow.patients.search("", PAGE, offset)
        for patient in page:
            if patient.id is None:
                raise NotFound("a stored patient without an id")
            yield patient.id
        if len(page) < PAGE:
            return
        offset += PAGE
