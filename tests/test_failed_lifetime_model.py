"""A lifetime model that cannot be fitted never fails a command (issue 16).

On a hand-made book of 12 accounts each with one order, the purchase model cannot
be fitted (nobody reordered); on the same book with the fit broken by a numerical
error it did not foresee (a ZeroDivisionError, as the old trust-region step raised),
likewise. Either way diagnose, agenda, review, costs and the web pages succeed, and
the lifetime figures are unknown (null) with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from accord import access, services, services_web
from accord.api.app import create_app
from accord.cli import app
from accord.clv import ParetoNBD
from accord.storage.engines import dispose_all
from tests.api.conftest import PASSWORD, signed_in
from tests.health.book import AS_OF, Book, ago

NO_REPEAT = "no customer made a repeat purchase"


def _one_order_book() -> Book:
    book = Book(peers=0)
    book.rows["users"].append({"user_id": "U2", "name": "Ria Rep"})
    for i in range(1, 13):
        if i > 1:
            book.start(f"A{i}")
        book.order(ago(20 + 15 * i), 400.0 + 10 * i, 500.0, 250.0)
        book.touch(ago(5 + i), direction="inbound", purpose="support")
        book.commitment("us", ago(10), None)
    for row in book.rows["accounts"][6:]:
        row["owner_id"] = "U2"
    return book


@pytest.fixture(scope="module")
def book_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("failed_fit")
    url = f"sqlite:///{folder / 'book.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=_one_order_book().write(folder / "bundle"))
    for user in ("U1", "U2"):
        access.set_password(url=url, user_id=user, password=PASSWORD)
    yield url
    dispose_all()


def _zero_division(*args: object, **kwargs: object) -> ParetoNBD:
    raise ZeroDivisionError("float division by zero")


@pytest.fixture(params=["cannot_identify", "numeric_failure"])
def failure(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The reason the lifetime figures are unknown, for each way the fit fails."""
    if request.param == "numeric_failure":
        return str(request.getfixturevalue("numeric_failure"))
    return NO_REPEAT


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_diagnose_says_why_lifetime_is_unknown(book_url: str, failure: str) -> None:
    records = json.loads(
        _run("diagnose", "--as-of", AS_OF.isoformat(), "--format", "json", "--db", book_url)
    )
    assert len(records) == 12
    for record in records:
        life = record["lifetime"]
        assert life["p_alive"] is None
        assert life["expected_orders_12m"] is None
        assert life["value_ahead_12m"] is None
        assert life["horizon"] is None
        assert life["reason"].startswith("the purchase model could not be fitted: ")
        assert failure in life["reason"]
        assert (
            f"probability still active unknown: {life['reason']}" in (record["facts"]["continuity"])
        )
        assert record["health"]["score"] is None or 0 <= record["health"]["score"] <= 100


@pytest.fixture
def numeric_failure(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(ParetoNBD, "fit", _zero_division)
    return "ZeroDivisionError: float division by zero"


def test_agenda_review_and_costs_succeed(
    book_url: str, numeric_failure: str, tmp_path: Path
) -> None:
    day = AS_OF.isoformat()
    for user in ("U1", "U2"):
        agenda = json.loads(
            _run("agenda", "--user", user, "--as-of", day, "--format", "json", "--db", book_url)
        )
        assert agenda["items"], user  # the overdue promises are still there
    out = tmp_path / "review.html"
    _run("review", "--month", AS_OF.strftime("%Y-%m"), "--out", str(out), "--db", book_url)
    assert "<html" in out.read_text(encoding="utf-8").lower()
    costs = json.loads(_run("costs", "--as-of", day, "--format", "json", "--db", book_url))
    assert isinstance(costs, dict)


def test_web_pages_show_unknown_with_the_reason(
    book_url: str, numeric_failure: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services_web, "CACHE_SECONDS", -1.0)  # diagnose afresh
    web = create_app(url=book_url, as_of=AS_OF)
    with TestClient(web, base_url="https://testserver", raise_server_exceptions=True) as client:
        signed_in(client, "U1")
        for path in ("/", "/agenda", "/review", "/accounts/A1"):
            page = client.get(path)
            assert page.status_code == 200, path
        account = client.get("/accounts/A1").text
        reason = account.split('data-testid="lifetime-reason">', 1)[1].split("</p>", 1)[0]
        assert "the purchase model could not be fitted" in reason
        assert numeric_failure in reason
