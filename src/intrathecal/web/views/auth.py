"""Web login and logout over the clinic's session use cases (sessions live in the database)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from intrathecal.api.deps import ClientIp, Context
from intrathecal.clinic.auth import InvalidCredentials
from intrathecal.clinic.auth_ratelimit import LoginThrottled
from intrathecal.web.csrf import cookie_secure
from intrathecal.web.deps import LoggedIn, Visitor
from intrathecal.web.forms import FormErrors, form_data
from intrathecal.web.navigation import HOME
from intrathecal.web.routing import web_router
from intrathecal.web.templating import render

router = web_router()


def safe_next(target: str | None) -> str | None:
    """A local path to return to after login (never another site)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target[:200]
    return None


@router.get("/login")
def login_page(request: Request, principal: Visitor, next: str | None = None) -> Response:
    """The login form (a logged-in user goes to their home page)."""
    if principal is not None:
        return RedirectResponse(HOME[principal.role], status_code=303)
    return render(request, "auth/login.html", {"next": safe_next(next) or ""})


@router.post("/login")
async def login(request: Request, ctx: Context, ip: ClientIp) -> Response:
    """Check the password, open a session and set its cookie; errors keep the username."""
    data = await form_data(request)
    username, password = data.get("username", ""), data.get("password", "")
    errors = FormErrors()
    if not username.strip():
        errors.add("username", "Enter your username.")
    if not password:
        errors.add("password", "Enter your password.")
    status = 422
    if not errors:
        try:
            result = ctx.auth.login(ctx.uow_factory(), username, password, ip)
        except InvalidCredentials:
            errors.add(None, "The username or password is not right.")
        except LoginThrottled:
            errors.add(None, "Too many attempts. Please wait a few minutes and try again.")
            status = 429
        else:
            target = safe_next(data.get("next")) or HOME[result.principal.role]
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(
                ctx.settings.session_cookie,
                result.session_secret,
                max_age=ctx.settings.session_hours * 3600,
                httponly=True,
                samesite="lax",
                secure=cookie_secure(request),
                path="/",
            )
            return response
    form = {"username": username, "next": safe_next(data.get("next")) or ""}
    return render(
        request,
        "auth/login.html",
        {"form": form, "errors": errors, "next": form["next"]},
        status_code=status,
    )


@router.post("/logout")
def logout(request: Request, ctx: Context, principal: LoggedIn) -> Response:
    """End the session in the database and clear its cookie."""
    cookie = request.cookies.get(ctx.settings.session_cookie)
    if cookie:
        ctx.auth.logout(ctx.uow_factory(), cookie, principal.actor)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(ctx.settings.session_cookie, path="/")
    return response
