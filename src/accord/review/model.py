"""The monthly relationship review as data: what the report shows, built from frames.

Pure: `build_review` takes the diagnosis at the month's end, the comparison
point (last month's snapshots, or a diagnosis as of last month's end when none
was stored), the stored snapshots for trends, the open agenda and the open
commitments, the seller alignment, the key accounts' plans and month
(`review.plans`) and the cost section (`review.costs`), and returns a `ReviewModel` that the
renderer turns into HTML or PDF (and the web app into a page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import polars as pl

from accord.health.bands import band_counts, health_bands
from accord.review.alignment import SellerAlignment
from accord.review.costs import CostSection
from accord.review.plans import NOTHING, MonthActivity, PlanSummary

C = pl.col
DIMENSIONS = ("trust", "engagement", "mutual_value", "continuity")


@dataclass(frozen=True, slots=True)
class Band:
    name: str
    label: str
    now: int
    before: int | None


@dataclass(frozen=True, slots=True)
class Mover:
    account_id: str
    name: str
    owner: str | None
    before: float
    now: float
    change: float
    reason: str


@dataclass(frozen=True, slots=True)
class PatternCount:
    id: str
    count: int
    before: int | None
    accounts: list[str]  # names, worst health first (a few)


@dataclass(frozen=True, slots=True)
class Commitment:
    side: str
    description: str
    due_on: date
    overdue: bool


@dataclass(frozen=True, slots=True)
class Action:
    title: str
    due: date
    kind: str


@dataclass(frozen=True, slots=True)
class Answer:
    """A seller's answer at a monthly review: what they do to perpetuate the relationship."""

    month: str
    answer: str
    commitment: str | None
    user_id: str | None
    written_at: datetime


@dataclass(frozen=True, slots=True)
class Referrals:
    """Referrals to and from allied partners on the account: in the month, and in 12 months."""

    given_month: int = 0
    received_month: int = 0
    given_year: int = 0
    received_year: int = 0


@dataclass(frozen=True, slots=True)
class KeyAccount:
    account_id: str
    name: str
    owner: str | None
    value_12m: float | None
    p_alive: float | None
    horizon: str | None
    score: float | None
    before: float | None
    trend: list[tuple[date, float]]
    patterns: list[str]
    commitments: list[Commitment]
    actions: list[Action]
    plan: PlanSummary | None = None  # its account plan, None where none is written
    month: MonthActivity = NOTHING  # what happened on it within the month
    answer: Answer | None = None  # this month's answer of the seller
    last_answer: Answer | None = None  # last month's, shown beside what happened since
    referrals: Referrals = Referrals()
    intent: str | None = None  # what we meant it to be: the account's, else its plan's

    @property
    def intent_disagrees(self) -> bool:
        """The intent (reason / season / lifetime) is not what the lifetime model expects."""
        return bool(self.intent and self.horizon and self.intent != self.horizon)

    @property
    def gap(self) -> bool:
        """No planned action: nobody has said what we do to perpetuate this relationship."""
        return not self.actions and not any(c.side == "us" for c in self.commitments)

    @property
    def no_plan(self) -> bool:
        """No account plan: nobody has written down why this relationship is worth having."""
        return self.plan is None


@dataclass(frozen=True)
class ReviewModel:
    """Everything the monthly review shows."""

    month: str  # YYYY-MM
    start: date
    end: date
    scope: str  # "the whole book", "team North", "Sam Seller (U1)"
    note: str | None  # why the report is empty, when it is
    accounts: int = 0
    mean_now: float | None = None
    mean_before: float | None = None
    before_source: str | None = None  # where the comparison came from
    bands: list[Band] = field(default_factory=list)
    movers_up: list[Mover] = field(default_factory=list)
    movers_down: list[Mover] = field(default_factory=list)
    patterns: list[PatternCount] = field(default_factory=list)
    key_accounts: list[KeyAccount] = field(default_factory=list)
    sellers: list[SellerAlignment] = field(default_factory=list)
    alignment_start: date | None = None
    costs: CostSection | None = None  # what the unhealthy relationships cost us
    plan_max_age_days: int = 90


