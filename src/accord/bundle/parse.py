"""Reading one bundle file: bytes → header checks → typed, validated columns.

Everything here is set-based (polars expressions over whole columns); a row is
never visited in a Python loop except to locate a problem on the error path.
A file's problems are returned as a frame of (row, column, message) so that
millions of rows with problems cost no more than millions without.
"""

from __future__ import annotations

import csv
import io
import operator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from accord.domain.schema import Column, Kind, Table
from accord.errors import Problem

ROW = "__row"  # 0-based record index inside the file
PROBLEM_SCHEMA = {ROW: pl.Int64, "column": pl.String, "message": pl.String}

_DECIMAL_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_INT_RE = r"^[+-]?\d+$"
_DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
# date, optional time (T or space), optional fraction, optional Z or ±HH[:]MM offset
_DATETIME_RE = (
    r"^(?<d>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?<h>\d{2}):(?<m>\d{2})(?::(?<s>\d{2})(?:\.(?<f>\d{1,6})\d*)?)?)?"
    r"(?<tz>Z|[+-]\d{2}:?\d{2})?$"
)


@dataclass
class ParsedFile:
    """One file read: its typed rows (all of them) and what is wrong with some."""

    table: Table
    path: Path
    frame: pl.DataFrame  # typed columns of the schema present in the file, plus ROW
    raw: pl.DataFrame  # the text as read (stripped), for rejects files
    present: tuple[str, ...]  # schema columns present in the file's header
    problems: pl.DataFrame  # ROW, column, message
    fatal: list[Problem] = field(default_factory=list)  # problems that stop the whole file
    warnings: list[str] = field(default_factory=list)
    line_of: dict[int, int] | None = None  # record index → physical line, when they differ

    def line(self, row: int) -> int:
        """The 1-based line of a record (the header is line 1)."""
        return physical_line(self.line_of, row)


def physical_line(line_of: dict[int, int] | None, row: int) -> int:
    """The 1-based line of record `row`, given a file's record → line map (if it has one)."""
    if line_of is not None and row in line_of:
        return line_of[row]
    return row + 2


def _empty_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


def _fatal(table: Table, path: Path, problems: list[Problem]) -> ParsedFile:
    empty = pl.DataFrame()
    return ParsedFile(table, path, empty, empty, (), _empty_problems(), fatal=problems)


def _column_at(text: str, offset: int, header: list[str]) -> str | None:
    """The header name of the field an offset falls in (quotes ignored: a best guess)."""
    line_start = text.rfind("\n", 0, offset) + 1
    index = text.count(",", line_start, offset)
    return header[index] if 0 <= index < len(header) else None


def _decode(table: Table, path: Path, raw: bytes) -> tuple[str | None, list[Problem]]:
    if not raw.strip():
        return None, [
            Problem(table.file, 1, None, "the file is empty: it needs at least a header row")
        ]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        head = raw[: exc.start].decode("utf-8", errors="replace")
        first_line = raw.split(b"\n", 1)[0].decode("utf-8", errors="replace")
        header = next(csv.reader([first_line]), [])
        line = head.count("\n") + 1
        column = _column_at(head, len(head), header) if line > 1 else None
        return None, [
            Problem(
                table.file,
                line,
                column,
                f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                "save the file as UTF-8",
            )
        ]


def _check_header(table: Table, header: list[str]) -> tuple[list[Problem], list[str]]:
    problems: list[Problem] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(table.file, 1, name, "the column appears twice in the header"))
        seen.add(name)
    for name in table.required:
        if name not in seen:
            problems.append(Problem(table.file, 1, name, "required column is missing"))
    unknown = [h for h in header if h not in table.column_names]
    if unknown:
        warnings.append(
            f"{table.file}: unknown column{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(u) for u in unknown)} ignored"
        )
    return problems, warnings


def _physical_lines(text: str) -> dict[int, int]:
    """Record index → line number, for files whose quoted fields hold line breaks."""
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    out: dict[int, int] = {}
    start = 2
    for i, _ in enumerate(reader):
        out[i] = start
        start = reader.line_num + 1
    return out


