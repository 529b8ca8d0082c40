"""SQLite (read as Arrow into DuckDB) and PostgreSQL (in place) give identical diagnoses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from accord import services
from accord.generate import generate_book
from tests.health.book import AS_OF, Book
from tests.health.test_detectors import CASES, NO_MODEL
from tests.support.postgres import create_database

pytestmark = pytest.mark.postgres


def _urls(tmp_path: Path, admin: str, name: str) -> list[str]:
    sqlite = f"sqlite:///{tmp_path / (name + '.db')}"
    postgres = create_database(admin, f"{name}_{os.getpid()}")
    for url in (sqlite, postgres):
        services.init_database(url=url)
    return [sqlite, postgres]


def test_the_threshold_book_diagnoses_the_same(tmp_path: Path, postgres_admin_url: str) -> None:
    book = Book()
    for case, (_, build) in CASES.items():
        book.start(case)
        build(book, True)
    bundle = book.write(tmp_path / "bundle")
    results = []
    for url in _urls(tmp_path, postgres_admin_url, "cases"):
        services.import_bundle(url=url, directory=bundle)
        results.append(services.diagnose(url=url, as_of=AS_OF, settings=NO_MODEL).records())
    assert results[0] == results[1]
    assert len(results[0]) == 5 * (len(CASES) + 1)


def test_a_generated_book_diagnoses_the_same(tmp_path: Path, postgres_admin_url: str) -> None:
    generated = generate_book(tmp_path / "gen", accounts=150, seed=3)
    results = []
    for url in _urls(tmp_path, postgres_admin_url, "gen"):
        services.import_bundle(url=url, directory=generated.path)
        results.append(services.diagnose(url=url, as_of=generated.as_of).records())
    sqlite, postgres = results
    assert len(sqlite) == 150
    diffs = [d for x, y in zip(sqlite, postgres, strict=True) for d in _diff(x, y, x["account_id"])]
    assert diffs == []
    fired = {p["id"] for r in sqlite for p in r["patterns"]}
    assert len(fired) >= 10  # the comparison covers most rules, not only quiet accounts


def _diff(a: object, b: object, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in a.keys() | b.keys() for d in _diff(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in _diff(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]
