"""Reading a whole bundle: every file, then references across files and the book.

The result is either a list of every problem (nothing is written) or, with
`skip_invalid`, the valid rows plus the rejected ones with their reasons.
References are resolved against the bundle's own valid rows and, through the
`KnownKeys` port, against the database — so this module imports no storage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from accord.bundle.parse import ROW, ParsedFile, physical_line, read_file
from accord.domain.schema import LEDGER, Kind, Table
from accord.errors import BundleError, Problem

KnownKeys = Callable[[str, str, list[str]], set[str]]
"""(table, column, candidate ids) → the candidates that already exist in the book."""

KnownRows = Callable[[str, tuple[str, ...], list[tuple[str, ...]]], set[tuple[str, ...]]]
"""(table, key columns, candidate keys) → the candidates that already exist in the book
(for references made by several columns together, `schema.Link`)."""

Progress = Callable[[str, int], None]
"""(file name, rows read) → None: called once per file as it is read."""

COMPANIONS = frozenset({"truth.csv", "as_of.txt", "README.md", "README.txt"})
"""Files a bundle may carry beside the ledger that are not ledger data."""

MAX_PROBLEMS_SHOWN = 200


@dataclass
class LoadedTable:
    """The rows of one file that will be written, and what was left out."""

    table: Table
    frame: pl.DataFrame  # every schema column, typed, defaults applied
    update_columns: tuple[str, ...]  # columns the file speaks for (others keep their values)
    read: int
    rejected: pl.DataFrame  # the rejected rows as text, with _line and _reason


@dataclass
class LoadedBundle:
    tables: list[LoadedTable] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0

    @property
    def rejected(self) -> int:
        return sum(t.rejected.height for t in self.tables)


def load_bundle(
    directory: Path,
    *,
    known_keys: KnownKeys,
    known_rows: KnownRows | None = None,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    max_problems: int | None = MAX_PROBLEMS_SHOWN,
) -> LoadedBundle:
    """Read and check a bundle folder; raise BundleError unless every row is valid
    (or `skip_invalid`, in which case invalid rows are set aside with their reasons).

    Without `known_rows`, the database is taken to hold no row a multi-column
    reference could name (right for a book being read on its own). `max_problems`
    caps the problems kept (None: every one, for a report file)."""
    if not directory.is_dir():
        raise BundleError([Problem(str(directory), None, None, "no such folder")])
    result = LoadedBundle()
    files = {p.name for p in directory.iterdir() if p.is_file()}
    expected = {t.file for t in LEDGER}
    for extra in sorted(files - expected - COMPANIONS):
        result.warnings.append(f"{extra}: not a bundle file; ignored")
    if "accounts.csv" not in files:
        raise BundleError(
            [
                Problem(
                    "accounts.csv",
                    None,
                    None,
                    f"the bundle folder {directory} has no accounts.csv, the one required file",
                )
            ]
        )
    valid_keys: dict[str, pl.Series] = {}
    all_keys: dict[str, pl.Series] = {}  # valid or not: to tell "rejected" from "nowhere"
    valid_rows: dict[str, pl.DataFrame] = {}  # the same for composite keys
    all_rows: dict[str, pl.DataFrame] = {}
    rows_port: KnownRows = known_rows or (lambda _table, _columns, _candidates: set())
    fatal: list[Problem] = []
    # Per file: its name, record → line map and first problems (not the file itself:
    # a big file's frames are let go as soon as its rows are loaded).
    row_problems: list[tuple[str, dict[int, int] | None, pl.DataFrame]] = []
    for table in LEDGER:
        path = directory / table.file
        if not path.is_file():
            continue
        parsed = read_file(table, path)
        result.warnings.extend(parsed.warnings)
        if progress:
            progress(table.file, parsed.frame.height)
        if parsed.fatal:
            fatal.extend(parsed.fatal)
            continue
        problems = pl.concat(
            [
                parsed.problems,
                _reference_problems(parsed, valid_keys, all_keys, known_keys),
                _link_problems(parsed, valid_rows, all_rows, rows_port),
            ]
        ).sort(ROW, "column")
        bad_rows = problems.get_column(ROW).unique()
        good = (
            parsed.frame
            if bad_rows.is_empty()
            else parsed.frame.filter(~pl.col(ROW).is_in(bad_rows.implode()))
        )
        if len(table.key) == 1:
            valid_keys[table.name] = good.get_column(table.key[0])
            all_keys[table.name] = parsed.frame.get_column(table.key[0]).drop_nulls()
        else:
            key = list(table.key)
            valid_rows[table.name] = good.select(key)
            all_rows[table.name] = parsed.frame.select(key).drop_nulls()
        row_problems.append((table.file, parsed.line_of, problems))
        result.tables.append(_loaded(parsed, good, problems))
        del parsed, good
    all_problems = fatal + [
        Problem(file, physical_line(line_of, r), c, m)
        for file, line_of, frame in row_problems
        for r, c, m in (frame if max_problems is None else frame.head(max_problems)).iter_rows()
    ]
    result.problem_count = len(fatal) + sum(f.height for _, _, f in row_problems)
    result.problems = all_problems if max_problems is None else all_problems[:max_problems]
    if fatal or (result.problem_count and not skip_invalid):
        raise BundleError(result.problems, total=result.problem_count)
    return result


def _reference_problems(
    parsed: ParsedFile,
    valid_keys: dict[str, pl.Series],
    all_keys: dict[str, pl.Series],
    known_keys: KnownKeys,
) -> pl.DataFrame:
    """Rows whose references name an id found neither in the bundle nor in the book."""
    out = [parsed.problems.clear()]
    frame = parsed.frame
    for name in parsed.present:
        col = parsed.table.column(name)
        if col.references is None:
            continue
        ref_table, ref_col = col.references.split(".")
        values = frame.select(pl.col(ROW), pl.col(name))
        if col.kind is Kind.LIST:
            values = values.with_columns(pl.col(name).str.split(";")).explode(name)
        values = values.drop_nulls(name)
        if ref_table == parsed.table.name:  # self-reference: this file's own ids
            in_bundle = frame.get_column(ref_col)
        else:
            in_bundle = valid_keys.get(ref_table, pl.Series(ref_col, [], pl.String))
        missing = values.filter(~pl.col(name).is_in(in_bundle.implode()))
        if missing.height == 0:
            continue
        candidates = missing.get_column(name).unique().sort().to_list()
        found = known_keys(ref_table, ref_col, candidates)
        missing = missing.filter(~pl.col(name).is_in(list(found)))
        noun = next(t.noun for t in LEDGER if t.name == ref_table)
        rejected = all_keys.get(ref_table, pl.Series(ref_col, [], pl.String))
        is_rejected = pl.col(name).is_in(rejected.implode())
        for condition, head, tail in (
            (~is_rejected, f"no {noun} ", " in the bundle or the database"),
            (is_rejected, f"{noun} ", f" is itself invalid (see {ref_table}.csv)"),
        ):
            subset = missing.filter(condition)
            if subset.height:
                out.append(_list_message(subset, name, head, tail))
    return pl.concat(out)


def _link_problems(
    parsed: ParsedFile,
    valid_rows: dict[str, pl.DataFrame],
    all_rows: dict[str, pl.DataFrame],
    known_rows: KnownRows,
) -> pl.DataFrame:
    """Rows whose multi-column references (`schema.Link`) name a row found neither in the
    bundle nor in the book; the problem sits on the link's last column."""
    out = [parsed.problems.clear()]
    for link in parsed.table.links:
        if not set(link.columns) <= set(parsed.present):
            continue
        target = next(t for t in LEDGER if t.name == link.table)
        cols = list(link.columns)
        rename = dict(zip(target.key, cols, strict=True))
        values = parsed.frame.select(ROW, *cols).drop_nulls(cols)
        in_bundle = valid_rows.get(link.table)
        if in_bundle is not None:
            values = values.join(in_bundle.rename(rename), on=cols, how="anti")
        if values.height == 0:
            continue
        candidates = sorted(set(values.select(cols).iter_rows()))
        found = known_rows(link.table, target.key, candidates)
        if found:
            known = pl.DataFrame(sorted(found), schema=cols, orient="row")
            values = values.join(known, on=cols, how="anti")
        rejected = all_rows.get(link.table, pl.DataFrame(schema=dict.fromkeys(cols, pl.String)))
        marked = values.join(
            rejected.rename(rename).unique().with_columns(pl.lit(True).alias("__rejected")),
            on=cols,
            how="left",
        ).with_columns(pl.col("__rejected").fill_null(False))
        scope = pl.concat_str(
            [
                pl.lit(f"{c.removesuffix('_id').replace('_', ' ')} '") + pl.col(c) + pl.lit("'")
                for c in cols[:-1]
            ],
            separator=", ",
        )
        head = pl.lit(f"{target.noun} '") + pl.col(cols[-1]) + pl.lit("' of ") + scope
        message = (
            pl.when(pl.col("__rejected"))
            .then(head + pl.lit(f" is itself invalid (see {target.file})"))
            .otherwise(pl.lit("no ") + head + pl.lit(" in the bundle or the database"))
        )
        out.append(
            marked.select(pl.col(ROW), pl.lit(cols[-1]).alias("column"), message.alias("message"))
        )
    return pl.concat(out)


