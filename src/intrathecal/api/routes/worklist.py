"""The clinic worklist: what needs doing, most urgent first (baclofen emergencies on top)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from intrathecal.api.deps import Uow, requires
from intrathecal.api.pagination import Page, PageParams, page_params, slice_page
from intrathecal.api.problems import problem_responses
from intrathecal.api.routing import api_router
from intrathecal.api.schemas.care import WorklistItemOut
from intrathecal.clinic import worklist as use_case
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.permissions import Action

router = api_router(tags=["worklist"])

#: Items ranked by the query at most (then paged).
WORKLIST_CAP = 500


@router.get(
    "/worklist", response_model=Page[WorklistItemOut], responses=problem_responses(401, 403, 422)
)
def worklist(
    request: Request,
    work: Uow,
    principal: Annotated[Principal, Depends(requires(Action.WORKLIST_READ))],
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[WorklistItemOut]:
    """Ranked items: refills and alarms, battery, discrepancies, dose and review flags."""
    items = use_case.worklist(work, principal.actor, limit=WORKLIST_CAP)
    return slice_page(request, [WorklistItemOut.of(i) for i in items], page)
