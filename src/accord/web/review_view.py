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

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from accord import services, services_agenda
from accord.access import Principal, scoped_account_ids
from accord.ledger_input import InvalidFieldsError
from accord.services_review import read_answers
from accord.storage.engines import engine_for
from accord.storage.tables import LEDGER_TABLES
from accord.web.auth import FormSession, PageUser
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
    """?month=, else the month of ?as_of=, of the server's fixed date, or of today."""
    if month is None or month == "":
        raw = request.query_params.get("as_of")
        if raw:
            try:
                return date.fromisoformat(raw).strftime("%Y-%m")
            except ValueError:
                raise InvalidFieldsError({"as_of": "must be a date (YYYY-MM-DD)"}) from None
        fixed = request.app.state.as_of
        return (fixed or date.today()).strftime("%Y-%m")
    if not _MONTH.match(month):
        raise InvalidFieldsError({"month": "must be a month (YYYY-MM)"})
    return month


Month = Annotated[str | None, Query(max_length=7)]
Team = Annotated[str | None, Query(max_length=200)]


def _answerable(request: Request, user: Principal) -> list[tuple[str, str]]:
    """(account_id, name) the caller may answer for: the accounts in their scope."""
    accounts = LEDGER_TABLES["accounts"]
    with engine_for(request.app.state.url).connect() as conn:
        rows = conn.execute(
            sa.select(accounts.c.account_id, accounts.c.name)
            .where(accounts.c.account_id.in_(scoped_account_ids(user)))
            .order_by(accounts.c.name, accounts.c.account_id)
        ).all()
    return [(str(r[0]), str(r[1])) for r in rows]


def _answers(request: Request, month: str, ids: list[str]) -> dict[str, Any]:
    with engine_for(request.app.state.url).connect() as conn:
        return dict(read_answers(conn, month, ids))


@router.get("/review")
def review_page(
    request: Request, user: PageUser, month: Month = None, team: Team = None
) -> Response:
    return _review_page(request, user, month, team)


def _review_page(
    request: Request,
    user: Principal,
    month: str | None,
    team: str | None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    scope_team, scope_user = _scope(user, team)
    context: dict[str, Any] = {"team": scope_team or "", "scope_user": scope_user}
    try:
        chosen = _month(request, month)
    except InvalidFieldsError as exc:  # drawn again with the message beside the field
        context |= {"month": month or "", "errors": exc.fields, "accounts": [], "answers": {}}
        return render(request, "review.html", context, 422)
    accounts = _answerable(request, user)
    context |= {
        "month": chosen,
        "accounts": accounts,
        "answers": _answers(request, chosen, [a for a, _ in accounts]),
        "errors": errors or {},
    }
    return render(request, "review.html", context, status)


@router.post("/review/answer")
async def answer(request: Request, session: FormSession) -> Response:
    """The seller's answer for one account and month (what they do to perpetuate it)."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    user = session.principal
    chosen = _month(request, form.get("month") or None)
    problems: dict[str, str] = {}
    allowed = {a for a, _ in _answerable(request, user)}
    if form.get("account_id") not in allowed:
        problems["account_id"] = "choose one of your accounts"
    if not form.get("answer", "").strip():
        problems["answer"] = "say what you are doing to perpetuate the relationship"
    for name in ("answer", "commitment"):
        if len(form.get(name, "")) > 2000:
            problems[name] = "must be at most 2000 characters"
    if problems:
        return _review_page(request, user, chosen, None, problems, 422)
    services_agenda.answer_review(
        url=request.app.state.url,
        month=chosen,
        account_id=form["account_id"],
        user_id=user.user_id,
        answer=form["answer"],
        commitment=form.get("commitment") or None,
        allowed_accounts=allowed,
    )
    return RedirectResponse(f"/review?month={chosen}", status_code=303)


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
