"""`accord clv …`: fit lifetime-value models on transaction rows, write reports.

Exit codes: 0 success; 1 bad input (a plain message on stderr naming file,
line and column where it applies; no traceback); 2 usage. The main CLI mounts
`clv_app` as `accord clv`.
"""

from __future__ import annotations

import json
import math
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from accord.clv import BGNBD, GammaGamma, ParetoNBD, read_transactions, summarize
from accord.clv.errors import TransactionsError
from accord.errors import AccordError

clv_app = typer.Typer(
    name="clv",
    help="Customer lifetime value: fit BG/NBD, Pareto/NBD and Gamma-Gamma models, write reports.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

_out = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)


class ModelChoice(StrEnum):
    BGNBD = "bgnbd"
    PARETONBD = "paretonbd"
    GAMMAGAMMA = "gammagamma"


class PurchaseModelChoice(StrEnum):
    BGNBD = "bgnbd"
    PARETONBD = "paretonbd"


class TimeUnitChoice(StrEnum):
    WEEKS = "weeks"
    DAYS = "days"


class FormatChoice(StrEnum):
    TABLE = "table"
    JSON = "json"


class InputFormatChoice(StrEnum):
    CSV = "csv"
    CDNOW = "cdnow"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None


TransactionsArg = Annotated[
    Path,
    typer.Argument(
        help="CSV with a header naming customer_id, date (YYYY-MM-DD), amount; "
        "or a CDNOW file with --input-format cdnow.",
        show_default=False,
    ),
]
CalibrationEnd = Annotated[
    str,
    typer.Option(
        "--calibration-end",
        help="Last day of the calibration period (YYYY-MM-DD); later purchases are holdout.",
        show_default=False,
    ),
]
TimeUnitOpt = Annotated[
    TimeUnitChoice, typer.Option("--time-unit", help="Unit of recency, T and rates.")
]
InputFormatOpt = Annotated[
    InputFormatChoice,
    typer.Option(
        "--input-format",
        help="csv (customer_id,date,amount) or cdnow (the whitespace CDNOW_master/sample files).",
    ),
]


def _fail(exc: AccordError) -> NoReturn:
    if isinstance(exc, TransactionsError):
        count = exc.total
        _err.print(
            f"error: {count} problem{'s' if count != 1 else ''} in the transactions:", markup=False
        )
        for problem in exc.problems:
            _err.print(f"  {problem}", markup=False)
        if count > len(exc.problems):
            _err.print(f"  … and {count - len(exc.problems):,} more", markup=False)
    else:
        _err.print(f"error: {exc}", markup=False)
    raise typer.Exit(1)


@clv_app.command(
    "fit",
    epilog=(
        "Example (the BG/NBD estimates of Fader, Hardie & Lee 2005 on the CDNOW sample):\n\n"
        "    accord clv fit CDNOW_sample.txt --input-format cdnow "
        "--calibration-end 1997-09-30 --model bgnbd --format json"
    ),
)
def fit(
    transactions: TransactionsArg,
    calibration_end: CalibrationEnd,
    model: Annotated[
        ModelChoice,
        typer.Option("--model", help="bgnbd, paretonbd (purchases) or gammagamma (spend)."),
    ] = ModelChoice.BGNBD,
    time_unit: TimeUnitOpt = TimeUnitChoice.WEEKS,
    format: Annotated[
        FormatChoice, typer.Option("--format", "-f", help="table for people, json for scripts.")
    ] = FormatChoice.TABLE,
    input_format: InputFormatOpt = InputFormatChoice.CSV,
) -> None:
    """Fit a lifetime-value model by maximum likelihood on the calibration period.

    JSON output: `{model, params: {name: value}, log_likelihood, n_customers}`
    with the papers' parameter names (bgnbd r, alpha, a, b; paretonbd r, alpha,
    s, beta; gammagamma p, q, gamma). Gamma-Gamma is fitted on the customers
    with repeat purchases, and n_customers counts those.
    """
    cal_end = _date(calibration_end)
    try:
        rows = read_transactions(transactions, input_format=input_format.value)
        stats = summarize(rows, cal_end, time_unit=time_unit.value)
        fitted: BGNBD | ParetoNBD | GammaGamma
        if model is ModelChoice.GAMMAGAMMA:
            repeat = stats.filter((pl.col("frequency") > 0) & (pl.col("monetary_value") > 0))
            fitted = GammaGamma().fit(
                repeat["frequency"].to_numpy(), repeat["monetary_value"].to_numpy()
            )
        else:
            cls = BGNBD if model is ModelChoice.BGNBD else ParetoNBD
            fitted = cls().fit(
                stats["frequency"].to_numpy(), stats["recency"].to_numpy(), stats["T"].to_numpy()
            )
    except AccordError as exc:
        _fail(exc)
    params = fitted.params_ or {}
    if format is FormatChoice.JSON:
        payload: dict[str, Any] = {
            "model": model.value,
            "params": params,
            "log_likelihood": fitted.log_likelihood_,
            "n_customers": fitted.n_customers_,
        }
        _out.print(json.dumps(payload, indent=2), markup=False, soft_wrap=True)
        return
    table = Table(title=f"{fitted.model_name} — calibration to {cal_end.isoformat()} ({time_unit})")
    table.add_column("parameter")
    table.add_column("estimate", justify="right")
    table.add_column("std. error", justify="right")
    errors = fitted.standard_errors_ or {}
    for name, value in params.items():
        se = errors.get(name, math.nan)
        table.add_row(name, f"{value:.4f}", f"{se:.4f}" if math.isfinite(se) else "—")
    _out.print(table)
    _out.print(
        f"log-likelihood {fitted.log_likelihood_:,.2f} on {fitted.n_customers_:,} customers "
        f"({fitted.n_distinct_:,} distinct histories)"
    )
    if fitted.at_bound_:
        _out.print(
            f"held at a limit of the model (the data show no heterogeneity there): "
            f"{', '.join(fitted.at_bound_)} — see docs/clv.md"
        )


