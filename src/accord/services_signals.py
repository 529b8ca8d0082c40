"""Inferring touchpoint purpose and behaviour tags for stored rows: the one write-path hook.

Every path that writes a touchpoint or a feedback row (bundle import, CRM
import, mail and calendar capture, the web pages and the API) calls
`infer_rows` in its own transaction with the ids it wrote, so that what is
inferred is always of the row's current text, and a failed write leaves no
inference behind. `infer_book` (`accord infer`) does the same for a whole book
already stored: rows never read, read by an older model, or all of them.

Only the inferred columns are written (`schema.Table.inferred`); a person's
purpose and tags are read, never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl
import sqlalchemy as sa

from accord.config import Settings, load_settings
from accord.domain.schema import BY_NAME, Table
from accord.signals.infer import Note, infer
from accord.signals.model import MODEL_VERSION
from accord.storage.bulk import ConnectionRows
from accord.storage.database import make_engine, require_current

_CHUNK = 50_000
"""Rows read, inferred and written at a time (bounded memory on any book)."""

InferProgress = Callable[[str, int, int], None]
"""(table, rows done, rows in all)"""


@dataclass(frozen=True, slots=True)
class _Source:
    key: str
    texts: tuple[str, ...]
    labels: tuple[str, ...]  # purpose (touchpoints only), tags


_SOURCES = {
    "touchpoints": _Source("touchpoint_id", ("summary",), ("purpose", "tags")),
    "feedback": _Source("feedback_id", ("text",), ("tags",)),
}
SIGNAL_TABLES = tuple(_SOURCES)
SIGNAL_INPUTS = frozenset(
    c for source in _SOURCES.values() for c in (*source.texts, *source.labels)
)
"""The columns inference reads: a change to any of them infers the row again."""


def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else load_settings()


def infer_written(
    writer: RowPort,
    table: Table,
    frame: pl.DataFrame,
    progress: InferProgress | None = None,
    extra_text: Mapping[str, str] | None = None,
    *,
    given_is_stored: bool = False,
) -> int:
    """After a bulk write of `frame` into `table`: infer its rows (a no-op for tables
    with nothing to infer). `given_is_stored`: the frame's text and label columns are
    what is now stored (the file spoke for all of them), so they need not be read back."""
    if not table.inferred or frame.height == 0:
        return 0
    ids = frame[table.key[0]].cast(pl.String).to_list()
    source = _SOURCES[table.name]
    complete = set(source.texts) | set(source.labels) <= set(frame.columns)
    return infer_rows(
        writer,
        table.name,
        ids,
        progress=progress,
        extra_text=extra_text,
        given=frame if complete and given_is_stored else None,
    )


class RowPort(Protocol):
    """Where `infer_rows` reads and writes: a bulk writer, or `ConnectionRows`."""

    def fetch_rows(
        self,
        table: str,
        key: str,
        columns: tuple[str, ...],
        ids: list[str],
        *,
        inferred_only: bool = False,
    ) -> pl.DataFrame: ...

    def store_rows(self, table: str, key: str, frame: pl.DataFrame) -> int: ...


_INFERRED_TYPES = {"purpose_confidence": pl.Float64}


def infer_rows(
    rows: RowPort | sa.Connection,
    table: str,
    ids: Iterable[str],
    *,
    settings: Settings | None = None,
    extra_text: Mapping[str, str] | None = None,
    progress: InferProgress | None = None,
    given: pl.DataFrame | None = None,
) -> int:
    """Infer and store the signals of these rows of `table` (touchpoints or feedback), in
    the caller's transaction; `extra_text` adds text that is not stored (a mail body, by
    row id). Returns the rows whose inferred columns changed. Other tables: 0.

    The one function every write path calls (see the module's docstring). Rows with the
    same text and labels are read once (books repeat their notes), and only rows whose
    inferred columns change are written. `given` (the rows just written, with every
    column inference reads) spares reading them back."""
    source = _SOURCES.get(table)
    if source is None:
        return 0
    port: RowPort = ConnectionRows(rows) if isinstance(rows, sa.Connection) else rows
    wanted = list(dict.fromkeys(str(i) for i in ids))
    s = _settings(settings).signals
    inferred_cols = tuple(c.name for c in BY_NAME[table].inferred)
    read_cols = (*source.texts, *source.labels)
    inputs = (*source.texts, "_extra", *source.labels)
    types = {c: _INFERRED_TYPES.get(c, pl.String) for c in inferred_cols}
    extra = pl.DataFrame(
        {source.key: list((extra_text or {}).keys()), "_extra": list((extra_text or {}).values())},
        schema={source.key: pl.String, "_extra": pl.String},
    )
    changed = 0
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        if given is None:
            found = port.fetch_rows(table, source.key, (*read_cols, *inferred_cols), chunk)
        else:  # what is stored already: only rows that hold an inference (none when new)
            found = (
                given.select(source.key, *read_cols)
                .cast(pl.String)
                .filter(pl.col(source.key).is_in(chunk))
                .join(
                    port.fetch_rows(table, source.key, inferred_cols, chunk, inferred_only=True),
                    on=source.key,
                    how="left",
                )
            )
        found = found.join(extra, on=source.key, how="left")
        distinct = found.select(inputs).unique(maintain_order=True)
        notes = [
            Note(
                tuple(r[c] for c in (*source.texts, "_extra")),
                purpose=r.get("purpose"),
                tags=r.get("tags"),
                wants_purpose=table == "touchpoints",
            )
            for r in distinct.iter_rows(named=True)
        ]
        results = infer(notes, s)
        values = distinct.with_columns(
            pl.Series(c, [getattr(r, c) for r in results], dtype=types[c]) for c in inferred_cols
        )
        now = found.select(
            source.key,
            *(pl.col(c).cast(types[c]).alias(f"_was_{c}") for c in inferred_cols),
            *inputs,
        ).join(values, on=list(inputs), how="left", nulls_equal=True)
        differs = pl.any_horizontal(
            pl.col(c).ne_missing(pl.col(f"_was_{c}")) for c in inferred_cols
        )
        # Only rows whose inferred columns change are written: a second import writes none.
        stored = now.filter(differs).select(source.key, *inferred_cols)
        changed += port.store_rows(table, source.key, stored)
        if progress:
            progress(table, min(start + _CHUNK, len(wanted)), len(wanted))
    return changed


@dataclass
class InferReport:
    """What `accord infer` did, per table."""

    model: str = MODEL_VERSION
    rows: dict[str, int] = field(default_factory=dict)  # rows read
    changed: dict[str, int] = field(default_factory=dict)  # rows whose inference changed
    with_text: dict[str, int] = field(default_factory=dict)  # of all rows, those with text
    purpose_labelled: int = 0  # touchpoints a person gave a purpose
    purpose_inferred: int = 0  # unlabelled touchpoints whose purpose was inferred
    purpose_unknown: int = 0  # unlabelled, and no sure inference (no text, or unsure)
    tagged: dict[str, int] = field(default_factory=dict)  # rows with an inferred tag


def infer_book(
    *,
    url: str | None,
    redo_all: bool = False,
    config: Path | str | None = None,
    progress: InferProgress | None = None,
) -> InferReport:
    """(Re)infer the signals of a stored book in one transaction: rows never inferred or
    inferred by an older model (every row with `redo_all`, e.g. after changing the
    `[signals]` thresholds)."""
    settings = load_settings(config)
    engine = make_engine(url)
    report = InferReport()
    try:
        require_current(engine)
        with engine.begin() as conn:
            for table, source in _SOURCES.items():
                where = (
                    "" if redo_all else " WHERE signals_model IS NULL OR signals_model <> :model"
                )
                ids = [
                    str(r[0])
                    for r in conn.execute(
                        sa.text(f"SELECT {source.key} FROM {table}{where} ORDER BY {source.key}"),
                        {} if redo_all else {"model": MODEL_VERSION},
                    )
                ]
                if progress:
                    progress(table, 0, len(ids))
                report.rows[table] = len(ids)
                report.changed[table] = infer_rows(
                    conn, table, ids, settings=settings, progress=progress
                )
                text = " OR ".join(f"{c} <> ''" for c in source.texts)
                report.with_text[table] = int(
                    conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {text}")).scalar_one()
                )
                report.tagged[table] = int(
                    conn.execute(
                        sa.text(f"SELECT count(*) FROM {table} WHERE tags_inferred IS NOT NULL")
                    ).scalar_one()
                )
            counts = conn.execute(
                sa.text(
                    "SELECT sum(CASE WHEN purpose IS NOT NULL THEN 1 ELSE 0 END), "
                    "sum(CASE WHEN purpose IS NULL AND purpose_inferred IS NOT NULL "
                    "THEN 1 ELSE 0 END), "
                    "sum(CASE WHEN purpose IS NULL AND purpose_inferred IS NULL "
                    "THEN 1 ELSE 0 END) FROM touchpoints"
                )
            ).one()
            report.purpose_labelled, report.purpose_inferred, report.purpose_unknown = (
                int(c or 0) for c in counts
            )
        return report
    finally:
        engine.dispose()
