"""The change log: which ledger rows were updated or deleted since the mirror last looked.

On SQLite the analytics read a columnar copy of the ledger kept beside the file
(`accord.analytics.mirror`). New rows need no log: SQLite gives each one a rowid
above every row the copy has seen. An update or a delete does: a trigger on each
mirrored table writes the row's rowid here, in the writer's own transaction, so
nothing a writer commits (the web app, the bulk import, a merge, an erasure, a
hand-made `sqlite3` session) can be missed. The log is pruned once the copy has
caught up.

PostgreSQL runs the analytics in place and keeps no log: the table exists there
only so that both schemas are one.
"""

from __future__ import annotations

import sqlalchemy as sa

from accord.storage.tables import metadata

ledger_changes = sa.Table(
    "ledger_changes",
    metadata,
    # AUTOINCREMENT: a sequence number is never reused, even after pruning, so a
    # reader's "changes after N" stays exact.
    sa.Column("seq", sa.Integer(), primary_key=True),
    sa.Column("table_name", sa.Text(), nullable=False),
    sa.Column("row_id", sa.BigInteger(), nullable=False),
    sqlite_autoincrement=True,
)


def trigger_names(table: str) -> tuple[str, str]:
    """The names of `table`'s update and delete triggers: migration 0008 creates them on
    every table the analytics read (`accord.analytics.COLUMNS`; a test keeps them equal)."""
    return f"ledger_changes_{table}_update", f"ledger_changes_{table}_delete"
