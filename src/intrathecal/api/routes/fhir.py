"""FHIR R4 routes: ``GET /fhir/Patient/{id}/$everything`` and ``POST /fhir`` (a transaction
Bundle with a referral). Thin: parse, call the FHIR edge's use case, render FHIR JSON; every
refusal is an OperationOutcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from intrathecal.api.denials import note_refusal, record_refused_request
from intrathecal.api.deps import PatientReader, Uow, requires
from intrathecal.api.fields import RecordId
from intrathecal.api.problems import problem_responses
from intrathecal.api.routing import api_router
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.denials import ACCESS_DENIED, refusal_status
from intrathecal.clinic.errors import ClinicError
from intrathecal.clinic.permissions import Action
from intrathecal.core.errors import CoreError
from intrathecal.fhir.capability import capability_statement
from intrathecal.fhir.chart import read_chart
from intrathecal.fhir.errors import FhirContentError, Issue
from intrathecal.fhir.export import everything_bundle
from intrathecal.fhir.importer import import_referral
from intrathecal.fhir.jsonio import MEDIA_TYPE, dumps, loads
from intrathecal.fhir.outcome import operation_outcome

router = api_router(prefix="/fhir", tags=["fhir"])

Importer = Annotated[Principal, Depends(requires(Action.PATIENT_REGISTER))]
T = TypeVar("T")

_RESOURCE_SCHEMA = {"type": "object", "required": ["resourceType"]}


def _responses(*errors: int) -> dict[int | str, dict[str, Any]]:
    """200 with FHIR JSON; each error status as an OperationOutcome or, when refused before
    the route runs (authentication, path parameters), problem+json."""
    out = problem_responses(*errors)
    for status in errors:
        out[status]["content"][MEDIA_TYPE] = {"schema": _RESOURCE_SCHEMA}
    out[200] = {
        "description": "FHIR R4 JSON",
        "content": {MEDIA_TYPE: {"schema": _RESOURCE_SCHEMA}},
    }
    return out


_ACCEPTED_TYPES = ("application/fhir+json", "application/json")


def _fhir(document: object, status: int = 200) -> Response:
    return Response(dumps(document), status_code=status, media_type=MEDIA_TYPE)


def _outcome(status: int, issues: list[Issue]) -> Response:
    return _fhir(operation_outcome(issues), status)


#: The OperationOutcome issue code of each refusal status.
_ISSUE_CODE = {403: "forbidden", 404: "not-found", 409: "conflict", 422: "invalid"}


def _guarded(request: Request, call: Callable[[], T]) -> T | Response:
    """Run a use case; its typed errors become an OperationOutcome with the right status
    (``clinic.denials.refusal_status``), audited as every refusal on a clinical route is."""
    try:
        return call()
    except FhirContentError as exc:
        status, issues, reason = 422, list(exc.issues), str(exc)
    except (ClinicError, CoreError) as exc:
        status, reason = refusal_status(exc), str(exc)
        issues = [Issue(_ISSUE_CODE.get(status, "processing"), "", reason)]
    if status in ACCESS_DENIED:  # no exception handler answers it, so recorded here
        record_refused_request(request, status, reason)
    else:  # recorded by ``RefusalAudit`` as the response goes out
        note_refusal(request, reason)
    return _outcome(status, issues)


def _refused(request: Request, status: int, issue: Issue) -> Response:
    """An OperationOutcome for a request refused before any use case ran (``RefusalAudit``
    records it)."""
    note_refusal(request, issue.message)
    return _outcome(status, [issue])


@router.get("/metadata", response_class=Response, responses=_responses())
def metadata(request: Request) -> Response:
    """The CapabilityStatement: FHIR R4 JSON, ``$everything`` and referral transactions."""
    return _fhir(capability_statement(_base(request)))


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + router.prefix


@router.get(
    "/Patient/{patient_id}/$everything",
    response_class=Response,
    responses=_responses(401, 403, 404, 422),
)
def everything(
    request: Request, work: Uow, principal: PatientReader, patient_id: RecordId
) -> Response:
    """The patient's whole record as a searchset Bundle (the read is audited)."""
    chart = _guarded(request, lambda: read_chart(work, principal.actor, patient_id))
    if isinstance(chart, Response):
        return chart
    return _fhir(everything_bundle(chart, _base(request)))


@router.post(
    "",
    response_class=Response,
    responses=_responses(400, 401, 403, 409, 413, 415, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A transaction Bundle (Patient, Condition, Coverage, ServiceRequest)",
            "content": {MEDIA_TYPE: {"schema": _RESOURCE_SCHEMA}},
        }
    },
)
async def transaction(request: Request, work: Uow, principal: Importer) -> Response:
    """Import a referral: a transaction Bundle of Patient, Condition, Coverage and referral
    ServiceRequest. All of it is written, or (with an OperationOutcome) none of it."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in _ACCEPTED_TYPES:
        wrong = f"expected {MEDIA_TYPE}, got {content_type!r}"
        return _refused(request, 415, Issue("not-supported", "", wrong))
    body = await request.body()
    try:
        document = loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        unreadable = f"expected a FHIR JSON document: {exc}"
        return _refused(request, 400, Issue("structure", "", unreadable))
    result = await run_in_threadpool(
        _guarded, request, lambda: import_referral(work, principal.actor, document)
    )
    if isinstance(result, Response):
        return result
    return _fhir(result.response)
