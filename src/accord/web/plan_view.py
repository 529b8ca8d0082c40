"""The account plan page: read the plan and the map of their people, and edit both.

Scoped like every account page (another seller's account is 404, exactly as
one that does not exist). The plan and its people are read through
`accord.services_plans.plan_show` (our relationship strength to each person is
computed there, never stored); every write goes through the scoped ledger
service (`accord.services_ledger`), so it is checked, versioned and audited
field by field in the same transaction, exactly like the touchpoint form. A
form with a wrong field is drawn again with the message beside it (422) and
nothing is written.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from accord import services, services_plans
from accord import services_ledger as ledger
from accord.access import Principal
from accord.domain import enums as e
from accord.ledger_input import InvalidFieldsError
from accord.web.auth import FormSession, PageUser
from accord.web.pages import AccountId, PageDate
from accord.web.render import render

router = APIRouter(include_in_schema=False)
ContactId = Annotated[str, Path(max_length=200)]

PLAN_TEXT = (
    ("mutual_benefit", "Why this relationship is worth having, for both sides"),
    ("business_drivers", "Their business drivers"),
    ("current_challenges", "Their current challenges"),
    ("future_challenges", "Their future challenges"),
    ("point_of_view", "Our point of view on their challenges"),
)
PERSON_FIELDS = ("decision_role", "gap", "notes", "desired_owner_id")
INTENTS = [i.value for i in e.Intent]
ROLES = [r.value for r in e.DecisionRole]


def _url(account_id: str, as_of: date, anchor: str = "") -> str:
    return f"/accounts/{account_id}/plan?as_of={as_of.isoformat()}" + (
        f"#{anchor}" if anchor else ""
    )


def _plan_page(
    request: Request,
    user: Principal,
    account_id: str,
    as_of: date,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    url = request.app.state.url
    ledger.get_row(url=url, principal=user, table="accounts", key={"account_id": account_id})
    plan = services_plans.plan_show(
        url=url, account_id=account_id, as_of=as_of, settings=services.load_config()
    )
    scope = {"account_id": account_id}
    stored = ledger.list_rows(
        url=url, principal=user, table="account_plans", filters=scope, limit=1
    ).items
    plan_row = stored[0] if stored else None
    people_rows = {
        r.values["contact_id"]: r
        for r in ledger.list_rows(
            url=url, principal=user, table="plan_people", filters=scope, limit=500
        ).items
    }
    users = ledger.list_rows(url=url, principal=user, table="users", sort="name", limit=500).items
    form_values: dict[str, dict[str, Any]] = {"plan": _plan_values(plan_row)}
    for cid, row in people_rows.items():
        form_values[f"person-{cid}"] = {k: row.values.get(k) or "" for k in PERSON_FIELDS}
    form_values["person-new"] = {}
    form_values |= values or {}
    return render(
        request,
        "plan.html",
        {
            "plan": plan,
            "plan_row": plan_row,
            "people_rows": people_rows,
            "addable": [p for p in plan.people if p.contact_id not in people_rows],
            "users": [(u.values["user_id"], u.values["name"]) for u in users],
            "plan_text": PLAN_TEXT,
            "intents": INTENTS,
            "roles": ROLES,
            "errors": errors or {},
            "values": form_values,
        },
        status,
    )


def _plan_values(row: ledger.Row | None) -> dict[str, Any]:
    if row is None:
        return {}
    out = {k: row.values.get(k) or "" for k, _ in PLAN_TEXT}
    out["intent"] = row.values.get("intent") or ""
    out["intent_reason"] = row.values.get("intent_reason") or ""
    out["objectives"] = "\n".join((row.values.get("objectives") or "").split(";"))
    return out


def _refused(
    request: Request,
    user: Principal,
    account_id: str,
    as_of: date,
    form: str,
    exc: InvalidFieldsError,
    submitted: dict[str, Any],
) -> Response:
    """The plan page again (422), with one form's values and what is wrong with them."""
    return _plan_page(
        request,
        user,
        account_id,
        as_of,
        errors={form: exc.fields},
        values={form: submitted},
        status=422,
    )


