"""Health that tells the truth (issue 16, cases 3–5), on books built by hand.

* a pattern lowers the dimension it belongs to, and a critical one keeps the
  account out of the healthy band; fewer than two known dimensions is unknown;
* continuity falls with silence against the account's own buying rhythm, so a
  dormant account never gets healthier as the as-of date moves on;
* a promise still open past its due date (and an invoice still unpaid) stays in
  trust however old it is.
"""

from __future__ import annotations

import itertools
import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord import services
from accord.config import Settings, settings_from_mapping
from accord.domain.enums import PATTERN_IDS
from accord.health import DIMENSIONS, Diagnosis, score
from accord.health.bands import band_counts
from accord.health.penalties import DIMENSION_OF, apply_patterns
from tests.health.book import Book, ago
from tests.health.features import AS_OF_DAY, frame

NO_MODEL = settings_from_mapping({"continuity": {"min_model_accounts": 10**9}})
"""The lifetime model off (probability alive unknown), so every number is worked out here."""


def _records(d: Diagnosis) -> dict[str, dict[str, Any]]:
    return {r["account_id"]: r for r in d.records()}


def _gm(dims: dict[str, float]) -> float:
    """The overall score: weighted geometric mean of the known dimensions (docs/health.md)."""
    w = {"trust": 0.30, "engagement": 0.30, "mutual_value": 0.25, "continuity": 0.15}
    return math.exp(sum(w[d] * math.log(v) for d, v in dims.items()) / sum(w[d] for d in dims))


# -- case 3: patterns and health ------------------------------------------------------------


def steady(b: Book, tags: str = "", tagged: tuple[int, ...] = ()) -> None:
    """A good account: an order every 60 days (35% margin, invoices paid in 20 days), each
    followed up with an insight meeting 10 days later, kept promises, a promoter's NPS.
    The meetings numbered in `tagged` carry `tags` (tags change no count)."""
    dm, champion = b.contact("decision_maker"), b.contact("champion")
    for k in range(6):
        day = 30 + 60 * k
        b.order(ago(day), 1000.0, 1100.0, 650.0)
        b.invoice(ago(day), ago(day - 20))
        b.touch(
            ago(day - 10),
            purpose="insight",
            contacts=f"{dm};{champion}",
            tags=tags if k in tagged else "",
        )
    b.touch(ago(5), purpose="support", direction="inbound", contacts=dm)
    b.commitment("us", ago(50), ago(52))
    b.commitment("us", ago(150), ago(151))
    b.commitment("them", ago(90), ago(95))
    b.feedback(ago(60), "nps", 9)


@pytest.fixture(scope="module")
def patterned(tmp_path_factory: pytest.TempPathFactory) -> Diagnosis:
    book = Book(peers=0)
    steady(book)  # A1: healthy
    book.start("ABUSIVE")
    steady(book, "aggressive", (0, 1))  # two tagged meetings in 90 days: critical
    book.start("BIG_BROTHER")
    steady(book, "ultimatum", (0, 3))  # two ultimatums in the window: a warning
    book.start("ONE_DIMENSION")  # created long ago, one order of unknown cost, nothing else
    book.account("ONE_DIMENSION", segment="ONE_DIMENSION", created_on="2000-01-01")
    book.rows["accounts"].pop(-2)  # the account `start` made, replaced by the old one
    book.order(ago(10), 500.0)
    return book.diagnose(tmp_path_factory.mktemp("patterned"), settings=NO_MODEL)


def test_the_steady_account_is_healthy(patterned: Diagnosis) -> None:
    a1 = _records(patterned)["A1"]
    assert [p["id"] for p in a1["patterns"]] == ["healthy"]
    assert a1["health"]["score"] == pytest.approx(94.9, abs=0.05)


