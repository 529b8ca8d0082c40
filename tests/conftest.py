"""Shared fixtures: a fresh book on every backend, the sample bundle, the CLI.

`book_url` is parametrised over SQLite and PostgreSQL, so every storage test
runs on both. The PostgreSQL server is real: a throwaway cluster started once
per test session on a free loopback port (tests/support/postgres.py); each
test gets its own empty database on it.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord import services
from tests.support.postgres import PostgresUnavailableError, create_database, postgres_server

DATA = Path(__file__).parent / "data"
SAMPLE_BOOK = DATA / "book"
_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """The session's PostgreSQL server (required under CI; skipped, with the reason, elsewhere)."""
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailableError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI: {exc}")
        pytest.skip(str(exc))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A URL of a database that does not exist yet (SQLite) or is empty (PostgreSQL)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'book.db'}"
    admin = request.getfixturevalue("postgres_admin_url")
    return create_database(admin, f"t{os.getpid()}_{next(_counter)}")


@pytest.fixture
def book_url(empty_url: str) -> str:
    """An initialised, empty book."""
    services.init_database(url=empty_url)
    return empty_url


@pytest.fixture
def sample_url(book_url: str) -> str:
    """A book holding the sample bundle tests/data/book."""
    services.import_bundle(url=book_url, directory=SAMPLE_BOOK)
    return book_url


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A writable copy of the sample bundle, to break in a test."""
    target = tmp_path / "bundle"
    shutil.copytree(SAMPLE_BOOK, target)
    return target


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()
