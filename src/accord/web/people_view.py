"""Duplicates: the groups that look like one person or company, merge with one click, undo.

For managers (their team's records) and admins (all); sellers get 403. Every
merge and undo is a POST with the session's CSRF token and is audited as the
signed-in user (`accord.people_audit`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from accord import services_duplicates
from accord.ledger_input import InvalidFieldsError
from accord.web.auth import FormSession, PageUser
from accord.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/duplicates")
def duplicates_page(request: Request, user: PageUser) -> Response:
    url = request.app.state.url
    groups = services_duplicates.duplicates(url=url, principal=user)
    done = services_duplicates.merges(url=url, principal=user)
    message = request.query_params.get("done", "")[:200]
    return render(
        request, "duplicates.html", {"groups": groups, "merges": done, "message": message}
    )


@router.post("/duplicates/merge")
async def merge(request: Request, session: FormSession) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")).strip()[:200] for k in ("kind", "keep", "drop")}
    problems = {k: "is required" for k, v in values.items() if not v}
    if values["kind"] and values["kind"] not in ("contact", "account"):
        problems["kind"] = "must be contact or account"
    if problems:
        raise InvalidFieldsError(problems)
    result = services_duplicates.merge(
        url=request.app.state.url,
        principal=session.principal,
        kind=values["kind"],
        keep=values["keep"],
        drop=values["drop"],
    )
    return RedirectResponse(f"/duplicates?done=merged+{result.entry_id}", status_code=303)


@router.post("/duplicates/undo/{entry_id}")
async def undo(
    request: Request, entry_id: Annotated[int, Path(ge=1, le=2**62)], session: FormSession
) -> Response:
    services_duplicates.undo(
        url=request.app.state.url, principal=session.principal, entry_id=entry_id
    )
    return RedirectResponse(f"/duplicates?done=undid+{entry_id}", status_code=303)
