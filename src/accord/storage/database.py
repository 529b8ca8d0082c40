"""Opening a database: URLs, engines, SQLite pragmas and migrations.

SQLite is the embedded default (foreign keys on, WAL); PostgreSQL is named by
a `postgresql://` URL. Engines are built by a function, never at import time.

Concurrency on SQLite: readers never block (WAL) and every connection waits up
to `BUSY_TIMEOUT_MS` for a lock instead of failing with "database is locked".
A transaction opened with `engine.begin()` is a writer and starts with
`BEGIN IMMEDIATE`, taking the write lock up front: two writers then queue
behind each other, where two deferred transactions that read before writing
would fail (a stale snapshot cannot be upgraded, and SQLite does not wait for
that). Reads (`engine.connect()`, which begins on first use) start deferred.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from accord.errors import StorageError

DEFAULT_URL = "sqlite:///accord.db"
ENV_VAR = "ACCORD_DATABASE_URL"
_MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite connection waits for another's lock before giving up."""
_WRITER = "accord_writer"  # execution option: this connection's transaction will write


def resolve_url(url: str | None = None) -> str:
    """The URL to use: the one given, else $ACCORD_DATABASE_URL, else ./accord.db."""
    chosen = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    if chosen.startswith(("postgresql://", "postgres://")):
        chosen = "postgresql+psycopg://" + chosen.split("://", 1)[1]
    if not chosen.startswith(("sqlite", "postgresql")):
        raise StorageError(
            f"unsupported database URL {chosen!r}: use sqlite:///PATH or postgresql://…"
        )
    return chosen


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Transactions are SQLAlchemy's to begin (see the "begin" listener), not the driver's.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # First, so that even the pragmas below wait for a lock rather than fail.
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # Larger pages: fewer to write and index on bulk loads. Only takes effect on a
    # new, empty file (before WAL is switched on); a no-op afterwards.
    cur.execute("PRAGMA page_size=16384")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def _begin_sqlite(conn: sa.Connection) -> None:
    writer = conn.get_execution_options().get(_WRITER, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


class _SqliteEngine(sa.Engine):
    """An engine whose `begin()` transactions are writers (`BEGIN IMMEDIATE`)."""

    @contextlib.contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        with self.connect() as conn:
            conn.execution_options(**{_WRITER: True})
            with conn.begin():
                yield conn


def sqlite_events(engine: sa.Engine) -> sa.Engine:
    """Give a SQLite engine its pragmas and writer transactions (see the module's text)."""
    engine.__class__ = _SqliteEngine
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    sa.event.listen(engine, "begin", _begin_sqlite)
    return engine


def make_engine(url: str | None = None) -> sa.Engine:
    """An engine for the URL, with SQLite's pragmas set on every connection."""
    resolved = resolve_url(url)
    try:
        engine = sa.create_engine(resolved)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise StorageError(f"cannot use database URL {resolved!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        sqlite_events(engine)
    return engine


def _alembic_config(engine: sa.Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: sa.Engine) -> tuple[str | None, str]:
    """Create or migrate the schema to the newest revision; returns (before, after)."""
    before = current_revision(engine)
    try:
        command.upgrade(_alembic_config(engine), "head")
    except sa.exc.OperationalError as exc:
        raise StorageError(f"cannot create or migrate the database: {exc.orig}") from exc
    return before, head_revision()


@functools.cache
def head_revision() -> str:
    """The newest migration (read once: the scripts do not change while we run)."""
    script = ScriptDirectory.from_config(_alembic_config(sa.create_engine("sqlite://")))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: sa.Engine) -> str | None:
    """The schema revision of the database, or None when it was never initialised."""
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except sa.exc.OperationalError as exc:
        raise StorageError(f"cannot open the database: {exc.orig}") from exc


def require_current(engine: sa.Engine) -> None:
    """Refuse to work on a database that `accord init` has not brought up to date."""
    database = engine.url.database
    is_file = engine.dialect.name == "sqlite" and database and database != ":memory:"
    if is_file and not Path(str(database)).exists():
        raise StorageError(f"there is no database at {database}: run `accord init` first")
    rev = current_revision(engine)
    if rev != head_revision():
        what = "is not initialised" if rev is None else f"is at revision {rev}, not the newest"
        raise StorageError(
            f"the database {engine.url.render_as_string(hide_password=True)} {what}: "
            "run `accord init` first"
        )
