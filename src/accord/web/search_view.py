"""The search page: the header's box (press `/`) finds accounts, contacts and
opportunities by name, e-mail or id, in the signed-in user's scope, a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from accord import services_search
from accord.web.auth import PageUser
from accord.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/search")
def search_page(
    request: Request,
    user: PageUser,
    q: Annotated[str, Query(max_length=services_search.MAX_QUERY)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    found = services_search.search(url=request.app.state.url, principal=user, query=q, page=page)
    return render(request, "search.html", {"found": found, "search_q": found.query})
