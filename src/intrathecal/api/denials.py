"""401/403/404 answers on clinical routes, of the API and of the web pages, are audited
(``clinic.denials``): the caller as far as known (the authenticated user, else an anonymous
actor with the address)."""

from __future__ import annotations

import logging
import re

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from intrathecal.clinic.denials import record_denial
from intrathecal.clinic.records import Actor

log = logging.getLogger("intrathecal.api")

#: Routes that show or change clinical data (the account and reference routes are not):
#: the API's and the web pages of clinicians, schedulers, the audit trail and the portal.
CLINICAL = re.compile(
    r"^(/api/v1/(patients|visits|worklist|cosignatures|audit|appointment-requests)"
    r"|/clinic|/scheduler|/admin/audit|/portal)(/|$)"
)
_PATIENT = re.compile(r"^(?:/api/v1|/clinic)/patients/(\d{1,10})(/|$)")
ACTOR_STATE = "actor"


async def audit_denial(request: Request, status: int, reason: str) -> None:
    """Record the refusal when the route is clinical; a failure to record is logged."""
    path = request.url.path
    if not CLINICAL.match(path):
        return
    actor = getattr(request.state, ACTOR_STATE, None)
    if not isinstance(actor, Actor):
        from intrathecal.api.deps import client_ip  # deps imports this module

        actor = Actor(user_id=None, username="anonymous", role="public", ip=client_ip(request))
    match = _PATIENT.match(path)
    patient_id = int(match.group(1)) if match else None
    if patient_id is not None and patient_id > 2**31 - 1:
        patient_id = None
    uow = request.app.state.context.uow_factory()
    try:
        await run_in_threadpool(
            record_denial, uow, actor, status, f"{request.method} {path}", patient_id, reason
        )
    except Exception:  # the refusal stands even if it cannot be recorded
        log.exception("could not audit a refused request to %s", path)
