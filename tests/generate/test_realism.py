"""`--realism crm`: the same events, written the way CRMs export them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from accord import services
from accord.cli import app
from accord.generate import GeneratedBook, Realism, generate_book, words
from accord.generate.writer import GENERATED

ACCOUNTS = 200
SEED = 4


def _read(book: GeneratedBook, table: str) -> pl.DataFrame:
    return pl.read_csv(book.path / f"{table}.csv", infer_schema=False)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> GeneratedBook:
    return generate_book(tmp_path_factory.mktemp("clean") / "b", accounts=ACCOUNTS, seed=SEED)


@pytest.fixture(scope="module")
def crm(tmp_path_factory: pytest.TempPathFactory) -> GeneratedBook:
    folder = tmp_path_factory.mktemp("crm") / "b"
    return generate_book(folder, accounts=ACCOUNTS, seed=SEED, realism="crm")


def test_crm_labels_no_purpose_and_no_tag(crm: GeneratedBook) -> None:
    touches, feedback = _read(crm, "touchpoints"), _read(crm, "feedback")
    assert touches.height > 5_000
    assert touches["purpose"].null_count() == touches.height
    assert touches["tags"].null_count() == touches.height
    assert feedback["tags"].null_count() == feedback.height


def test_crm_is_the_clean_book_with_less_revealed(clean: GeneratedBook, crm: GeneratedBook) -> None:
    """Same truth, same events: only what the files reveal differs."""
    assert (crm.path / "truth.csv").read_bytes() == (clean.path / "truth.csv").read_bytes()
    assert crm.rows == clean.rows
    same = ("touchpoint_id", "account_id", "occurred_at", "channel", "direction", "minutes")
    assert _read(crm, "touchpoints").select(same).equals(_read(clean, "touchpoints").select(same))
    keep = ("order_id", "account_id", "ordered_on", "amount")
    assert _read(crm, "orders").select(keep).equals(_read(clean, "orders").select(keep))
    for table in ("contacts", "invoices", "commitments", "order_lines", "users", "products"):
        assert _read(crm, table).equals(_read(clean, table)), table


@pytest.mark.parametrize("share", [0.3, 0.6])
def test_the_share_of_orders_without_cost_follows_the_setting(
    tmp_path: Path, clean: GeneratedBook, share: float
) -> None:
    book = generate_book(
        tmp_path / "b",
        accounts=ACCOUNTS,
        seed=SEED,
        realism=Realism("crm", missing_cost_share=share),
    )
    orders = _read(book, "orders")
    clean_unknown = _read(clean, "orders")["cost"].null_count() / orders.height  # about 2 %
    missing_cost = orders["cost"].null_count() / orders.height
    missing_list = orders["list_amount"].null_count() / orders.height
    expected = share + (1 - share) * clean_unknown
    assert orders.height > 2_000
    assert abs(missing_cost - expected) < 0.03, (missing_cost, expected)
    assert abs(missing_list - share) < 0.03, (missing_list, share)


def test_owners_and_in_scope_flags_missing_on_a_share(crm: GeneratedBook) -> None:
    accounts, service = _read(crm, "accounts"), _read(crm, "service_log")
    assert 0.03 < accounts["owner_id"].null_count() / accounts.height < 0.14
    assert 0.20 < service["in_scope"].null_count() / service.height < 0.30


def test_summaries_vary_like_real_notes_and_mails(crm: GeneratedBook) -> None:
    summaries = _read(crm, "touchpoints")["summary"]
    text = summaries.drop_nulls()
    assert text.n_unique() >= 300
    # the bodies themselves vary, not only the names in them: first lines with names removed
    names = _read(crm, "contacts")["name"].str.split(" ").explode().unique().to_list()
    names += _read(crm, "users")["name"].str.split(" ").explode().unique().to_list()
    stripped = text.str.split("\n").list.first().str.replace_many(names, ["X"] * len(names))
    assert stripped.n_unique() >= 300
    quoted = r"(?m)^On \w{3}, \d{2} \w{3} \d{4} at \d{2}:\d{2}, .* wrote:$"
    marks = {
        "signature": text.str.contains("\n--\n", literal=True),
        "forwarded": text.str.contains("Forwarded message", literal=True),
        "reply subject": text.str.contains(r"(?m)^(RE|Re|AW|FW|Fwd): "),
        "all lower case": text == text.str.to_lowercase(),
        "quoted reply": text.str.contains(quoted),
    }
    for what, mark in marks.items():
        share = mark.sum() / text.len()
        assert 0.01 < share < 0.5, (what, share)
    assert 0.03 < summaries.null_count() / summaries.len() < 0.08
    # none of the clean book's fixed phrases is left as a whole summary
    clean_phrases = {s for group in words.SUMMARIES for s in group}
    assert not set(text.to_list()) & clean_phrases


def test_every_planted_behaviour_is_told_in_its_text(
    clean: GeneratedBook, crm: GeneratedBook
) -> None:
    """Where the clean book tags aggression or an ultimatum, the CRM text still says it."""
    tagged = _read(clean, "touchpoints").filter(
        pl.col("tags").is_in(list(words.ABUSIVE_TAGS + words.BIG_BROTHER_TAGS))
    )
    told = _read(crm, "touchpoints").join(
        tagged.select("touchpoint_id"), on="touchpoint_id", how="semi"
    )
    assert tagged.height >= 20
    assert told.height == tagged.height
    assert told["summary"].null_count() == 0
    complaints = _read(crm, "feedback").filter(pl.col("kind") == "complaint")
    assert complaints["text"].null_count() == 0
    assert complaints["text"].n_unique() >= 20


def _digest(folder: Path) -> dict[str, str]:
    files = [t.file for t in GENERATED] + ["truth.csv", "as_of.txt"]
    return {f: hashlib.sha256((folder / f).read_bytes()).hexdigest() for f in files}


def test_crm_is_deterministic_per_seed(tmp_path: Path, crm: GeneratedBook) -> None:
    again = generate_book(tmp_path / "again", accounts=ACCOUNTS, seed=SEED, realism="crm")
    other = generate_book(tmp_path / "other", accounts=ACCOUNTS, seed=SEED + 1, realism="crm")
    assert _digest(again.path) == _digest(crm.path)
    assert _digest(other.path)["touchpoints.csv"] != _digest(crm.path)["touchpoints.csv"]


def test_bad_realism_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown realism 'salesforce'"):
        generate_book(tmp_path / "b", accounts=10, seed=1, realism="salesforce")
    with pytest.raises(ValueError, match="missing cost share must be between 0 and 1"):
        Realism("crm", missing_cost_share=1.5)
    result = CliRunner().invoke(
        app, ["generate", "--accounts", "10", "--missing-cost", "0.5", str(tmp_path / "c")]
    )
    assert result.exit_code == 1
    assert "--missing-cost applies to --realism crm only" in result.output


def test_accord_import_takes_the_crm_book(tmp_path: Path, crm: GeneratedBook) -> None:
    """Blank purpose is unlabelled, not an error; quoted multi-line text comes back whole."""
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--db", url]).exit_code == 0
    result = runner.invoke(app, ["import", str(crm.path), "--db", url, "--format", "json"])
    assert result.exit_code == 0, result.output
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT count(*), count(purpose), count(summary) FROM touchpoints")
        ).one()
        mail = conn.execute(
            sa.text(
                "SELECT touchpoint_id, summary FROM touchpoints "
                "WHERE summary LIKE '%wrote:%' ORDER BY touchpoint_id LIMIT 1"
            )
        ).one()
    engine.dispose()
    touches = _read(crm, "touchpoints")
    assert stored == (touches.height, 0, touches["summary"].drop_nulls().len())
    written = touches.filter(pl.col("touchpoint_id") == mail[0])["summary"].item()
    assert mail[1] == written
    assert "\n" in written
    diagnosis = services.diagnose(url=url, as_of=crm.as_of)
    assert diagnosis.accounts.height == ACCOUNTS
    json.dumps(diagnosis.records()[0])  # diagnosable, and every record serialisable


def test_names_in_the_text_are_the_touchpoints_own_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quoted reply under our e-mail names the contact the touchpoint was with, in every
    chunk (the text is composed per chunk, its people looked up by their global ids)."""
    import accord.generate as generate

    monkeypatch.setattr(generate, "CHUNK", 80)
    one = generate_book(tmp_path / "one", accounts=ACCOUNTS, seed=SEED, realism="crm")
    two = generate_book(tmp_path / "two", accounts=ACCOUNTS, seed=SEED, realism="crm")
    assert _digest(one.path) == _digest(two.path)
    contacts = _read(one, "contacts").select("contact_id", "email")
    replies = (
        _read(one, "touchpoints")
        .filter((pl.col("direction") == "outbound") & pl.col("summary").str.contains(" wrote:"))
        .with_columns(
            contact_id=pl.col("contact_ids").str.split(";").list.first(),
            quoted=pl.col("summary").str.extract(r"<([^>]+)> wrote:"),
        )
        .join(contacts, on="contact_id", how="left")
    )
    assert (replies["account_id"].str.slice(1).cast(pl.Int64) > 160).any()  # the third chunk
    assert replies.height >= 100
    assert (replies["quoted"] == replies["email"]).all()
