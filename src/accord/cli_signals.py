"""`accord infer`: read touchpoint purpose and behaviour tags from a stored book's text.

Mounted on the main app by `register(app)` (cli.py).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from accord import services_signals
from accord.cli_common import ConfigOption, DbOption, Format, FormatOption, emit_json, guarded, out


@guarded
def infer(
    redo_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Infer every row again, not only those never read or read by an older "
            "model (after changing the [signals] thresholds, say).",
        ),
    ] = False,
    config: ConfigOption = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Infer touchpoint purpose and behaviour tags from the text the book holds.

    Reads each touchpoint's summary and each feedback's text, and stores the purpose
    (insight, guidance, support, social, pitch, negotiation, admin) and the tags
    (aggressive, threat, ultimatum, unilateral_change, complaint, praise) it is sure
    enough of, apart from what a person labelled, which is never changed. Imports,
    capture and the web pages infer as they write; run this for a book stored before,
    or with --all after changing the thresholds. One transaction: all or nothing.

    Examples:

    * `accord infer`
    * `accord infer --all --config team.toml`
    """
    from accord.cli import _progress

    with _progress(format is Format.TABLE) as update:

        def progress(table: str, done: int, total: int) -> None:
            if update:
                update("inferring", f"{table}.csv", done, total)

        report = services_signals.infer_book(
            url=db, redo_all=redo_all, config=config, progress=progress
        )
    if format is Format.JSON:
        emit_json(asdict(report))
        return
    table = Table("table", "rows read", "changed", "with text", "with inferred tags")
    for name, rows in report.rows.items():
        table.add_row(
            name,
            f"{rows:,}",
            f"{report.changed.get(name, 0):,}",
            f"{report.with_text.get(name, 0):,}",
            f"{report.tagged.get(name, 0):,}",
        )
    out.print(table)
    out.print(
        f"Touchpoint purpose: {report.purpose_labelled:,} labelled by people, "
        f"{report.purpose_inferred:,} inferred, {report.purpose_unknown:,} unknown "
        f"(no text, or not sure enough). Model {report.model}."
    )


def register(app: typer.Typer) -> None:
    """Mount `accord infer` on the main app."""
    app.command("infer")(infer)
