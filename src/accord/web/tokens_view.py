"""My API tokens: list, create (shown once), revoke — one's own tokens only.

Every user may manage their own tokens here (an admin manages everyone's with
`accord token list|revoke`). A new token is shown once, on the page that
answers the create form; only its digest is stored. Forms carry the session's
CSRF token.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from accord import access, services
from accord.ledger_input import InvalidFieldsError
from accord.web.auth import FormSession, PageUser
from accord.web.render import render

router = APIRouter(include_in_schema=False)
LIFETIMES = ("30d", "90d", "365d", "never")


def _page(
    request: Request, user: access.Principal, *, new: str | None = None, status: int = 200
) -> Response:
    tokens = access.list_tokens(url=request.app.state.url, user_id=user.user_id)
    message = request.query_params.get("done", "")[:200]
    default = f"{services.load_config().access.token_days}d"
    context = {
        "tokens": [t.record() for t in tokens],
        "new_token": new,
        "message": message,
        "lifetimes": LIFETIMES,
        "default_lifetime": default if default in LIFETIMES else "90d",
    }
    return render(request, "tokens.html", context, status)


@router.get("/tokens")
def tokens_page(request: Request, user: PageUser) -> Response:
    return _page(request, user)


@router.post("/tokens")
def create(
    request: Request,
    session: FormSession,
    name: Annotated[str, Form(max_length=200)] = "",
    expires_in: Annotated[str, Form(max_length=20)] = "90d",
) -> Response:
    label = name.strip()
    if not label:
        raise InvalidFieldsError({"name": "is required: a label to recognise the token by"})
    if expires_in not in LIFETIMES:
        raise InvalidFieldsError({"expires_in": f"must be one of {', '.join(LIFETIMES)}"})
    token = access.create_token(
        url=request.app.state.url,
        user_id=session.principal.user_id,
        name=label,
        expires_in=access.parse_duration(expires_in),
    )
    return _page(request, session.principal, new=token, status=201)


@router.post("/tokens/{token_id}/revoke")
def revoke(
    request: Request,
    token_id: Annotated[str, Path(max_length=access.TOKEN_ID_LENGTH)],
    session: FormSession,
) -> Response:
    gone = access.revoke_token(
        url=request.app.state.url, token_id=token_id, user_id=session.principal.user_id
    )
    return RedirectResponse(f"/tokens?done=revoked+{gone.token_id}", status_code=303)
