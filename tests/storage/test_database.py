"""Creating and opening databases: `accord init`, SQLite pragmas, constraints."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from accord import services
from accord.errors import StorageError
from accord.storage.database import head_revision, make_engine, resolve_url


def test_init_creates_then_reports_up_to_date(empty_url: str) -> None:
    first = services.init_database(url=empty_url)
    assert (first.created, first.after) == (True, head_revision())
    again = services.init_database(url=empty_url)
    assert (again.created, again.before, again.after) == (False, head_revision(), head_revision())


def test_every_ledger_table_exists(book_url: str) -> None:
    engine = make_engine(book_url)
    names = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert {
        "users",
        "accounts",
        "contacts",
        "touchpoints",
        "opportunities",
        "orders",
        "products",
        "order_lines",
        "invoices",
        "commitments",
        "service_log",
        "feedback",
        "partners",
        "referrals",
        "alembic_version",
    } <= names


def test_sqlite_has_foreign_keys_on_and_wal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    services.init_database(url=url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_database_refuses_an_orphan_row(sample_url: str) -> None:
    """The tables enforce references themselves, beside the importer's checks."""
    engine = make_engine(sample_url)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO contacts (contact_id, account_id, name, active) "
            "VALUES ('C99', 'A404', 'Nobody', true)"
        )
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM contacts").scalar() == 4
    engine.dispose()


def test_database_refuses_an_unknown_enum_value(sample_url: str) -> None:
    engine = make_engine(sample_url)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.exec_driver_sql("UPDATE touchpoints SET channel = 'fax' WHERE touchpoint_id = 'T1'")
    engine.dispose()


def test_urls() -> None:
    assert resolve_url("postgresql://u@h:5/d") == "postgresql+psycopg://u@h:5/d"
    assert resolve_url("sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(StorageError, match="unsupported database URL 'mysql://h/d'"):
        resolve_url("mysql://h/d")


def test_default_url_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ACCORD_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert services.init_database(url=None).url == f"sqlite:///{tmp_path / 'env.db'}"
    assert (tmp_path / "env.db").exists()


def test_migrations_build_exactly_the_declared_tables(book_url: str) -> None:
    """Alembic's comparison of the migrated database with the table declarations is empty."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from accord.storage.tables import metadata

    engine = make_engine(book_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_an_open_reader_sees_an_import(tmp_path: Path) -> None:
    """A long-lived connection (a web server's, say) sees what an import committed.

    Guards the bulk path against tricks that would leave such a reader on a stale
    snapshot (switching the journal mode away from WAL and back does).
    """
    import sqlite3

    from tests.conftest import SAMPLE_BOOK

    path = tmp_path / "b.db"
    url = f"sqlite:///{path}"
    services.init_database(url=url)
    reader = sqlite3.connect(path)
    assert reader.execute("SELECT count(*) FROM accounts").fetchone() == (0,)
    services.import_bundle(url=url, directory=SAMPLE_BOOK)
    assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert reader.execute("SELECT count(*) FROM accounts").fetchone() == (3,)
    reader.close()
