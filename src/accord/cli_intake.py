"""`accord import-crm`, `import-csv`, `capture`, `duplicates`, `merge`, `person` (issue 9).

Parse → service → print, like cli.py; `register(app)` mounts everything on the
main command. Exit codes: 0 success, 1 bad input (a message naming the file
and place; nothing written), 2 usage.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from accord import services_intake as intake
from accord.errors import AccordError, BundleError

P = ParamSpec("P")
R = TypeVar("R")

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


class Crm(StrEnum):
    HUBSPOT = "hubspot"
    SALESFORCE = "salesforce"


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ACCORD_DATABASE_URL",
        help="Database URL (default sqlite:///accord.db); also $ACCORD_DATABASE_URL.",
        show_default=False,
    ),
]
FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="table for people, json for scripts.")
]
DryRunOption = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="Do all the work and show what would change; write nothing."
    ),
]
SkipInvalidOption = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Write the valid part and report the rest; without it any problem writes nothing.",
    ),
]


def report_error(exc: AccordError) -> None:
    if isinstance(exc, BundleError):
        err.print(f"[bold red]error:[/] {str(exc).splitlines()[0]}")
        for problem in exc.problems:
            err.print(f"  {problem}", markup=False)
        if exc.total > len(exc.problems):
            err.print(f"  … and {exc.total - len(exc.problems):,} more")
    else:
        err.print(f"[bold red]error:[/] {exc}")


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """accord's errors → a plain message on stderr and exit code 1."""

    @functools.wraps(fn)
    def run(*a: P.args, **k: P.kwargs) -> R:
        try:
            return fn(*a, **k)
        except AccordError as exc:
            report_error(exc)
            raise typer.Exit(1) from None

    return run


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


# -- CRM and CSV imports ---------------------------------------------------------------------


def _print_import(report: intake.MappedImport, format: Format) -> None:
    if format is Format.JSON:
        emit_json(
            {
                "mapping": report.mapping,
                "dry_run": report.dry_run,
                "files": report.files,
                "tables": [asdict(t) for t in report.tables],
                "skipped": [asdict(s) for s in report.skipped],
                "warnings": report.warnings,
                "domains": report.domains,
                "duplicates": report.duplicates,
            }
        )
        return
    verb = "would" if report.dry_run else ""
    title = f"{report.mapping}: " + (
        "dry run — nothing was written" if report.dry_run else "imported"
    )
    table = Table("table", "rows", f"{verb} create".strip(), f"{verb} update".strip(),
                  "unchanged", "rejected", title=title)
    for t in report.tables:
        table.add_row(
            t.table, f"{t.read:,}", f"{t.inserted:,}", f"{t.updated:,}", f"{t.unchanged:,}",
            f"{t.rejected:,}",
        )
    out.print(table)
    if report.skipped:
        out.print(f"Skipped {len(report.skipped):,} row{'s' if len(report.skipped) != 1 else ''}:")
        for s in report.skipped:
            out.print(f"  {s.file}, line {s.line} ({s.table}): {s.reason}", markup=False)
    for w in report.warnings:
        err.print(f"[yellow]warning:[/] {w}", markup=True)
    if report.duplicates:
        out.print(
            f"{report.duplicates} possible duplicate group{'s' if report.duplicates > 1 else ''} "
            "in the book: see `accord duplicates`."
        )


@guarded
def import_crm(
    crm: Annotated[Crm, typer.Argument(help="Which CRM wrote the export.")],
    directory: Annotated[Path, typer.Argument(help="The folder of exported CSV files.")],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            help="A TOML file laid over the shipped mapping: custom fields, pick-list values.",
            show_default=False,
        ),
    ] = None,
    dry_run: DryRunOption = False,
    skip_invalid: SkipInvalidOption = False,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Import a HubSpot or Salesforce export folder into the book, in one transaction.

    HubSpot: companies, contacts, deals, calls, meetings, emails, notes, tasks.
    Salesforce: User, Account, Contact, Opportunity, Task, Event.
    Re-importing the same export changes nothing.

    Examples:

    * `accord import-crm hubspot ./export --dry-run`
    * `accord import-crm salesforce ./export --mapping ours.toml`
    """
    report = intake.import_crm(
        url=db,
        crm=crm.value,
        directory=directory,
        mapping=mapping,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
    )
    _print_import(report, format)


@guarded
def import_csv(
    paths: Annotated[list[Path], typer.Argument(help="CSV files, or folders holding them.")],
    mapping: Annotated[
        Path, typer.Option("--mapping", help="The TOML mapping file (see docs/intake.md).")
    ],
    dry_run: DryRunOption = False,
    skip_invalid: SkipInvalidOption = False,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Import any CSV files through a mapping file of your own, in one transaction.

    Example: `accord import-csv --mapping pipedrive.toml ./export --dry-run`
    """
    report = intake.import_csv(
        url=db, mapping=mapping, paths=paths, dry_run=dry_run, skip_invalid=skip_invalid
    )
    _print_import(report, format)


def register(app: typer.Typer) -> None:
    """Mount the intake commands on the main `accord` command."""
    app.command("import-crm")(import_crm)
    app.command("import-csv")(import_csv)
