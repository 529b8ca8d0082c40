"""My agenda: today's actions with complete / snooze / dismiss, and a one-form touchpoint log.

The page is written against `AgendaPort`, the interface of the agenda service
(issue 5, `accord.services_agenda`); `create_app` is handed the port, and
`wired_agenda` finds the service module. Logging a touchpoint from an item goes
through `accord.services_ledger` (scoped, audited) first; the stored row is then
handed to `complete(log_touchpoint=…)`, so the agenda links it and need not
write it again.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, FastAPI, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response

from accord import services_ledger as ledger
from accord.errors import AccordError
from accord.ledger_input import InvalidFieldsError
from accord.web.auth import FormSession, PageUser
from accord.web.render import render

router = APIRouter(include_in_schema=False)


class AgendaItem(Protocol):
    """One action, as the agenda service describes it (read-only fields)."""

    @property
    def kind(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def contact_id(self) -> str | None: ...
    @property
    def reason(self) -> str: ...
    @property
    def evidence(self) -> Mapping[str, Any]: ...
    @property
    def due(self) -> date: ...
    @property
    def priority(self) -> float: ...
    @property
    def key(self) -> str: ...


class AgendaPort(Protocol):
    """What the pages and the API need from the agenda service."""

    def agenda(self, *, url: str | None, user_id: str, as_of: date) -> Sequence[AgendaItem]: ...

    def complete(
        self, *, url: str | None, user_id: str, key: str, log_touchpoint: dict[str, Any] | None
    ) -> None: ...

    def snooze(self, *, url: str | None, user_id: str, key: str, until: date) -> None: ...

    def dismiss(self, *, url: str | None, user_id: str, key: str, reason: str) -> None: ...


class ServiceUnavailableError(AccordError):
    """A service this page needs is not wired into this build (503)."""


class _Unwired:
    """Stands in until the agenda service is merged: every call says so."""

    def _no(self) -> ServiceUnavailableError:
        return ServiceUnavailableError(
            "the agenda service (accord.services_agenda) is not part of this build"
        )

    def agenda(self, *, url: str | None, user_id: str, as_of: date) -> Sequence[AgendaItem]:
        raise self._no()

    def complete(
        self, *, url: str | None, user_id: str, key: str, log_touchpoint: dict[str, Any] | None
    ) -> None:
        raise self._no()

    def snooze(self, *, url: str | None, user_id: str, key: str, until: date) -> None:
        raise self._no()

    def dismiss(self, *, url: str | None, user_id: str, key: str, reason: str) -> None:
        raise self._no()


def wired_agenda() -> AgendaPort:
    """The agenda service module (issue 5), or a stand-in that answers 503 until it is merged."""
    try:
        module: Any = importlib.import_module("accord.services_agenda")
    except ImportError:
        return _Unwired()
    port: AgendaPort = module
    return port


def agenda_port(app: FastAPI) -> AgendaPort:
    port: AgendaPort = app.state.agenda
    return port


def _as_of(request: Request) -> date:
    fixed: date | None = request.app.state.as_of
    return fixed or date.today()


@router.get("/agenda")
def agenda_page(request: Request, user: PageUser) -> Response:
    as_of = _as_of(request)
    items = agenda_port(request.app).agenda(
        url=request.app.state.url, user_id=user.user_id, as_of=as_of
    )
    names = _account_names(request, user, {i.account_id for i in items})
    ordered = sorted(items, key=lambda i: (-i.priority, i.due, i.key))
    return render(
        request,
        "agenda.html",
        {"items": ordered, "names": names, "as_of": as_of, "errors": {}, "channels": _CHANNELS},
    )


_CHANNELS = ("call", "meeting", "email", "visit", "message", "event", "other")


def _account_names(request: Request, user: Any, ids: set[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    for account_id in ids:
        try:
            row = ledger.get_row(
                url=request.app.state.url,
                principal=user,
                table="accounts",
                key={"account_id": account_id},
            )
            names[account_id] = str(row.values["name"])
        except AccordError:
            names[account_id] = account_id
    return names


Key = Annotated[str, PathParam(max_length=500)]


@router.post("/agenda/{key}/complete")
async def complete(request: Request, key: Key, session: FormSession) -> Response:
    form = await request.form()
    url, user = request.app.state.url, session.principal
    logged: dict[str, Any] | None = None
    if form.get("log") == "on" or form.get("summary"):
        import secrets

        values = {
            "touchpoint_id": f"web-to-{secrets.token_hex(5)}",
            "account_id": str(form.get("account_id", "")),
            "occurred_at": str(form.get("occurred_at") or _as_of(request).isoformat() + "T12:00"),
            "channel": str(form.get("channel", "")),
            "direction": str(form.get("direction", "mutual")),
            "purpose": str(form.get("purpose", "")),
            "contact_ids": [str(form.get("contact_id"))] if form.get("contact_id") else [],
            "summary": str(form.get("summary", "")),
            "user_id": user.user_id,
        }
        try:
            logged = ledger.create_row(
                url=url, principal=user, table="touchpoints", values=values
            ).public()
        except InvalidFieldsError as exc:
            as_of = _as_of(request)
            items = agenda_port(request.app).agenda(url=url, user_id=user.user_id, as_of=as_of)
            names = _account_names(request, user, {i.account_id for i in items})
            return render(
                request,
                "agenda.html",
                {
                    "items": items,
                    "names": names,
                    "as_of": as_of,
                    "errors": {key: exc.fields},
                    "channels": _CHANNELS,
                },
                422,
            )
    agenda_port(request.app).complete(url=url, user_id=user.user_id, key=key, log_touchpoint=logged)
    return RedirectResponse("/agenda", status_code=303)


@router.post("/agenda/{key}/snooze")
async def snooze(request: Request, key: Key, session: FormSession) -> Response:
    form = await request.form()
    try:
        until = date.fromisoformat(str(form.get("until", "")))
    except ValueError:
        raise InvalidFieldsError({"until": "must be a date (YYYY-MM-DD)"}) from None
    agenda_port(request.app).snooze(
        url=request.app.state.url, user_id=session.principal.user_id, key=key, until=until
    )
    return RedirectResponse("/agenda", status_code=303)


@router.post("/agenda/{key}/dismiss")
async def dismiss(request: Request, key: Key, session: FormSession) -> Response:
    form = await request.form()
    reason = str(form.get("reason", "")).strip()[:500]
    if not reason:
        raise InvalidFieldsError({"reason": "say why you dismiss it (it helps the next review)"})
    agenda_port(request.app).dismiss(
        url=request.app.state.url, user_id=session.principal.user_id, key=key, reason=reason
    )
    return RedirectResponse("/agenda", status_code=303)


__all__ = ["AgendaPort", "ServiceUnavailableError", "agenda_port", "router", "wired_agenda"]
