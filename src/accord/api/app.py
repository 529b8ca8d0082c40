"""The application factory: the REST API under /api/v1 and the pages, on one book.

Nothing is built at import time: `create_app` takes the database URL (and, for
tests and demos, a fixed date the pages look from); the pages and the API call
the service layer (ledger, agenda, review, decision, people) directly. Every
response carries a strict Content-Security-Policy (own origin only: no CDN, no
inline script).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from accord.api import errors, review_answers
from accord.api.deps import BodyLimit
from accord.api.routes import router as api_router
from accord.storage.engines import dispose_all, engine_for
from accord.web import (
    agenda_view,
    auth,
    decision_view,
    pages,
    people_view,
    plan_view,
    review_view,
    tokens_view,
)
from accord.web.render import HERE, error_page

MAX_BODY = 2 * 1024 * 1024
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'self'; base-uri 'none'"
)


def create_app(
    *,
    url: str | None,
    as_of: date | None = None,
    secure_cookies: bool = True,
    max_body: int = MAX_BODY,
) -> FastAPI:
    """The web application and REST API over the book at `url` (checked up to date now)."""
    engine_for(url)  # fail early on a missing or old database

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        dispose_all()

    app = FastAPI(
        title="accord",
        version="1",
        summary="The ledger of every customer relationship: health, patterns, lifetime value.",
        description=(
            "Every ledger table is a collection under /api/v1 (create, read, update, list, "
            "delete). Authenticate with `Authorization: Bearer <token>` (`accord token create`). "
            "Updates and deletes send the version they read in `If-Match`; a stale one gets 412. "
            "Errors are RFC 9457 problem details naming each wrong field."
        ),
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.url = url
    app.state.as_of = as_of
    app.state.secure_cookies = secure_cookies
    errors.install(app, error_page)
    app.include_router(api_router)
    app.include_router(review_answers.router)  # issue 17: answers at the monthly review
    app.include_router(auth.router)
    app.include_router(pages.router)
    app.include_router(agenda_view.router)
    app.include_router(review_view.router)
    app.include_router(decision_view.router)
    app.include_router(people_view.router)
    app.include_router(plan_view.router)
    app.include_router(tokens_view.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.add_middleware(BodyLimit, limit=max_body)
    _problems_documented_as_sent(app)
    return app


def _problems_documented_as_sent(app: FastAPI) -> None:
    """The document says what the server does: error answers are `application/problem+json`,
    the type they are sent as (FastAPI would say application/json), and `If-Match` is
    required (a change without it is refused with 428, not let through)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    for parameter in operation.get("parameters", []):
                        if parameter.get("in") == "header" and parameter["name"] == "If-Match":
                            parameter["required"] = True
                    for code, answer in operation.get("responses", {}).items():
                        content = answer.get("content", {})
                        if code[:1] in "45" and "application/json" in content:
                            answer["content"] = {
                                "application/problem+json": content.pop("application/json")
                            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