def _list_message(rows: pl.DataFrame, column: str, head: str, tail: str) -> pl.DataFrame:
    """One problem per row, naming all of its offending ids: head 'A', 'B' tail."""
    quoted = pl.col(column).list.eval(pl.lit("'") + pl.element() + pl.lit("'")).list.join(", ")
    return (
        rows.group_by(ROW, maintain_order=True)
        .agg(pl.col(column))
        .select(
            pl.col(ROW),
            pl.lit(column).alias("column"),
            (pl.lit(head) + quoted + pl.lit(tail)).alias("message"),
        )
    )


def _loaded(parsed: ParsedFile, good: pl.DataFrame, problems: pl.DataFrame) -> LoadedTable:
    table = parsed.table
    present = set(parsed.present)
    columns: list[pl.Expr] = []
    for col in table.columns:
        expr = pl.col(col.name) if col.name in present else pl.lit(None)
        if col.default is not None:
            expr = expr.fill_null(_typed_default(col.kind, col.default))
        columns.append(expr.cast(_DTYPES[col.kind]).alias(col.name))
    frame = good.select(columns)
    # Columns absent from the file keep their stored values on update.
    update = [c for c in table.column_names if c in present and c not in table.key]
    if table.name == "orders":  # list_amount defaults to the amount (SPEC section 2)
        frame = frame.with_columns(pl.col("list_amount").fill_null(pl.col("amount")))
        if "amount" in present and "list_amount" not in update:
            update.append("list_amount")
    reasons = problems.group_by(ROW, maintain_order=True).agg(
        (pl.col("column") + pl.lit(": ") + pl.col("message")).str.join("; ").alias("_reason")
    )
    line = (
        pl.col(ROW) + 2
        if parsed.line_of is None
        else pl.col(ROW).map_elements(parsed.line, return_dtype=pl.Int64)
    )
    rejected = (
        parsed.raw.join(reasons, on=ROW, how="inner").with_columns(line.alias("_line")).drop(ROW)
    )
    return LoadedTable(table, frame, tuple(update), parsed.frame.height, rejected)


_DTYPES: dict[Kind, pl.DataType] = {
    Kind.TEXT: pl.String(),
    Kind.INT: pl.Int64(),
    Kind.DECIMAL: pl.Float64(),
    Kind.DATE: pl.Date(),
    Kind.DATETIME: pl.Datetime("us"),
    Kind.BOOL: pl.Boolean(),
    Kind.ENUM: pl.String(),
    Kind.LIST: pl.String(),
}


def _typed_default(kind: Kind, text: str) -> object:
    if kind is Kind.INT:
        return int(text)
    if kind is Kind.BOOL:
        return text == "true"
    return text


def write_rejects(bundle: LoadedBundle, directory: Path) -> list[Path]:
    """Write each file's rejected rows, with `_line` and `_reason`, into `directory`.

    The files keep their bundle names, so once fixed the folder imports as it is.
    """
    written: list[Path] = []
    for loaded in bundle.tables:
        if loaded.rejected.height == 0:
            continue
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / loaded.table.file
        loaded.rejected.write_csv(path)
        written.append(path)
    return written
