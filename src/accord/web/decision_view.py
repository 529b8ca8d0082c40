"""The customer-facing decision one-pager of an opportunity, in the app and as PDF.

The same page as `accord decision ID --out x.html` (`accord.decision.page`),
built by `accord.services_decision`. The opportunity is read through the scoped
ledger service first, so another seller's opportunity is "not in the book" (404).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from accord import services, services_decision
from accord import services_ledger as ledger
from accord.access import Principal
from accord.decision import render_html, render_pdf
from accord.domain.schema import BY_NAME, Column
from accord.errors import BadInputError
from accord.ledger_input import InvalidFieldsError
from accord.services_ledger import ConflictError
from accord.web.auth import FormSession, PageUser
from accord.web.pages import PageDate
from accord.web.render import render

router = APIRouter(include_in_schema=False)
OpportunityId = Annotated[str, Path(max_length=200)]
ONE_PAGER_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)


def _html(request: Request, user: Principal, opportunity_id: str, as_of: date) -> str:
    """The one-pager of an opportunity in the user's scope (NotFoundError otherwise)."""
    ledger.get_row(
        url=request.app.state.url,
        principal=user,
        table="opportunities",
        key={"opportunity_id": opportunity_id},
    )
    settings = services.load_config()
    found = services_decision.decision(
        url=request.app.state.url,
        opportunity_id=opportunity_id,
        as_of=as_of,
        settings=settings,
    )
    return render_html(found, settings.general.currency)


FORMS: dict[str, tuple[str, str]] = {
    "criteria": ("decision_criteria", "Their decision criteria"),
    "alternatives": ("alternatives", "Their alternatives (ours, competitors', doing nothing)"),
    "scores": ("criterion_scores", "Scores: each alternative on each criterion (0–10)"),
    "risks": ("risks", "Risks of the change"),
    "roi": ("roi_flows", "Their return: cost and benefit per period (0: up front)"),
}
"""The decision data a seller enters, form name → (table, heading)."""


def _fields(table: str) -> list[Column]:
    return [c for c in BY_NAME[table].columns if c.name != "opportunity_id"]


def _page(
    request: Request,
    user: Principal,
    opportunity_id: str,
    as_of: date,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    url = request.app.state.url
    row = ledger.get_row(
        url=url, principal=user, table="opportunities", key={"opportunity_id": opportunity_id}
    )
    forms = []
    for name, (table, heading) in FORMS.items():
        rows = services_decision.decision_rows(
            url=url, principal=user, opportunity_id=opportunity_id, table=table
        )
        forms.append({"name": name, "heading": heading, "fields": _fields(table), "rows": rows})
    try:
        found_decision = services_decision.decision(
            url=url, opportunity_id=opportunity_id, as_of=as_of, settings=services.load_config()
        )
        open_points = [w.message for w in found_decision.matrix.warnings]
    except BadInputError as exc:  # e.g. ROI flows that are all costs so far: say so, go on
        open_points = [str(exc)]
    return render(
        request,
        "decision.html",
        {
            "open_points": open_points,
            "opportunity": row.values,
            "as_of": as_of,
            "forms": forms,
            "errors": errors or {},
            "values": values or {},
        },
        status,
    )


@router.get("/opportunities/{opportunity_id}/decision")
def decision_page(
    request: Request, opportunity_id: OpportunityId, user: PageUser, as_of: PageDate
) -> Response:
    return _page(request, user, opportunity_id, as_of)


FormName = Annotated[str, Path(pattern="^(criteria|alternatives|scores|risks|roi)$")]


@router.post("/opportunities/{opportunity_id}/decision/{form}")
async def add_decision_row(
    request: Request,
    opportunity_id: OpportunityId,
    form: FormName,
    session: FormSession,
    as_of: PageDate,
) -> Response:
    """Add a criterion, an alternative, a score, a risk or an ROI flow to the decision."""
    table, _ = FORMS[form]
    raw = await request.form()
    submitted = {
        c.name: str(raw.get(c.name) or "").strip()
        for c in _fields(table)
        if isinstance(raw.get(c.name) or "", str)
    }
    user = session.principal
    url = request.app.state.url
    values = {k: v for k, v in submitted.items() if v != ""}
    try:
        services_decision.add_decision_row(
            url=url, principal=user, opportunity_id=opportunity_id, table=table, values=values
        )
    except InvalidFieldsError as exc:
        return _page(
            request, user, opportunity_id, as_of, {form: exc.fields}, {form: submitted}, 422
        )
    except ConflictError as exc:
        key = next(k for k in BY_NAME[table].key if k != "opportunity_id")
        return _page(
            request, user, opportunity_id, as_of, {form: {key: str(exc)}}, {form: submitted}, 409
        )
    oid = quote(opportunity_id, safe="")
    return RedirectResponse(
        f"/opportunities/{oid}/decision?as_of={as_of.isoformat()}#{form}", status_code=303
    )


@router.get("/opportunities/{opportunity_id}/decision.html")
def decision_html(
    request: Request, opportunity_id: OpportunityId, user: PageUser, as_of: PageDate
) -> Response:
    return Response(
        _html(request, user, opportunity_id, as_of).encode("utf-8"),
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": ONE_PAGER_CSP},
    )


@router.get("/opportunities/{opportunity_id}/decision.pdf")
def decision_pdf(
    request: Request, opportunity_id: OpportunityId, user: PageUser, as_of: PageDate
) -> Response:
    pdf = render_pdf(_html(request, user, opportunity_id, as_of))
    name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in opportunity_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="decision-{name}.pdf"'},
    )
