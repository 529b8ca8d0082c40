"""Every error to a response, in one place: problem details for the API, pages for people.

The exception tree of `accord.errors` (plus the access and version errors of
the service layer) maps to HTTP statuses here and nowhere else. Under /api the
answer is an RFC 9457 problem detail (`application/problem+json`) naming each
wrong field in `errors`; elsewhere the page renderer given to `install` draws it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from accord.access import PermissionDeniedError, SignInError, TooManyAttemptsError
from accord.errors import AccordError, BadInputError, NotFoundError, StorageError
from accord.ledger_input import InvalidFieldsError
from accord.services_ledger import ConflictError, StaleVersionError, VersionRequiredError

log = logging.getLogger("accord.api")

HtmlRenderer = Callable[[Request, int, str, str], Response]
"""(request, status, title, detail) → an HTML page."""

_TITLES = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Changed since you read it",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Version required",
    429: "Too many attempts",
    500: "Server error",
    503: "Unavailable",
}


def status_of(exc: Exception) -> int:
    """The HTTP status an accord error stands for."""
    table: list[tuple[type[Exception], int]] = [
        (InvalidFieldsError, 422),
        (NotFoundError, 404),
        (ConflictError, 409),
        (VersionRequiredError, 428),
        (StaleVersionError, 412),
        (SignInError, 401),
        (PermissionDeniedError, 403),
        (TooManyAttemptsError, 429),
        (BadInputError, 400),
        (StorageError, 503),
        (AccordError, 400),
    ]
    for kind, status in table:
        if isinstance(exc, kind):
            return status
    return 500


def problem(
    request: Request,
    status: int,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(
        body, status_code=status, headers=headers, media_type="application/problem+json"
    )


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


def install(app: FastAPI, html: HtmlRenderer) -> None:
    """Register the handlers on `app`; `html` draws the error pages."""

    def answer(
        request: Request,
        status: int,
        detail: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        if _is_api(request):
            return problem(request, status, detail, errors, headers)
        if errors:
            detail = detail + " " + "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        page = html(request, status, _TITLES.get(status, "Error"), detail)
        for k, v in (headers or {}).items():
            page.headers[k] = v
        return page

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = []
        malformed = False
        for e in exc.errors():
            if e.get("type") == "json_invalid":
                malformed = True
            field = _field_of(tuple(e.get("loc", ())))
            message = str(e.get("msg", "is invalid"))
            if e.get("type") == "extra_forbidden":
                message = "is not a known field"
            errors.append({"field": field, "message": message})
        if malformed:
            return answer(request, 400, "the body is not valid JSON", errors)
        first = errors[0]["field"] if errors else "body"
        return answer(
            request, 422, f"the request has {len(errors)} invalid field(s), first {first}", errors
        )

    @app.exception_handler(AccordError)
    async def _accord(request: Request, exc: AccordError) -> Response:
        status = status_of(exc)
        headers: dict[str, str] = {}
        errors = None
        if isinstance(exc, InvalidFieldsError):
            errors = [{"field": k, "message": v} for k, v in exc.fields.items()]
        if isinstance(exc, TooManyAttemptsError):
            headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, SignInError) and _is_api(request):
            headers["WWW-Authenticate"] = 'Bearer realm="accord"'
        if isinstance(exc, StaleVersionError):
            headers["ETag"] = f'"{exc.current}"'
        return answer(request, status, str(exc), errors, headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        detail = (
            exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "Error")
        )
        return answer(request, exc.status_code, detail, None, headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return answer(
            request, 500, "something went wrong on our side; the change, if any, was not saved"
        )
