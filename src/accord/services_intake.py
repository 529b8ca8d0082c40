"""Use cases of issue 9: CRM and CSV imports, mail and calendar capture (service layer).

CRM exports are translated into bundle frames and written through the same
validated, atomic, upserting path as `accord import` (bundle.load_bundle and
the bulk writer), so every rule of SPEC section 2 holds. A dry run does the
very same work, counts included, and rolls the transaction back.
Duplicates, merge and privacy live in `services_people`.
"""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from accord.bundle import LoadedBundle, load_bundle
from accord.domain.schema import BY_NAME, LEDGER, Column, Table
from accord.errors import BundleError, Problem
from accord.intake.crm import crm_mapping, export_files, find_inputs
from accord.intake.csvmap import (
    Lookups,
    ReadOptions,
    Skip,
    TableRows,
    Translation,
    resolve_domains,
    source_column,
    table_lookups,
    translate,
)
from accord.intake.mapfile import Mapping, load_mapping
from accord.intake.rules import is_shared_domain
from accord.services_signals import infer_written
from accord.storage import bulk
from accord.storage.database import make_engine, require_current
from accord.storage.intake_state import intake_account_domains
from accord.storage.tables import LEDGER_TABLES

_DOMAINS = Table(
    "intake_account_domains",
    (Column("account_id"), Column("domain")),
    ("account_id", "domain"),
    "domain",
)
_DOMAIN_CHUNK = (
    40_000  # below the bulk writer's index-rebuild size (it rebuilds ledger tables only)
)


_SET_ONCE = ("role",)
"""users columns an import fills when it creates the user and never changes later:
who may sign in as what is decided in accord, not by the next CRM export."""


@dataclass(frozen=True, slots=True)
class TableChange:
    table: str
    read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int


@dataclass
class MappedImport:
    """What an import did, or (dry run) would do."""

    mapping: str
    dry_run: bool
    files: dict[str, int] = field(default_factory=dict)
    tables: list[TableChange] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    domains: int = 0
    duplicates: int = 0
    translated: dict[str, int] = field(default_factory=dict)  # table → rows the export made
    problems: list[Problem] = field(default_factory=list)  # every one, when it failed
    problem_count: int = 0

    @property
    def changed(self) -> int:
        return sum(t.inserted + t.updated for t in self.tables)


class _RollBackError(Exception):
    """Raised inside the writer's block to undo a dry run's work."""


def import_crm(
    *,
    url: str | None,
    crm: str,
    directory: Path,
    mapping: Path | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    options: ReadOptions | None = None,
    report: MappedImport | None = None,
) -> MappedImport:
    """Import a HubSpot or Salesforce export folder through its (overridable) mapping."""
    chosen = crm_mapping(crm, mapping)
    return import_mapped(
        url=url,
        mapping=chosen,
        paths=[directory],
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        options=options,
        report=report,
    )


def import_csv(
    *,
    url: str | None,
    mapping: Path,
    paths: list[Path],
    dry_run: bool = False,
    skip_invalid: bool = False,
    options: ReadOptions | None = None,
    report: MappedImport | None = None,
) -> MappedImport:
    """Import any CSV files through a mapping file of one's own."""
    return import_mapped(
        url=url,
        mapping=load_mapping(mapping),
        paths=paths,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        options=options,
        report=report,
    )


