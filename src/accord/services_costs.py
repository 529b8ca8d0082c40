"""What our unhealthy relationships cost us (part of the service layer).

`costs` diagnoses the whole book (patterns compare an account with its
segment), then totals each firing pattern's `cost` and `at_risk` by pattern,
seller, segment or account with the accounts behind each line. The formulas
are SPEC section 6's; docs/health.md states them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from accord.config import Settings
from accord.errors import BadInputError
from accord.health.economics import BY, cost_lines
from accord.services_agenda import read_slice
from accord.storage.database import make_engine


@dataclass(frozen=True)
class CostsReport:
    """Lines of money lost (cost) and value ahead at risk, highest first, and their total."""

    as_of: date
    by: str
    lines: list[dict[str, Any]]
    total: dict[str, Any]

    def records(self) -> dict[str, Any]:
        """The JSON shape of `accord costs --format json` (docs/cli.md)."""
        return {
            "as_of": self.as_of.isoformat(),
            "by": self.by,
            "total": self.total,
            "lines": self.lines,
        }


def costs_from_diagnosis(
    diagnosis: Any, names: pl.DataFrame, by: str = "pattern", top: int = 3
) -> CostsReport:
    """The report from a diagnosis already made (the review and the web reuse theirs)."""
    if by not in BY:
        raise BadInputError(f"--by must be one of {', '.join(BY)} (got {by!r})")
    accounts = diagnosis.accounts.select(
        "account_id",
        pl.col("owner_id").alias("seller"),
        "segment",
        pl.col("^econ_.*$"),
    ).join(names, on="account_id", how="left")
    lines, total = cost_lines(accounts, diagnosis.patterns, by, top)
    return CostsReport(diagnosis.as_of, by, lines, total)


def account_names(*, url: str | None) -> pl.DataFrame:
    """account_id, name of every account."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return read_slice(conn, "accounts", None, ("account_id", "name"))
    finally:
        engine.dispose()


def costs(
    *,
    url: str | None,
    as_of: date | None = None,
    by: str = "pattern",
    top: int = 3,
    settings: Settings | None = None,
) -> CostsReport:
    """What the unhealthy relationships of the book cost as of a date (default today)."""
    from accord.services import diagnose

    if by not in BY:
        raise BadInputError(f"--by must be one of {', '.join(BY)} (got {by!r})")
    if top < 1:
        raise BadInputError(f"--top must be at least 1 (got {top})")
    diagnosis = diagnose(url=url, as_of=as_of, settings=settings or Settings())
    return costs_from_diagnosis(diagnosis, account_names(url=url), by, top)