def test_a_critical_pattern_lowers_its_dimension_and_keeps_the_account_out_of_healthy(
    patterned: Diagnosis,
) -> None:
    records = _records(patterned)
    healthy, abusive = records["A1"]["health"], records["ABUSIVE"]["health"]
    assert [(p["id"], p["severity"]) for p in records["ABUSIVE"]["patterns"]] == [
        ("abusive", "critical")
    ]
    # the tags change no count: the same measured dimensions as A1 …
    measured = patterned.accounts.filter(patterned.accounts["account_id"] == "ABUSIVE")
    assert measured["engagement_measured"][0] == pytest.approx(89.81, abs=0.01)
    # … and abusive belongs to engagement: 40% off it (critical_penalty)
    assert abusive["engagement"] == pytest.approx(89.81 * 0.6, abs=0.05)  # 53.9
    for other in ("trust", "mutual_value", "continuity"):
        assert abusive[other] == healthy[other]
    # the geometric mean would still say 81.4; a critical pattern caps it at 60
    lowered = {d: abusive[d] for d in DIMENSIONS}
    assert _gm(lowered) == pytest.approx(81.4, abs=0.1)
    assert abusive["score"] == 60.0
    # healthy, watch, at risk: A1 and BIG_BROTHER (a warning does not cap) score ≥ 70
    assert band_counts(patterned.accounts["score"]) == [2, 1, 0]
    assert "lowered by abusive (critical)" in records["ABUSIVE"]["facts"]["engagement"]


def test_a_warning_pattern_lowers_its_dimension_without_a_cap(patterned: Diagnosis) -> None:
    records = _records(patterned)
    bb = records["BIG_BROTHER"]
    assert [(p["id"], p["severity"]) for p in bb["patterns"]] == [("big_brother", "warning")]
    health = bb["health"]
    assert health["trust"] == pytest.approx(100.0 * 0.85)  # big_brother belongs to trust
    expected = _gm({**{d: records["A1"]["health"][d] for d in DIMENSIONS}, "trust": 85.0})
    assert health["score"] == pytest.approx(expected, abs=0.1)  # no cap, but not `healthy`
    assert health["score"] == pytest.approx(90.4, abs=0.05)


def test_fewer_than_two_known_dimensions_is_unknown_not_100(patterned: Diagnosis) -> None:
    """Was: continuity from 26 years of tenure alone scored the account 100, healthy."""
    record = _records(patterned)["ONE_DIMENSION"]
    assert record["health"] == {
        "score": None,
        "trust": None,
        "engagement": None,
        "mutual_value": None,
        # an order 10 days ago: within its rhythm, 26 years lived (100); no two-way
        # touchpoint in 90 days fires `fading`, a warning: 15% off continuity
        "continuity": 85.0,
    }
    assert [p["id"] for p in record["patterns"]] == ["fading"]  # and never `healthy`
    assert sum(band_counts(patterned.accounts["score"])) == 3  # counted apart


def test_every_pattern_belongs_to_one_dimension() -> None:
    assert set(DIMENSION_OF) == set(PATTERN_IDS)
    assert set(DIMENSION_OF.values()) == set(DIMENSIONS)


# -- case 4: silence ------------------------------------------------------------------------

CREATED = "1992-02-01"
FIRST_ORDER = date(2016, 10, 3)
ORDERS = 22  # every 21 days: 2016-10-03 … 2017-12-18
LAST_ORDER = FIRST_ORDER + timedelta(days=21 * (ORDERS - 1))


def crm_book() -> Book:
    """Shaped like the public CRM sales-opportunities set: accounts created decades ago,
    an order every three weeks from October 2016 to December 2017, nothing else
    (ORDERS_ONLY); the same with a mutual check-in a week after each order (CHECKED_IN);
    and with our cost known (WITH_COST), so that three dimensions are known."""
    book = Book(peers=0)
    book.rows["accounts"].clear()
    for name in ("ORDERS_ONLY", "CHECKED_IN", "WITH_COST"):
        book.account(name, segment="crm", created_on=CREATED)
        for k in range(ORDERS):
            day = FIRST_ORDER + timedelta(days=21 * k)
            cost = 700.0 if name == "WITH_COST" else None
            book.order(day, 1000.0, cost=cost, account=name)
            if name != "ORDERS_ONLY":
                book.touch(day + timedelta(days=7), purpose="support", account=name)
    return book


