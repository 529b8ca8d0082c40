"""Detectors that lack an input say so (`not_judged`) instead of staying silent or firing.

Pure cases judge hand-made feature rows (tests/health/features.py); the book case
imports a hand-made book, so the purposes come from the stored labels and from
the text of the touchpoints.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from accord import cli_common
from accord.cli import app
from accord.config import Settings
from accord.health.detectors import detect, not_judged
from accord.health.dimensions import score
from tests.health.book import Book, ago, patterns_of
from tests.health.features import AS_OF_DAY, frame

S = Settings()


def _judge(**row: Any) -> tuple[list[str], dict[str, str]]:
    """(patterns fired, pattern → reason not judged) of one hand-made feature row."""
    scored = score(frame(row), S, AS_OF_DAY).with_columns(pl.lit(None).alias("expected_value_12m"))
    fired = detect(scored, S)["id"].to_list()
    unjudged = not_judged(scored, S)
    return fired, dict(zip(unjudged["id"], unjudged["reason"], strict=True))


UNHAPPY = {"n_orders": 3, "latest_nps": 3.0, "n_insight": 0}
PURPOSE_UNKNOWN = (
    "the purpose of {} of {} touchpoints in the window is unknown (unlabelled, and not clear "
    "enough from the text), more than the 50% a sample may lack, so {} cannot be told"
)


def _judge_with(settings: Settings, **row: Any) -> tuple[list[str], dict[str, str]]:
    scored = score(frame(row), settings, AS_OF_DAY).with_columns(
        pl.lit(None).alias("expected_value_12m")
    )
    unjudged = not_judged(scored, settings)
    fired = detect(scored, settings)["id"].to_list()
    return fired, dict(zip(unjudged["id"], unjudged["reason"], strict=True))


def test_hostage_is_judged_on_the_known_purposes_from_the_share() -> None:
    # 6 of 10 unknown: only 40% known, below signals.min_known_share (0.5) — not judged.
    fired, unjudged = _judge(**UNHAPPY, n_purpose_unknown=6)
    assert "hostage" not in fired
    assert unjudged["hostage"] == PURPOSE_UNKNOWN.format(
        6, 10, "whether we brought any insight or guidance"
    )
    # 5 of 10 unknown: exactly half known, none of them insight or guidance — it fires.
    fired, unjudged = _judge(**UNHAPPY, n_purpose_unknown=5)
    assert "hostage" in fired
    assert "hostage" not in unjudged
    fired, unjudged = _judge(**UNHAPPY, n_purpose_unknown=0)
    assert "hostage" in fired
    # A known insight touchpoint settles it whatever the others were: judged, no fire.
    fired, unjudged = _judge(**{**UNHAPPY, "n_insight": 1}, n_purpose_unknown=8)
    assert "hostage" not in {*fired, *unjudged}


def test_hostage_never_fires_when_every_purpose_is_unknown() -> None:
    # Even with the share set to 0, ten touchpoints of unknown purpose are no sample.
    anything = replace(S, signals=replace(S.signals, min_known_share=0.0))
    for settings in (S, anything):
        fired, unjudged = _judge_with(settings, **UNHAPPY, n_purpose_unknown=10)
        assert "hostage" not in fired
        assert unjudged["hostage"].startswith("the purpose of 10 of 10 touchpoints")
    # No touchpoint at all: nothing is unknown, and no insight was brought — it fires.
    fired, _ = _judge(**UNHAPPY, n_touch=0, n_two_way=0, n_purpose_unknown=0)
    assert "hostage" in fired
    # A stricter share leaves the 5-of-10 case not judged.
    strict = replace(S, signals=replace(S.signals, min_known_share=0.8))
    fired, unjudged = _judge_with(strict, **UNHAPPY, n_purpose_unknown=5)
    assert "hostage" not in fired
    assert "more than the 20% a sample may lack" in unjudged["hostage"]


def test_professional_visitor_reads_the_social_share_of_the_known_purposes() -> None:
    visitor = {"n_touch": 8, "n_orders": 0, "n_opportunities": 0}
    # 3 social of the 6 known (2 unknown, 75% known): half social — fires.
    fired, unjudged = _judge(**visitor, n_social=3, n_purpose_unknown=2)
    assert "professional_visitor" in fired
    assert "professional_visitor" not in unjudged
    # 4 of 8 known social: fires, unknowns or not.
    fired, unjudged = _judge(**visitor, n_social=4, n_purpose_unknown=4)
    assert "professional_visitor" in fired
    # 2 social, 5 unknown (3 of 8 known): 7 of 8 could be social — cannot tell.
    fired, unjudged = _judge(**visitor, n_social=2, n_purpose_unknown=5)
    assert "professional_visitor" not in fired
    assert unjudged["professional_visitor"] == PURPOSE_UNKNOWN.format(
        5, 8, "the share of social touchpoints"
    )
    # 1 social of the 7 known: judged, no fire.
    fired, unjudged = _judge(**visitor, n_social=1, n_purpose_unknown=1)
    assert "professional_visitor" not in {*fired, *unjudged}


def test_transactional_reads_the_follow_ups_of_the_known_purposes() -> None:
    base = {"n_orders": 4, "n_touch": 10, "n_pre_order": 9, "n_orders_judged": 4, "n_followed": 1}
    fired, unjudged = _judge(**base, n_purpose_unknown=0)
    assert "transactional" in fired
    # 5 of 10 unknown: half known, 1 of 4 orders followed up among them — fires.
    fired, unjudged = _judge(**base, n_purpose_unknown=5)
    assert "transactional" in fired
    assert "transactional" not in unjudged
    # 6 of 10 unknown: too few known, and 7 could be follow-ups — not judged.
    fired, unjudged = _judge(**base, n_purpose_unknown=6)
    assert "transactional" not in fired
    assert unjudged["transactional"] == PURPOSE_UNKNOWN.format(
        6, 10, "whether its orders were followed up"
    )
    # Too few known but even the best case (1 of 4) is below the rate: fires.
    fired, _ = _judge(**{**base, "n_followed": 0}, n_purpose_unknown=1)
    assert "transactional" in fired
    fired, _ = _judge(**{**base, "n_followed": 0}, n_purpose_unknown=9)
    assert "transactional" not in fired
    # 2 of 4 followed up reaches the rate: judged, no fire.
    fired, unjudged = _judge(**{**base, "n_followed": 2}, n_purpose_unknown=2)
    assert "transactional" not in {*fired, *unjudged}


PART_COST = {"out_of_scope_hours": 1.0, "n_unknown_cost": 3}


def test_over_servicing_scales_the_costed_margin_to_all_revenue() -> None:
    # A quarter of the 40,000 revenue has a cost: margin 3,000 on it (30%), so 12,000 on
    # all. Cost to serve (10 h + 300 min) × 100 = 1,500: 12.5% of it — no over-servicing
    # (against the 3,000 of costed margin alone it would read 50%).
    costed = {**PART_COST, "known_revenue": 10_000.0, "margin": 3_000.0, "margin_pct": 0.3}
    fired, unjudged = _judge(**costed)
    assert "over_servicing" not in {*fired, *unjudged}
    # 40 service hours: 4,500 against 12,000 is 37.5% — fires, margin shown scaled.
    fired, _ = _judge(**{**costed, "service_hours": 40.0})
    assert "over_servicing" in fired
    scored = score(frame({**costed, "service_hours": 40.0}), S, AS_OF_DAY).with_columns(
        pl.lit(None).alias("expected_value_12m")
    )
    found = detect(scored, S).filter(pl.col("id") == "over_servicing")
    assert "against a gross margin of EUR 12,000" in found["action"][0]


def test_over_servicing_is_not_judged_below_the_costed_share() -> None:
    thin = {**PART_COST, "known_revenue": 8_000.0, "margin": 2_400.0, "margin_pct": 0.3}
    fired, unjudged = _judge(**{**thin, "service_hours": 40.0})
    assert "over_servicing" not in fired
    assert unjudged["over_servicing"] == (
        "only 20% of its revenue in the window is on orders with a cost (below 25%), so the "
        "gross margin is not known well enough"
    )
    # A looser over_servicing.min_cost_share judges it on the 20%.
    loose = replace(S, over_servicing=replace(S.over_servicing, min_cost_share=0.2))
    fired, unjudged = _judge_with(loose, **{**thin, "service_hours": 40.0})
    assert "over_servicing" in fired
    assert "over_servicing" not in unjudged


def test_margin_rules_are_not_judged_without_any_cost() -> None:
    no_cost = {"known_revenue": 0.0, "margin": 0.0, "margin_pct": None, "n_unknown_cost": 4}
    fired, unjudged = _judge(**no_cost)
    reason = "none of its 4 orders in the window has a cost, so the gross margin is unknown"
    assert unjudged["win_lose"] == reason
    assert unjudged["over_servicing"].startswith(reason)
    assert "win_lose" not in fired
    # With every cost known both are judged (and here neither fires).
    fired, unjudged = _judge()
    assert "win_lose" not in {*fired, *unjudged}


def test_a_book_without_list_prices_scope_flags_or_tags() -> None:
    lacking = {
        "listed": 40_000.0,  # = revenue: not one order below its list price
        "other_listed": 40_000.0,
        "n_quarter_end": 2,
        "qe_amount": 20_000.0,
        "qe_listed": 20_000.0,
        "other_amount": 20_000.0,
        "service_hours": 12.0,
        "out_of_scope_hours": 0.0,
        "tp_tags_labelled": 0,
        "tp_tag_blind": 2,
        "tp_tag_blind_window": 3,
    }
    fired, unjudged = _judge(**lacking)
    assert unjudged["margin_giveaway"] == (
        "no order in the book has a list price above its amount, so discounts cannot be measured"
    )
    assert unjudged["quota_pressure"] == unjudged["margin_giveaway"]
    assert unjudged["over_servicing"] == (
        "no service entry in the book is marked out of scope, so out-of-scope work cannot be "
        "measured"
    )
    assert unjudged["abusive"] == (
        "2 touchpoints or feedback in the last 90 days carry neither tags nor text to read "
        "them from"
    )
    assert unjudged["big_brother"].startswith("3 touchpoints or feedback in the window")
    assert not set(unjudged) & set(fired)
    # Where the book does tag some rows, an untagged one is taken as untagged: judged.
    _, unjudged = _judge(**{**lacking, "tp_tags_labelled": 1})
    assert "abusive" not in unjudged


def test_the_cost_to_serve_part_of_mutual_value_uses_the_same_margin() -> None:
    # 1,500 against the 12,000 of all revenue: 1 − 0.125 / 0.6 (serve_zero_share).
    costed = {**PART_COST, "known_revenue": 10_000.0, "margin": 3_000.0, "margin_pct": 0.3}
    part = score(frame(costed), S, AS_OF_DAY)["mutual_value__cost_to_serve"][0]
    assert part == pytest.approx(1 - 0.125 / 0.6)
    # below over_servicing.min_cost_share that part is unknown, not read off 2,400
    thin = {**PART_COST, "known_revenue": 8_000.0, "margin": 2_400.0, "margin_pct": 0.3}
    assert score(frame(thin), S, AS_OF_DAY)["mutual_value__cost_to_serve"][0] is None
    # every cost known: the plain margin, as before (1,500 / 12,000)
    whole = score(frame({}), S, AS_OF_DAY)["mutual_value__cost_to_serve"][0]
    assert whole == pytest.approx(1 - 0.125 / 0.6)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Hostage and visitor cases whose purposes are labelled, unlabelled, or in the text."""
    b = Book()

    def unhappy(account: str, purpose: str, summaries: tuple[str, ...]) -> None:
        b.start(account)
        b.order(ago(200), 1000.0, 1100.0, 700.0)
        b.order(ago(100), 1000.0, 1100.0, 700.0)
        b.feedback(ago(30), "nps", 3)
        for i, text in enumerate(summaries):
            b.touch(ago(60 + 10 * i), purpose=purpose, summary=text)

    unhappy("H-LABEL", "support", ("", ""))  # labelled, no insight: hostage
    unhappy("H-BLANK", "", ("", ""))  # nobody labelled and no text: not judged
    unhappy("H-TEXT", "", ("Sent the invoice copy", "Rescheduled the call to Friday"))
    b.start("V-TEXT")  # six lunches and coffees nobody labelled: a professional visitor
    for i, text in enumerate(
        (
            "Lunch with Marta",
            "Golf with their COO",
            "Coffee and a chat with Marta",
            "Dinner with the team after the expo",
            "Birthday drinks for Marta",
            "Christmas party at their office",
        )
    ):
        b.touch(ago(20 + 30 * i), purpose="", summary=text)
    tmp = tmp_path_factory.mktemp("not-judged")
    diagnosis = b.diagnose(tmp)
    return diagnosis, {r["account_id"]: r for r in diagnosis.records()}, tmp / "book.db"


