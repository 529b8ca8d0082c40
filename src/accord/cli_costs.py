"""`accord costs` (what our unhealthy relationships cost us) and `accord plan show`.

Mounted on the main app by `register(app)` (cli.py); errors from the tree in
`accord.errors` become a plain message and exit 1.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from accord import services, services_costs, services_plans
from accord.cli_common import (
    AsOfOption,
    ConfigOption,
    DbOption,
    Format,
    FormatOption,
    guarded,
)
from accord.cli_common import emit_json as _json
from accord.cli_common import out as _out
from accord.cli_common import parse_day as _date
from accord.health.economics import pattern_figures


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
    carries = pattern_figures() if report.by == "pattern" else {}
    for line in report.lines:
        has_cost, has_risk = carries.get(str(line["key"]), (True, True))
        table.add_row(
            escape(str(line["key"])),
            str(line["accounts"]),
            _money(line["cost"]) if has_cost else "—",
            _money(line["at_risk"]) if has_risk else "—",
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


plan_app = typer.Typer(
    name="plan",
    help="Account plans: why the relationship is worth having, its intent, its people.",
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
)


@plan_app.command("show")
@guarded
def plan_show(
    account: Annotated[str, typer.Argument(help="The account id.", show_default=False)],
    as_of: AsOfOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """An account's plan and the map of its people: decision role, our computed relationship
    strength to each, and the gaps (decision makers we don't really know).

    Examples:

    * `accord plan show A0000042`
    * `accord plan show A0000042 --format json`
    """
    settings = services.load_config(path=config)
    view = services_plans.plan_show(
        url=db, account_id=account, as_of=_date(as_of, "--as-of"), settings=settings
    )
    if format is Format.JSON:
        _json(view.record())
        return
    record = view.record()
    _out.print(f"[bold]{escape(view.account_name)}[/] ({escape(view.account_id)})")
    plan = record["plan"]
    if plan is None:
        _out.print("No plan written yet.")
    else:
        _out.print(f"Updated {plan['updated_on']} ({record['age_days']} days ago)")
        for name in services_plans.PLAN_FIELDS:
            if name in ("objectives", "updated_on", "user_id"):
                continue
            value = plan.get(name)
            label = name.replace("_", " ")
            _out.print(f"[bold]{label}:[/] {escape(str(value)) if value else '—'}")
        _out.print("[bold]objectives:[/]")
        for objective in plan["objectives"] or ["—"]:
            _out.print(f"  • {escape(objective)}")
    table = Table("person", "role", "strength", "known", "gap", title="Their people")
    for p in view.people:
        table.add_row(
            escape(f"{p.name} ({p.contact_id})"),
            p.decision_role or "—",
            f"{p.strength:.2f}",
            "yes" if p.known else "no",
            escape(p.gap or ""),
        )
    _out.print(table)
    for gap in view.gaps:
        _out.print(f"[yellow]gap:[/] {escape(gap)}")


def register(app: typer.Typer) -> None:
    """Mount `accord costs` and `accord plan …` on the main app."""
    app.command("costs")(costs)
    app.add_typer(plan_app, name="plan")
