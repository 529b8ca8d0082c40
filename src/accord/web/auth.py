"""Sign-in and sign-out pages, the session cookie, and the CSRF check of every form.

The session cookie is HttpOnly, SameSite=Lax and Secure (browsers accept
Secure cookies from http://localhost and 127.0.0.1; `accord serve
--insecure-cookies` drops the flag for plain-HTTP hosts). Every form carries
the session's CSRF token, compared in constant time; the sign-in form, which
comes before any session, uses a double-submit cookie instead.

A successful sign-in also leaves a long-lived device cookie (HttpOnly, only
sent to /signin): failed sign-ins by others never slow down a browser that
carries it for that user (`accord.access.sign_in`).
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from accord.access import (
    DEVICE_KEPT,
    PermissionDeniedError,
    Principal,
    Session,
    SignInError,
    TooManyAttemptsError,
    session_user,
    sign_in,
    sign_out,
)
from accord.web.render import render

COOKIE = "accord_session"
PRE_COOKIE = "accord_signin"
DEVICE_COOKIE = "accord_device"
router = APIRouter(include_in_schema=False)


def page_session(request: Request) -> Session:
    """The signed-in session of a page request, or SignInError (→ the sign-in page)."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise SignInError("sign in to continue")
    session = session_user(url=request.app.state.url, token=token)
    request.state.session = session
    return session


PageSession = Annotated[Session, Depends(page_session)]


def page_user(session: PageSession) -> Principal:
    return session.principal


PageUser = Annotated[Principal, Depends(page_user)]


async def csrf_checked(request: Request, session: PageSession) -> Session:
    """The session, once the form's `csrf` field matches it."""
    form = await request.form()
    sent = form.get("csrf")
    if not isinstance(sent, str) or not secrets.compare_digest(sent, session.csrf_token):
        raise PermissionDeniedError(
            "this form did not come from this session (CSRF check failed): "
            "reload the page and try again"
        )
    return session


FormSession = Annotated[Session, Depends(csrf_checked)]


def _safe_next(target: str | None) -> str:
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _signin_page(
    request: Request,
    *,
    error: str | None = None,
    login: str = "",
    next_url: str = "/",
    status: int = 200,
) -> Response:
    token = secrets.token_urlsafe(24)
    page = render(
        request,
        "signin.html",
        {"error": error, "login": login, "next": next_url, "pre": token},
        status,
    )
    page.set_cookie(
        PRE_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.secure_cookies,
        path="/signin",
    )
    return page


@router.get("/signin")
def signin_form(request: Request, next: str | None = None) -> Response:
    return _signin_page(request, next_url=_safe_next(next))


@router.post("/signin")
def signin(
    request: Request,
    login: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    pre: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    cookie = request.cookies.get(PRE_COOKIE, "")
    target = _safe_next(next)
    if not cookie or not secrets.compare_digest(cookie, pre):
        return _signin_page(
            request,
            error="the sign-in form expired: please try again",
            login=login,
            next_url=target,
            status=403,
        )
    client = request.client.host if request.client else ""
    try:
        session = sign_in(
            url=request.app.state.url,
            login=login,
            password=password,
            client=client,
            device=request.cookies.get(DEVICE_COOKIE) or None,
        )
    except TooManyAttemptsError as exc:
        page = _signin_page(request, error=str(exc), login=login, next_url=target, status=429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except SignInError as exc:
        return _signin_page(request, error=str(exc), login=login, next_url=target, status=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        session.token,
        httponly=True,
        samesite="lax",
        secure=request.app.state.secure_cookies,
        path="/",
    )
    response.delete_cookie(PRE_COOKIE, path="/signin")
    if session.device:
        response.set_cookie(
            DEVICE_COOKIE,
            session.device,
            max_age=int(DEVICE_KEPT.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=request.app.state.secure_cookies,
            path="/signin",
        )
    return response


@router.post("/signout")
def signout(request: Request, session: FormSession) -> Response:
    sign_out(url=request.app.state.url, token=session.token)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
