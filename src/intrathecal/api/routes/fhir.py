"""FHIR R4 routes: ``GET /fhir/Patient/{id}/$everything`` and ``POST /fhir`` (a transaction
Bundle with a referral). Thin: parse, call the FHIR edge's use case, render FHIR JSON; every
refusal is an OperationOutcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from intrathecal.api.deps import PatientReader, Uow, requires
from intrathecal.api.fields import RecordId
from intrathecal.api.problems import problem_responses
from intrathecal.api.routing import api_router
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.errors import (
    ClinicError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
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


def _guarded(call: Callable[[], T]) -> T | Response:
    """Run a use case; its typed errors become an OperationOutcome with the right status."""
    try:
        return call()
    except FhirContentError as exc:
        return _outcome(422, list(exc.issues))
    except NotFound as exc:
        return _outcome(404, [Issue("not-found", "", str(exc))])
    except PermissionDenied as exc:
        return _outcome(403, [Issue("forbidden", "", str(exc))])
    except Conflict as exc:
        return _outcome(409, [Issue("conflict", "", str(exc))])
    except (ValidationFailed, CoreError) as exc:
        return _outcome(422, [Issue("invalid", "", str(exc))])
    except ClinicError as exc:
        return _outcome(400, [Issue("processing", "", str(exc))])


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
    chart = _guarded(lambda: read_chart(work, principal.actor, patient_id))
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
        return _outcome(
            415, [Issue("not-supported", "", f"expected {MEDIA_TYPE}, got {content_type!r}")]
        )
    body = await request.body()
    try:
        document = loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return _outcome(400, [Issue("structure", "", f"expected a FHIR JSON document: {exc}")])
    result = await run_in_threadpool(
        _guarded, lambda: import_referral(work, principal.actor, document)
    )
    if isinstance(result, Response):
        return result
    return _fhir(result.response)
