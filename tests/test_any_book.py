"""No crash on any valid book (issue 16).

Arbitrary small valid bundles (tests/support/books.py, built directly, not by the
generator) go through everything a user runs on a new book: import → diagnose
(JSON) → each user's agenda → the monthly review (HTML) → costs → the account
page, signed in. Nothing may raise; the JSON holds no NaN or infinity; every score
is unknown (null) or within 0–100; probabilities within 0–1.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from accord import access, services, services_agenda, services_costs
from accord.api.app import create_app
from accord.errors import BadInputError
from accord.storage.engines import dispose_all
from tests.support.books import AnyBook, books

PASSWORD = "correct horse battery"
SCORES = ("score", "trust", "engagement", "mutual_value", "continuity")
DATED = (
    "touchpoints",
    "opportunities",
    "orders",
    "invoices",
    "commitments",
    "service_log",
    "feedback",
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised empty book, migrated once and copied for every example."""
    path = tmp_path_factory.mktemp("any_book") / "template.db"
    services.init_database(url=f"sqlite:///{path}")
    dispose_all()
    return path


def _finite(value: Any, where: str) -> None:
    """No NaN or infinity anywhere in a JSON-bound structure."""
    if isinstance(value, float):
        assert math.isfinite(value), where
    elif isinstance(value, dict):
        for k, v in value.items():
            _finite(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _finite(v, f"{where}[{i}]")


def _check_diagnosis(records: list[dict[str, Any]]) -> None:
    json.dumps(records, allow_nan=False)
    _finite(records, "diagnose")
    for r in records:
        for name in SCORES:
            score = r["health"][name]
            assert score is None or 0 <= score <= 100, (r["account_id"], name, score)
        life = r["lifetime"]
        assert life["p_alive"] is None or 0 <= life["p_alive"] <= 1, r["account_id"]
        for name in ("expected_orders_12m", "value_ahead_12m"):
            assert life[name] is None or life[name] >= 0, (r["account_id"], name)
        if life["p_alive"] is None:
            assert life["reason"], r["account_id"]  # unknown, and why


def _run_everything(book: AnyBook, url: str, work: Path) -> None:
    services.import_bundle(url=url, directory=book.write(work / "bundle"))
    settings_ = services.load_config()
    error = None
    try:
        diagnosis = services.diagnose(url=url, as_of=book.as_of, settings=settings_)
    except BadInputError as exc:
        error = str(exc)
    if error is not None:
        # Only a book without one dated row may be refused, and then in plain words.
        assert "no dated activity" in error, error
        assert not any(book.rows[t] for t in DATED), error
        return
    records = diagnosis.records()
    assert len(records) == len(book.rows["accounts"])
    _check_diagnosis(records)
    for user in book.users:
        agenda = services_agenda.agenda(url=url, user_id=user, as_of=book.as_of)
        found = agenda.records()
        json.dumps(found, allow_nan=False)
        _finite(found, f"agenda {user}")
    out = work / "review.html"
    services_agenda.write_review(url=url, month=book.as_of.strftime("%Y-%m"), out=out)
    assert "</html>" in out.read_text(encoding="utf-8")
    costs = services_costs.costs(url=url, as_of=book.as_of).records()
    json.dumps(costs, allow_nan=False)
    _finite(costs, "costs")
    if not book.rows["accounts"]:
        return
    admin = book.users[0]
    access.set_password(url=url, user_id=admin, password=PASSWORD)
    app = create_app(url=url, as_of=book.as_of)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=True) as client:
        page = client.get("/signin")
        pre = page.text.split('name="pre" value="', 1)[1].split('"', 1)[0]
        signed = client.post(
            "/signin",
            data={"login": admin, "password": PASSWORD, "pre": pre, "next": "/"},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text
        for account in book.rows["accounts"][:2]:
            page = client.get(f"/accounts/{account['account_id']}")
            # 404 when the account is out of the user's scope (another seller's)
            assert page.status_code in (200, 404), page.text[:2000]


def _remembered(diagnose: Callable[..., Any]) -> Callable[..., Any]:
    """`services.diagnose` remembered per arguments while one example's book stays the
    same: its cost is a fixed few hundred milliseconds of query building, which the
    agenda, the review, costs and the web page would each pay again."""
    seen: dict[str, Any] = {}

    def remembered(**kwargs: Any) -> Any:
        key = repr(sorted(kwargs.items(), key=lambda kv: kv[0]))
        if kwargs.get("snapshot") or kwargs.get("progress"):
            return diagnose(**kwargs)
        if key not in seen:
            seen[key] = diagnose(**kwargs)
        return seen[key]

    return remembered


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(book=books())
def test_any_valid_book_runs_through_every_command(template: Path, book: AnyBook) -> None:
    work = Path(tempfile.mkdtemp(prefix="any_book_"))
    try:
        shutil.copy(template, work / "book.db")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(services, "diagnose", _remembered(services.diagnose))
            _run_everything(book, f"sqlite:///{work / 'book.db'}", work)
    finally:
        dispose_all()
        shutil.rmtree(work, ignore_errors=True)


def test_a_book_of_invoices_only_on_one_day_writes_its_review(
    template: Path, tmp_path: Path
) -> None:
    """Found by the test above: four accounts whose only rows are invoices issued on
    one day, reviewed 15 months later. No account has a health score this month,
    one did last month, and the review's "mean health" card compared None with a
    number (TypeError)."""

    def invoice(n: int, account: str, amount: float, terms: str, paid: str = "") -> dict[str, Any]:
        return {
            "invoice_id": f"I{n}",
            "account_id": account,
            "issued_on": "2014-10-04",
            "amount": amount,
            "terms_days": terms,
            "paid_on": paid,
        }

    book = AnyBook(
        rows={
            "users": [{"user_id": "U1", "name": "User 1", "role": "rep"}],
            "accounts": [
                {"account_id": "A1", "name": "Account 1"},
                {
                    "account_id": "A2",
                    "name": "Account 2",
                    "owner_id": "U1",
                    "segment": "smb",
                    "payment_terms_days": "90",
                },
                {
                    "account_id": "A3",
                    "name": "Account 3",
                    "owner_id": "U1",
                    "segment": "enterprise",
                },
                {
                    "account_id": "A4",
                    "name": "Account 4",
                    "owner_id": "U1",
                    "payment_terms_days": "0",
                },
            ],
            "contacts": [
                {"contact_id": "C1", "account_id": "A1", "name": "P1", "decision_role": "user"},
                {
                    "contact_id": "C5",
                    "account_id": "A3",
                    "name": "P5",
                    "active": "false",
                    "decision_role": "decision_maker",
                },
            ],
            "invoices": [
                invoice(2, "A1", 250.0, "30"),
                invoice(3, "A2", 1200.0, ""),
                invoice(4, "A2", 18000.0, "30", "2014-12-18"),
                invoice(6, "A3", 1200.0, "0"),
                invoice(7, "A3", 1.0, "30"),
                invoice(8, "A3", 1.0, "30", "2014-10-04"),
                invoice(9, "A4", 1200.0, "0"),
                invoice(10, "A4", 49.5, ""),
                invoice(11, "A4", 250.0, "0"),
            ],
        },
        users=["U1"],
        as_of=date(2016, 1, 22),
    )
    shutil.copy(template, tmp_path / "book.db")
    try:
        _run_everything(book, f"sqlite:///{tmp_path / 'book.db'}", tmp_path)
    finally:
        dispose_all()
