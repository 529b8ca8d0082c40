"""The `accord` command: parse → service → print.

Exit codes: 0 success, 1 bad input (a message naming what is wrong), 2 usage.
Every command that prints data takes `--format json`; its shape is documented
in docs/cli.md and kept stable.
"""

from __future__ import annotations

import functools
import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from accord import services
from accord.errors import AccordError, BundleError

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="accord",
    help=(
        "accord — relationship-first selling. Keep the ledger of every customer "
        "relationship, measure its health and tell each seller what to do next.\n\n"
        "Start with:  accord demo"
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


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


def command(*args: Any, **kwargs: Any) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """`app.command`, with accord's errors turned into a plain message and exit code 1."""

    def register(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def guarded(*a: P.args, **k: P.kwargs) -> R:
            try:
                return fn(*a, **k)
            except AccordError as exc:
                _report_error(exc)
                raise typer.Exit(1) from None

        app.command(*args, **kwargs)(guarded)
        return fn

    return register


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@contextmanager
def _progress(enabled: bool = True) -> Iterator[services.Progress | None]:
    """A Rich progress bar per file, on stderr, when stderr is a terminal."""
    if not (enabled and err.is_terminal):
        yield None
        return
    bars = Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def update(stage: str, file: str, done: int, total: int) -> None:
        verb = {"read": "reading", "write": "writing"}.get(stage, stage)
        label = f"{verb} {file}"
        if label not in tasks:
            tasks[label] = bars.add_task(label, total=max(total, 1))
        bars.update(tasks[label], completed=done if total else 1, total=max(total, 1))

    with bars:
        yield update


@command()
def init(db: DbOption = None, format: FormatOption = Format.TABLE) -> None:
    """Create the database, or migrate it to the newest schema.

    Safe to run again: an up-to-date database is left as it is.

    Example: `accord init --db sqlite:///book.db`
    """
    result = services.init_database(url=db)
    if format is Format.JSON:
        _json({"url": result.url, "from_revision": result.before, "revision": result.after})
        return
    if result.created:
        out.print(f"Created the ledger in {result.url} (schema {result.after}).")
    elif result.before == result.after:
        out.print(f"{result.url} is up to date (schema {result.after}).")
    else:
        out.print(f"Migrated {result.url} from schema {result.before} to {result.after}.")


@command("import")
def import_(
    directory: Annotated[
        Path, typer.Argument(help="The bundle folder: UTF-8 CSV files named as in docs/bundle.md.")
    ],
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Import the valid rows and write rejected rows, with their reasons, to "
            "--rejects. Without it, any invalid row aborts the import and nothing is written.",
        ),
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(
            help="Where --skip-invalid writes the rejected rows (default: DIR-rejects beside "
            "the bundle). Fix them there and import that folder.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Import a bundle folder into the book, in one transaction.

    Rows are matched on their id: new ones are inserted, changed ones updated, and
    importing the same bundle twice changes nothing. Every problem is reported with
    its file, line and column.

    Examples:

    * `accord import ./bundle`
    * `accord import ./bundle --skip-invalid --rejects ./rejected`
    """
    with _progress(format is Format.TABLE) as progress:
        report = services.import_bundle(
            url=db,
            directory=directory,
            skip_invalid=skip_invalid,
            rejects_dir=rejects,
            progress=progress,
        )
    if format is Format.JSON:
        _json(
            {
                "files": [asdict(f) for f in report.files],
                "warnings": report.warnings,
                "rejects": [str(p) for p in report.rejects],
            }
        )
        return
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {warning}")
    table = Table("file", "read", "inserted", "updated", "unchanged", "rejected")
    for f in report.files:
        table.add_row(
            f.file, *(f"{n:,}" for n in (f.read, f.inserted, f.updated, f.unchanged, f.rejected))
        )
    out.print(table)
    if report.rejects:
        where = report.rejects[0].parent
        err.print(
            f"[yellow]{sum(f.rejected for f in report.files):,} rows rejected;[/] see {where}"
        )
    out.print(f"Imported {report.rows:,} rows; {report.changed:,} changed.")


@command()
def export(
    directory: Annotated[Path, typer.Argument(help="Folder to write the bundle into.")],
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Write the whole book as a bundle that imports back unchanged.

    Rows are sorted by id, so the same book always exports to the same bytes.

    Example: `accord export ./backup`
    """
    counts = services.export_bundle(url=db, directory=directory)
    if format is Format.JSON:
        _json({"directory": str(directory), "files": counts})
        return
    out.print(f"Wrote {sum(counts.values()):,} rows in {len(counts)} files to {directory}.")


@command()
def generate(
    directory: Annotated[Path, typer.Argument(help="Folder to write the bundle into.")],
    accounts: Annotated[
        int, typer.Option(min=1, help="How many customer accounts the book holds.")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same bytes.")] = 1,
    as_of: Annotated[
        str | None,
        typer.Option(help="The date the book ends on (YYYY-MM-DD); default a fixed date."),
    ] = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Write a realistic synthetic book of business, with planted patterns.

    Besides the bundle files it writes truth.csv (the patterns each account was
    built to show, or `healthy`) and as_of.txt (the date that truth holds for).

    Example: `accord generate --accounts 2000 --seed 7 /tmp/book`
    """
    day = _parse_date(as_of, "--as-of") if as_of else None
    with _progress(format is Format.TABLE) as progress:
        book = services.generate_bundle(
            directory=directory, accounts=accounts, seed=seed, as_of=day, progress=progress
        )
    if format is Format.JSON:
        _json({"directory": str(directory), "as_of": book.as_of.isoformat(), "rows": book.rows})
        return
    out.print(
        f"Wrote a book of {accounts:,} accounts ({sum(book.rows.values()):,} rows) to "
        f"{directory}, as of {book.as_of.isoformat()}."
    )


@command()
def summary(db: DbOption = None, format: FormatOption = Format.TABLE) -> None:
    """Print what is in the book: rows per table, sellers, segments, revenue.

    Example: `accord summary --db sqlite:///book.db`
    """
    _print_summary(services.book_summary(url=db), format)


@command()
def demo(
    directory: Annotated[
        Path | None,
        typer.Option(help="Where to keep the demo book and its database (default: ./demo)."),
    ] = None,
    accounts: Annotated[int, typer.Option(min=1, help="Accounts in the demo book.")] = 500,
    seed: Annotated[int, typer.Option(help="Random seed of the demo book.")] = 42,
    format: FormatOption = Format.TABLE,
) -> None:
    """Generate a demo book into a fresh local SQLite database and summarise it.

    Example: `accord demo --accounts 2000`
    """
    home = directory or Path("demo")
    home.mkdir(parents=True, exist_ok=True)
    bundle = home / "bundle"
    database = home / "accord.db"
    for stale in (
        database,
        database.with_name("accord.db-wal"),
        database.with_name("accord.db-shm"),
    ):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{database.resolve()}"
    show = format is Format.TABLE
    with tempfile.TemporaryDirectory(dir=home) as scratch:
        target = Path(scratch) / "bundle"
        with _progress(show) as progress:
            services.generate_bundle(
                directory=target, accounts=accounts, seed=seed, as_of=None, progress=progress
            )
        if bundle.exists():
            for old in bundle.iterdir():
                old.unlink()
            bundle.rmdir()
        target.rename(bundle)
    services.init_database(url=url)
    with _progress(show) as progress:
        services.import_bundle(url=url, directory=bundle, progress=progress)
    if show:
        out.print(f"\nDemo book: {bundle}   database: {url}\n")
    _print_summary(services.book_summary(url=url), format)


def _print_summary(book: services.BookSummary, format: Format) -> None:
    if format is Format.JSON:
        _json(asdict(book))
        return
    table = Table("table", "rows", title="The book")
    for name, n in book.rows.items():
        table.add_row(name, f"{n:,}")
    out.print(table)
    span = (
        f"{book.first_activity} … {book.last_activity}" if book.first_activity else "no orders yet"
    )
    segs = ", ".join(f"{k} {v:,}" for k, v in book.segments.items())
    out.print(
        f"{_count(book.rows['accounts'], 'account')} ({segs}) served by "
        f"{_count(book.sellers, 'seller')} in {_count(book.teams, 'team')}.\n"
        f"Orders {span}: revenue {book.revenue:,.0f}, of which {book.revenue_last_365:,.0f} "
        f"in the last 365 days.\n"
        f"{_count(book.open_commitments_ours, 'commitment')} of ours open; "
        f"{_count(book.unpaid_invoices, 'invoice')} unpaid."
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


def _add_subcommands() -> None:
    try:
        from accord.cli_clv import clv_app
    except ImportError:  # pragma: no cover - the lifetime-value commands are optional
        return
    app.add_typer(clv_app, name="clv", help="Customer lifetime value: fit models, write reports.")


_add_subcommands()


def main() -> None:
    """The console entry point."""
    app()


def _report_error(exc: AccordError) -> None:
    if isinstance(exc, BundleError):
        err.print(f"[bold red]error:[/] {str(exc).splitlines()[0]}", highlight=False)
        for problem in exc.problems:
            err.print(f"  {problem}", highlight=False, markup=False)
        more = exc.total - len(exc.problems)
        if more > 0:
            err.print(f"  … and {more:,} more", highlight=False)
    else:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
