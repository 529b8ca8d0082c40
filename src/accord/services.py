"""The use cases of accord: the only module that adapters (CLI, API, web) call.

Each function is keyword-only, opens what it needs from a database URL, does one
job inside one transaction, and returns plain data. Errors are raised from the
tree in `accord.errors`; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from accord.bundle import load_bundle, write_rejects, write_table
from accord.domain.schema import LEDGER
from accord.errors import BadInputError
from accord.storage import bulk
from accord.storage.database import bulk_transaction, make_engine, require_current, upgrade

Progress = Callable[[str, str, int, int], None]
"""(stage, file, done, total) → None; stages are "read" and "write"."""


@dataclass(frozen=True, slots=True)
class InitResult:
    url: str
    before: str | None
    after: str

    @property
    def created(self) -> bool:
        return self.before is None


def init_database(*, url: str | None) -> InitResult:
    """Create the ledger's tables, or migrate them to the newest revision."""
    engine = make_engine(url)
    try:
        before, after = upgrade(engine)
        return InitResult(engine.url.render_as_string(hide_password=True), before, after)
    finally:
        engine.dispose()


@dataclass(frozen=True, slots=True)
class FileImport:
    file: str
    read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int


@dataclass
class ImportReport:
    files: list[FileImport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejects: list[Path] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def changed(self) -> int:
        return sum(f.inserted + f.updated for f in self.files)


def import_bundle(
    *,
    url: str | None,
    directory: Path,
    skip_invalid: bool = False,
    rejects_dir: Path | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a bundle in one transaction: all of it, or (by default) nothing on any problem.

    With `skip_invalid`, valid rows are written and rejected rows go, with their
    reasons, to `rejects_dir` (default: `<bundle>-rejects` beside the bundle).
    """
    engine = make_engine(url)
    try:
        require_current(engine)
        report = ImportReport()
        with bulk_transaction(engine) as conn:

            def known(table: str, column: str, candidates: list[str]) -> set[str]:
                return bulk.known_keys(conn, table, column, candidates)

            def on_read(file: str, rows: int) -> None:
                if progress:
                    progress("read", file, rows, rows)

            loaded = load_bundle(
                directory, known_keys=known, skip_invalid=skip_invalid, progress=on_read
            )
            report.warnings = loaded.warnings
            for item in loaded.tables:
                done = 0

                def on_rows(
                    n: int, file: str = item.table.file, total: int = item.frame.height
                ) -> None:
                    nonlocal done
                    done += n
                    if progress:
                        progress("write", file, done, total)

                counts = bulk.upsert(conn, item.table, item.frame, item.update_columns, on_rows)
                report.files.append(
                    FileImport(
                        item.table.file,
                        item.read,
                        counts.inserted,
                        counts.updated,
                        counts.unchanged,
                        item.rejected.height,
                    )
                )
        if loaded.rejected:
            target = rejects_dir or directory.with_name(directory.name + "-rejects")
            report.rejects = write_rejects(loaded, target)
        return report
    finally:
        engine.dispose()


def export_bundle(*, url: str | None, directory: Path) -> dict[str, int]:
    """Write the whole book as a bundle that imports back unchanged; rows per file."""
    if directory.exists() and not directory.is_dir():
        raise BadInputError(f"{directory} exists and is not a folder")
    engine = make_engine(url)
    try:
        require_current(engine)
        directory.mkdir(parents=True, exist_ok=True)
        counts: dict[str, int] = {}
        with engine.connect() as conn:
            for table in LEDGER:
                frame = bulk.read_table(conn, table.name)
                write_table(table, frame, directory)
                counts[table.file] = frame.height
        return counts
    finally:
        engine.dispose()


@dataclass(frozen=True, slots=True)
class GeneratedBundle:
    as_of: date
    rows: dict[str, int]


def generate_bundle(
    *,
    directory: Path,
    accounts: int,
    seed: int,
    as_of: date | None = None,
    progress: Progress | None = None,
) -> GeneratedBundle:
    """Write a realistic synthetic book with planted patterns (see docs/generator.md)."""
    from accord.generate import generate_book

    def on_step(stage: str, done: int, total: int) -> None:
        if progress:
            progress("generate", stage, done, total)

    try:
        book = generate_book(directory, accounts=accounts, seed=seed, as_of=as_of, progress=on_step)
    except ValueError as exc:
        raise BadInputError(str(exc)) from exc
    return GeneratedBundle(as_of=book.as_of, rows=dict(book.rows))


@dataclass(frozen=True, slots=True)
class BookSummary:
    """What is in a book, at a glance."""

    rows: dict[str, int]
    sellers: int
    teams: int
    segments: dict[str, int]
    first_activity: date | None
    last_activity: date | None
    revenue: float
    revenue_last_365: float
    open_commitments_ours: int
    unpaid_invoices: int


def book_summary(*, url: str | None) -> BookSummary:
    """Counts and totals that tell a user their import landed as they expect."""
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            rows = {
                t.name: int(conn.exec_driver_sql(f'SELECT count(*) FROM "{t.name}"').scalar_one())
                for t in LEDGER
            }

            def one(sql: str) -> object:
                return conn.exec_driver_sql(sql).scalar_one()

            sellers = int(str(one("SELECT count(*) FROM users WHERE role = 'rep'")))
            teams = int(str(one("SELECT count(DISTINCT team) FROM users")))
            segments = {
                str(seg or "(none)"): int(n)
                for seg, n in conn.exec_driver_sql(
                    "SELECT segment, count(*) FROM accounts GROUP BY segment ORDER BY 2 DESC"
                )
            }
            first, last = conn.exec_driver_sql(
                "SELECT min(ordered_on), max(ordered_on) FROM orders"
            ).one()
            revenue = float(str(one("SELECT coalesce(sum(amount), 0) FROM orders")))
            last_day = _as_date(last)
            recent = 0.0
            if last_day is not None:
                start = date.fromordinal(last_day.toordinal() - 365).isoformat()
                recent = float(
                    conn.execute(
                        sa.text(
                            "SELECT coalesce(sum(amount), 0) FROM orders WHERE ordered_on > :d"
                        ).bindparams(sa.bindparam("d", type_=sa.Date())),
                        {"d": date.fromisoformat(start)},
                    ).scalar_one()
                )
            open_ours = int(
                str(
                    one(
                        "SELECT count(*) FROM commitments WHERE side = 'us' "
                        "AND done_on IS NULL AND NOT cancelled"
                    )
                )
            )
            unpaid = int(str(one("SELECT count(*) FROM invoices WHERE paid_on IS NULL")))
        return BookSummary(
            rows=rows,
            sellers=sellers,
            teams=teams,
            segments=segments,
            first_activity=_as_date(first),
            last_activity=last_day,
            revenue=revenue,
            revenue_last_365=recent,
            open_commitments_ours=open_ours,
            unpaid_invoices=unpaid,
        )
    finally:
        engine.dispose()


def _as_date(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def read_ledger_table(*, url: str | None, table: str) -> pl.DataFrame:
    """One ledger table as a typed frame (for analytics and tests)."""
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            return bulk.read_table(conn, table)
    finally:
        engine.dispose()
