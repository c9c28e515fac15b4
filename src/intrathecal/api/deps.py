"""FastAPI dependencies: the caller's identity, role checks, client address, If-Match.

Dependencies that only look at the request are ``async`` so FastAPI runs them on the event
loop: a plain ``def`` dependency costs a hop to the thread pool and back. Only the one that
reads the database (``current_principal``) runs in a thread, as the routes do.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from intrathecal.api.client_address import TrustedProxies
from intrathecal.api.denials import ACTOR_STATE
from intrathecal.api.errors import NotAuthenticated, PreconditionRequired
from intrathecal.bootstrap import Services
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.errors import NotFound, ValidationFailed
from intrathecal.clinic.permissions import Action, Role, role_may
from intrathecal.clinic.uow import UnitOfWork


def services(request: Request) -> Services:
    """The application's services (``intrathecal.bootstrap``)."""
    ctx: Services = request.app.state.context
    return ctx


async def context(request: Request) -> Services:
    """Dependency: the application's services."""
    return services(request)


Context = Annotated[Services, Depends(context)]


def client_ip(request: Request) -> str:
    """The caller's address; ``X-Forwarded-For`` counts only from trusted proxies."""
    proxies: TrustedProxies = request.app.state.proxies
    peer = request.client.host if request.client else "unknown"
    return proxies.client(peer, request.headers.getlist("x-forwarded-for"))


async def client_address(request: Request) -> str:
    """Dependency: the caller's address (``client_ip``)."""
    return client_ip(request)


ClientIp = Annotated[str, Depends(client_address)]


async def uow(ctx: Context) -> UnitOfWork:
    """A fresh unit of work for this request."""
    return ctx.uow_factory()


Uow = Annotated[UnitOfWork, Depends(uow)]


def bearer_token(request: Request) -> str | None:
    """The secret of an ``Authorization: Bearer`` header, if one was sent."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotAuthenticated("the Authorization header must be 'Bearer <token>'")
    return value.strip()


def authenticate(request: Request, ctx: Services, ip: str) -> Principal:
    """The authenticated caller, from a bearer token or the session cookie; else 401
    (blocking: it reads the database)."""
    token = bearer_token(request)
    work = ctx.uow_factory()
    cookie = request.cookies.get(ctx.settings.session_cookie)
    if token is not None:
        principal = ctx.auth.authenticate_token(work, token, ip)
    elif cookie:
        principal = ctx.auth.authenticate_session(work, cookie, ip)
    else:
        raise NotAuthenticated("log in (POST /api/v1/auth/login) or send a bearer token")
    setattr(request.state, ACTOR_STATE, principal.actor)  # for the audit of a refusal
    return principal


async def current_principal(request: Request, ctx: Context, ip: ClientIp) -> Principal:
    """Dependency: the authenticated caller (``authenticate``, in a thread)."""
    return await run_in_threadpool(authenticate, request, ctx, ip)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def requires(action: Action) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets the caller through only if the policy allows ``action`` (else 403).

    The same check the use case makes (``clinic.permissions``), done before the request
    body is used; the use case still applies it, with the patient's own-record rule.
    """

    async def check(principal: CurrentPrincipal) -> Principal:
        role_may(principal.role, action)
        return principal

    check.__name__ = f"requires_{action.name.lower()}"
    return check


async def patient_reader(principal: CurrentPrincipal, patient_id: int) -> Principal:
    """Roles the policy lets read patient records; a patient login only their own.

    Another patient's record answers 404, so a patient cannot probe which ids exist.
    """
    if principal.role is Role.PATIENT and principal.patient_id != patient_id:
        raise NotFound(f"patient {patient_id} not found")
    role_may(principal.role, Action.PATIENT_READ)
    return principal


PatientReader = Annotated[Principal, Depends(patient_reader)]


_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


async def expected_version(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The record version read earlier, as an ETag (e.g. "3").',
            max_length=40,
        ),
    ] = None,
) -> int | None:
    """The version named by ``If-Match`` (``"3"`` or ``W/"3"``), if sent."""
    if if_match is None:
        return None
    match = _ETAG.match(if_match)
    if match is None:
        raise ValidationFailed(f'If-Match must be a version ETag such as "3", got {if_match!r}')
    return int(match.group(1))


def required_version(header: int | None, body: int | None) -> int:
    """The version to check for an update: the header or the body field; one is required."""
    if header is not None and body is not None and header != body:
        raise ValidationFailed(f"If-Match names version {header} but the body says {body}")
    version = header if header is not None else body
    if version is None:
        raise PreconditionRequired(
            "send the version you read (If-Match header or 'version' field) to update"
        )
    return version