def empty_review(month: str, start: date, end: date, scope: str, note: str) -> ReviewModel:
    return ReviewModel(month, start, end, scope, note)


def _mean(scores: pl.Series) -> float | None:
    if scores.len() == 0:
        return None
    return round(float(scores.cast(pl.Float64).sum()) / scores.len(), 1)


def _reason(row: dict[str, object]) -> str:
    """Which dimension moved most, and which patterns appeared or cleared."""
    parts = []
    moves = []
    for d in DIMENSIONS:
        now, before = row.get(d), row.get(f"{d}_before")
        if isinstance(now, float) and isinstance(before, float):
            moves.append((abs(now - before), d, now - before))
    if moves:
        _, dim, delta = max(moves)
        if abs(delta) >= 0.5:
            parts.append(f"{dim.replace('_', ' ')} {delta:+.0f}")
    now_p = {p for p in str(row.get("patterns") or "").split(";") if p and p != "healthy"}
    before_p = {p for p in str(row.get("patterns_before") or "").split(";") if p and p != "healthy"}
    if now_p - before_p:
        parts.append("new: " + ", ".join(sorted(now_p - before_p)).replace("_", " "))
    if before_p - now_p:
        parts.append("cleared: " + ", ".join(sorted(before_p - now_p)).replace("_", " "))
    return "; ".join(parts) or "small changes across the dimensions"


