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
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from accord.bundle import LoadedBundle, load_bundle
from accord.domain.schema import BY_NAME, LEDGER, Column, Table
from accord.errors import BundleError, Problem
from accord.intake.crm import crm_mapping, find_inputs
from accord.intake.csvmap import Lookups, Skip, TableRows, Translation, source_column, translate
from accord.intake.mapfile import Mapping, load_mapping
from accord.intake.rules import FREEMAIL
from accord.services_signals import infer_written
from accord.storage import bulk
from accord.storage.database import make_engine, require_current
from accord.storage.intake_state import intake_account_domains

_DOMAINS = Table(
    "intake_account_domains",
    (Column("account_id"), Column("domain")),
    ("account_id", "domain"),
    "domain",
)
_DOMAIN_CHUNK = (
    40_000  # below the bulk writer's index-rebuild size (it rebuilds ledger tables only)
)


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
) -> MappedImport:
    """Import a HubSpot or Salesforce export folder through its (overridable) mapping."""
    chosen = crm_mapping(crm, mapping)
    return import_mapped(
        url=url, mapping=chosen, paths=[directory], dry_run=dry_run, skip_invalid=skip_invalid
    )


def import_csv(
    *,
    url: str | None,
    mapping: Path,
    paths: list[Path],
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> MappedImport:
    """Import any CSV files through a mapping file of one's own."""
    return import_mapped(
        url=url,
        mapping=load_mapping(mapping),
        paths=paths,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
    )


def import_mapped(
    *,
    url: str | None,
    mapping: Mapping,
    paths: list[Path],
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> MappedImport:
    """Translate, check and upsert in one transaction; with `dry_run`, roll it back."""
    inputs = find_inputs(mapping, paths)
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            lookups = book_lookups(conn)
        report = MappedImport(mapping.name, dry_run)
        try:
            with bulk.open_writer(engine) as writer, tempfile.TemporaryDirectory() as tmp:
                lookups.known = writer.known_keys
                translation = translate(mapping, inputs, lookups)
                report.files = translation.files
                report.skipped = list(translation.skipped)
                report.warnings = list(translation.warnings)
                folder = Path(tmp)
                _write_bundle(translation, folder)
                try:
                    loaded = load_bundle(
                        folder, known_keys=writer.known_keys, skip_invalid=skip_invalid
                    )
                except BundleError as exc:
                    raise _in_export_terms(exc, translation, folder) from None
                report.warnings.extend(w for w in loaded.warnings if "not a bundle file" not in w)
                report.skipped.extend(_rejected(loaded, translation, folder))
                for item in loaded.tables:
                    if item.read == 0:
                        continue
                    counts = writer.upsert(item.table, item.frame, item.update_columns)
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


def book_lookups(conn: sa.Connection) -> Lookups:
    """Users by id, name and e-mail; accounts by web domain (stored, then contacts')."""
    users: dict[str, str] = {}
    for user_id, name, email in conn.exec_driver_sql("SELECT user_id, name, email FROM users"):
        for key in (name, email, user_id):  # an id wins over a name that looks like one
            if key:
                users[str(key).lower()] = str(user_id)
    by_domain: dict[str, str] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for account_id, email in conn.exec_driver_sql(
        "SELECT account_id, email FROM contacts WHERE email IS NOT NULL"
    ):
        domain = str(email).rsplit("@", 1)[-1].lower()
        if "@" in str(email) and domain not in FREEMAIL:
            counts[(domain, str(account_id))] += 1
    for (domain, account_id), _ in sorted(counts.items(), key=lambda kv: -kv[1]):
        by_domain.setdefault(domain, account_id)
    table = intake_account_domains
    for account_id, domain in conn.execute(sa.select(table.c.account_id, table.c.domain)):
        by_domain[str(domain)] = str(account_id)  # what the CRM said wins
    return Lookups(users=users, account_by_domain=by_domain)


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
    translation: Translation, folder: Path, file: str, line: int | None, column: str | None
) -> tuple[str, int | None, str | None]:
    table = file.removesuffix(".csv")
    rows: TableRows | None = translation.tables.get(table)
    if rows is None or line is None:
        return file, line, column
    index = _record_index(folder, file).get(line)
    if index is None or index >= len(rows.origins):
        return file, line, column
    origin = rows.origins[index]
    spec = translation.specs.get(origin.source, {}).get(column or "")
    return origin.file, origin.line, source_column(spec) or column


def _in_export_terms(exc: BundleError, translation: Translation, folder: Path) -> BundleError:
    """Bundle problems re-pointed at the export's own file, line and column."""
    problems = []
    for p in exc.problems:
        file, line, column = _locate(translation, folder, p.file, p.line, p.column)
        target = f"{p.file.removesuffix('.csv')}.{p.column}" if p.column else p.file
        problems.append(Problem(file, line, column, f"{p.message} (for {target})"))
    return BundleError(problems, total=exc.total)


def _rejected(loaded: LoadedBundle, translation: Translation, folder: Path) -> list[Skip]:
    out = []
    for item in loaded.tables:
        if item.rejected.height == 0:
            continue
        for line, reason in item.rejected.select("_line", "_reason").iter_rows():
            file, src_line, _ = _locate(translation, folder, item.table.file, int(line), None)
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
