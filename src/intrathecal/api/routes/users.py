"""User accounts (admin only): create, list, enable and disable logins."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, status

from intrathecal.api.deps import Context, requires
from intrathecal.api.pagination import Page, PageParams, page_params, slice_page
from intrathecal.api.problems import problem_responses
from intrathecal.api.routing import api_router
from intrathecal.api.schemas.auth import UserCreate, UserOut, UserPatch
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.permissions import Action

router = api_router(prefix="/users", tags=["users"])

Admin = Annotated[Principal, Depends(requires(Action.USER_MANAGE))]


@router.get("", response_model=Page[UserOut], responses=problem_responses(401, 403, 422))
def list_users(
    request: Request,
    ctx: Context,
    admin: Admin,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[UserOut]:
    """Every login."""
    users = [UserOut.of(u) for u in ctx.auth.list_users(ctx.uow_factory(), admin.actor)]
    return slice_page(request, users, page)


@router.post(
    "",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def create_user(body: UserCreate, ctx: Context, admin: Admin) -> UserOut:
    """Create a login; a patient login names its patient record."""
    user = ctx.auth.create_user(
        ctx.uow_factory(),
        admin.actor,
        body.username,
        body.password,
        body.role,
        display_name=body.display_name,
        patient_id=body.patient_id,
    )
    return UserOut.of(user)


@router.patch(
    "/{user_id}", response_model=UserOut, responses=problem_responses(401, 403, 404, 409, 422)
)
def update_user(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: UserPatch,
    ctx: Context,
    admin: Admin,
) -> UserOut:
    """Enable or disable a login."""
    return UserOut.of(ctx.auth.set_active(ctx.uow_factory(), admin.actor, user_id, body.active))
