"""The `accord` command: parse → service → print.

Exit codes: 0 success, 1 bad input (a message naming what is wrong), 2 usage.
Every command that prints data takes `--format json`; its shape is documented
in docs/cli.md and kept stable.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
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
from accord.cli_common import (
    ConfigOption,
    DbOption,
    Format,
    FormatOption,
    emit_json,
    err,
    guarded,
    out,
    parse_day,
)

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


def command(*args: Any, **kwargs: Any) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """`app.command`, with accord's errors turned into a plain message and exit code 1."""

    def register(fn: Callable[P, R]) -> Callable[P, R]:
        app.command(*args, **kwargs)(guarded(fn))
        return fn

    return register


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
        emit_json({"url": result.url, "from_revision": result.before, "revision": result.after})
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
        emit_json(
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
        emit_json({"directory": str(directory), "files": counts})
        return
    out.print(f"Wrote {sum(counts.values()):,} rows in {len(counts)} files to {directory}.")


class RealismChoice(StrEnum):
    """How much a generated book reveals (`accord generate --realism`)."""

    CLEAN = "clean"
    CRM = "crm"


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
    realism: Annotated[
        RealismChoice,
        typer.Option(
            help="`clean`: every touchpoint's purpose and tags labelled, every figure given; "
            "`crm`: written as CRMs export it — purpose and tags blank, what happened only in "
            "free-text summaries and feedback, cost and list price missing on a share of "
            "orders, owners on some accounts, in-scope flags on some service entries."
        ),
    ] = RealismChoice.CLEAN,
    missing_cost: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="With --realism crm: the share of orders without cost and list price "
            "(default 0.3).",
        ),
    ] = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Write a realistic synthetic book of business, with planted patterns.

    Besides the bundle files it writes truth.csv (the patterns each account was
    built to show, or `healthy`) and as_of.txt (the date that truth holds for).
    `--realism crm` writes the same events as a CRM exports them, to measure
    `accord evaluate` on what a real book reveals.

    Example: `accord generate --accounts 2000 --seed 7 --realism crm /tmp/book`
    """
    day = _parse_date(as_of, "--as-of") if as_of else None
    with _progress(format is Format.TABLE) as progress:
        book = services.generate_bundle(
            directory=directory,
            accounts=accounts,
            seed=seed,
            as_of=day,
            progress=progress,
            realism=realism.value,
            missing_cost_share=missing_cost,
        )
    if format is Format.JSON:
        emit_json({"directory": str(directory), "as_of": book.as_of.isoformat(), "rows": book.rows})
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
    serve: Annotated[
        bool, typer.Option(help="Start the web application on the demo book when it is ready.")
    ] = True,
    host: Annotated[str, typer.Option(help="Address the demo server listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the demo server.")] = 8000,
) -> None:
    """Generate a demo book into a fresh local SQLite database, give one user of each
    role a password (printed), and serve the web application on it.

    Example: `accord demo --accounts 2000` (then open the address it prints)
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
            generated = services.generate_bundle(
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
    if show:
        from accord.cli_web import demo_users_and_serve

        demo_users_and_serve(url=url, as_of=generated.as_of, serve_it=serve, host=host, port=port)


def _print_summary(book: services.BookSummary, format: Format) -> None:
    if format is Format.JSON:
        emit_json(asdict(book))
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
    day = parse_day(text, option)
    assert day is not None
    return day


def _register_command_groups() -> None:
    """The commands that live in modules of their own, each registering itself."""
    from accord import cli_agenda, cli_costs, cli_decision, cli_intake, cli_signals, cli_web
    from accord.cli_clv import clv_app

    app.add_typer(clv_app, name="clv", help="Customer lifetime value: fit models, write reports.")
    cli_web.register(app)  # serve, user, token
    cli_intake.register(app)  # import-crm, import-csv, capture, duplicates, merge, person
    cli_decision.register(app)  # decision
    cli_agenda.register(app)  # agenda, review
    cli_costs.register(app)  # costs, plan
    cli_signals.register(app)  # infer


_register_command_groups()


def main() -> None:
    """The console entry point."""
    app()


# -- health and patterns (issue 4) ----------------------------------------------------------

_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "green"}


def _score_cell(value: float | None) -> str:
    if value is None:
        return "[dim]unknown[/]"
    style = "green" if value >= 70 else "yellow" if value >= 50 else "red"
    return f"[{style}]{value:.0f}[/]"


@contextmanager
def _diagnose_progress(enabled: bool) -> Iterator[services.DiagnoseProgress | None]:
    with _progress(enabled) as update:
        if update is None:
            yield None
            return

        def step(name: str, done: int, total: int) -> None:
            update("diagnose", f"({name})", done, total)

        yield step


