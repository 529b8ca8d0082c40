"""Fixtures of the intake tests: the CRM exports, and a way to count every table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from accord.storage.database import make_engine

DATA = Path(__file__).parent / "data"
HUBSPOT = DATA / "hubspot"
SALESFORCE = DATA / "salesforce"


def row_counts(url: str) -> dict[str, int]:
    """Rows in every table of the book (ledger and intake state)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = sorted(n for n in sa.inspect(conn).get_table_names() if n != "alembic_version")
            return {
                n: int(conn.exec_driver_sql(f'SELECT count(*) FROM "{n}"').scalar_one())
                for n in names
            }
    finally:
        engine.dispose()


def query(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


@pytest.fixture
def hubspot(tmp_path: Path) -> Path:
    """A writable copy of the HubSpot export, to break in a test."""
    return Path(shutil.copytree(HUBSPOT, tmp_path / "hubspot"))


@pytest.fixture
def salesforce(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SALESFORCE, tmp_path / "salesforce"))


@pytest.fixture
def sqlite_book(tmp_path: Path) -> str:
    """An initialised, empty book on SQLite only (for the many small reproductions of
    issue 19, whose behaviour does not depend on the backend)."""
    from accord import services

    url = f"sqlite:///{tmp_path / 'book.db'}"
    services.init_database(url=url)
    return url


@pytest.fixture
def sqlite_sample(sqlite_book: str) -> str:
    """The sample bundle tests/data/book, on SQLite only."""
    from accord import services
    from tests.conftest import SAMPLE_BOOK

    services.import_bundle(url=sqlite_book, directory=SAMPLE_BOOK)
    return sqlite_book
