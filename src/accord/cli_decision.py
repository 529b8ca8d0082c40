"""`accord decision OPPORTUNITY_ID`: the customer's decision, on screen, as JSON or as a page.

* `--format table` (default) prints the matrix, the ranking and its
  sensitivity, the ROI summary, the risk register and the value realised;
* `--format json` prints the same as the stable shape of docs/cli.md;
* `--out FILE.pdf|FILE.html` writes the customer-facing one-pager instead.

Exit codes: 0 success; 1 bad input (a plain message on stderr, nothing
written); 2 usage. `cli.py` mounts the command with `register(app)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from accord import services_decision
from accord.cli_common import (
    ConfigOption,
    DbOption,
    Format,
    FormatOption,
    emit_json,
    guarded,
    parse_day,
)
from accord.cli_common import out as _out
from accord.config import load_settings
from accord.decision import record

_STATE = {
    "reached": "[green]target reached[/]",
    "on_track": "[green]on track[/]",
    "behind": "[red]behind plan[/]",
    "not_measured": "[dim]not measured[/]",
}
_LEVEL = {"high": "red", "medium": "yellow", "low": "green"}


def decision_command(
    opportunity_id: Annotated[
        str, typer.Argument(help="The opportunity, as opportunity_id in the book.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the customer-facing one-pager to FILE.pdf or FILE.html instead of "
            "printing. It shows their criteria, alternatives, ranking, risks and return; "
            "never our amount, costs or margin.",
            show_default=False,
        ),
    ] = None,
    format: FormatOption = Format.TABLE,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Judge value checks as of this date (YYYY-MM-DD; default today).",
            show_default=False,
        ),
    ] = None,
    discount_rate: Annotated[
        float | None,
        typer.Option(
            "--discount-rate",
            help="Discount rate per period for the NPV, e.g. 0.08 (default: the setting "
            "decision.discount_rate).",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Help the customer decide: their criteria, every alternative ranked honestly
    (doing nothing and competitors included), how firm the ranking is, the risks of
    the change and their return on it.

    Examples:

    * `accord decision O1`
    * `accord decision O1 --format json --discount-rate 0.1`
    * `accord decision O1 --out o1.pdf`
    """
    day = parse_day(as_of, "--as-of")
    settings = load_settings(config)
    if out is not None:
        written = services_decision.write_decision_page(
            url=db,
            opportunity_id=opportunity_id,
            out=out,
            as_of=day,
            discount_rate=discount_rate,
            settings=settings,
        )
        _out.print(f"Wrote the decision page of {opportunity_id} to {written}.")
        return
    result = services_decision.decision(
        url=db,
        opportunity_id=opportunity_id,
        as_of=day,
        discount_rate=discount_rate,
        settings=settings,
    )
    data = record(result)
    if format is Format.JSON:
        emit_json(data)
        return
    _print(data)


def _num(x: float | None, fmt: str = "{:.1f}") -> str:
    return "—" if x is None else fmt.format(x)


