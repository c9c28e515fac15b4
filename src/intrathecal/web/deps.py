"""Web dependencies: the logged-in user from the session cookie, login and role checks.

``Visitor`` is the principal or ``None`` (public pages); ``requires(action)`` lets a
request through only when the role policy (``clinic.permissions``) allows ``action``,
else the 403 page; with no valid session it redirects to the login page. Like the API's
(``api.deps``), these run on the event loop; the session lookup goes to a thread.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from intrathecal.api.denials import ACTOR_STATE
from intrathecal.api.deps import ClientIp, Context
from intrathecal.bootstrap import Services
from intrathecal.clinic.auth import InvalidCredentials, Principal
from intrathecal.clinic.errors import ClinicError
from intrathecal.clinic.permissions import Action, role_may


class LoginRequired(ClinicError):
    """The page needs a logged-in user; the handler redirects to the login page."""


async def visitor(request: Request, ctx: Context, ip: ClientIp) -> Principal | None:
    """The user behind the session cookie, or ``None`` (no cookie, expired, revoked)."""
    cookie = request.cookies.get(ctx.settings.session_cookie)
    principal = None
    if cookie:
        principal = await run_in_threadpool(_session_principal, ctx, cookie, ip)
    request.state.principal = principal
    if principal is not None:
        setattr(request.state, ACTOR_STATE, principal.actor)  # for the audit of a refusal
    return principal


def _session_principal(ctx: Services, cookie: str, ip: str) -> Principal | None:
    try:
        return ctx.auth.authenticate_session(ctx.uow_factory(), cookie, ip)
    except InvalidCredentials:
        return None


Visitor = Annotated[Principal | None, Depends(visitor)]


async def logged_in(principal: Visitor) -> Principal:
    """The logged-in user; otherwise the login page."""
    if principal is None:
        raise LoginRequired("please log in to see this page")
    return principal


LoggedIn = Annotated[Principal, Depends(logged_in)]


def requires(action: Action) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting only roles the policy allows ``action`` (else the 403 page)."""

    async def check(principal: LoggedIn) -> Principal:
        role_may(principal.role, action)
        return principal

    check.__name__ = f"web_requires_{action.name.lower()}"
    return check