@pytest.fixture(scope="module")
def crm_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("crm")
    url = f"sqlite:///{folder / 'crm.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=crm_book().write(folder / "bundle"))
    return url


def _crm(url: str, day: date) -> dict[str, dict[str, Any]]:
    return _records(services.diagnose(url=url, as_of=day, settings=NO_MODEL))


def test_a_year_of_silence_scores_lower_than_three_months(crm_url: str) -> None:
    """Was: three months after the last order continuity 23.1; fifteen months after, 100
    ("customer for 25.9 years") and the account healthy."""
    three = _crm(crm_url, LAST_ORDER + timedelta(days=90))
    fifteen = _crm(crm_url, LAST_ORDER + timedelta(days=455))
    # rhythm: 21 days between orders, judged by at least 30; silence past one rhythm halves
    # continuity every further 30 days
    order_part = 2 ** (-(90 - 30) / 30)  # 0.25
    touch_part = 2 ** (-(83 - 30) / 30)  # the last check-in came 7 days after the order
    # ORDERS_ONLY: no order followed up (0), 25.9 years lived (1): base 0.15 / 0.65; no
    # two-way contact in 90 days fires `fading`, 15% off
    assert three["ORDERS_ONLY"]["health"]["continuity"] == pytest.approx(
        100 * 0.15 / 0.65 * order_part * 0.85, abs=0.05
    )  # 4.9
    # CHECKED_IN: every order followed up: base 1, × the mean of both silences
    assert three["CHECKED_IN"]["health"]["continuity"] == pytest.approx(
        100 * (order_part + touch_part) / 2, abs=0.05
    )  # 27.2
    for name in ("ORDERS_ONLY", "CHECKED_IN", "WITH_COST"):
        later = fifteen[name]
        assert later["health"]["continuity"] == 0.0  # 100 × 2^(−14) rounds to 0.0
        assert later["health"]["continuity"] < three[name]["health"]["continuity"]
        assert "healthy" not in [p["id"] for p in later["patterns"]]
        first_fact = later["facts"]["continuity"][0]
        assert first_fact == "last order 455 days ago; buys about every 30 days"
    assert (
        "customer for 25.9 years until the last order or two-way touchpoint"
        in (fifteen["ORDERS_ONLY"]["facts"]["continuity"])
    )
    # orders alone give one dimension: no score at all, then or later (not 100, healthy)
    assert three["ORDERS_ONLY"]["health"]["score"] is None
    assert fifteen["ORDERS_ONLY"]["health"]["score"] is None
    with_cost = three["WITH_COST"]["health"]
    assert with_cost["score"] is not None
    assert fifteen["WITH_COST"]["health"]["score"] < with_cost["score"]


def test_moving_the_as_of_date_through_silence_never_raises_health(crm_url: str) -> None:
    """As-of dates every 90 days from the last order to two years after it (orders leave
    the window on the way): for every account, neither continuity nor the overall score
    ever rises (unknown counts as lowest)."""
    days = [LAST_ORDER + timedelta(days=90 * k) for k in range(9)]
    seen: dict[str, list[tuple[float, float]]] = {}
    for day in days:
        for name, record in _crm(crm_url, day).items():
            h = record["health"]
            seen.setdefault(name, []).append(
                (h["continuity"], -1.0 if h["score"] is None else h["score"])
            )
    for name, series in seen.items():
        for (c0, s0), (c1, s1) in itertools.pairwise(series):
            assert c1 <= c0, (name, series)
            assert s1 <= s0, (name, series)
        assert series[-1][0] == 0.0 < series[0][0]  # and it does fall


_DAY = st.integers(AS_OF_DAY - 3000, AS_OF_DAY)