def import_mapped(
    *,
    url: str | None,
    mapping: Mapping,
    paths: list[Path],
    dry_run: bool = False,
    skip_invalid: bool = False,
    options: ReadOptions | None = None,
    report: MappedImport | None = None,
) -> MappedImport:
    """Translate, check and upsert in one transaction; with `dry_run`, roll it back.

    `report`, when given, is filled as the work goes, so that a caller still has
    the skipped rows, warnings and every problem when the import fails."""
    found: list[str] = []
    inputs = find_inputs(mapping, paths, options, found)
    files = export_files(paths)
    engine = make_engine(url)
    report = report if report is not None else MappedImport(mapping.name, dry_run)
    report.mapping, report.dry_run = mapping.name, dry_run
    try:
        require_current(engine)
        with engine.connect() as conn:
            lookups = book_lookups(conn, mapping)
        try:
            with bulk.open_writer(engine) as writer, tempfile.TemporaryDirectory() as tmp:
                lookups.known = writer.known_keys
                try:
                    translation = translate(mapping, inputs, lookups, files=files, options=options)
                except BundleError as exc:
                    report.problems, report.problem_count = list(exc.problems), exc.total
                    raise
                report.files = translation.files
                report.skipped = list(translation.skipped)
                report.warnings = found + list(translation.warnings)
                report.translated = {t: len(r.rows) for t, r in translation.tables.items()}
                folder = Path(tmp)
                _write_bundle(translation, folder)
                try:
                    loaded = load_bundle(
                        folder,
                        known_keys=writer.known_keys,
                        skip_invalid=skip_invalid,
                        max_problems=None,
                    )
                except BundleError as exc:
                    failed = _in_export_terms(exc, translation, folder)
                    report.problems, report.problem_count = list(failed.problems), failed.total
                    raise failed from None
                report.warnings.extend(w for w in loaded.warnings if "not a bundle file" not in w)
                report.skipped.extend(_rejected(loaded, translation, folder))
                for item in loaded.tables:
                    if item.read == 0:
                        continue
                    updates = item.update_columns
                    if item.table.name == "users":  # a role is accord's permission: set once
                        updates = tuple(c for c in updates if c not in _SET_ONCE)
                    counts = writer.upsert(item.table, item.frame, updates)
                    infer_written(writer, item.table, item.frame)
                    report.tables.append(
                        TableChange(
                            item.table.name,
                            item.read,
                            counts.inserted,
                            counts.updated,
                            counts.unchanged,
                            item.rejected.height,
                        )
                    )
                report.domains = _write_domains(writer, translation, loaded)
                if dry_run:
                    raise _RollBackError
        except _RollBackError:
            pass
        if not dry_run:
            from accord.services_people import count_duplicates

            report.duplicates = count_duplicates(url=url)
        return report
    finally:
        engine.dispose()


def web_domains(conn: sa.Connection) -> list[tuple[str, str]]:
    """(account, web domain) pairs the book holds: what CRM imports said of the accounts'
    own websites (never their contacts' mail domains)."""
    table = intake_account_domains
    return [
        (str(a), str(d))
        for a, d in conn.execute(sa.select(table.c.account_id, table.c.domain))
        if not is_shared_domain(str(d))
    ]


def book_lookups(conn: sa.Connection, mapping: Mapping | None = None) -> Lookups:
    """Users by id, name and e-mail; the accounts' web domains; the book's side of the
    mapping's table lookups (read now: the writer's transaction comes later)."""
    users: dict[str, str] = {}
    for user_id, name, email in conn.exec_driver_sql("SELECT user_id, name, email FROM users"):
        for key in (name, email, user_id):  # an id wins over a name that looks like one
            if key:
                users[str(key).lower()] = str(user_id)

    columns: dict[tuple[str, str, str], dict[str, str]] = {}
    for table, on, take in table_lookups(mapping) if mapping else []:
        t = LEDGER_TABLES[table]
        found: dict[str, str] = {}
        for a, b in conn.execute(sa.select(t.c[on], t.c[take]).where(t.c[take].is_not(None))):
            if a is not None:
                found.setdefault(str(a).lower(), str(b))
        columns[(table, on, take)] = found
    return Lookups(
        users=users,
        domains=web_domains(conn),
        book_column=lambda table, on, take: columns.get((table, on, take), {}),
    )


def capture_domains(conn: sa.Connection) -> dict[str, str]:
    """Domain → account for placing new people met by mail: the accounts' web domains,
    and where an account has none, the domain its contacts' addresses share, if no
    other account's contacts use it (shared and ambiguous domains place nobody)."""
    by_domain, _ = resolve_domains(web_domains(conn))
    claims: dict[str, set[str]] = {}
    for account_id, email in conn.exec_driver_sql(
        "SELECT account_id, email FROM contacts WHERE email IS NOT NULL"
    ):
        if "@" in str(email):
            domain = str(email).rsplit("@", 1)[1].lower()
            claims.setdefault(domain, set()).add(str(account_id))
    for domain, accounts in claims.items():
        if len(accounts) == 1 and domain not in by_domain and not is_shared_domain(domain):
            by_domain[domain] = next(iter(accounts))
    return by_domain