def _print(d: dict[str, Any]) -> None:
    _out.print(f"[bold]{d['opportunity_id']} · {d['name']}[/] ({d['stage']}, as of {d['as_of']})")
    for w in d["warnings"]:
        _out.print(f"[yellow]warning:[/] {w['message']}")
    if d["criteria"] and d["alternatives"]:
        table = Table("criterion", "driver", "weight", *[a["name"] for a in d["alternatives"]])
        for c in d["criteria"]:
            table.add_row(
                c["name"],
                c["business_driver"] or "",
                _num(c["share"] * 100, "{:.1f}%"),
                *[_num(a["scores"][c["criterion_id"]]) for a in d["alternatives"]],
            )
        table.add_row(
            "[bold]weighted score[/]",
            "",
            "",
            *[_num(a["score"], "[bold]{:.2f}[/]") for a in d["alternatives"]],
        )
        _out.print(table)
    names = {a["alternative_id"]: a["name"] for a in d["alternatives"]}
    if d["ranking"]:
        _out.print("Ranking: " + " > ".join(names[a] for a in d["ranking"]))
        if d["us_is_best"] is False:
            _out.print(
                "[bold yellow]We are not the best choice on their own criteria: tell them.[/]"
            )
        s = d["sensitivity"]
        if s is not None:
            crit = next(c["name"] for c in d["criteria"] if c["criterion_id"] == s["criterion_id"])
            _out.print(
                f"Sensitivity: '{crit}' from {s['share'] * 100:.1f}% to "
                f"{s['share_at_tie'] * 100:.1f}% ({s['points']:+.1f} points) and "
                f"{names[s['challenger_id']]} ties with {names[d['winner']]}."
            )
        elif len(d["ranking"]) > 1:
            _out.print("Sensitivity: no change of a single weight changes the winner.")
    roi = d["roi"]
    if roi is not None:
        irr = roi["irr_note"] if roi["irr"] is None else f"{roi['irr'] * 100:.2f}%"
        payback = _num(roi["payback_periods"], "{:.2f} periods")
        if roi["payback_periods"] is None:
            payback = "not within the periods given"
        _out.print(
            f"ROI: cost {roi['total_cost']:,.0f}, benefit {roi['total_benefit']:,.0f}, NPV "
            f"{roi['npv']:,.2f} at {roi['discount_rate'] * 100:.1f}%, IRR {irr}, payback {payback}"
        )
    if d["risks"]:
        risks = Table("risk", "L", "I", "exposure", "mitigation", "owner", "status")
        for r in d["risks"]:
            risks.add_row(
                r["description"],
                str(r["likelihood"]),
                str(r["impact"]),
                f"[{_LEVEL[r['level']]}]{r['exposure']} {r['level']}[/]",
                r["mitigation"] or "[red]none yet[/]",
                r["owner_side"] or "",
                r["status"],
            )
        _out.print(risks)
    if d["values"]:
        values = Table("metric", "baseline", "target", "by", "latest", "measured", "state")
        for v in d["values"]:
            values.add_row(
                v["metric"] + (f" ({v['unit']})" if v["unit"] else ""),
                f"{v['baseline']:g}",
                f"{v['target']:g}",
                v["measure_by"],
                "—" if v["value"] is None else f"{v['value']:g}",
                v["measured_on"] or "—",
                _STATE[v["state"]],
            )
        _out.print(values)
        if d["value_realised"] is not None:
            _out.print(f"Value realised: {d['value_realised'] * 100:.0f}% of plan to date.")


_WHAT = {
    "criterion": "decision_criteria",
    "alternative": "alternatives",
    "score": "criterion_scores",
    "risk": "risks",
    "roi": "roi_flows",
}


def decision_add(
    what: Annotated[
        str, typer.Argument(help="What to add: criterion, alternative, score, risk or roi.")
    ],
    opportunity_id: Annotated[str, typer.Argument(help="The opportunity.")],
    fields: Annotated[
        list[str] | None,
        typer.Argument(help="FIELD=VALUE pairs (the columns of docs/bundle.md for that table)."),
    ] = None,
    user: Annotated[
        str, typer.Option("--user", help="Who enters it (a user id; their scope applies).")
    ] = "",
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Enter the customer's decision data: a criterion, an alternative, a score, a risk or
    a flow of their return; checked like an import row, audited, one transaction.

    Examples:

    * `accord decision-add criterion OP2 criterion_id=C1 name="Uptime" weight=3 --user U2`
    * `accord decision-add alternative OP2 alternative_id=US name="Our offer" kind=us --user U2`
    * `accord decision-add score OP2 alternative_id=US criterion_id=C1 score=8 --user U2`
    * `accord decision-add risk OP2 risk_id=R1 description="Downtime" likelihood=2 impact=4
      --user U2`
    * `accord decision-add roi OP2 period=0 cost=5000 --user U2`
    """
    from accord import access
    from accord.errors import BadInputError, NotFoundError
    from accord.storage.engines import engine_for

    table = _WHAT.get(what)
    if table is None:
        raise typer.BadParameter(f"{what!r}: give one of {', '.join(_WHAT)}", param_hint="WHAT")
    if not user:
        raise typer.BadParameter("who enters it? give --user ID", param_hint="--user")
    values: dict[str, str] = {}
    for pair in fields or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise BadInputError(f"{pair!r} is not FIELD=VALUE (e.g. weight=3)")
        values[name.strip()] = value.strip()
    with engine_for(db).connect() as conn:
        principal = access.load_principal(conn, user)
    if principal is None:
        raise NotFoundError(f"there is no user {user!r} in the book")
    row = services_decision.add_decision_row(
        url=db, principal=principal, opportunity_id=opportunity_id, table=table, values=values
    )
    if format is Format.JSON:
        emit_json({"table": table, "row": row})
        return
    shown = ", ".join(f"{k}={v}" for k, v in row.items() if v is not None)
    _out.print(escape(f"Added to {table} of {opportunity_id}: {shown}."))


def register(app: typer.Typer) -> None:
    """Mount `accord decision` and `accord decision-add` on the main app."""
    app.command("decision")(guarded(decision_command))
    app.command("decision-add")(guarded(decision_add))