@st.composite
def activity(draw: st.DrawFn) -> dict[str, Any]:
    """Feature rows with any order history and last two-way touchpoint up to the as-of day."""
    n_ever = draw(st.integers(0, 40))
    first = draw(_DAY)
    last = draw(st.integers(first, AS_OF_DAY))
    n_orders = draw(st.integers(0, n_ever))
    judged = draw(st.integers(0, n_orders))
    return {
        "n_orders_ever": n_ever,
        "first_order_day": first if n_ever else None,
        "last_order_day": (first if n_ever == 1 else last) if n_ever else None,
        "n_orders": n_orders,
        "n_orders_judged": judged,
        "n_followed": draw(st.integers(0, judged)),
        "last_two_way_day": draw(st.one_of(st.none(), _DAY)),
        "created_day": draw(st.one_of(st.none(), st.integers(AS_OF_DAY - 9000, AS_OF_DAY))),
        "p_alive": draw(st.one_of(st.none(), st.floats(0, 1))),
        "ours_due": draw(st.integers(0, 3)),
        "n_invoices": 0,
    }


@settings(max_examples=150, deadline=None)
@given(activity(), st.integers(1, 2000))
def test_a_later_as_of_date_with_the_same_facts_never_raises_continuity_or_the_score(
    row: dict[str, Any], later: int
) -> None:
    s = Settings()
    row = {**row, "ours_kept": min(row["ours_due"], 1), "ours_late": 0, "invoice_credit": 0.0}
    now, then = (
        score(frame(row), s, day).select("continuity", "score").row(0)
        for day in (AS_OF_DAY, AS_OF_DAY + later)
    )
    for a, b in zip(now, then, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            assert b <= a + 1e-9


# -- case 5: open promises ------------------------------------------------------------------


def test_open_promises_past_due_stay_in_trust_whatever_their_age(tmp_path: Path) -> None:
    """Was: a promise three years overdue had left the window, and trust forgot it."""
    book = Book(peers=0)
    book.commitment("us", ago(1100), None)  # open for three years: broken
    book.commitment("us", ago(800), ago(790))  # kept late, long ago: left the window
    book.commitment("us", ago(700), None, cancelled=True)  # cancelled: never counts
    book.commitment("us", ago(400), ago(-5))  # done only after the as-of date: still open
    book.commitment("us", ago(30), ago(31))  # kept on time
    book.invoice(ago(800), None)  # unpaid for two years: stays, 770 days late
    book.touch(ago(5), purpose="insight")  # a second known dimension
    record = _records(book.diagnose(tmp_path, settings=NO_MODEL))["A1"]
    (broken,) = [p for p in record["patterns"] if p["id"] == "broken_promises_ours"]
    assert broken["severity"] == "critical"  # 1 of 3 on time: below half of 70%
    assert broken["evidence"] == {
        "not_kept_on_time": {"value": 2.0, "threshold": 2.0, "rule": ">="},
        "on_time_rate": {"value": 0.3333, "threshold": 0.7, "rule": "<"},
        "open_past_due": {"value": 2.0},
    }
    # trust: ours 1/3 (0.40), invoices 0 (0.35); then 40% off for the critical pattern
    measured = 100 * (0.40 * (1 / 3) + 0.35 * 0.0) / 0.75
    assert record["health"]["trust"] == pytest.approx(measured * 0.6, abs=0.05)  # 10.7
    assert record["facts"]["trust"][0] == "1 of 3 of our commitments kept on time"


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(PATTERN_IDS)), st.sampled_from(["warning", "critical"])),
        max_size=6,
    ),
    activity(),
)
def test_a_pattern_never_raises_a_dimension_or_the_score(
    found: list[tuple[str, str]], row: dict[str, Any]
) -> None:
    s = Settings()
    row = {**row, "ours_kept": min(row["ours_due"], 1), "ours_late": 0, "invoice_credit": 0.0}
    scored = score(frame(row), s, AS_OF_DAY)
    patterns = pl.DataFrame(
        {
            "account_id": ["A1"] * len(found),
            "id": [i for i, _ in found],
            "severity": [v for _, v in found],
        },
        schema={"account_id": pl.String, "id": pl.String, "severity": pl.String},
    )
    before = scored.row(0, named=True)
    after = apply_patterns(scored, patterns, s).row(0, named=True)
    for name in (*DIMENSIONS, "score"):
        assert (before[name] is None) == (after[name] is None)
        if before[name] is not None:
            assert after[name] <= before[name] + 1e-9
    if after["score"] is not None and any(v == "critical" for _, v in found):
        assert after["score"] <= 60.0
