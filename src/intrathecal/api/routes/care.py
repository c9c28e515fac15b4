"""Ongoing care under a patient: refills, adverse events, visits, pump status and alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response, status

from intrathecal.api.deps import (
    PatientReader,
    Uow,
    expected_version,
    required_version,
    requires,
)
from intrathecal.api.fields import RecordId
from intrathecal.api.pagination import Page, PageParams, page_params, slice_page
from intrathecal.api.problems import problem_responses
from intrathecal.api.routing import api_router
from intrathecal.api.schemas.care import (
    AdverseEventIn,
    AdverseEventOut,
    AdverseEventPatch,
    AlertClear,
    CareStatusOut,
    InterrogationOut,
    PumpStatusIn,
    RefillIn,
    RefillOut,
    RefillResultOut,
    VisitOut,
)
from intrathecal.api.schemas.reference import PatientProtocolsOut
from intrathecal.clinic import devices, events, protocols, reads, refills
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.commands import ClearDeviceAlert
from intrathecal.clinic.permissions import Action

router = api_router(prefix="/patients/{patient_id}", tags=["care"])

Paging = Annotated[PageParams, Depends(page_params)]
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)
READ_ERRORS = problem_responses(401, 403, 404, 422)


@router.post(
    "/refills",
    response_model=RefillResultOut,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
)
def record_refill(
    patient_id: RecordId,
    body: RefillIn,
    work: Uow,
    principal: Annotated[Principal, Depends(requires(Action.REFILL_RECORD))],
) -> RefillResultOut:
    """Record a refill; the residual check, alarm date and next due date are computed."""
    result = refills.record_refill(work, body.command(patient_id), principal.actor)
    return RefillResultOut.of(result)


@router.get("/refills", response_model=Page[RefillOut], responses=READ_ERRORS)
def list_refills(
    patient_id: RecordId, request: Request, work: Uow, principal: PatientReader, page: Paging
) -> Page[RefillOut]:
    """A patient's refills, oldest first."""
    found = reads.patient_records(work, principal.actor, patient_id, "refills")
    return slice_page(request, [RefillOut.of(r) for r in found], page)


@router.post(
    "/adverse-events",
    response_model=AdverseEventOut,
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
)
def record_adverse_event(
    patient_id: RecordId,
    body: AdverseEventIn,
    work: Uow,
    principal: Annotated[Principal, Depends(requires(Action.ADVERSE_EVENT_RECORD))],
) -> AdverseEventOut:
    """Record an adverse event in one of the clinic's risk categories."""
    event = events.record_adverse_event(work, body.command(patient_id), principal.actor)
    return AdverseEventOut.of(event)


@router.patch(
    "/adverse-events/{event_id}",
    response_model=AdverseEventOut,
    responses=problem_responses(401, 403, 404, 409, 422, 428),
)
def update_adverse_event(
    patient_id: RecordId,
    event_id: RecordId,
    body: AdverseEventPatch,
    response: Response,
    work: Uow,
    principal: Annotated[Principal, Depends(requires(Action.ADVERSE_EVENT_UPDATE))],
    if_match: Annotated[int | None, Depends(expected_version)],
) -> AdverseEventOut:
    """Follow up an adverse event (severity, actions, outcome, resolution date).

    The version you read must still be current (``If-Match`` or ``version``), else 409.
    """
    version = required_version(if_match, body.version)
    event = events.update_adverse_event(
        work, body.command(patient_id, event_id, version), principal.actor
    )
    response.headers["ETag"] = f'"{event.version}"'
    return AdverseEventOut.of(event)


@router.get("/adverse-events", response_model=Page[AdverseEventOut], responses=READ_ERRORS)
def list_adverse_events(
    patient_id: RecordId, request: Request, work: Uow, principal: PatientReader, page: Paging
) -> Page[AdverseEventOut]:
    """A patient's adverse events, oldest first."""
    found = reads.patient_records(work, principal.actor, patient_id, "adverse_events")
    return slice_page(request, [AdverseEventOut.of(e) for e in found], page)


@router.get("/visits", response_model=Page[VisitOut], responses=READ_ERRORS)
def list_patient_visits(
    patient_id: RecordId, request: Request, work: Uow, principal: PatientReader, page: Paging
) -> Page[VisitOut]:
    """A patient's visits, oldest first."""
    found = reads.patient_records(work, principal.actor, patient_id, "visits")
    return slice_page(request, [VisitOut.of(v) for v in found], page)


DeviceWriter = Annotated[Principal, Depends(requires(Action.DEVICE_STATUS))]


@router.post("/pump-status", response_model=CareStatusOut, responses=WRITE_ERRORS)
def record_pump_status(
    patient_id: RecordId, body: PumpStatusIn, work: Uow, principal: DeviceWriter
) -> CareStatusOut:
    """Record an interrogation: critical alarms raise a device alert on the worklist."""
    status_ = devices.record_pump_status(work, body.command(patient_id), principal.actor)
    return CareStatusOut.of(status_)


@router.get("/interrogations", response_model=Page[InterrogationOut], responses=READ_ERRORS)
def list_interrogations(
    patient_id: RecordId, request: Request, work: Uow, principal: PatientReader, page: Paging
) -> Page[InterrogationOut]:
    """A patient's pump interrogation reports, oldest first."""
    found = reads.patient_records(work, principal.actor, patient_id, "interrogations")
    return slice_page(request, [InterrogationOut.of(r) for r in found], page)


@router.get("/protocols", response_model=PatientProtocolsOut, responses=READ_ERRORS)
def patient_protocols(
    patient_id: RecordId, work: Uow, principal: PatientReader
) -> PatientProtocolsOut:
    """The emergency protocols for the patient's drug and the MRI checklist of their pump."""
    return PatientProtocolsOut.of(protocols.patient_protocols(work, principal.actor, patient_id))


@router.post("/device-alert/clear", response_model=CareStatusOut, responses=WRITE_ERRORS)
def clear_device_alert(
    patient_id: RecordId, body: AlertClear, work: Uow, principal: DeviceWriter
) -> CareStatusOut:
    """Clear the device alert once the problem was handled (the note says how)."""
    status_ = devices.clear_device_alert(
        work, ClearDeviceAlert(patient_id=patient_id, note=body.note), principal.actor
    )
    return CareStatusOut.of(status_)
