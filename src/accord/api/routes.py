"""The REST API under /api/v1: one collection per ledger table, plus reads and ingest.

Routes are generated from the ledger's description, one set per table, with
real signatures (path keys, typed body, If-Match), so OpenAPI documents every
one. Each route only parses, calls `accord.services_ledger` or
`accord.services_web`, and shapes the answer; errors are turned into problem
details by `accord.api.errors`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, create_model

from accord import services, services_agenda, services_web
from accord import services_ledger as ledger
from accord.access import Principal
from accord.api.deps import ApiUser, AsOf, UrlDep, api_user, book_url
from accord.api.schemas import (
    SCHEMAS,
    Agenda,
    Diagnosis,
    IngestResult,
    Lifetime,
    Me,
    Problem,
    Schemas,
)
from accord.domain.schema import Kind, Table

PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text}
    for code, text in (
        (400, "Malformed input"),
        (401, "No or unknown API token"),
        (404, "Not in the book, or not in your scope"),
        (422, "Invalid fields (see `errors`)"),
    )
}
WRITE_PROBLEMS = PROBLEMS | {
    403: {"model": Problem, "description": "Your role may not change this table"},
    409: {"model": Problem, "description": "The id is already taken"},
    412: {"model": Problem, "description": "The row changed since the version in If-Match"},
    428: {"model": Problem, "description": "If-Match is missing"},
}

router = APIRouter(prefix="/api/v1")
MAX_NUMBER = 10**15  # the largest number a field takes (accord.ledger_input)
PAGING = ("limit", "offset", "sort")


def _etag(row: ledger.Row, response: Response) -> dict[str, Any]:
    response.headers["ETag"] = f'"{row.version}"'
    return row.public() | {"version": row.version}


def _key_params(table: Table) -> list[inspect.Parameter]:
    params = []
    for k in table.key:
        col = table.column(k)
        typ = int if col.kind is Kind.INT else str
        # Whole-number keys are bounded like the bodies' numbers: above them is a 422, never
        # a number the database cannot hold.
        low = int(col.minimum) if col.minimum is not None else -MAX_NUMBER
        high = int(col.maximum) if col.maximum is not None else MAX_NUMBER
        params.append(
            inspect.Parameter(
                k,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[
                    typ,
                    Path(description=f"The {table.noun}'s {k}.", max_length=200)
                    if typ is str
                    else Path(description=f"The {table.noun}'s {k}.", ge=low, le=high),
                ],
            )
        )
    return params


_COMMON = [
    inspect.Parameter(
        "url", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[str | None, Depends(book_url)]
    ),
    inspect.Parameter(
        "user", inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[Principal, Depends(api_user)]
    ),
]
_IF_MATCH = inspect.Parameter(
    "if_match",
    inspect.Parameter.KEYWORD_ONLY,
    annotation=Annotated[
        str | None,
        Header(
            alias="If-Match", description="The version you read (ETag); required.", max_length=100
        ),
    ],
    default=None,
)
_RESPONSE = inspect.Parameter("response", inspect.Parameter.KEYWORD_ONLY, annotation=Response)


def _with(
    fn: Callable[..., Any], params: list[inspect.Parameter], returns: Any
) -> Callable[..., Any]:
    fn.__signature__ = inspect.Signature(params, return_annotation=returns)  # type: ignore[attr-defined]
    return fn


def _filter_params(table: Table) -> list[inspect.Parameter]:
    out = []
    for col in table.columns:
        if col.kind is Kind.LIST:
            continue
        out.append(
            inspect.Parameter(
                f"f_{col.name}",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[
                    str | None,
                    Query(
                        alias=col.name,
                        description=f"Only rows whose {col.name} equals this.",
                        max_length=200,
                    ),
                ],
                default=None,
            )
        )
    return out


def _add_table(s: Schemas) -> None:
    t = s.table
    base = f"/{t.name}"
    item = base + "".join(f"/{{{k}}}" for k in t.key)
    noun = t.noun.replace(" ", "_")
    tag = t.name

    def list_rows(**kw: Any) -> dict[str, Any]:
        filters = {k[2:]: v for k, v in kw.items() if k.startswith("f_") and v is not None}
        # A filter the collection does not know is refused (422 naming it), never ignored:
        # a typo must not answer with the whole list.
        request: Request = kw["request"]
        for name, value in request.query_params.multi_items():
            if name not in PAGING and name not in filters:
                filters[name] = value
        page = ledger.list_rows(
            url=kw["url"],
            principal=kw["user"],
            table=t.name,
            filters=filters,
            sort=kw["sort"],
            limit=kw["limit"],
            offset=kw["offset"],
        )
        items = [r.public() | {"version": r.version} for r in page.items]
        return {"items": items, "total": page.total, "limit": page.limit, "offset": page.offset}

    sort_names = ", ".join(t.column_names)
    list_params = [
        *_COMMON,
        inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
        inspect.Parameter(
            "limit",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[
                int, Query(ge=1, le=ledger.MAX_PAGE, description="Rows per page.")
            ],
            default=50,
        ),
        inspect.Parameter(
            "offset",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[int, Query(ge=0, le=10**9, description="Rows to skip.")],
            default=0,
        ),
        inspect.Parameter(
            "sort",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[
                str | None,
                Query(
                    description=f"A field to sort on ({sort_names}); prefix '-' for descending.",
                    max_length=100,
                ),
            ],
            default=None,
        ),
        *_filter_params(t),
    ]
    router.add_api_route(
        base,
        _with(list_rows, list_params, s.page),
        methods=["GET"],
        response_model=s.page,
        tags=[tag],
        operation_id=f"list_{t.name}",
        summary=f"List {t.name} (paginated, filterable, sortable)",
        responses=PROBLEMS,
    )

    def read(**kw: Any) -> dict[str, Any]:
        row = ledger.get_row(
            url=kw["url"], principal=kw["user"], table=t.name, key={k: kw[k] for k in t.key}
        )
        return _etag(row, kw["response"])

    router.add_api_route(
        item,
        _with(read, [*_COMMON, *_key_params(t), _RESPONSE], s.public),
        methods=["GET"],
        response_model=s.public,
        tags=[tag],
        operation_id=f"get_{noun}",
        summary=f"Read one {t.noun}",
        responses=PROBLEMS,
    )

    def create(**kw: Any) -> dict[str, Any]:
        body: BaseModel = kw["body"]
        row = ledger.create_row(
            url=kw["url"],
            principal=kw["user"],
            table=t.name,
            values=body.model_dump(exclude_unset=True),
        )
        kw["response"].status_code = 201
        return _etag(row, kw["response"])

    body_create = inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=s.create)
    router.add_api_route(
        base,
        _with(create, [*_COMMON, body_create, _RESPONSE], s.public),
        methods=["POST"],
        response_model=s.public,
        status_code=201,
        tags=[tag],
        operation_id=f"create_{noun}",
        summary=f"Add a {t.noun}",
        responses=WRITE_PROBLEMS,
    )

    def update(**kw: Any) -> dict[str, Any]:
        body: BaseModel = kw["body"]
        row = ledger.update_row(
            url=kw["url"],
            principal=kw["user"],
            table=t.name,
            key={k: kw[k] for k in t.key},
            changes=body.model_dump(exclude_unset=True),
            if_match=kw["if_match"],
        )
        return _etag(row, kw["response"])

    body_update = inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=s.update)
    router.add_api_route(
        item,
        _with(update, [*_COMMON, *_key_params(t), body_update, _IF_MATCH, _RESPONSE], s.public),
        methods=["PATCH"],
        response_model=s.public,
        tags=[tag],
        operation_id=f"update_{noun}",
        summary=f"Change some fields of a {t.noun} (If-Match required)",
        responses=WRITE_PROBLEMS,
    )

    def delete(**kw: Any) -> Response:
        ledger.delete_row(
            url=kw["url"],
            principal=kw["user"],
            table=t.name,
            key={k: kw[k] for k in t.key},
            if_match=kw["if_match"],
        )
        return Response(status_code=204)

    router.add_api_route(
        item,
        _with(delete, [*_COMMON, *_key_params(t), _IF_MATCH], None),
        methods=["DELETE"],
        status_code=204,
        response_class=Response,
        tags=[tag],
        operation_id=f"delete_{noun}",
        summary=f"Delete a {t.noun} (If-Match required)",
        responses=WRITE_PROBLEMS,
    )


for _s in SCHEMAS.values():
    _add_table(_s)


_LIST: Any = list  # list[model] of a model built at run time
_TOUCHPOINT, _ORDER = SCHEMAS["touchpoints"].create, SCHEMAS["orders"].create
IngestRequest: type[BaseModel] = create_model(
    "IngestRequest",
    __config__=ConfigDict(extra="forbid"),
    __doc__="Touchpoints and orders to upsert in one transaction (at most 5000 rows).",
    touchpoints=(_LIST[_TOUCHPOINT], []),
    orders=(_LIST[_ORDER], []),
)


def ingest(**kw: Any) -> IngestResult:
    """Bulk upsert of touchpoints and orders: all rows, or none on any problem."""
    body = kw["body"]
    report = ledger.ingest(
        url=kw["url"],
        principal=kw["user"],
        batches={
            "touchpoints": [r.model_dump(exclude_unset=True) for r in body.touchpoints],
            "orders": [r.model_dump(exclude_unset=True) for r in body.orders],
        },
    )
    return IngestResult(inserted=report.inserted, updated=report.updated)


router.add_api_route(
    "/ingest",
    _with(
        ingest,
        [
            *_COMMON,
            inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=IngestRequest),
        ],
        IngestResult,
    ),
    methods=["POST"],
    response_model=IngestResult,
    tags=["ingest"],
    operation_id="ingest",
    summary="Bulk upsert of touchpoints and orders",
    responses=WRITE_PROBLEMS,
)


@router.get("/me", response_model=Me, tags=["access"], operation_id="me", responses=PROBLEMS)
def me(user: ApiUser) -> Me:
    """Who the token belongs to, and their role."""
    return Me(user_id=user.user_id, name=user.name, role=user.role, team=user.team)


@router.get(
    "/accounts/{account_id}/diagnosis",
    response_model=Diagnosis,
    tags=["reads"],
    operation_id="account_diagnosis",
    responses=PROBLEMS,
)
def diagnosis(
    account_id: Annotated[str, Path(max_length=200)], url: UrlDep, user: ApiUser, as_of: AsOf
) -> dict[str, Any]:
    """Health, facts and patterns of one account as of a date."""
    return services_web.account_diagnosis(
        url=url, principal=user, account_id=account_id, as_of=as_of
    )


@router.get(
    "/accounts/{account_id}/lifetime",
    response_model=Lifetime,
    tags=["reads"],
    operation_id="account_lifetime",
    responses=PROBLEMS,
)
def lifetime(
    account_id: Annotated[str, Path(max_length=200)], url: UrlDep, user: ApiUser, as_of: AsOf
) -> dict[str, Any]:
    """Probability alive, expected orders and value over the next 12 months."""
    return services_web.account_lifetime(
        url=url, principal=user, account_id=account_id, as_of=as_of
    )


@router.get(
    "/agenda",
    response_model=Agenda,
    tags=["reads"],
    operation_id="agenda",
    responses=PROBLEMS,
)
def agenda(url: UrlDep, user: ApiUser, as_of: AsOf) -> dict[str, Any]:
    """The caller's daily agenda as of a date: the actions (one line per account), the data
    to complete, and every open item (the `accord agenda --format json` record)."""
    found = services_agenda.agenda(
        url=url, user_id=user.user_id, as_of=as_of, settings=services.load_config()
    )
    return found.records()