@clv_app.command(
    "report",
    epilog=(
        "Example:\n\n"
        "    accord clv report CDNOW_sample.txt --input-format cdnow "
        "--calibration-end 1997-09-30 --out cdnow.html"
    ),
)
def report(
    transactions: TransactionsArg,
    calibration_end: CalibrationEnd,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The HTML file to write.", show_default=False)
    ],
    model: Annotated[
        PurchaseModelChoice, typer.Option("--model", help="The purchase model.")
    ] = PurchaseModelChoice.BGNBD,
    time_unit: TimeUnitOpt = TimeUnitChoice.WEEKS,
    input_format: InputFormatOpt = InputFormatChoice.CSV,
    observation_end: Annotated[
        str | None,
        typer.Option(
            "--observation-end",
            help="Last day of the holdout period (default: the last date in the data).",
            show_default=False,
        ),
    ] = None,
    top: Annotated[
        int, typer.Option("--top", min=1, help="Customers listed, by expected value.")
    ] = 100,
    discount_rate: Annotated[
        float, typer.Option("--discount-rate", min=0.0, help="Annual discount rate.")
    ] = 0.10,
) -> None:
    """Write a self-contained HTML page: parameters, calibration/holdout tracking, customers."""
    from accord.clv.report import build_report

    cal_end = _date(calibration_end)
    obs_end = _date(observation_end) if observation_end else None
    try:
        rows = read_transactions(transactions, input_format=input_format.value)
        html = build_report(
            rows,
            cal_end,
            model=model.value,
            time_unit=time_unit.value,
            observation_end=obs_end,
            top=top,
            discount_rate=discount_rate,
            title=transactions.name,
        )
    except AccordError as exc:
        _fail(exc)
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        _err.print(f"error: cannot write {out}: {exc.strerror}", markup=False)
        raise typer.Exit(1) from None
    customers = rows["customer_id"].n_unique()
    _out.print(f"wrote {out} ({customers:,} customers in the file)", markup=False)


__all__ = ["clv_app"]


@clv_app.command(
    "accounts",
    epilog="Example: `accord clv accounts --db sqlite:///book.db --as-of 2026-06-30 --top 20`",
)
def accounts(
    as_of: Annotated[
        str | None,
        typer.Option(help="Judge as of this date (YYYY-MM-DD); default today.", show_default=False),
    ] = None,
    account: Annotated[
        str | None, typer.Option(help="Only this account id.", show_default=False)
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="Rows shown in the table format.")] = 25,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="ACCORD_DATABASE_URL",
            help="Database URL (default sqlite:///accord.db; also $ACCORD_DATABASE_URL).",
            show_default=False,
        ),
    ] = None,
    format: Annotated[FormatChoice, typer.Option("--format", "-f")] = FormatChoice.TABLE,
) -> None:
    """Lifetime value per account from the book's orders.

    For each account: probability it is still a customer, expected orders and
    value over the next 12 months, and the horizon label — a friend for a
    reason, a season or a lifetime (the rule is in docs/clv.md).
    """
    from accord import services

    try:
        day = _date(as_of) if as_of else None
        result = services.lifetime_outlook(url=db, as_of=day, account_id=account)
    except AccordError as exc:
        _fail(exc)
    rows = result.table.select(
        "account_id",
        "orders",
        pl.col("last_order_on").cast(pl.String),
        pl.col("p_alive").round(4),
        pl.col("expected_orders_12m").round(3),
        pl.col("expected_value_12m").round(2),
        "horizon",
    )
    if format is FormatChoice.JSON:
        payload = {
            "as_of": result.as_of.isoformat(),
            "note": result.note,
            "accounts": rows.to_dicts(),
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    if result.note:
        _err.print(f"note: {result.note}", markup=False)
    table = Table(
        "account",
        "orders",
        "last order",
        "P(alive)",
        "orders 12m",
        "value 12m",
        "horizon",
        title=f"Lifetime value as of {result.as_of.isoformat()}",
    )
    shown = ("{}", "{:,}", "{}", "{:.3f}", "{:.2f}", "{:,.0f}", "{}")
    for r in rows.head(top).iter_rows():
        table.add_row(*["–" if v is None else f.format(v) for f, v in zip(shown, r, strict=True)])
    _out.print(table)
