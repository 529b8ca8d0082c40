"""Typed dependencies, so routes stay a few lines long: the book's URL and the caller.

The API authenticates with `Authorization: Bearer <token>` (tokens from
`accord token create`); the pages with the session cookie (`accord.web.auth`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from accord.access import Principal, SignInError, token_user
from accord.ledger_input import InvalidFieldsError

_bearer = HTTPBearer(auto_error=False, description="An API token from `accord token create`.")


def book_url(request: Request) -> str | None:
    url: str | None = request.app.state.url
    return url


UrlDep = Annotated[str | None, Depends(book_url)]


def api_user(
    url: UrlDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise SignInError("send an API token: Authorization: Bearer <token>")
    return token_user(url=url, token=credentials.credentials)


ApiUser = Annotated[Principal, Depends(api_user)]


def as_of_date(
    request: Request,
    as_of: Annotated[
        str | None,
        Query(description="The as-of date (YYYY-MM-DD); default today.", max_length=10),
    ] = None,
) -> date:
    if as_of is None or as_of == "":
        fixed: date | None = request.app.state.as_of
        return fixed or date.today()
    try:
        return date.fromisoformat(as_of)
    except ValueError:
        raise InvalidFieldsError({"as_of": "must be a date (YYYY-MM-DD)"}) from None


AsOf = Annotated[date, Depends(as_of_date)]


class BodyLimit:
    """ASGI middleware: request bodies over `limit` bytes get 413 (declared or streamed)."""

    def __init__(self, app: object, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
        from starlette.responses import JSONResponse

        if scope["type"] != "http":
            await self.app(scope, receive, send)  # type: ignore[operator]
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_big = JSONResponse(
            {
                "type": "about:blank",
                "title": "Request too large",
                "status": 413,
                "detail": f"the request body is larger than {self.limit} bytes",
                "instance": scope.get("path", ""),
            },
            status_code=413,
            media_type="application/problem+json",
        )
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await too_big(scope, receive, send)  # type: ignore[arg-type]
            return
        seen = 0

        async def counting() -> dict:  # type: ignore[type-arg]
            nonlocal seen
            message: dict = await receive()  # type: ignore[operator, type-arg]
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLargeError
            return message

        try:
            await self.app(scope, counting, send)  # type: ignore[operator]
        except _TooLargeError:
            await too_big(scope, receive, send)  # type: ignore[arg-type]


class _TooLargeError(Exception):
    pass