def _mapped_columns(table: str, translation: Translation) -> list[str]:
    targets = {
        t
        for s in translation.mapping.sources
        if s.table == table
        for t in translation.specs.get(s.name, {})
    }
    return [c for c in BY_NAME[table].column_names if c in targets]


def _write_bundle(translation: Translation, folder: Path) -> None:
    """The translated rows as bundle files (only the columns the mapping fills, so an
    update leaves the book's other columns alone); rows stay in translation order."""
    for table in LEDGER:
        rows = translation.tables.get(table.name)
        if rows is None and table.name != "accounts":
            continue
        columns = _mapped_columns(table.name, translation) if rows else ["account_id", "name"]
        data = {c: [r.get(c) for r in rows.rows] if rows else [] for c in columns}
        frame = pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String))
        frame.write_csv(folder / table.file, line_terminator="\n")


def _record_index(folder: Path, file: str) -> dict[int, int]:
    """Physical line → record index of a written bundle file (quoted fields may span lines)."""
    with (folder / file).open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        out: dict[int, int] = {}
        start = 2
        for i, _ in enumerate(reader):
            out[start] = i
            start = reader.line_num + 1
    return out


def _locate(
    translation: Translation,
    folder: Path,
    file: str,
    line: int | None,
    column: str | None,
    indexes: dict[str, dict[int, int]] | None = None,
) -> tuple[str, int | None, str | None]:
    table = file.removesuffix(".csv")
    rows: TableRows | None = translation.tables.get(table)
    if rows is None or line is None:
        return file, line, column
    indexes = {} if indexes is None else indexes
    if file not in indexes:
        indexes[file] = _record_index(folder, file)
    index = indexes[file].get(line)
    if index is None or index >= len(rows.origins):
        return file, line, column
    origin = rows.origins[index]
    spec = translation.specs.get(origin.source, {}).get(column or "")
    return origin.file, origin.line, source_column(spec) or column


def _in_export_terms(exc: BundleError, translation: Translation, folder: Path) -> BundleError:
    """Bundle problems re-pointed at the export's own file, line and column."""
    problems = []
    indexes: dict[str, dict[int, int]] = {}
    for p in exc.problems:
        file, line, column = _locate(translation, folder, p.file, p.line, p.column, indexes)
        target = f"{p.file.removesuffix('.csv')}.{p.column}" if p.column else p.file
        hint = _NUMBER_HINT if p.message.startswith("not a number") else ""
        problems.append(Problem(file, line, column, f"{p.message} (for {target}){hint}"))
    return BundleError(problems, total=exc.total)


_NUMBER_HINT = (
    "; to read the export's own format pass --thousands , (for 15,000) or --decimal , (15,5)"
)


def _rejected(loaded: LoadedBundle, translation: Translation, folder: Path) -> list[Skip]:
    out = []
    indexes: dict[str, dict[int, int]] = {}
    for item in loaded.tables:
        if item.rejected.height == 0:
            continue
        for line, reason in item.rejected.select("_line", "_reason").iter_rows():
            file, src_line, _ = _locate(
                translation, folder, item.table.file, int(line), None, indexes
            )
            out.append(Skip(file, src_line or 0, item.table.name, f"invalid: {reason}"))
    return out


def _write_domains(writer: bulk.BulkWriter, translation: Translation, loaded: LoadedBundle) -> int:
    accepted: set[str] = set()
    for item in loaded.tables:
        if item.table.name == "accounts":
            accepted = set(item.frame.get_column("account_id").to_list())
    pairs = sorted({(a, d) for a, d in translation.domains if a in accepted})
    if not pairs:
        return 0
    frame = pl.DataFrame(pairs, schema=["account_id", "domain"], orient="row")
    written = 0
    for chunk in frame.iter_slices(_DOMAIN_CHUNK):
        written += writer.upsert(_DOMAINS, chunk, ()).inserted
    return written
