"""The use cases of accord: the only module that adapters (CLI, API, web) call.

Each function is keyword-only, opens what it needs from a database URL, does one
job inside one transaction, and returns plain data. Errors are raised from the
tree in `accord.errors`; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import sqlalchemy as sa

from accord.bundle import load_bundle, write_rejects, write_table
from accord.config import SettingInfo, Settings, describe, load_settings
from accord.domain.schema import LEDGER, Table
from accord.errors import BadInputError, NotFoundError
from accord.evaluation import InputCoverage, PatternScore
from accord.storage import bulk
from accord.storage.database import make_engine, require_current, upgrade

if TYPE_CHECKING:
    from accord.health import Diagnosis

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
        with bulk.open_writer(engine) as writer:

            def on_read(file: str, rows: int) -> None:
                if progress:
                    progress("read", file, rows, rows)

            loaded = load_bundle(
                directory,
                known_keys=writer.known_keys,
                known_rows=writer.known_rows,
                skip_invalid=skip_invalid,
                progress=on_read,
            )
            report.warnings = loaded.warnings
            from accord.services_plans import check_bundle_rules

            check_bundle_rules(engine, loaded.tables, directory)  # rules across rows (issue 8)
            for item in loaded.tables:
                done = 0

                def on_rows(
                    n: int, file: str = item.table.file, total: int = item.frame.height
                ) -> None:
                    nonlocal done
                    done += n
                    if progress:
                        progress("write", file, done, total)

                counts = writer.upsert(item.table, item.frame, item.update_columns, on_rows)
                _infer_imported(writer, item.table, item.frame, item.update_columns, progress)
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


def _infer_imported(
    writer: bulk.BulkWriter,
    table: Table,
    frame: pl.DataFrame,
    update_columns: tuple[str, ...],
    progress: Progress | None,
) -> None:
    """Purpose and tags inferred from the text of the rows just written (accord.signals)."""
    from accord.services_signals import SIGNAL_INPUTS, infer_written

    def on_infer(_table: str, done: int, total: int) -> None:
        if progress:
            progress("inferring", table.file, done, total)

    read = SIGNAL_INPUTS & set(table.column_names)
    infer_written(writer, table, frame, on_infer, given_is_stored=read <= set(update_columns))


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
    realism: str = "clean",
    missing_cost_share: float | None = None,
) -> GeneratedBundle:
    """Write a realistic synthetic book with planted patterns (see docs/generator.md);
    `realism="crm"` writes it as CRMs export it."""
    from accord.generate import Realism, generate_book

    def on_step(stage: str, done: int, total: int) -> None:
        if progress:
            progress("generate", stage, done, total)

    try:
        if missing_cost_share is not None and realism != "crm":
            raise ValueError("--missing-cost applies to --realism crm only")
        how = Realism.named(realism, missing_cost_share=missing_cost_share)
        book = generate_book(
            directory, accounts=accounts, seed=seed, as_of=as_of, progress=on_step, realism=how
        )
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


# -- health and patterns (issue 4) ----------------------------------------------------------

DiagnoseProgress = Callable[[str, int, int], None]
"""(step, done, total) → None; steps: load, features, lifetime, score, snapshot."""

_DIAGNOSE_STEPS = ("load", "features", "lifetime", "score", "snapshot")


def load_config(*, path: Path | str | None = None) -> Settings:
    """The effective settings: defaults, overridden by `path` (else $ACCORD_CONFIG)."""
    return load_settings(path)


def diagnose(
    *,
    url: str | None,
    as_of: date | None = None,
    account_id: str | None = None,
    settings: Settings | None = None,
    snapshot: bool = False,
    progress: DiagnoseProgress | None = None,
) -> Diagnosis:
    """Health and patterns of every account (or one) as of a date (default today).

    The features are computed where the data is (see `accord.analytics`); the
    scores and rules are applied to all accounts at once. With `snapshot`, the
    scores are stored as that date's snapshot (replacing an earlier one).
    """
    from accord.analytics import account_features, first_activity, open_ledger, order_history
    from accord.health import diagnose_features, only_account
    from accord.storage.snapshots import save_snapshots

    settings = settings or Settings()
    day = as_of or date.today()
    total = len(_DIAGNOSE_STEPS)

    def step(name: str) -> None:
        if progress:
            progress(name, _DIAGNOSE_STEPS.index(name), total)

    engine = make_engine(url)
    try:
        require_current(engine)
        if account_id is not None:
            with engine.connect() as conn:
                _require_account(conn, account_id)
        step("load")
        ledger_url = engine.url.render_as_string(hide_password=False)
        with open_ledger(ledger_url, half_life_days=settings.strength.half_life_days) as ledger:
            first = first_activity(ledger)
            if first is None:
                raise BadInputError("the book has no dated activity yet: import a bundle first")
            if day < first:
                raise BadInputError(
                    f"--as-of {day.isoformat()} is before any data: the book starts on "
                    f"{first.isoformat()}"
                )
            step("features")
            features = pl.from_arrow(ledger.to_arrow(account_features(ledger, day, settings)))
            orders = pl.from_arrow(ledger.to_arrow(order_history(ledger, day)))
        assert isinstance(features, pl.DataFrame)
        assert isinstance(orders, pl.DataFrame)
        step("lifetime")
        outlook = _lifetime(orders, day, settings)
        step("score")
        result = diagnose_features(features, outlook, day, settings)
        if account_id is not None:
            result = only_account(result, account_id)
        if snapshot:
            step("snapshot")
            ids = result.patterns.group_by("account_id").agg(pl.col("id").str.join(";"))
            rows = result.accounts.select(
                "account_id", "score", "trust", "engagement", "mutual_value", "continuity"
            ).join(ids.rename({"id": "patterns"}), on="account_id", how="left")
            with engine.begin() as conn:
                save_snapshots(conn, day, rows, taken_at=datetime.now(UTC).replace(tzinfo=None))
        if progress:
            progress("done", total, total)
        return result
    finally:
        engine.dispose()


@dataclass(frozen=True)
class LifetimeOutlook:
    """Per account: probability alive, expected orders and value over 12 months, horizon."""

    as_of: date
    table: pl.DataFrame
    note: str | None  # why the model columns are empty, when they are


def lifetime_outlook(
    *, url: str | None, as_of: date | None = None, account_id: str | None = None
) -> LifetimeOutlook:
    """The lifetime-value outlook of every account (or one) from the book's orders.

    The purchase model (Pareto/NBD) and the spend model (Gamma-Gamma) are fitted
    on every account's orders up to `as_of` (default today), then applied.
    """
    from accord.clv import account_outlook

    day = as_of or date.today()
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            if account_id is not None:
                _require_account(conn, account_id)
            orders = bulk.read_table(conn, "orders")
    finally:
        engine.dispose()
    outlook = account_outlook(orders.select("account_id", "ordered_on", "amount"), day)
    table = outlook.table.sort("expected_value_12m", descending=True, nulls_last=True)
    if account_id is not None:
        table = table.filter(pl.col("account_id") == account_id)
    return LifetimeOutlook(day, table, outlook.note)


def _require_account(conn: sa.Connection, account_id: str) -> None:
    if not bulk.account_exists(conn, account_id):
        raise NotFoundError(f"there is no account {account_id!r} in the book")


def _lifetime(orders: pl.DataFrame, day: date, settings: Settings) -> pl.DataFrame:
    """Probability alive and value ahead per account, with the reason where unknown.

    Never fails: a model that cannot be fitted leaves the figures null and says why
    in `lifetime_note` (accounts without orders are filled in by the diagnosis).
    """
    from accord.clv import account_outlook
    from accord.health.diagnosis import OUTLOOK_SCHEMA

    if orders.height == 0:
        return pl.DataFrame(schema=OUTLOOK_SCHEMA)
    # The fit is the same to the digit on every backend whatever the rows' order:
    # account_outlook sorts them itself before any sum.
    outlook = account_outlook(orders, day, min_accounts=settings.continuity.min_model_accounts)
    return outlook.table.select(
        "account_id",
        "p_alive",
        "expected_orders_12m",
        "expected_value_12m",
        "horizon",
        pl.col("note").alias("lifetime_note"),
    )


def health_snapshots(*, url: str | None, account_id: str | None = None) -> pl.DataFrame:
    """The stored health snapshots (of one account, if given), oldest first."""
    from accord.storage.snapshots import read_snapshots

    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            return read_snapshots(conn, account_id)
    finally:
        engine.dispose()


@dataclass(frozen=True, slots=True)
class Evaluation:
    directory: Path
    as_of: date
    accounts: int
    scores: list[PatternScore]
    mistakes: dict[str, dict[str, list[str]]]  # pattern → {"missed": [...], "false": [...]}
    inputs: dict[str, InputCoverage]  # what the book gives of each input a rule reads


def evaluate(
    *,
    directory: Path,
    settings: Settings | None = None,
    as_of: date | None = None,
    progress: Progress | None = None,
    diagnose_progress: DiagnoseProgress | None = None,
) -> Evaluation:
    """Import a bundle with a truth.csv into a temporary SQLite book, diagnose it as of
    `as_of` (default: its as_of.txt), and score each detector against the truth over
    the accounts it judged (see `accord.evaluation`)."""
    import tempfile

    from accord.evaluation import book_inputs, not_judged_of, score_patterns

    truth_file, as_of_file = directory / "truth.csv", directory / "as_of.txt"
    needed = [truth_file] if as_of is not None else [truth_file, as_of_file]
    for file in needed:
        if not file.is_file():
            raise BadInputError(
                f"{directory} has no {file.name}: evaluate needs a bundle with the planted "
                "truth, such as one written by `accord generate`"
                + ("" if file is truth_file else " (or give --as-of)")
            )
    if as_of is not None:
        day = as_of
    else:
        try:
            day = date.fromisoformat(as_of_file.read_text(encoding="utf-8").strip())
        except ValueError:
            raise BadInputError(f"{as_of_file} does not hold a date (YYYY-MM-DD)") from None
    truth = pl.read_csv(truth_file, infer_schema=False)
    if not {"account_id", "patterns"} <= set(truth.columns):
        raise BadInputError(f"{truth_file} needs the columns account_id, patterns")
    with tempfile.TemporaryDirectory(prefix="accord-evaluate-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'book.db'}"
        init_database(url=url)
        import_bundle(url=url, directory=directory, progress=progress)
        result = diagnose(url=url, as_of=day, settings=settings, progress=diagnose_progress)
    planted = {
        a: [p for p in (cell or "").split(";") if p]
        for a, cell in zip(truth["account_id"], truth["patterns"], strict=True)
    }
    inputs = book_inputs(directory)
    scored = score_patterns(planted, result.pattern_ids(), not_judged_of(result), inputs)
    return Evaluation(directory, day, len(planted), scored.scores, scored.mistakes, inputs)


@dataclass(frozen=True, slots=True)
class SettingsReport:
    source: str | None
    settings: list[SettingInfo]


def config_show(*, path: Path | str | None = None) -> SettingsReport:
    """The effective weights and thresholds, each with its default and help text."""
    import os

    from accord.config import ENV_VAR

    chosen = path if path is not None else os.environ.get(ENV_VAR) or None
    return SettingsReport(None if chosen is None else str(chosen), describe(load_settings(path)))
