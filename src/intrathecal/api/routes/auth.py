"""Login, logout, the current user, and the caller's API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Response, status

from intrathecal.api.deps import ClientIp, Context, CurrentPrincipal, bearer_token, requires
from intrathecal.api.pagination import Page, PageParams, page_params, slice_page
from intrathecal.api.problems import problem_responses
from intrathecal.api.routing import api_router
from intrathecal.api.schemas.auth import (
    IssuedTokenOut,
    LoginRequest,
    SessionOut,
    TokenOut,
    TokenRequest,
    UserOut,
)
from intrathecal.clinic.auth import Principal
from intrathecal.clinic.permissions import Action

router = api_router(prefix="/auth", tags=["auth"])


@router.post(
    "/login",
    response_model=SessionOut,
    responses=problem_responses(401, 422, 429),
)
def login(body: LoginRequest, response: Response, ctx: Context, ip: ClientIp) -> SessionOut:
    """Check a password and open a session (sets an HttpOnly, SameSite=Lax cookie)."""
    result = ctx.auth.login(ctx.uow_factory(), body.username, body.password, ip)
    response.set_cookie(
        ctx.settings.session_cookie,
        result.session_secret,
        max_age=ctx.settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=ctx.settings.cookie_secure,
        path="/",
    )
    return SessionOut(
        user=UserOut.of(result.principal.user), expires_at=result.expires_at, via="session"
    )


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401),
)
def logout(request: Request, ctx: Context, principal: CurrentPrincipal) -> Response:
    """End the current session, or revoke the bearer token the request was made with."""
    cookie = request.cookies.get(ctx.settings.session_cookie)
    token = bearer_token(request)
    if token is not None and principal.via == "token":
        ctx.auth.logout_token(ctx.uow_factory(), token, principal.actor)
    elif cookie and principal.via == "session":
        ctx.auth.logout(ctx.uow_factory(), cookie, principal.actor)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(ctx.settings.session_cookie, path="/")
    return response


@router.get("/me", response_model=SessionOut, responses=problem_responses(401))
def me(principal: CurrentPrincipal) -> SessionOut:
    """Who is logged in."""
    return SessionOut(user=UserOut.of(principal.user), via=principal.via)


TokenOwner = Annotated[Principal, Depends(requires(Action.TOKEN_OWN))]


@router.post(
    "/tokens",
    response_model=IssuedTokenOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
)
def issue_token(body: TokenRequest, ctx: Context, principal: TokenOwner) -> IssuedTokenOut:
    """Create an API token for the caller; the secret is in the response, once."""
    issued = ctx.auth.issue_token(ctx.uow_factory(), principal, body.name, body.days)
    return IssuedTokenOut(**TokenOut.of(issued.record).model_dump(), token=issued.secret)


@router.get("/tokens", response_model=Page[TokenOut], responses=problem_responses(401, 403))
def list_tokens(
    request: Request,
    ctx: Context,
    principal: TokenOwner,
    page: Annotated[PageParams, Depends(page_params)],
) -> Page[TokenOut]:
    """The caller's API tokens."""
    tokens = [TokenOut.of(t) for t in ctx.auth.list_tokens(ctx.uow_factory(), principal)]
    return slice_page(request, tokens, page)


@router.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422),
)
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)], ctx: Context, principal: TokenOwner
) -> Response:
    """Revoke one of the caller's tokens."""
    ctx.auth.revoke_token(ctx.uow_factory(), principal, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
