"""Every refusal (a 4xx answer) on an audited route (``AUDITED``: clinical data and who may
reach it), of the API and of the web pages, is audited (``clinic.denials``) with the caller
as far as known (the authenticated user, else an anonymous actor with the address).

401/403/404 (``access.denied``) are recorded by the error handlers that give them, with
their reason; every other refusal (invalid input, a conflict, a missing precondition) by
``RefusalAudit`` as ``request.refused``, with the reason its handler or page left in
``request.state`` (``REASON_STATE``), else the status's name."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intrathecal.clinic.denials import ACCESS_DENIED, record_refusal
from intrathecal.clinic.records import Actor

log = logging.getLogger("intrathecal.api")

#: Routes whose refusals are audited: those that show or change clinical data or compute a
#: dose (the API's, FHIR's and the web pages of clinicians, schedulers, the audit trail and
#: the portal) and those that manage who may do so (logins, roles, API tokens, reference
#: data). Public pages, reference reads and the login itself (``auth.login_failed``) are not.
AUDITED = re.compile(
    r"^(/api/v1/(patients|visits|worklist|cosignatures|audit|appointment-requests|dosing"
    r"|users|auth/tokens)|/fhir/Patient|/fhir$|/clinic|/scheduler|/admin)(/|$)"
)
_PATIENT = re.compile(r"^(?:/api/v1/patients|/clinic/patients|/fhir/Patient)/(\d{1,10})(/|$)")
ACTOR_STATE = "actor"
REASON_STATE = "refusal"  # why a request was refused, for ``RefusalAudit``


def note_refusal(request: Request, reason: str) -> None:
    """Leave the reason of a refusal that ``RefusalAudit`` records."""
    setattr(request.state, REASON_STATE, reason)


async def audit_refusal(request: Request, status: int, reason: str) -> None:
    """``record_refused_request`` from async code (the database work in a thread)."""
    await run_in_threadpool(record_refused_request, request, status, reason)


def record_refused_request(request: Request, status: int, reason: str) -> None:
    """Record the refusal when the route is audited (``AUDITED``); a failure to record is
    logged (the refusal stands)."""
    path = request.url.path
    if not AUDITED.match(path):
        return
    actor = getattr(request.state, ACTOR_STATE, None)
    if not isinstance(actor, Actor):
        from intrathecal.api.deps import client_ip  # deps imports this module

        actor = Actor.anonymous(client_ip(request))
    match = _PATIENT.match(path)
    patient_id = int(match.group(1)) if match else None
    if patient_id is not None and patient_id > 2**31 - 1:
        patient_id = None
    uow = request.app.state.context.uow_factory()
    try:
        record_refusal(uow, actor, status, f"{request.method} {path}", patient_id, reason)
    except Exception:  # the refusal stands even if it cannot be recorded
        log.exception("could not audit a refused request to %s", path)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"status {status}"


class RefusalAudit:
    """Pure ASGI middleware: a 4xx answer on an audited route, other than the access
    denials its handler records, is audited as ``request.refused`` before it is sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not AUDITED.match(str(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return

        async def audited_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = int(message["status"])
                if 400 <= status < 500 and status not in ACCESS_DENIED:
                    request = Request(scope)
                    reason = getattr(request.state, REASON_STATE, None)
                    await audit_refusal(request, status, reason or _phrase(status))
            await send(message)

        await self.app(scope, receive, audited_send)
