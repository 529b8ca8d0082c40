"""The customer-facing decision one-pager of an opportunity, in the app and as PDF.

The same page as `accord decision ID --out x.html` (`accord.decision.page`),
built by `accord.services_decision`. The opportunity is read through the scoped
ledger service first, so another seller's opportunity is "not in the book" (404).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from accord import services, services_decision
from accord import services_ledger as ledger
from accord.access import Principal
from accord.decision import render_html, render_pdf
from accord.web.auth import PageUser
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
    found = services_decision.decision(
        url=request.app.state.url,
        opportunity_id=opportunity_id,
        as_of=as_of,
        settings=services.load_config(),
    )
    return render_html(found)


@router.get("/opportunities/{opportunity_id}/decision")
def decision_page(
    request: Request, opportunity_id: OpportunityId, user: PageUser, as_of: PageDate
) -> Response:
    row = ledger.get_row(
        url=request.app.state.url,
        principal=user,
        table="opportunities",
        key={"opportunity_id": opportunity_id},
    )
    return render(request, "decision.html", {"opportunity": row.values, "as_of": as_of})


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
