"""Admin pages: logins and roles, audit-chain verification, the reference data in use.

No clinical data: users, audit entries (who did what, with record ids) and the packaged
reference files.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from intrathecal.api.deps import Context
from intrathecal.clinic import config, reads
from intrathecal.clinic.audit_key import require_key
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.errors import Conflict, NotFound, ValidationFailed
from intrathecal.clinic.pathway import pump_models
from intrathecal.clinic.permissions import Action, Role
from intrathecal.core.catalogue import load_catalogue
from intrathecal.web.deps import requires
from intrathecal.web.forms import FormErrors, form_data, validate
from intrathecal.web.routing import web_router
from intrathecal.web.templating import render

router = web_router()

UserAdmin = Annotated[Principal, Depends(requires(Action.USER_MANAGE))]
Auditor = Annotated[Principal, Depends(requires(Action.AUDIT_READ))]
ReferenceKeeper = Annotated[Principal, Depends(requires(Action.REFERENCE_MANAGE))]
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: Newest audit entries shown on the audit page.
AUDIT_ROWS = 100
ROLE_CHOICES = [(role.value, role.value.capitalize()) for role in Role]


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


class NewUserForm(BaseModel):
    """A login created by an admin; a patient login names its patient record id."""

    model_config = ConfigDict(extra="ignore")

    username: str = Field(min_length=2, max_length=80)
    display_name: str = Field(default="", max_length=200)
    role: Role
    password: str = Field(min_length=1, max_length=200)
    patient_id: Annotated[int | None, BeforeValidator(_blank_is_none)] = Field(
        default=None, ge=1, le=2**31 - 1
    )


USER_FIELDS = tuple(NewUserForm.model_fields)


def _users_page(
    request: Request,
    ctx: Context,
    admin: Principal,
    form: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    notice: str | None = None,
) -> Response:
    users = ctx.auth.list_users(ctx.uow_factory(), admin.actor)
    return render(
        request,
        "admin/users.html",
        {
            "users": users,
            "roles": ROLE_CHOICES,
            "staff_roles": [r for r in ROLE_CHOICES if r[0] != Role.PATIENT.value],
            "form": form or {},
            "errors": errors,
            "notice": notice,
        },
        status_code=422 if errors else 200,
    )


@router.get("/admin/users")
def users(request: Request, ctx: Context, admin: UserAdmin) -> Response:
    """Every login, with forms to create one, change a role, disable or enable."""
    return _users_page(request, ctx, admin)


@router.post("/admin/users")
async def create_user(request: Request, ctx: Context, admin: UserAdmin) -> Response:
    """Create a login; errors keep what was typed (except the password)."""
    data = await form_data(request)
    kept = {k: v for k, v in data.items() if k != "password"}
    parsed = validate(NewUserForm, data)
    if isinstance(parsed, FormErrors):
        return _users_page(request, ctx, admin, kept, parsed)
    try:
        ctx.auth.create_user(
            ctx.uow_factory(),
            admin.actor,
            parsed.username,
            parsed.password,
            parsed.role,
            display_name=parsed.display_name,
            patient_id=parsed.patient_id,
        )
    except (ValidationFailed, Conflict, NotFound) as exc:
        errors = FormErrors()
        if isinstance(exc, NotFound):
            errors.add("patient_id", "No patient record has this id.")
        elif isinstance(exc, Conflict):
            errors.add("username", str(exc))
        else:
            errors.add_clinic_error(exc, USER_FIELDS)
        return _users_page(request, ctx, admin, kept, errors)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/active")
async def set_active(request: Request, ctx: Context, admin: UserAdmin, user_id: UserId) -> Response:
    """Disable or enable a login (``active=true|false``)."""
    data = await form_data(request)
    try:
        ctx.auth.set_active(ctx.uow_factory(), admin.actor, user_id, data.get("active") == "true")
    except ValidationFailed as exc:
        return _users_page(request, ctx, admin, errors=FormErrors(general=[str(exc)]))
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/role")
async def set_role(request: Request, ctx: Context, admin: UserAdmin, user_id: UserId) -> Response:
    """Change a staff login's role."""
    data = await form_data(request)
    try:
        role = Role(data.get("role", ""))
        ctx.auth.set_role(ctx.uow_factory(), admin.actor, user_id, role)
    except ValueError as exc:  # an unknown role, or the use case's ValidationFailed
        message = str(exc) if isinstance(exc, ValidationFailed) else "role: choose a role"
        return _users_page(request, ctx, admin, errors=FormErrors(general=[message]))
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/audit")
def audit(request: Request, ctx: Context, admin: Auditor) -> Response:
    """The newest audit entries and a button to verify the whole chain."""
    entries = reads.recent_audit(ctx.uow_factory(), admin.actor, AUDIT_ROWS)
    return render(request, "admin/audit.html", {"entries": entries, "result": None})


@router.post("/admin/audit/verify")
def verify(request: Request, ctx: Context, admin: Auditor) -> Response:
    """Seal, verify every row of the keyed chain and show the outcome (the check is audited)."""
    result = reads.verify_audit(ctx.uow_factory(), admin.actor, require_key(ctx.audit_key))
    entries = reads.recent_audit(ctx.uow_factory(), admin.actor, AUDIT_ROWS)
    return render(request, "admin/audit.html", {"entries": entries, "result": result})


@router.get("/admin/reference")
def reference(request: Request, admin: ReferenceKeeper) -> Response:
    """The reference data the service runs with, each clinical number with source and status."""
    return render(
        request,
        "admin/reference.html",
        {
            "drugs": load_catalogue().drugs("us"),
            "insurers": config.insurers().values(),
            "locations": config.locations(),
            "pumps": pump_models(),
        },
    )
