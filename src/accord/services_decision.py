"""The use cases of helping the customer decide (issue 7): part of the service layer.

Keyword-only functions on a database URL, like `accord.services`: read the
decision ledger, assemble one opportunity's decision (`accord.decision`), write
its customer-facing one-pager, and list the agenda suggestions. Bad input
raises from `accord.errors`; nothing here prints, and a page is written only
once it is complete (nothing is left behind on an error).
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from accord.config import Settings
from accord.decision import (
    DECISION_FRAMES,
    OpportunityDecision,
    Suggestion,
    ValueStatus,
    decision_of,
    render_html,
    render_pdf,
    suggestions,
)
from accord.errors import BadInputError, NotFoundError
from accord.storage import bulk
from accord.storage.database import make_engine, require_current

PAGE_SUFFIXES = (".pdf", ".html")


def _frames(url: str | None, names: tuple[str, ...]) -> dict[str, pl.DataFrame]:
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            return {name: bulk.read_table(conn, name) for name in names}
    finally:
        engine.dispose()


def _rate(discount_rate: float | None, settings: Settings) -> float:
    rate = settings.decision.discount_rate if discount_rate is None else discount_rate
    if not rate > -1:
        raise BadInputError(
            f"the discount rate must be above -1 (-100%), not {rate:g}: e.g. 0.08 for 8% a period"
        )
    return rate


def decision(
    *,
    url: str | None,
    opportunity_id: str,
    as_of: date | None = None,
    discount_rate: float | None = None,
    settings: Settings | None = None,
) -> OpportunityDecision:
    """One opportunity's decision matrix, ROI, risk register and value realised.

    Weights that are all 0 are bad input (nothing can be ranked), and so are ROI
    flows that never change sign (no IRR: "no IRR", exit 1, nothing written);
    other gaps (no criteria, an unscored alternative) are warnings on the matrix.
    """
    settings = settings or Settings()
    rate = _rate(discount_rate, settings)
    frames = _frames(url, ("opportunities", "accounts", *DECISION_FRAMES))
    found = frames["opportunities"].filter(pl.col("opportunity_id") == opportunity_id)
    if found.height == 0:
        raise NotFoundError(f"there is no opportunity {opportunity_id!r} in the book")
    opportunity = found.row(0, named=True)
    account = frames["accounts"].filter(pl.col("account_id") == opportunity["account_id"])
    name = account.get_column("name")[0] if account.height else None
    result = decision_of(
        frames, opportunity, as_of=as_of or date.today(), discount_rate=rate, account_name=name
    )
    if result.matrix.has("weights_zero"):
        ids = ", ".join(repr(c.criterion_id) for c in result.matrix.criteria)
        raise BadInputError(
            f"opportunity {opportunity_id!r}: the weights of its decision criteria ({ids}) are "
            "all 0, so no alternative can be ranked; give at least one criterion a positive "
            "weight in decision_criteria.csv"
        )
    if result.roi is not None and result.roi.sign_changes == 0:
        raise BadInputError(
            f"opportunity {opportunity_id!r}: {result.roi.irr_note}, so there is no IRR and no "
            "return to show; give roi_flows.csv both the costs and the benefits the customer "
            "expects, or remove its flows"
        )
    return result


def write_decision_page(
    *,
    url: str | None,
    opportunity_id: str,
    out: Path,
    as_of: date | None = None,
    discount_rate: float | None = None,
    settings: Settings | None = None,
) -> Path:
    """Write the customer-facing one-pager as PDF or HTML (by `out`'s suffix)."""
    suffix = out.suffix.lower()
    if suffix not in PAGE_SUFFIXES:
        raise BadInputError(f"--out {out}: the page is written as .pdf or .html, not {suffix!r}")
    if not out.parent.is_dir():
        raise BadInputError(f"--out {out}: the folder {out.parent} does not exist")
    result = decision(
        url=url,
        opportunity_id=opportunity_id,
        as_of=as_of,
        discount_rate=discount_rate,
        settings=settings,
    )
    html = render_html(result, (settings or Settings()).general.currency)
    data = render_pdf(html) if suffix == ".pdf" else html.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=".accord-", suffix=suffix, dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def decision_suggestions(
    *, url: str | None, as_of: date | None = None, settings: Settings | None = None
) -> list[Suggestion]:
    """The agenda hooks of the decision ledger for the whole book (see
    `accord.decision.suggestions`), by due date."""
    settings = settings or Settings()
    frames = _frames(url, ("opportunities", "partners", "referrals", *DECISION_FRAMES))
    return suggestions(
        frames,
        as_of or date.today(),
        criteria_after_days=settings.decision.criteria_after_days,
        value_review_days=settings.agenda.value_review_days,
    )


def agenda_hooks(
    *, url: str | None, as_of: date, settings: Settings, accounts: list[str] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What the agenda reads from the decision ledger, for `accounts` (all if None):
    the suggestions as a frame (`agenda.rules.DECISION_SCHEMA`, evidence as JSON with
    the opportunity id) and each value plan of a won deal with its state
    (`agenda.rules.VALUE_STATE_SCHEMA`)."""
    import json

    from accord.agenda.rules import DECISION_SCHEMA, VALUE_STATE_SCHEMA
    from accord.decision.book import values_of

    frames = _frames(url, ("opportunities", "partners", "referrals", *DECISION_FRAMES))
    if accounts is not None:
        wanted = pl.col("account_id").is_in(accounts)
        opportunities = frames["opportunities"].filter(wanted)
        frames["opportunities"] = opportunities
    found = suggestions(
        frames,
        as_of,
        criteria_after_days=settings.decision.criteria_after_days,
        value_review_days=settings.agenda.value_review_days,
    )
    hooks = pl.DataFrame(
        [
            (
                s.account_id,
                s.opportunity_id,
                s.kind,
                s.reason,
                json.dumps({"opportunity_id": s.opportunity_id, **s.evidence}, default=str),
                s.due,
            )
            for s in found
        ],
        schema=DECISION_SCHEMA,
        orient="row",
    )
    planned = set(frames["value_plans"].get_column("opportunity_id").to_list())
    rows: list[tuple[str, str, str, date | None]] = []
    won = frames["opportunities"].filter(
        (pl.col("stage") == "won") & pl.col("opportunity_id").is_in(sorted(planned))
    )
    for opp in won.to_dicts():
        statuses: list[ValueStatus] = values_of(frames, opp, as_of)
        rows.extend(
            (
                str(opp["opportunity_id"]),
                v.plan.metric,
                v.state,
                None if v.check is None else v.check.measured_on,
            )
            for v in statuses
        )
    states = pl.DataFrame(rows, schema=VALUE_STATE_SCHEMA, orient="row")
    return hooks, states


DECISION_INPUTS = (
    "decision_criteria",
    "alternatives",
    "criterion_scores",
    "risks",
    "roi_flows",
)
"""The decision tables a seller enters by hand (web forms, `accord decision-add`)."""


def _within(url: str | None, principal: Any, opportunity_id: str) -> Any:
    """The principal, once the opportunity is known to be in their scope, allowed to reach
    the opportunity's decision rows (the ledger service has no scope rule of its own for
    them: they belong to the opportunity, checked here)."""
    import dataclasses

    from accord import services_ledger as ledger

    ledger.get_row(
        url=url, principal=principal, table="opportunities", key={"opportunity_id": opportunity_id}
    )
    return dataclasses.replace(principal, role="admin")


def decision_rows(
    *, url: str | None, principal: Any, opportunity_id: str, table: str
) -> list[dict[str, Any]]:
    """The rows of one decision table for an opportunity in the principal's scope."""
    from accord import services_ledger as ledger

    if table not in DECISION_INPUTS:
        raise BadInputError(f"{table!r} is not one of {', '.join(DECISION_INPUTS)}")
    reader = _within(url, principal, opportunity_id)
    page = ledger.list_rows(
        url=url,
        principal=reader,
        table=table,
        filters={"opportunity_id": opportunity_id},
        limit=500,
    )
    return [r.public() for r in page.items]


def add_decision_row(
    *, url: str | None, principal: Any, opportunity_id: str, table: str, values: dict[str, Any]
) -> dict[str, Any]:
    """Add a criterion, an alternative, a score, a risk or an ROI flow to an opportunity's
    decision: checked like an import row, audited under the principal's name, one
    transaction (InvalidFieldsError names each wrong field)."""
    from accord import services_ledger as ledger

    if table not in DECISION_INPUTS:
        raise BadInputError(f"{table!r} is not one of {', '.join(DECISION_INPUTS)}")
    writer = _within(url, principal, opportunity_id)
    row = ledger.create_row(
        url=url, principal=writer, table=table, values=values | {"opportunity_id": opportunity_id}
    )
    return row.public()