@router.get("/accounts/{account_id}/plan")
def plan_page(request: Request, account_id: AccountId, user: PageUser, as_of: PageDate) -> Response:
    return _plan_page(request, user, account_id, as_of)


async def _fields(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    form = await request.form()
    return {k: str(form.get(k, "")).strip() for k in names}


@router.post("/accounts/{account_id}/plan")
async def save_plan(
    request: Request, account_id: AccountId, session: FormSession, as_of: PageDate
) -> Response:
    """Write the plan (create it, or change it at the version the form was drawn from);
    saving stamps `updated_on` with the page's date and `user_id` with the writer."""
    names = (*(k for k, _ in PLAN_TEXT), "intent", "intent_reason", "objectives", "version")
    submitted = await _fields(request, names)
    url, user = request.app.state.url, session.principal
    ledger.get_row(url=url, principal=user, table="accounts", key={"account_id": account_id})
    objectives = [x.strip() for x in submitted["objectives"].splitlines() if x.strip()]
    values: dict[str, Any] = {k: submitted[k] for k, _ in PLAN_TEXT}
    values |= {
        "intent": submitted["intent"],
        "intent_reason": submitted["intent_reason"],
        "objectives": objectives,
        "updated_on": as_of.isoformat(),
        "user_id": user.user_id,
    }
    try:
        if submitted["version"]:
            ledger.update_row(
                url=url,
                principal=user,
                table="account_plans",
                key={"account_id": account_id},
                changes=values,
                if_match=submitted["version"],
            )
        else:
            ledger.create_row(
                url=url,
                principal=user,
                table="account_plans",
                values=values | {"account_id": account_id},
            )
    except InvalidFieldsError as exc:
        return _refused(request, user, account_id, as_of, "plan", exc, submitted)
    return RedirectResponse(_url(account_id, as_of, "plan"), status_code=303)


@router.post("/accounts/{account_id}/plan/people")
async def add_person(
    request: Request, account_id: AccountId, session: FormSession, as_of: PageDate
) -> Response:
    """Put one of the account's contacts on the map, with their role, gap and owner."""
    submitted = await _fields(request, ("contact_id", *PERSON_FIELDS))
    url, user = request.app.state.url, session.principal
    ledger.get_row(url=url, principal=user, table="accounts", key={"account_id": account_id})
    try:
        ledger.create_row(
            url=url,
            principal=user,
            table="plan_people",
            values=submitted | {"account_id": account_id},
        )
    except InvalidFieldsError as exc:
        return _refused(request, user, account_id, as_of, "person-new", exc, submitted)
    return RedirectResponse(_url(account_id, as_of, "people"), status_code=303)


@router.post("/accounts/{account_id}/plan/people/{contact_id}")
async def edit_person(
    request: Request,
    account_id: AccountId,
    contact_id: ContactId,
    session: FormSession,
    as_of: PageDate,
) -> Response:
    submitted = await _fields(request, (*PERSON_FIELDS, "version"))
    url, user = request.app.state.url, session.principal
    version = submitted.pop("version")
    try:
        ledger.update_row(
            url=url,
            principal=user,
            table="plan_people",
            key={"account_id": account_id, "contact_id": contact_id},
            changes=submitted,
            if_match=version,
        )
    except InvalidFieldsError as exc:
        form = f"person-{contact_id}"
        return _refused(request, user, account_id, as_of, form, exc, submitted)
    return RedirectResponse(_url(account_id, as_of, "people"), status_code=303)


@router.post("/accounts/{account_id}/plan/people/{contact_id}/remove")
async def remove_person(
    request: Request,
    account_id: AccountId,
    contact_id: ContactId,
    session: FormSession,
    as_of: PageDate,
) -> Response:
    submitted = await _fields(request, ("version",))
    ledger.delete_row(
        url=request.app.state.url,
        principal=session.principal,
        table="plan_people",
        key={"account_id": account_id, "contact_id": contact_id},
        if_match=submitted["version"],
    )
    return RedirectResponse(_url(account_id, as_of, "people"), status_code=303)
