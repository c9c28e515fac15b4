"""The export's reads: the clinic's audited patient chart (``clinic.chart``, with the staff
its records name, for Practitioner and Provenance), and every patient id for bulk export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from intrathecal.clinic.chart import PatientChart, patient_chart
from intrathecal.clinic.errors import NotFound
from intrathecal.clinic.permissions import require
from intrathecal.clinic.records import Actor
from intrathecal.clinic.uow import UnitOfWork

#: Patients read per transaction when exporting everyone.
PAGE = 100


@dataclass(frozen=True)
class ExportChart:
    """A patient's chart, read for export."""

    chart: PatientChart

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
        uow.audit.append(actor, "fhir.exported", patient_id, {"staff": sorted(chart.staff)})
        uow.commit()
    return ExportChart(chart)


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
