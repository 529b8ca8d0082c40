"""The vocabulary every accord command shares: consoles, options, errors, JSON, dates.

Each command group (cli.py, cli_agenda.py, cli_intake.py, …) imports these so
that `--db`, `--format`, `--config` and `--as-of` read, default and fail the
same way everywhere, and an accord error always becomes one plain message on
stderr and exit code 1.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from accord.errors import AccordError, BundleError

P = ParamSpec("P")
R = TypeVar("R")

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ACCORD_DATABASE_URL",
        help=(
            "Database URL: sqlite:///PATH (default sqlite:///accord.db) or "
            "postgresql://user:pass@host:port/name. Also read from $ACCORD_DATABASE_URL."
        ),
        show_default=False,
    ),
]
FormatOption = Annotated[
    Format,
    typer.Option("--format", "-f", help="table for people, json for scripts (stable shape)."),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar="ACCORD_CONFIG",
        help="A TOML file of weights and thresholds (see `accord config show`). "
        "Also read from $ACCORD_CONFIG.",
        show_default=False,
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(help="As of this date (YYYY-MM-DD); default today.", show_default=False),
]


def report_error(exc: AccordError) -> None:
    """One plain line on stderr; a bundle's problems listed under it, one a line."""
    if isinstance(exc, BundleError):
        err.print(f"[bold red]error:[/] {str(exc).splitlines()[0]}", markup=True)
        for problem in exc.problems:
            err.print(f"  {problem}", markup=False)
        more = exc.total - len(exc.problems)
        if more > 0:
            err.print(f"  … and {more:,} more")
    else:
        err.print("[bold red]error:[/] ", end="")
        err.print(str(exc), markup=False)


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """accord's errors → a plain message on stderr and exit code 1 (no traceback)."""

    @functools.wraps(fn)
    def run(*a: P.args, **k: P.kwargs) -> R:
        try:
            return fn(*a, **k)
        except AccordError as exc:
            report_error(exc)
            raise typer.Exit(1) from None

    return run


def emit_json(data: Any) -> None:
    """The stable JSON of `--format json`: indented, dates as ISO text, UTF-8 kept."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


def parse_day(text: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option, or a usage error naming the option."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None