def build_review(
    *,
    month: str,
    start: date,
    end: date,
    scope: str,
    accounts: pl.DataFrame,  # account_id, name, owner_name: the accounts in scope
    now: pl.DataFrame,  # account_id, score, dimensions…, expected_value_12m, p_alive, horizon,
    #                     revenue, patterns (`;` ids)
    before: pl.DataFrame | None,  # account_id, score, dimensions…, patterns
    before_source: str | None,
    history: pl.DataFrame,  # account_id, as_of, score (stored snapshots up to `end`)
    agenda: pl.DataFrame,  # open items: account_id, title, due, kind, priority
    commitments: pl.DataFrame,  # open: account_id, side, description, due_on
    sellers: list[SellerAlignment],
    alignment_start: date,
    key_accounts: int,
    movers: int,
    plans: dict[str, PlanSummary] | None = None,  # account_id → its plan
    activity: dict[str, MonthActivity] | None = None,  # account_id → the month's activity
    costs: CostSection | None = None,
    plan_max_age_days: int = 90,
    answers: dict[str, Answer] | None = None,  # account_id → this month's answer
    last_answers: dict[str, Answer] | None = None,  # account_id → last month's
    referrals: dict[str, Referrals] | None = None,
    intents: dict[str, str] | None = None,  # account_id → intent (account's, else plan's)
) -> ReviewModel:
    """The review of the accounts in `accounts` as of `end`."""
    ids = accounts.select("account_id", "name", "owner_name")
    cur = ids.join(now, on="account_id", how="left")
    scores = cur["score"].drop_nulls()
    bands_now = band_counts(scores)
    prev = None
    if before is not None:
        prev = ids.join(before, on="account_id", how="inner")
    bands_before = band_counts(prev["score"]) if prev is not None else None
    bands = [
        Band(b.name, b.label, bands_now[i], None if bands_before is None else bands_before[i])
        for i, b in enumerate(health_bands())
    ]

    up: list[Mover] = []
    down: list[Mover] = []
    if prev is not None:
        renamed = prev.select(
            "account_id",
            C("score").alias("score_before"),
            *[C(d).alias(f"{d}_before") for d in DIMENSIONS],
            C("patterns").alias("patterns_before"),
        )
        moved = (
            cur.join(renamed, on="account_id", how="inner")
            .filter(C("score").is_not_null() & C("score_before").is_not_null())
            .with_columns((C("score") - C("score_before")).alias("change"))
        )
        for target, frame in (
            (
                up,
                moved.filter(C("change") > 0).sort(
                    ["change", "account_id"], descending=[True, False]
                ),
            ),
            (down, moved.filter(C("change") < 0).sort(["change", "account_id"])),
        ):
            for row in frame.head(movers).iter_rows(named=True):
                target.append(
                    Mover(
                        row["account_id"],
                        row["name"],
                        row["owner_name"],
                        round(row["score_before"], 1),
                        round(row["score"], 1),
                        round(row["change"], 1),
                        _reason(row),
                    )
                )

    def pattern_counts(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            frame.select("account_id", "name", "score", C("patterns").str.split(";"))
            .explode("patterns")
            .filter(
                C("patterns").is_not_null() & (C("patterns") != "") & (C("patterns") != "healthy")
            )
            .sort(["score", "account_id"], nulls_last=True)
            .group_by("patterns", maintain_order=True)
            .agg(pl.len().alias("count"), C("name").head(6).alias("names"))
        )

    counted = pattern_counts(cur).sort(["count", "patterns"], descending=[True, False])
    counted_before: dict[str, int] = {}
    if prev is not None:
        counted_before = dict(pattern_counts(prev).select("patterns", "count").iter_rows())
    patterns = [
        PatternCount(
            r["patterns"],
            int(r["count"]),
            None if prev is None else counted_before.get(r["patterns"], 0),
            list(r["names"]),
        )
        for r in counted.iter_rows(named=True)
    ]

    top = cur.sort(
        ["expected_value_12m", "revenue", "account_id"],
        descending=[True, True, False],
        nulls_last=True,
    ).head(key_accounts)
    before_scores = dict(prev.select("account_id", "score").iter_rows()) if prev is not None else {}
    keys = []
    for r in top.iter_rows(named=True):
        acc = r["account_id"]
        trend = [
            (d, float(s))
            for d, s in history.filter((C("account_id") == acc) & C("score").is_not_null())
            .sort("as_of")
            .select("as_of", "score")
            .iter_rows()
            if d < end
        ]
        before_day = start - timedelta(days=1)
        if before_scores.get(acc) is not None and all(d != before_day for d, _ in trend):
            trend = sorted([*trend, (before_day, float(before_scores[acc]))])
        if r["score"] is not None:
            trend.append((end, float(r["score"])))
        commits = [
            Commitment(c["side"], c["description"], c["due_on"], c["due_on"] < end)
            for c in commitments.filter(C("account_id") == acc).sort("due_on").iter_rows(named=True)
        ]
        actions = [
            Action(a["title"], a["due"], a["kind"])
            for a in agenda.filter(C("account_id") == acc)
            .sort("priority", descending=True)
            .head(5)
            .iter_rows(named=True)
        ]
        keys.append(
            KeyAccount(
                acc,
                r["name"],
                r["owner_name"],
                r["expected_value_12m"],
                r["p_alive"],
                r["horizon"],
                None if r["score"] is None else round(r["score"], 1),
                None if before_scores.get(acc) is None else round(before_scores[acc], 1),
                trend,
                [p for p in str(r["patterns"] or "").split(";") if p and p != "healthy"],
                commits,
                actions,
                (plans or {}).get(acc),
                (activity or {}).get(acc, NOTHING),
                (answers or {}).get(acc),
                (last_answers or {}).get(acc),
                (referrals or {}).get(acc, Referrals()),
                (intents or {}).get(acc),
            )
        )
    return ReviewModel(
        month=month,
        start=start,
        end=end,
        scope=scope,
        note=None,
        accounts=ids.height,
        mean_now=_mean(scores),
        mean_before=None if prev is None else _mean(prev["score"].drop_nulls()),
        before_source=before_source,
        bands=bands,
        movers_up=up,
        movers_down=down,
        patterns=patterns,
        key_accounts=keys,
        sellers=sellers,
        alignment_start=alignment_start,
        costs=costs,
        plan_max_age_days=plan_max_age_days,
    )