def test_hostage_on_a_hand_made_book(book: Any) -> None:
    diagnosis, records, _ = book
    assert "hostage" in patterns_of(diagnosis, "H-LABEL")
    assert "hostage" not in patterns_of(diagnosis, "H-BLANK")
    # no purpose, no tag, no text: neither hostage nor the tag rules can be judged
    assert [n["id"] for n in records["H-BLANK"]["not_judged"]] == [
        "hostage",
        "abusive",
        "big_brother",
    ]
    assert records["H-BLANK"]["not_judged"][0]["reason"].startswith(
        "the purpose of 2 of 2 touchpoints"
    )
    # Purposes read from the text (admin): known, no insight — it fires, and says so.
    assert "hostage" in patterns_of(diagnosis, "H-TEXT")
    assert records["H-TEXT"]["not_judged"] == []
    assert any(
        "(purpose inferred for 2 of 2)" in f for f in records["H-TEXT"]["facts"]["engagement"]
    )


def test_professional_visitor_read_from_the_text(book: Any) -> None:
    diagnosis, records, _ = book
    assert "professional_visitor" in patterns_of(diagnosis, "V-TEXT")
    assert records["V-TEXT"]["not_judged"] == []


def test_every_record_carries_not_judged(book: Any) -> None:
    _, records, _ = book
    for record in records.values():
        fired = {p["id"] for p in record["patterns"]}
        assert isinstance(record["not_judged"], list)
        assert not fired & {n["id"] for n in record["not_judged"]}


def test_the_cli_table_and_account_show_not_judged(
    book: Any, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, db = book
    url = f"sqlite:///{db}"
    args = ["diagnose", "--db", url, "--as-of", "2026-06-30"]
    one = cli.invoke(app, [*args, "--account", "H-BLANK"])
    assert one.exit_code == 0, one.output
    assert "not judged: hostage — the purpose of 2 of 2 touchpoints" in one.output
    monkeypatch.setattr(cli_common.out, "_width", 240)  # a wide terminal: no cell cut short
    table = cli.invoke(app, [*args, "--limit", "0"])
    assert table.exit_code == 0, table.output
    assert "judged" in table.output  # the column's header
    row = next(line for line in table.output.splitlines() if "│ H-BLANK " in line)
    last = row.rstrip(" │").rsplit("│", 1)[-1].strip()
    assert last.split(", ")[0] == "hostage"  # the last column: the patterns not judged
