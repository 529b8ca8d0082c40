"""The generated bundle: deterministic, well-formed, consistent, and realistic in shape."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

import accord.generate as generate
from accord.bundle import load_bundle
from accord.generate import DEFAULT_AS_OF, PATTERNS, GeneratedBook, generate_book, words
from accord.generate.writer import GENERATED
from tests.generate.conftest import ACCOUNTS

FILES = [t.file for t in GENERATED] + ["truth.csv", "as_of.txt"]


def digest(folder: Path) -> dict[str, str]:
    return {f: hashlib.sha256((folder / f).read_bytes()).hexdigest() for f in FILES}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    one = generate_book(tmp_path / "one", accounts=300, seed=11)
    two = generate_book(tmp_path / "two", accounts=300, seed=11)
    other = generate_book(tmp_path / "other", accounts=300, seed=12)
    assert digest(one.path) == digest(two.path)
    assert one.rows == two.rows
    differs = {f for f in FILES if digest(one.path)[f] != digest(other.path)[f]}
    assert differs >= {"accounts.csv", "touchpoints.csv", "orders.csv", "truth.csv"}


def test_several_chunks_are_deterministic_and_numbered_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generate, "CHUNK", 400)
    one = generate_book(tmp_path / "one", accounts=1_000, seed=3)
    two = generate_book(tmp_path / "two", accounts=1_000, seed=3)
    assert digest(one.path) == digest(two.path)
    for table, key in (("accounts", "account_id"), ("touchpoints", "touchpoint_id")):
        ids = pl.read_csv(one.path / f"{table}.csv")[key]
        assert ids.is_unique().all()
        assert ids.to_list() == sorted(ids.to_list())
    accounts = pl.read_csv(one.path / "accounts.csv")["account_id"]
    assert accounts[0] == "A0000001"
    assert accounts[-1] == "A0001000"


def test_concrete_counts_for_a_seed(book: GeneratedBook) -> None:
    """Pinned figures for seed 7 and 2,000 accounts: a change here is a change of output."""
    assert book.as_of == DEFAULT_AS_OF == date(2026, 6, 30)
    assert book.rows == EXPECTED_ROWS
    counts = book.pattern_counts()
    assert counts == EXPECTED_PATTERNS


EXPECTED_ROWS = {
    "users.csv": 40,
    "accounts.csv": 2000,
    "contacts.csv": 7723,
    "partners.csv": 30,
    "products.csv": 38,
    "touchpoints.csv": 66389,
    "opportunities.csv": 16901,
    "orders.csv": 24377,
    "order_lines.csv": 57726,
    "invoices.csv": 24377,
    "commitments.csv": 29310,
    "service_log.csv": 17795,
    "feedback.csv": 11920,
    "referrals.csv": 1548,
    "truth.csv": 2000,
}
EXPECTED_PATTERNS = {
    "transactional": 67,
    "terms_dictated": 78,
    "over_servicing": 81,
    "professional_visitor": 69,
    "broken_promises_ours": 83,
    "broken_promises_theirs": 74,
    "margin_giveaway": 71,
    "quota_pressure": 69,
    "win_lose": 66,
    "friendship_over_profit": 71,
    "hostage": 79,
    "double_billing": 68,
    "fading": 66,
    "abusive": 69,
    "big_brother": 73,
    "healthy": 600,
}


def test_no_word_needs_quoting() -> None:
    """The files are written unquoted: no generated text may hold a separator."""

    def flat(value: object) -> list[str]:
        if isinstance(value, tuple):
            return [s for v in value for s in flat(v)]
        return [value] if isinstance(value, str) else []

    texts = [s for name in dir(words) if name.isupper() for s in flat(getattr(words, name))]
    assert len(texts) > 300
    assert [t for t in texts if any(c in t for c in ',";\n\r')] == []


def test_every_file_has_the_schema_columns_in_order(book: GeneratedBook) -> None:
    for table in GENERATED:
        header = (book.path / table.file).read_text(encoding="utf-8").split("\n", 1)[0]
        assert header.split(",") == list(table.column_names), table.file
    truth_header = (book.path / "truth.csv").read_text().split("\n", 1)[0]
    assert truth_header == "account_id,patterns"
    assert (book.path / "as_of.txt").read_text() == "2026-06-30\n"


def test_the_bundle_loader_accepts_every_row(book: GeneratedBook) -> None:
    loaded = load_bundle(book.path, known_keys=lambda table, column, ids: set())
    assert loaded.problem_count == 0
    assert loaded.warnings == []
    read = {t.table.file: t.read for t in loaded.tables}
    assert read == {f: n for f, n in book.rows.items() if f != "truth.csv"}


def test_every_reference_resolves(tables: dict[str, pl.DataFrame]) -> None:
    def ids(table: str, column: str) -> set[str]:
        return set(tables[table][column].drop_nulls().to_list())

    users, accounts = ids("users", "user_id"), ids("accounts", "account_id")
    contacts, skus = ids("contacts", "contact_id"), ids("products", "sku")
    for table in GENERATED:
        frame = tables[table.name]
        assert frame.height > 0, table.name
        for col in table.columns:
            if col.references is None:
                continue
            target_table, target_col = col.references.split(".")
            values = frame[col.name].drop_nulls()
            if col.kind == "list":
                values = values.str.split(";").explode()
            missing = set(values.to_list()) - ids(target_table, target_col)
            assert not missing, f"{table.name}.{col.name}: {sorted(missing)[:5]}"
    assert ids("truth", "account_id") == accounts
    assert users
    assert contacts
    assert skus
    # contacts on a touchpoint belong to the touchpoint's account
    owner = dict(tables["contacts"].select("contact_id", "account_id").iter_rows())
    pairs = (
        tables["touchpoints"]
        .select("account_id", pl.col("contact_ids").str.split(";"))
        .explode("contact_ids")
    )
    assert all(owner[c] == a for a, c in pairs.iter_rows())


def test_order_lines_add_up_to_the_order_amount(tables: dict[str, pl.DataFrame]) -> None:
    lines = (
        tables["order_lines"]
        .group_by("order_id")
        .agg(total=(pl.col("quantity") * pl.col("unit_price")).sum())
    )
    joined = tables["orders"].join(lines, on="order_id", how="left")
    assert joined["total"].null_count() == 0
    assert ((joined["total"] - joined["amount"]).abs() < 0.005).all()
    assert (tables["order_lines"]["unit_price"] > 0).all()
    orders = tables["orders"]
    assert (orders["list_amount"] >= orders["amount"]).all()
    unknown = orders["cost"].null_count() / orders.height
    assert 0.003 < unknown < 0.05
    invoices = tables["invoices"].join(orders.select("order_id", "amount"), on="order_id")
    assert (invoices["amount"] == invoices["amount_right"]).all()


def test_truth_holds_every_pattern_and_the_mix(book: GeneratedBook) -> None:
    counts = book.pattern_counts()
    for pattern in PATTERNS:
        assert 0.03 * ACCOUNTS <= counts[pattern] <= 0.05 * ACCOUNTS, pattern
    assert 0.25 * ACCOUNTS <= counts["healthy"] <= 0.35 * ACCOUNTS
    cells = book.truth["patterns"]
    two = cells.str.contains(";").sum()
    assert two > 0.03 * ACCOUNTS  # some accounts show two patterns
    assert cells.null_count() > 0.15 * ACCOUNTS  # and some are simply ordinary


def test_people_look_like_a_sales_organisation(tables: dict[str, pl.DataFrame]) -> None:
    users = tables["users"]
    reps = users.filter(pl.col("role") == "rep")
    assert users.filter(pl.col("role") == "admin").height == 1
    assert 40 <= ACCOUNTS / reps.height <= 80
    team_sizes = reps.group_by("team").len()["len"]
    assert min(team_sizes.to_list()) >= 4
    assert max(team_sizes.to_list()) <= 8
    managers = set(users.filter(pl.col("role") == "manager")["user_id"])
    assert set(reps["manager_id"]) <= managers
    accounts = tables["accounts"]
    assert set(accounts["segment"]) == {"enterprise", "mid-market", "smb"}
    assert accounts["industry"].n_unique() >= 10
    assert set(accounts["owner_id"]) <= set(reps["user_id"])
    assert set(accounts["payment_terms_days"]) == {30, 45, 60}
    contacts = (
        tables["contacts"]
        .group_by("account_id")
        .agg(n=pl.len(), dm=(pl.col("decision_role") == "decision_maker").any())
    )
    assert min(contacts["n"].to_list()) >= 2
    assert max(contacts["n"].to_list()) <= 8
    assert contacts["dm"].mean() > 0.9  # type: ignore[operator]
    assert 10 <= tables["partners"].height <= 30
    products = tables["products"]
    assert set(products["kind"]) == {"product", "service", "bundle"}
    assert products.filter(pl.col("kind") == "bundle")["includes"].null_count() == 0


def test_activity_has_a_realistic_rhythm(
    book: GeneratedBook, tables: dict[str, pl.DataFrame]
) -> None:
    tp = tables["touchpoints"]
    when = tp["occurred_at"]
    assert (when.dt.weekday() <= 5).mean() > 0.95  # type: ignore[operator]
    assert when.dt.hour().is_between(8, 17).mean() > 0.9  # type: ignore[operator]
    assert when.max().date() <= book.as_of  # type: ignore[union-attr]
    assert set(tp["channel"]) == {"meeting", "call", "email", "visit", "event", "message", "other"}
    assert set(tp["purpose"]) >= {"insight", "guidance", "support", "social", "pitch"}
    assert tp["tags"].null_count() / tp.height > 0.85
    window = tp.filter(pl.col("occurred_at").dt.date() > book.as_of - timedelta(days=365))
    per_year = window.height / ACCOUNTS
    assert 12 <= per_year <= 25
    orders = tables["orders"].with_columns(month=pl.col("ordered_on").dt.month())
    by_quarter = orders.group_by(((pl.col("month") - 1) // 3).alias("q")).agg(
        pl.col("amount").sum()
    )
    q = dict(by_quarter.iter_rows())
    assert q[3] > 1.15 * q[1]  # Q4 sells more than Q2
    stages = set(tables["opportunities"]["stage"])
    assert stages == {"open", "won", "lost", "no_decision"}
    assert set(tables["feedback"]["kind"]) == {"nps", "csat", "complaint", "praise"}
    assert set(tables["referrals"]["direction"]) == {"given", "received"}
    assert set(tables["commitments"]["side"]) == {"us", "them"}
    assert (~tables["service_log"]["in_scope"]).any()


def test_progress_reports_every_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generate, "CHUNK", 100)
    seen: list[tuple[str, int, int]] = []
    generate_book(tmp_path / "b", accounts=250, seed=1, progress=lambda *a: seen.append(a))
    assert seen == [
        ("accounts", 0, 250),
        ("accounts", 100, 250),
        ("accounts", 200, 250),
        ("accounts", 250, 250),
    ]


def test_refuses_a_folder_that_is_not_a_bundle(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not empty"):
        generate_book(tmp_path, accounts=50, seed=1)
    file = tmp_path / "notes.txt"
    with pytest.raises(ValueError, match="is a file"):
        generate_book(file, accounts=50, seed=1)


def test_overwrites_a_previous_bundle(tmp_path: Path) -> None:
    first = generate_book(tmp_path / "b", accounts=80, seed=1)
    second = generate_book(tmp_path / "b", accounts=60, seed=2, as_of=date(2025, 12, 31))
    assert second.truth.height == 60
    assert (first.path / "as_of.txt").read_text() == "2025-12-31\n"
    assert pl.read_csv(first.path / "accounts.csv").height == 60


@pytest.mark.parametrize(
    ("accounts", "seed", "message"),
    [(0, 1, "accounts"), (-5, 1, "accounts"), (10, -1, "seed")],
)
def test_rejects_bad_arguments(tmp_path: Path, accounts: int, seed: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_book(tmp_path / "b", accounts=accounts, seed=seed)
    assert not (tmp_path / "b").exists()
