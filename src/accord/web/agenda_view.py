"""My agenda: today's actions with complete / snooze / dismiss, and a one-form touchpoint log.

The page calls the agenda service (`accord.services_agenda`) directly. Completing
an item with "log a touchpoint" ticked hands the touchpoint to
`complete_item(touchpoint=…)`, which stores it, its audit entry and the
decision in one transaction: the touchpoint is written once, by the agenda.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response

from accord import services, services_agenda
from accord.access import PermissionDeniedError, Principal, users_in_scope
from accord.domain import enums
from accord.ledger_input import InvalidFieldsError
from accord.storage.engines import engine_for
from accord.web.auth import FormSession, PageUser
from accord.web.render import render

router = APIRouter(include_in_schema=False)

CHANNELS = tuple(str(c.value) for c in enums.Channel)
PURPOSES = tuple(str(p.value) for p in enums.Purpose)
DIRECTIONS = tuple(str(d.value) for d in enums.Direction)


def page_date(request: Request) -> date:
    """The page's date: ?as_of= (YYYY-MM-DD), else the server's fixed date (tests, demos),
    else today."""
    raw = request.query_params.get("as_of")
    if raw:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise InvalidFieldsError({"as_of": "must be a date (YYYY-MM-DD)"}) from None
    fixed: date | None = request.app.state.as_of
    return fixed or date.today()


def _back(request: Request, seller: str | None = None) -> str:
    """Where a form returns to: the agenda of the same date (and seller)."""
    query = {k: v for k, v in (("as_of", request.query_params.get("as_of")), ("user", seller)) if v}
    return "/agenda" + (f"?{urlencode(query)}" if query else "")


def _seller(request: Request, user: Principal) -> str:
    """Whose agenda the page shows: the caller's own, or (?user=) a seller in their scope."""
    wanted = request.query_params.get("user")
    if not wanted or wanted == user.user_id:
        return user.user_id
    if not (user.is_manager or user.is_admin):
        raise PermissionDeniedError("only a manager or an admin sees another seller's agenda")
    engine = engine_for(request.app.state.url)
    with engine.connect() as conn:
        allowed = users_in_scope(conn, user)
    if allowed is not None and wanted not in allowed:
        raise PermissionDeniedError(f"user {wanted!r} is not in your team")
    return wanted