def _ragged_problem(table: Table, text: str, width: int) -> Problem:
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    line = 2
    for row in reader:
        if len(row) > width:
            return Problem(
                table.file,
                line,
                None,
                f"the row has {len(row)} fields but the header names {width}",
            )
        line = reader.line_num + 1
    return Problem(table.file, None, None, "the file is not valid CSV")


def read_file(table: Table, path: Path) -> ParsedFile:
    """Read and validate one file of the bundle; references are checked later.

    polars checks the encoding as it parses; the slower, locating UTF-8 check
    runs only when it (or the header) fails.
    """
    data = _file_bytes(path)
    end = data.find(b"\n")
    if not data or data.isspace():  # _decode words the problem
        return _fatal(table, path, _decode(table, path, data)[1])
    try:
        first_line = (data if end < 0 else data[:end]).decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return _fatal(table, path, _decode(table, path, data)[1])
    header = [h.strip() for h in next(csv.reader([first_line]), [])]
    problems, warnings = _check_header(table, header)
    if problems:
        parsed = _fatal(table, path, problems)
        parsed.warnings = warnings
        return parsed
    try:
        raw = pl.read_csv(data, infer_schema=False, new_columns=header, raise_if_empty=False)
    except pl.exceptions.PolarsError:
        text, problems = _decode(table, path, data)
        if text is None:
            return _fatal(table, path, problems)
        return _fatal(table, path, [_ragged_problem(table, text, len(header))])
    quoted = b'"' in data
    del data  # a big file's text: let it go before its frames are built
    present = tuple(c for c in table.column_names if c in header)
    raw = raw.select(
        [
            pl.col(c).str.strip_chars().replace("", None).alias(c)  # blank cells are missing
            for c in present
        ]
    ).with_row_index(ROW)
    raw = raw.with_columns(pl.col(ROW).cast(pl.Int64))
    frame, problems_frame = _type_columns(table, raw, present)
    parsed = ParsedFile(table, path, frame, raw, present, problems_frame, warnings=warnings)
    if problems_frame.height and quoted:  # a quoted field may hold a line break
        parsed.line_of = _physical_lines(_file_bytes(path).decode("utf-8"))
    return parsed


def _file_bytes(path: Path) -> bytes:
    """A bundle file's bytes, without a UTF-8 byte order mark."""
    return path.read_bytes().removeprefix(b"\xef\xbb\xbf")


