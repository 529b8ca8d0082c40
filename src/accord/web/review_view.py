"""The monthly relationship review: viewable in the browser, downloadable as PDF.

Built by the review service (`accord.services_agenda.write_review`, the same
HTML and PDF as `accord review --out`). Scope: a seller sees their own
review, a manager their team's, an admin any team or the whole book.
"""

from __future__ import annotations

import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from accord import services, services_agenda
from accord.access import Principal
from accord.ledger_input import InvalidFieldsError
from accord.web.auth import PageUser
from accord.web.render import render

router = APIRouter(include_in_schema=False)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _scope(user: Principal, team: str | None) -> tuple[str | None, str | None]:
    """(team, user_id) the caller may review: sellers themselves, managers their team."""
    if user.is_admin:
        return (team or None), None
    if user.is_manager:
        return user.team, (None if user.team else user.user_id)
    return None, user.user_id


def _month(request: Request, month: str | None) -> str:
    if month is None or month == "":
        fixed = request.app.state.as_of
        return (fixed or date.today()).strftime("%Y-%m")
    if not _MONTH.match(month):
        raise InvalidFieldsError({"month": "must be a month (YYYY-MM)"})
    return month


Month = Annotated[str | None, Query(max_length=7)]
Team = Annotated[str | None, Query(max_length=200)]


@router.get("/review")
def review_page(
    request: Request, user: PageUser, month: Month = None, team: Team = None
) -> Response:
    scope_team, scope_user = _scope(user, team)
    context: dict[str, Any] = {"team": scope_team or "", "scope_user": scope_user, "errors": {}}
    try:
        chosen = _month(request, month)
    except InvalidFieldsError as exc:  # drawn again with the message beside the field
        context |= {"month": month or "", "errors": exc.fields}
        return render(request, "review.html", context, 422)
    return render(request, "review.html", context | {"month": chosen})


def _report(
    request: Request, user: Principal, month: str | None, team: str | None, suffix: str
) -> bytes:
    chosen = _month(request, month)
    scope_team, scope_user = _scope(user, team)
    with tempfile.TemporaryDirectory(prefix="accord-review-") as scratch:
        out = Path(scratch) / f"review-{chosen}{suffix}"
        services_agenda.write_review(
            url=request.app.state.url,
            month=chosen,
            out=out,
            team=scope_team,
            user_id=scope_user,
            settings=services.load_config(),
        )
        return out.read_bytes()


@router.get("/review/report.html")
def review_html(
    request: Request, user: PageUser, month: Month = None, team: Team = None
) -> Response:
    body = _report(request, user, month, team, ".html")
    return Response(
        body,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": (
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                "frame-ancestors 'self'"
            )
        },
    )


@router.get("/review/report.pdf")
def review_pdf(
    request: Request, user: PageUser, month: Month = None, team: Team = None
) -> Response:
    chosen = _month(request, month)
    body = _report(request, user, chosen, team, ".pdf")
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="accord-review-{chosen}.pdf"'},
    )