@command()
def diagnose(
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Diagnose as of this date (YYYY-MM-DD); default today.", show_default=False
        ),
    ] = None,
    account: Annotated[
        str | None,
        typer.Option(
            help="Only this account (its facts and evidence in full).", show_default=False
        ),
    ] = None,
    snapshot: Annotated[
        bool,
        typer.Option(
            "--snapshot", help="Also store the scores as this date's snapshot, for trends."
        ),
    ] = False,
    limit: Annotated[
        int,
        typer.Option(min=0, help="Table format: show the N worst accounts (0: all)."),
    ] = 50,
    config: ConfigOption = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Health (trust, engagement, mutual value, continuity) and patterns per account.

    Each pattern comes with the numbers that fired it, the threshold beside them,
    and an action for this week. The table shows the worst accounts first;
    `--format json` prints every account (shape and formulas in docs/health.md).

    Examples:

    * `accord diagnose --as-of 2026-06-30`
    * `accord diagnose --account A0000042`
    * `accord diagnose --format json --snapshot`
    """
    day = _parse_date(as_of, "--as-of") if as_of else None
    settings = services.load_config(path=config)
    with _diagnose_progress(format is Format.TABLE) as progress:
        result = services.diagnose(
            url=db,
            as_of=day,
            account_id=account,
            settings=settings,
            snapshot=snapshot,
            progress=progress,
        )
    records = result.records()
    if format is Format.JSON:
        emit_json(records)
        return
    if account is not None:
        _print_account(records[0])
        return
    _print_diagnosis(records, result.as_of, limit)


def _worst_first(record: dict[str, Any]) -> tuple[int, int, float]:
    severities = [p["severity"] for p in record["patterns"]]
    score = record["health"]["score"]
    return (
        -severities.count("critical"),
        -severities.count("warning"),
        score if score is not None else 101.0,
    )


def _print_diagnosis(records: list[dict[str, Any]], as_of: date, limit: int) -> None:
    ordered = sorted(records, key=_worst_first)
    shown = ordered if limit == 0 else ordered[:limit]
    table = Table(
        "account",
        "health",
        "trust",
        "engage",
        "value",
        "contin.",
        "patterns",
        "not judged",
        title=f"Relationship health as of {as_of.isoformat()}",
    )
    for r in shown:
        h = r["health"]
        pats = ", ".join(f"[{_SEVERITY_STYLE[p['severity']]}]{p['id']}[/]" for p in r["patterns"])
        table.add_row(
            r["account_id"],
            _score_cell(h["score"]),
            _score_cell(h["trust"]),
            _score_cell(h["engagement"]),
            _score_cell(h["mutual_value"]),
            _score_cell(h["continuity"]),
            pats or "[dim]—[/]",
            ", ".join(n["id"] for n in r.get("not_judged", [])) or "[dim]—[/]",
        )
    out.print(table)
    counts: dict[str, int] = {}
    for r in records:
        for p in r["patterns"]:
            counts[p["id"]] = counts.get(p["id"], 0) + 1
    healthy = counts.pop("healthy", 0)
    flagged = sum(1 for r in records if r["patterns"] and r["patterns"][0]["id"] != "healthy")
    summary = ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
    more = (
        f" (the {len(shown):,} worst shown; --limit 0 for all)" if len(shown) < len(records) else ""
    )
    out.print(
        f"{_count(len(records), 'account')}{more}: {healthy:,} healthy, {flagged:,} with a "
        f"pattern{'' if not summary else ' — ' + summary}."
    )


def _print_account(r: dict[str, Any]) -> None:
    h = r["health"]
    out.print(f"[bold]{r['account_id']}[/] as of {r['as_of']}: health {_score_cell(h['score'])}")
    for dim in ("trust", "engagement", "mutual_value", "continuity"):
        facts = "; ".join(r["facts"][dim]) or "no data"
        out.print(f"  {dim.replace('_', ' '):<13} {_score_cell(h[dim])}  {facts}", highlight=False)
    o = r["orientation"]["index"]
    out.print(
        f"  orientation   {'unknown' if o is None else f'{o:.0f}'} "
        "(0 transactional … 100 relational)"
    )
    for p in r["patterns"]:
        style = _SEVERITY_STYLE[p["severity"]]
        out.print(f"\n[{style}]{p['severity']}: {p['id']}[/]")
        for name, e in p["evidence"].items():
            value = e["value"]
            shown = "unknown" if value is None else f"{value:g}"
            beside = f" (rule {e['rule']} {e['threshold']:g})" if "threshold" in e else ""
            out.print(f"  {name.replace('_', ' ')}: {shown}{beside}", highlight=False)
        out.print(f"  → {p['action']}", highlight=False)
    for n in r.get("not_judged", []):
        out.print(f"\n[dim]not judged: {n['id']}[/] — {n['reason']}", highlight=False)


@command()
def evaluate(
    directory: Annotated[
        Path,
        typer.Argument(
            help="A bundle with the planted truth (truth.csv), such as `accord generate` writes."
        ),
    ],
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Diagnose as of this date (YYYY-MM-DD); default: the bundle's as_of.txt."
        ),
    ] = None,
    config: ConfigOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Score the pattern detectors against a book's planted truth.

    Imports the bundle into a temporary SQLite database, diagnoses it as of the
    date in its as_of.txt, and prints precision and recall per pattern over the
    accounts each detector could judge; accounts it could not judge (an input
    missing for them) are counted apart, and the inputs each rule reads are
    listed with how much of them the book gives.

    Example: `accord generate --accounts 2000 --seed 1 --realism crm /tmp/book && accord
    evaluate /tmp/book`
    """
    settings = services.load_config(path=config)
    day = _parse_date(as_of, "--as-of") if as_of else None
    show = format is Format.TABLE
    with _progress(show) as progress, _diagnose_progress(show) as steps:
        result = services.evaluate(
            directory=directory,
            settings=settings,
            as_of=day,
            progress=progress,
            diagnose_progress=steps,
        )
    if format is Format.JSON:
        emit_json(
            {
                "directory": str(result.directory),
                "as_of": result.as_of.isoformat(),
                "accounts": result.accounts,
                "patterns": [
                    {
                        "pattern": s.pattern,
                        "planted": s.planted,
                        "detected": s.detected,
                        "true_positives": s.true_positives,
                        "precision": s.precision,
                        "recall": s.recall,
                        "not_judged": s.not_judged,
                        "planted_not_judged": s.planted_not_judged,
                        "inputs_exist": s.inputs_exist,
                        "missing_inputs": list(s.missing_inputs),
                    }
                    for s in result.scores
                ],
                "inputs": {
                    c.name: {"rows": c.rows, "given": c.given, "from_text": c.from_text}
                    for c in result.inputs.values()
                },
            }
        )
        return
    table = Table(title=f"Detectors against {result.directory} as of {result.as_of.isoformat()}")
    table.add_column("pattern", no_wrap=True)
    for name in ("planted", "detected", "precision", "recall", "not judged"):
        table.add_column(name, justify="right")

    def rate(x: float | None, target: float) -> str:
        if x is None:
            return "[dim]—[/]"
        return f"[{'green' if x >= target else 'red'}]{x:.3f}[/]"

    for s in result.scores:
        skipped = f"{s.not_judged:,}" + (
            f" ({s.planted_not_judged:,} planted)" if s.planted_not_judged else ""
        )
        table.add_row(
            s.pattern + ("" if s.inputs_exist else " [dim](no input)[/]"),
            f"{s.planted:,}",
            f"{s.detected:,}",
            rate(s.precision, 0.85),
            rate(s.recall, 0.7),
            skipped if s.not_judged else "[dim]0[/]",
        )
    out.print(table)
    lacking = [
        f"{s.pattern} ({', '.join(s.missing_inputs)})" for s in result.scores if s.missing_inputs
    ]
    if lacking:
        out.print(f"Inputs missing from the book: {'; '.join(lacking)}.", highlight=False)
    given = "; ".join(f"{c.name} {c.describe()}" for c in result.inputs.values())
    out.print(f"Inputs in the book: {given}.", highlight=False)
    out.print(
        "Precision and recall count only the accounts a detector judged; targets "
        "0.85 and 0.70 where the inputs exist.",
        highlight=False,
    )


config_app = typer.Typer(
    help="The weights and thresholds of health and the detectors.", no_args_is_help=True
)
app.add_typer(config_app, name="config")


@config_app.command("show")
@guarded
def config_show(config: ConfigOption = None, format: FormatOption = Format.TABLE) -> None:
    """Print the effective weights and thresholds, each with its help text.

    Example: `accord config show --config team.toml`
    """
    report = services.config_show(path=config)
    if format is Format.JSON:
        emit_json(
            {
                "source": report.source,
                "settings": [asdict(s) for s in report.settings],
            }
        )
        return
    table = Table("setting", "value", "default", "help", title="Effective settings")
    for s in report.settings:
        changed = s.value != s.default
        shown = s.value if isinstance(s.value, str) else f"{s.value:g}"
        value = f"[bold yellow]{shown}[/]" if changed else shown
        default = s.default if isinstance(s.default, str) else f"{s.default:g}"
        table.add_row(s.name, value, default, s.help)
    out.print(table)
    out.print(f"Source: {report.source or 'the defaults'} (documented in docs/health.md).")