def _type_columns(
    table: Table, raw: pl.DataFrame, present: tuple[str, ...]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed columns and the problems met while typing them.

    Messages are built only for the rows that fail, so a clean file costs no
    string work beyond the typing itself.
    """
    frame = raw.select(pl.col(ROW), *[_typed(table.column(n))[0].alias(n) for n in present])
    for name in present:  # the general reading, only where the fast, exact one failed
        slow = _slow_reading(table.column(name))
        if slow is not None:
            frame = _fallback(raw, frame, name, slow)
    checks: list[pl.DataFrame] = []
    for name in present:
        col = table.column(name)
        src = raw.get_column(name)
        failed = src.is_not_null() & frame.get_column(name).is_null()
        if failed.any():
            checks.append(
                raw.filter(failed).select(
                    pl.col(ROW),
                    pl.lit(name).alias("column"),
                    _typed(col)[1].alias("message"),
                )
            )
        if col.required and src.null_count():
            checks.append(
                raw.filter(src.is_null()).select(
                    pl.col(ROW),
                    pl.lit(name).alias("column"),
                    pl.lit("a value is required").alias("message"),
                )
            )
    checks.extend(_range_checks(table, frame, present))
    checks.extend(_duplicate_keys(table, raw))
    checks.extend(_table_rules(table, frame, present))
    problems = pl.concat(checks) if checks else _empty_problems()
    return frame, problems.sort(ROW, "column")


def _slow_reading(col: Column) -> pl.Expr | None:
    """The general reading of a column whose fast reading takes only the common form."""
    if col.kind is Kind.DATETIME:  # full ISO 8601: offsets, fractions, a date alone
        return _datetime(pl.col(col.name))
    if col.kind is Kind.ENUM:  # any case
        low = pl.col(col.name).str.to_lowercase()
        return pl.when(low.is_in(list(col.allowed))).then(low)
    return None


def _fallback(raw: pl.DataFrame, frame: pl.DataFrame, name: str, slow: pl.Expr) -> pl.DataFrame:
    """Read with `slow` the cells the fast reading could not (few, in practice)."""
    todo = raw.get_column(name).is_not_null() & frame.get_column(name).is_null()
    if not todo.any():
        return frame
    slow_frame = raw.filter(todo).select(pl.col(ROW), slow.alias("__slow"))
    return (
        frame.join(slow_frame, on=ROW, how="left", maintain_order="left")
        .with_columns(pl.coalesce(name, "__slow").alias(name))
        .drop("__slow")
    )


def _typed(col: Column) -> tuple[pl.Expr, pl.Expr]:
    """An expression that types the column (null where the text is bad) and its message."""
    src = pl.col(col.name)
    quoted = pl.lit("'") + src + pl.lit("'")
    match col.kind:
        case Kind.TEXT:
            return src, pl.lit("")
        case Kind.INT:
            ok = src.str.contains(_INT_RE)
            return (
                pl.when(ok).then(src.str.to_integer(strict=False)),
                pl.lit("not a whole number: ") + quoted,
            )
        case Kind.DECIMAL:
            ok = src.str.contains(_DECIMAL_RE)
            hint = (
                pl.when(src.str.contains(","))
                .then(pl.lit(" (use a dot for decimals and no thousands separator)"))
                .otherwise(pl.lit(""))
            )
            return (
                pl.when(ok).then(src.cast(pl.Float64, strict=False)),
                pl.lit("not a number: ") + quoted + hint,
            )
        case Kind.DATE:
            ok = src.str.contains(_DATE_RE)
            return (
                pl.when(ok).then(src.str.to_date("%Y-%m-%d", strict=False)),
                pl.lit("not a valid date: ") + quoted + pl.lit(" (expected YYYY-MM-DD)"),
            )
        case Kind.DATETIME:  # the common exact form here; see _slow_reading
            fast = src.str.to_datetime("%Y-%m-%dT%H:%M:%S", time_unit="us", strict=False)
            return fast, pl.lit("not a valid date or time: ") + quoted + pl.lit(
                " (expected ISO 8601, e.g. 2026-03-01T14:30:00)"
            )
        case Kind.BOOL:
            low = src.str.to_lowercase()
            return (
                pl.when(low == "true").then(True).when(low == "false").then(False),
                pl.lit("not true or false: ") + quoted,
            )
        case Kind.ENUM:  # exact lower case here; see _slow_reading
            allowed = list(col.allowed)
            return (
                pl.when(src.is_in(allowed)).then(src),
                pl.lit(f"unknown {col.name.replace('_', ' ')} ")
                + quoted
                + pl.lit(f"; expected one of: {', '.join(allowed)}"),
            )
        case Kind.LIST:
            words = src.str.split(";").list.eval(
                pl.element().str.strip_chars().filter(pl.element() != "")
            )
            return words.list.join(";").replace("", None), pl.lit("")
    raise AssertionError(col.kind)  # pragma: no cover


def _datetime(src: pl.Expr) -> pl.Expr:
    """ISO 8601 text → naive UTC datetime (an offset, when given, is applied)."""
    parts = src.str.extract_groups(_DATETIME_RE)
    day = parts.struct.field("d").str.to_date("%Y-%m-%d", strict=False)

    def num(name: str) -> pl.Expr:
        return parts.struct.field(name).cast(pl.Int64, strict=False).fill_null(0)

    fraction = parts.struct.field("f").str.pad_end(6, "0").cast(pl.Int64).fill_null(0)
    tz = parts.struct.field("tz").str.replace(":", "")
    offset_minutes = pl.when(tz.is_null() | (tz == "Z")).then(0).otherwise(
        tz.str.slice(1, 2).cast(pl.Int64) * 60 + tz.str.slice(3, 2).cast(pl.Int64)
    ) * pl.when(tz.str.starts_with("-")).then(-1).otherwise(1)
    valid_clock = (num("h") < 24) & (num("m") < 60) & (num("s") < 60)
    stamp = day.cast(pl.Datetime("us")) + pl.duration(
        hours=num("h"),
        minutes=num("m") - offset_minutes,
        seconds=num("s"),
        microseconds=fraction,
    )
    return pl.when(day.is_not_null() & valid_clock).then(stamp)


def _range_checks(
    table: Table, frame: pl.DataFrame, present: tuple[str, ...]
) -> list[pl.DataFrame]:
    out = []
    for name in present:
        col = table.column(name)
        value = pl.col(name)
        for bound, bad, words in (
            (col.minimum, operator.lt, "below the smallest allowed value"),
            (col.maximum, operator.gt, "above the largest allowed value"),
        ):
            if bound is None:
                continue
            shown = int(bound) if float(bound).is_integer() else bound
            out.append(
                frame.filter(bad(value, bound)).select(
                    pl.col(ROW),
                    pl.lit(name).alias("column"),
                    (value.cast(pl.String) + pl.lit(f" is {words} ({shown})")).alias("message"),
                )
            )
    return out


def _duplicate_keys(table: Table, raw: pl.DataFrame) -> list[pl.DataFrame]:
    key = list(table.key)
    if not all(k in raw.columns for k in key):
        return []
    if len(key) == 1:  # ids in strictly increasing order (an export's, say) cannot repeat
        ids = raw.get_column(key[0])
        if ids.len() < 2 or (
            ids.null_count() == 0 and (ids.slice(1) > ids.slice(0, ids.len() - 1)).all()
        ):
            return []
    first = pl.col(ROW).min().over(key) + 2
    shown = pl.concat_str([pl.col(k) for k in key], separator=", ")
    dups = raw.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in key)).filter(
        pl.len().over(key) > 1
    )
    dups = dups.with_columns(first.alias("__first")).filter(pl.col(ROW) + 2 != pl.col("__first"))
    return [
        dups.select(
            pl.col(ROW),
            pl.lit(key[-1]).alias("column"),
            (
                pl.lit(f"duplicate {'/'.join(key)} '")
                + shown
                + pl.lit("' (first on line ")
                + pl.col("__first").cast(pl.String)
                + pl.lit(")")
            ).alias("message"),
        )
    ]


def _table_rules(table: Table, frame: pl.DataFrame, present: tuple[str, ...]) -> list[pl.DataFrame]:
    """Rules that involve more than one column of a row."""
    out: list[pl.DataFrame] = []

    def rule(condition: pl.Expr, column: str, message: pl.Expr) -> None:
        out.append(
            frame.filter(condition.fill_null(False)).select(
                pl.col(ROW), pl.lit(column).alias("column"), message.alias("message")
            )
        )

    if table.name == "feedback" and {"kind", "score"} <= set(present):
        score = pl.col("score")
        rule(
            (pl.col("kind") == "csat") & ((score < 1) | (score > 5)),
            "score",
            pl.lit("a CSAT score must be between 1 and 5, not ") + score.cast(pl.String),
        )
    if table.name == "commitments" and {"made_on", "due_on"} <= set(present):
        rule(
            pl.col("due_on") < pl.col("made_on"),
            "due_on",
            pl.lit("due before it was made (") + pl.col("made_on").cast(pl.String) + pl.lit(")"),
        )
    if table.name == "opportunities" and {"opened_on", "closed_on"} <= set(present):
        rule(
            pl.col("closed_on") < pl.col("opened_on"),
            "closed_on",
            pl.lit("closed before it was opened (")
            + pl.col("opened_on").cast(pl.String)
            + pl.lit(")"),
        )
    return out
