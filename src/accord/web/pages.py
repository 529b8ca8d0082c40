"""The portfolio, the account page and its forms (touchpoint, commitment, feedback).

Routes parse, call the scoped services, and render; a form with a wrong field
is drawn again with the message beside that field (422) and nothing written.
New rows get server-chosen ids (`web-` + random hex) so they never collide
with the ids of an imported book.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from accord import services_ledger as ledger
from accord import services_web
from accord.domain import enums as e
from accord.domain.schema import BY_NAME
from accord.errors import NotFoundError
from accord.ledger_input import InvalidFieldsError
from accord.web.auth import FormSession, PageUser
from accord.web.render import render
from accord.web.search_view import router as search_router

router = APIRouter(include_in_schema=False)
router.include_router(search_router)  # the header's search box
AccountId = Annotated[str, Path(max_length=200)]

CHOICES = {
    "channel": [c.value for c in e.Channel],
    "direction": [c.value for c in e.Direction],
    "purpose": [c.value for c in e.Purpose],
    "side": [c.value for c in e.Side],
    "kind": [c.value for c in e.FeedbackKind],
}


def page_as_of(request: Request, as_of: Annotated[str | None, Query(max_length=10)] = None) -> date:
    """The date the pages look from: ?as_of=, else the server's fixed date, else today."""
    if as_of:
        try:
            return date.fromisoformat(as_of)
        except ValueError:
            raise InvalidFieldsError({"as_of": "must be a date (YYYY-MM-DD)"}) from None
    fixed: date | None = request.app.state.as_of
    return fixed or date.today()


PageDate = Annotated[date, Depends(page_as_of)]


def _new_id(prefix: str) -> str:
    return f"web-{prefix}-{secrets.token_hex(5)}"


@router.get("/")
def portfolio(
    request: Request,
    user: PageUser,
    as_of: PageDate,
    segment: Annotated[str | None, Query(max_length=200)] = None,
    seller: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    view = services_web.portfolio(
        url=request.app.state.url,
        principal=user,
        as_of=as_of,
        segment=segment or None,
        seller=seller or None,
    )
    return render(
        request, "portfolio.html", {"view": view, "segment": segment or "", "seller": seller or ""}
    )


def _account_page(
    request: Request,
    user: Any,
    account_id: str,
    as_of: date,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    view = services_web.account_view(
        url=request.app.state.url, principal=user, account_id=account_id, as_of=as_of
    )
    defaults = {
        "touchpoint": {
            "occurred_at": datetime.combine(as_of, datetime.now().time()).isoformat(
                timespec="minutes"
            ),
            "channel": "call",
            "direction": "mutual",
            "purpose": "",  # unlabelled unless the seller says: inferred from the summary
        },
        "commitment": {"side": "us", "made_on": as_of.isoformat()},
        "feedback": {"received_on": as_of.isoformat(), "kind": "csat"},
    }
    for form, given in (values or {}).items():
        defaults[form] = given
    return render(
        request,
        "account.html",
        {"view": view, "errors": errors or {}, "values": defaults, "choices": CHOICES},
        status,
    )


@router.get("/accounts/{account_id}")
def account(request: Request, account_id: AccountId, user: PageUser, as_of: PageDate) -> Response:
    return _account_page(request, user, account_id, as_of)


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    out: dict[str, Any] = {}
    for key in form:
        if key == "csrf":
            continue
        items = [v for v in form.getlist(key) if isinstance(v, str)]
        out[key] = items if key == "contact_ids" else (items[0] if items else "")
    return out


def _create_from_form(
    request: Request,
    account_id: str,
    session: Any,
    as_of: date,
    *,
    form_name: str,
    table: str,
    fields: tuple[str, ...],
    submitted: dict[str, Any],
    id_field: str,
) -> Response:
    user = session.principal
    url = request.app.state.url
    ledger.get_row(url=url, principal=user, table="accounts", key={"account_id": account_id})
    values = {k: submitted.get(k, "") for k in fields}
    values |= {id_field: _new_id(form_name[:2]), "account_id": account_id}
    if "user_id" in BY_NAME[table].column_names:  # feedback has no user: it is theirs
        values["user_id"] = user.user_id
    try:
        ledger.create_row(url=url, principal=user, table=table, values=values)
    except InvalidFieldsError as exc:
        return _account_page(
            request,
            user,
            account_id,
            as_of,
            errors={form_name: exc.fields},
            values={form_name: submitted},
            status=422,
        )
    return RedirectResponse(
        f"/accounts/{account_id}?as_of={as_of.isoformat()}#{form_name}", status_code=303
    )


@router.post("/accounts/{account_id}/touchpoints")
async def log_touchpoint(
    request: Request, account_id: AccountId, session: FormSession, as_of: PageDate
) -> Response:
    submitted = await _form(request)
    return _create_from_form(
        request,
        account_id,
        session,
        as_of,
        form_name="touchpoint",
        table="touchpoints",
        fields=(
            "occurred_at",
            "channel",
            "direction",
            "purpose",
            "contact_ids",
            "minutes",
            "summary",
            "tags",
        ),
        submitted=submitted,
        id_field="touchpoint_id",
    )


@router.post("/accounts/{account_id}/commitments")
async def add_commitment(
    request: Request, account_id: AccountId, session: FormSession, as_of: PageDate
) -> Response:
    submitted = await _form(request)
    return _create_from_form(
        request,
        account_id,
        session,
        as_of,
        form_name="commitment",
        table="commitments",
        fields=("side", "made_on", "due_on", "description", "contact_id"),
        submitted=submitted,
        id_field="commitment_id",
    )


@router.post("/accounts/{account_id}/feedback")
async def record_feedback(
    request: Request, account_id: AccountId, session: FormSession, as_of: PageDate
) -> Response:
    submitted = await _form(request)
    return _create_from_form(
        request,
        account_id,
        session,
        as_of,
        form_name="feedback",
        table="feedback",
        fields=("received_on", "kind", "score", "text", "tags", "contact_id"),
        submitted=submitted,
        id_field="feedback_id",
    )


@router.post("/accounts/{account_id}/commitments/{commitment_id}/complete")
async def complete_commitment(
    request: Request,
    account_id: AccountId,
    commitment_id: Annotated[str, Path(max_length=200)],
    session: FormSession,
    as_of: PageDate,
) -> Response:
    submitted = await _form(request)
    url, user = request.app.state.url, session.principal
    row = ledger.get_row(
        url=url, principal=user, table="commitments", key={"commitment_id": commitment_id}
    )
    if row.values["account_id"] != account_id:
        raise NotFoundError(f"there is no commitment {commitment_id!r} in the book")
    try:
        ledger.update_row(
            url=url,
            principal=user,
            table="commitments",
            key={"commitment_id": commitment_id},
            changes={"done_on": submitted.get("done_on") or as_of.isoformat()},
            if_match=str(submitted.get("version", "")),
        )
    except InvalidFieldsError as exc:
        return _account_page(
            request, user, account_id, as_of, errors={"complete": exc.fields}, status=422
        )
    return RedirectResponse(
        f"/accounts/{account_id}?as_of={as_of.isoformat()}#commitments", status_code=303
    )
