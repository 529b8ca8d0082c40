"""REST: the seller's answers at the monthly review (what they do to perpetuate each account).

    GET /api/v1/review-answers/{month}                the answers of a month, in the caller's scope
    PUT /api/v1/review-answers/{month}/{account_id}   {"answer": "...", "commitment": "..."}

Stored and audited by `accord.services_review.answer_review`, as the CLI's
`accord review-answer` and the web form on /review.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from accord import services_agenda
from accord.access import scoped_account_ids
from accord.api.deps import ApiUser, UrlDep
from accord.api.routes import PROBLEMS, WRITE_PROBLEMS
from accord.services_review import parse_month, read_answers
from accord.storage.engines import engine_for
from accord.storage.tables import LEDGER_TABLES

router = APIRouter(prefix="/api/v1")

MonthPath = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


class AnswerIn(BaseModel):
    answer: str = Field(min_length=1, max_length=2000)
    commitment: str | None = Field(default=None, max_length=2000)


class AnswerOut(BaseModel):
    month: str
    account_id: str
    answer: str
    commitment: str | None
    user_id: str | None
    written_at: datetime


def _scope(url: str | None, user: ApiUser) -> set[str]:
    accounts = LEDGER_TABLES["accounts"]
    with engine_for(url).connect() as conn:
        rows = conn.execute(
            sa.select(accounts.c.account_id).where(
                accounts.c.account_id.in_(scoped_account_ids(user))
            )
        )
        return {str(r[0]) for r in rows}


@router.get(
    "/review-answers/{month}",
    response_model=list[AnswerOut],
    tags=["reads"],
    operation_id="review_answers",
    responses=PROBLEMS,
)
def list_answers(month: MonthPath, url: UrlDep, user: ApiUser) -> list[AnswerOut]:
    """The answers written for a month on the accounts the caller may see."""
    parse_month(month)
    allowed = sorted(_scope(url, user))
    with engine_for(url).connect() as conn:
        found = read_answers(conn, month, allowed)
    return [
        AnswerOut(
            month=a.month,
            account_id=acc,
            answer=a.answer,
            commitment=a.commitment,
            user_id=a.user_id,
            written_at=a.written_at,
        )
        for acc, a in sorted(found.items())
    ]


@router.put(
    "/review-answers/{month}/{account_id}",
    response_model=AnswerOut,
    tags=["writes"],
    operation_id="put_review_answer",
    responses=WRITE_PROBLEMS,
)
def put_answer(
    month: MonthPath,
    account_id: Annotated[str, Path(max_length=200)],
    body: AnswerIn,
    url: UrlDep,
    user: ApiUser,
) -> AnswerOut:
    """Write (or replace) the caller's answer and commitment for an account and month."""
    saved = services_agenda.answer_review(
        url=url,
        month=month,
        account_id=account_id,
        user_id=user.user_id,
        answer=body.answer,
        commitment=body.commitment,
        allowed_accounts=_scope(url, user),
    )
    return AnswerOut(
        month=saved.month,
        account_id=account_id,
        answer=saved.answer,
        commitment=saved.commitment,
        user_id=saved.user_id,
        written_at=saved.written_at,
    )
