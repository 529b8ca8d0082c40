"""One generated book shared by the generator's tests (2,000 accounts: about a second)."""

from __future__ import annotations

import polars as pl
import pytest

from accord.generate import GeneratedBook, generate_book
from tests.generate.rules import load

ACCOUNTS = 2_000
SEED = 7


@pytest.fixture(scope="session")
def book(tmp_path_factory: pytest.TempPathFactory) -> GeneratedBook:
    return generate_book(tmp_path_factory.mktemp("book") / "bundle", accounts=ACCOUNTS, seed=SEED)


@pytest.fixture(scope="session")
def tables(book: GeneratedBook) -> dict[str, pl.DataFrame]:
    """Every file of the shared book, read back and typed by the schema."""
    return load(book.path)


@pytest.fixture(scope="session")
def truth(tables: dict[str, pl.DataFrame]) -> dict[str, set[str]]:
    """Account id → its planted pattern ids (`healthy` kept as a word)."""
    rows = tables["truth"].iter_rows()
    return {a: set(p.split(";")) if p else set() for a, p in rows}
