"""`accord costs`: what our unhealthy relationships are costing us.

Mounted on the main app by `register(app)` (cli.py); errors from the tree in
`accord.errors` become a plain message and exit 1.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from accord import services, services_costs
from accord.cli_agenda import (
    AsOfOption,
    ConfigOption,
    DbOption,
    Format,
    FormatOption,
    _date,
    _json,
    _out,
    guarded,
)


class By(StrEnum):
    PATTERN = "pattern"
    SELLER = "seller"
    SEGMENT = "segment"
    ACCOUNT = "account"


def _money(x: float | None) -> str:
    return "unknown" if x is None else f"{x:,.0f}"


@guarded
def costs(
    as_of: AsOfOption = None,
    by: Annotated[
        By, typer.Option("--by", help="One line per pattern, seller, segment or account.")
    ] = By.PATTERN,
    top: Annotated[int, typer.Option(min=1, help="Accounts shown behind each line.")] = 3,
    config: ConfigOption = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """What our unhealthy relationships are costing us: money lost and value ahead at risk.

    `cost` is money lost in the window, `at_risk` the 12-month value ahead that a
    pattern puts at risk (formulas in docs/health.md). By pattern an account
    counts in each of its patterns' lines; by seller, segment or account once,
    so those lines add up to the total.

    Examples:

    * `accord costs --as-of 2026-06-30`
    * `accord costs --by seller --format json`
    """
    settings = services.load_config(path=config)
    report = services_costs.costs(
        url=db, as_of=_date(as_of, "--as-of"), by=by.value, top=top, settings=settings
    )
    if format is Format.JSON:
        _json(report.records())
        return
    _print(report)


def _print(report: services_costs.CostsReport) -> None:
    total = report.total
    if not report.lines:
        _out.print(f"No unhealthy relationship as of {report.as_of.isoformat()}: nothing to cost.")
        return
    table = Table(
        report.by,
        "accounts",
        "cost",
        "at risk",
        "top accounts",
        title=f"What unhealthy relationships cost us, as of {report.as_of.isoformat()}",
    )
    for line in report.lines:
        table.add_row(
            escape(str(line["key"])),
            str(line["accounts"]),
            _money(line["cost"]),
            _money(line["at_risk"]),
            ", ".join(_who(t) for t in line["top"]),
        )
    _out.print(table)
    _out.print(
        f"{total['accounts']} unhealthy accounts: {_money(total['cost'])} lost in the window, "
        f"{_money(total['at_risk'])} of value ahead at risk "
        f"(each account counted once)."
    )


def _who(t: dict[str, Any]) -> str:
    money = t["cost"] if t["cost"] is not None else t["at_risk"]
    return f"{escape(str(t['name'] or t['account_id']))} ({_money(money)})"


def register(app: typer.Typer) -> None:
    """Mount `accord costs` on the main app."""
    app.command("costs")(costs)