def _page(
    request: Request,
    user: Principal,
    errors: dict[str, dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    as_of = page_date(request)
    seller = _seller(request, user)
    found = services_agenda.agenda(
        url=request.app.state.url,
        user_id=seller,
        as_of=as_of,
        settings=services.load_config(),
    )
    return render(
        request,
        "agenda.html",
        {
            "agenda": found,
            "items": found.items,
            "as_of": as_of,
            "own": seller == user.user_id,
            "manager": user.is_manager or user.is_admin,
            "query": _back(request, None if seller == user.user_id else seller)[len("/agenda") :],
            "errors": errors or {},
            "channels": CHANNELS,
            "purposes": PURPOSES,
            "directions": DIRECTIONS,
        },
        status,
    )


@router.get("/agenda")
def agenda_page(request: Request, user: PageUser) -> Response:
    return _page(request, user)


@router.get("/agenda/team")
def team_page(request: Request, user: PageUser) -> Response:
    """A manager's view: each seller's agenda, completion rate and overdue promises."""
    as_of = page_date(request)
    team = request.query_params.get("team") or None
    if user.is_admin and team:
        view = services_agenda.team_agenda(
            url=request.app.state.url, team=team, as_of=as_of, settings=services.load_config()
        )
    elif user.is_manager or user.is_admin:
        view = services_agenda.team_agenda(
            url=request.app.state.url,
            manager_id=user.user_id,
            as_of=as_of,
            settings=services.load_config(),
        )
    else:
        raise PermissionDeniedError("the team's agendas are for managers")
    return render(request, "agenda_team.html", {"view": view, "as_of": as_of})


ItemId = Annotated[str, PathParam(max_length=100)]


def _touchpoint(form: dict[str, str]) -> services_agenda.NewTouchpoint:
    """The touchpoint of the complete form, or InvalidFieldsError naming each wrong field."""
    problems: dict[str, str] = {}
    chosen: dict[str, str] = {}
    for name, allowed, default in (
        ("channel", CHANNELS, "call"),
        ("purpose", PURPOSES, ""),  # blank: unlabelled, inferred from the summary
        ("direction", DIRECTIONS, "outbound"),
    ):
        value = form.get(name) or default
        if value and value not in allowed:
            problems[name] = f"must be one of: {', '.join(allowed)}"
        chosen[name] = value
    minutes: int | None = None
    if form.get("minutes"):
        try:
            minutes = int(form["minutes"])
        except ValueError:
            problems["minutes"] = "must be a whole number"
        else:
            if minutes < 0:
                problems["minutes"] = "must be at least 0"
    summary = form.get("summary", "").strip()
    if len(summary) > 2000:
        problems["summary"] = "must be at most 2000 characters"
    if problems:
        raise InvalidFieldsError(problems)
    return services_agenda.NewTouchpoint(
        channel=chosen["channel"],
        purpose=chosen["purpose"] or None,
        direction=chosen["direction"],
        minutes=minutes,
        summary=summary or None,
    )


@router.post("/agenda/{item_id}/complete")
async def complete(request: Request, item_id: ItemId, session: FormSession) -> Response:
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    user = session.principal
    touchpoint = None
    if form.get("log") == "on":
        try:
            touchpoint = _touchpoint(form)
        except InvalidFieldsError as exc:
            return _page(request, user, {item_id: exc.fields}, 422)
    values: dict[str, float] = {}
    for pair in filter(None, (p.strip() for p in form.get("values", "").split(";"))):
        metric, sep, number = pair.partition("=")
        try:
            values[metric.strip()] = float(number)
        except ValueError:
            return _page(request, user, {item_id: {"values": "must be METRIC=NUMBER; …"}}, 422)
        if not sep or not metric.strip():
            return _page(request, user, {item_id: {"values": "must be METRIC=NUMBER; …"}}, 422)
    services_agenda.complete_item(
        url=request.app.state.url,
        user_id=user.user_id,
        item_id=item_id,
        as_of=page_date(request),
        note=form.get("note", "").strip()[:2000] or None,
        touchpoint=touchpoint,
        settings=services.load_config(),
        completion=services_agenda.Completion(
            values=values, do_differently=form.get("differently", "").strip()[:2000] or None
        ),
    )
    return RedirectResponse(_back(request), status_code=303)


@router.post("/agenda/{item_id}/snooze")
async def snooze(request: Request, item_id: ItemId, session: FormSession) -> Response:
    form = await request.form()
    as_of = page_date(request)
    try:
        until = date.fromisoformat(str(form.get("until", "")))
    except ValueError:
        problem = {"until": "pick a date to snooze to"}
        return _page(request, session.principal, {item_id: problem}, 422)
    if until <= as_of:
        problem = {"until": f"must be after {as_of.isoformat()}"}
        return _page(request, session.principal, {item_id: problem}, 422)
    services_agenda.snooze_item(
        url=request.app.state.url,
        user_id=session.principal.user_id,
        item_id=item_id,
        until=until,
        as_of=as_of,
        settings=services.load_config(),
    )
    return RedirectResponse(_back(request), status_code=303)


@router.post("/agenda/{item_id}/dismiss")
async def dismiss(request: Request, item_id: ItemId, session: FormSession) -> Response:
    form = await request.form()
    reason = str(form.get("reason", "")).strip()[:500]
    if not reason:
        problem = {"reason": "say why you dismiss it (it helps the next review)"}
        return _page(request, session.principal, {item_id: problem}, 422)
    services_agenda.dismiss_item(
        url=request.app.state.url,
        user_id=session.principal.user_id,
        item_id=item_id,
        reason=reason,
        as_of=page_date(request),
        settings=services.load_config(),
    )
    return RedirectResponse(_back(request), status_code=303)


__all__ = ["page_date", "router"]
