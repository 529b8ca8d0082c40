"""Who each account is: segment, habits, and the patterns planted in it.

The plan is drawn first, for a whole chunk of accounts, and every table is
then generated from it. An account is one of three kinds:

* **planted** — built to show one pattern of SPEC section 4 (sometimes two
  compatible ones), clearly past the rule's default thresholds;
* **healthy** — a model relationship, clear of every rule by a wide margin;
* **ordinary** — a lukewarm relationship (passive NPS, invoices often a few
  days late, the odd broken promise, more pitch than insight, no two-way
  contact for months, half the orders followed up) that still satisfies no
  rule;
  a quarter of them are *lapsed*: customers who stopped buying over a year
  ago, so that churn is part of the book (and a lifetime-value model fitted
  on it has dropouts to learn from).

Pattern counts are exact per chunk (a shuffled list of labels), so even a
200-account book holds every pattern.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accord.domain.enums import PATTERN_IDS
from accord.generate import words as w
from accord.generate.vec import F64, I64, Bool, pick, pick_rows

PATTERNS = PATTERN_IDS  # the order truth.csv lists them in

BIT = {p: 1 << i for i, p in enumerate(PATTERNS)}

ORDINARY, HEALTHY, PLANTED = 0, 1, 2

PRIMARY_SHARE = 0.032  # of accounts, per pattern
HEALTHY_SHARE = 0.30
SECOND_SHARE = 0.15  # of planted accounts that get a compatible second pattern
LAPSED_SHARE = 0.25  # of ordinary accounts: lost customers, so that churn is part of the book

PAIRS: tuple[tuple[str, str], ...] = (
    ("terms_dictated", "broken_promises_theirs"),
    ("over_servicing", "broken_promises_ours"),
    ("transactional", "hostage"),
    ("margin_giveaway", "quota_pressure"),
    ("abusive", "big_brother"),
    ("win_lose", "broken_promises_ours"),
    ("fading", "broken_promises_ours"),
    ("professional_visitor", "broken_promises_theirs"),
    ("double_billing", "terms_dictated"),
    ("friendship_over_profit", "over_servicing"),
    ("hostage", "big_brother"),
)
"""Patterns that can share an account without one undoing the other's evidence."""

# Per segment (enterprise, mid-market, smb).
SEGMENT_SHARE = (0.12, 0.33, 0.55)
ORDERS_PER_YEAR = np.array([10.0, 7.0, 4.5])
ORDER_SIZE = np.array([60_000.0, 15_000.0, 8_000.0])  # list amount of a typical order
BASE_DISCOUNT = np.array([0.14, 0.10, 0.06])
BASE_MARGIN = np.array([0.24, 0.30, 0.36])
TOUCHES_PER_YEAR = np.array([12.0, 6.0, 3.0])  # background, besides order-driven touches
CONTACTS = np.array([[4, 8], [3, 6], [2, 4]])
TERMS = np.array([30, 45, 60])
TERMS_P = np.array([[0.3, 0.3, 0.4], [0.5, 0.3, 0.2], [0.75, 0.2, 0.05]])
LEVEL_P = np.array([[0.8, 0.2, 0.0], [0.2, 0.7, 0.1], [0.0, 0.3, 0.7]])

# Touchpoint purpose mixes (insight, guidance, support, social, pitch, negotiation, admin).
MIX_PLAIN, MIX_HEALTHY, MIX_VISITOR, MIX_FRIEND, MIX_HOSTAGE, MIX_LUKEWARM = range(6)
MIXES = np.array(
    [
        [0.18, 0.14, 0.22, 0.10, 0.18, 0.06, 0.12],
        [0.25, 0.20, 0.20, 0.10, 0.08, 0.05, 0.12],
        [0.10, 0.00, 0.00, 0.70, 0.10, 0.00, 0.10],
        [0.10, 0.05, 0.10, 0.60, 0.05, 0.00, 0.10],
        [0.00, 0.00, 0.30, 0.00, 0.30, 0.20, 0.20],
        [0.10, 0.08, 0.17, 0.10, 0.30, 0.07, 0.18],
    ]
)


@dataclass
class Plan:
    """One chunk of accounts, as parallel arrays (index = position in the chunk)."""

    first: int  # global index of the chunk's first account
    as_of: int  # day number
    seg: I64
    kind: I64
    pat: I64  # bit set of planted patterns
    we_lose: Bool  # win_lose planted as "we lose, they win" (else "we win, they lose")
    lapsed: Bool  # an ordinary account that stopped buying more than a year ago
    owner: I64  # user index
    created: I64
    start: I64  # first day of recorded activity
    terms: I64
    disc: F64  # the account's usual discount rate
    margin: F64  # the account's usual gross margin rate
    size: F64  # order-size factor
    rate: F64  # orders per year
    order_end: I64  # last day the account orders on
    touch_rate: F64  # background touchpoints per year
    mix: I64
    bundle: I64  # the one bundle this account buys, or -1
    industry: I64
    intent: I64
    level: I64
    n_contacts: I64

    @property
    def n(self) -> int:
        return int(self.seg.size)

    def has(self, pattern: str) -> Bool:
        out: Bool = (self.pat & BIT[pattern]) != 0
        return out

    @property
    def healthy(self) -> Bool:
        out: Bool = self.kind == HEALTHY
        return out

    @property
    def ordinary(self) -> Bool:
        out: Bool = self.kind == ORDINARY
        return out


def _labels(rng: np.random.Generator, n: int) -> I64:
    """Primary pattern index per account; -2 healthy, -1 ordinary."""
    per = PRIMARY_SHARE * n
    counts = np.full(len(PATTERNS), int(per), dtype=np.int64)
    extra = round(per * len(PATTERNS)) - int(counts.sum())
    if extra > 0:
        counts[rng.choice(len(PATTERNS), extra, replace=False)] += 1
    planted = int(counts.sum())
    healthy = min(round(HEALTHY_SHARE * n), n - planted)
    labels = np.concatenate(
        [
            np.repeat(np.arange(len(PATTERNS), dtype=np.int64), counts),
            np.full(healthy, -2, dtype=np.int64),
            np.full(n - planted - healthy, -1, dtype=np.int64),
        ]
    )
    return rng.permutation(labels)


def _second(rng: np.random.Generator, primary: I64) -> I64:
    """A compatible second pattern for some planted accounts, or -1."""
    partners: list[list[int]] = [[] for _ in PATTERNS]
    for a, b in PAIRS:
        ia, ib = PATTERNS.index(a), PATTERNS.index(b)
        partners[ia].append(ib)
        partners[ib].append(ia)
    width = max(len(p) for p in partners)
    table = np.array([p + [-1] * (width - len(p)) for p in partners], dtype=np.int64)
    count = np.array([len(p) for p in partners], dtype=np.int64)
    out = np.full(primary.size, -1, dtype=np.int64)
    cand = (primary >= 0) & (rng.random(primary.size) < SECOND_SHARE)
    p = primary[cand]
    choice = (rng.random(p.size) * count[p]).astype(np.int64)
    out[cand] = table[p, choice]
    return out


def make_plan(
    rng: np.random.Generator, *, first: int, n: int, as_of: int, reps: I64, n_bundles: int
) -> Plan:
    """Draw a chunk of `n` accounts and decide which patterns each one shows."""
    primary = _labels(rng, n)
    second = _second(rng, primary)
    pat = np.where(primary >= 0, np.left_shift(1, np.maximum(primary, 0)), 0)
    pat = pat | np.where(second >= 0, np.left_shift(1, np.maximum(second, 0)), 0)
    kind = np.where(primary >= 0, PLANTED, np.where(primary == -2, HEALTHY, ORDINARY))

    def has(p: str) -> Bool:
        out: Bool = (pat & BIT[p]) != 0
        return out

    seg = pick(rng, SEGMENT_SHARE, n)
    healthy = kind == HEALTHY
    u = rng.random
    created = as_of - rng.integers(400, 3651, n)
    created = np.where(has("fading"), as_of - rng.integers(700, 3651, n), created)
    start = np.maximum(created, as_of - 730)

    disc = BASE_DISCOUNT[seg] + np.where(healthy, 0.015, 0.03) * (2 * u(n) - 1)
    disc = np.where(has("quota_pressure"), BASE_DISCOUNT[seg] - 0.03 * u(n), disc)
    disc = np.where(has("margin_giveaway"), BASE_DISCOUNT[seg] + 0.18 + 0.06 * u(n), disc)

    base = BASE_MARGIN[seg]
    margin = base + np.where(healthy, 0.02, 0.04) * (2 * u(n) - 1)
    margin = np.where(has("hostage"), base - 0.02 - 0.02 * u(n), margin)
    margin = np.where(has("margin_giveaway"), base - 0.04 - 0.04 * u(n), margin)
    margin = np.where(has("friendship_over_profit"), base - 0.12 - 0.03 * u(n), margin)
    we_lose = has("win_lose") & (seg < 2) & (u(n) < 0.5)
    margin = np.where(has("win_lose"), base + 0.12 + 0.04 * u(n), margin)
    margin = np.where(we_lose, 0.015 + 0.02 * u(n), margin)

    size = np.clip(rng.lognormal(0.0, 0.3, n), 0.6, 1.8)
    size = np.where(has("over_servicing"), size * 0.4, size)

    rate = np.maximum(ORDERS_PER_YEAR[seg] * (0.7 + 0.6 * u(n)), 3.5)
    steady = has("terms_dictated") | has("margin_giveaway") | has("double_billing")
    rate = np.where(steady | has("hostage"), np.maximum(rate, 6.0), rate)
    rate = np.where(has("quota_pressure"), np.maximum(rate, 7.0), rate)
    rate = np.where(has("transactional"), 365.0 / (30 + 15 * u(n)), rate)
    rate = np.where(has("fading"), 365.0 / (14 + 8 * u(n)), rate)

    order_end = np.full(n, as_of, dtype=np.int64)
    order_end = np.where(has("fading"), as_of - rng.integers(270, 301, n), order_end)
    order_end = np.where(has("professional_visitor"), as_of - rng.integers(420, 521, n), order_end)
    lapsed = (kind == ORDINARY) & (u(n) < LAPSED_SHARE)
    order_end = np.where(lapsed, as_of - rng.integers(400, 701, n), order_end)

    touch = TOUCHES_PER_YEAR[seg] * (0.7 + 0.6 * u(n)) * np.where(healthy, 1.3, 1.0)
    friend = has("friendship_over_profit")
    touch = np.where(friend, np.maximum(5 * TOUCHES_PER_YEAR[seg], 18) * (0.9 + 0.3 * u(n)), touch)
    touch = np.where(has("professional_visitor"), 14 + 8 * u(n), touch)
    touch = np.where(we_lose, touch * 0.5, touch)
    touch = np.where(has("transactional"), 0.0, touch)
    touch = np.where(lapsed, 1.5, touch)

    mix = np.where(healthy, MIX_HEALTHY, np.where(kind == ORDINARY, MIX_LUKEWARM, MIX_PLAIN))
    mix = np.where(has("hostage"), MIX_HOSTAGE, mix)
    mix = np.where(friend, MIX_FRIEND, mix)
    mix = np.where(has("professional_visitor"), MIX_VISITOR, mix)

    bundle = np.where(u(n) < 0.35, rng.integers(0, n_bundles, n), -1)
    bundle = np.where(has("double_billing"), rng.integers(0, n_bundles, n), bundle)

    return Plan(
        first=first,
        as_of=as_of,
        seg=seg,
        kind=kind.astype(np.int64),
        pat=pat.astype(np.int64),
        we_lose=we_lose,
        lapsed=lapsed,
        owner=reps[rng.integers(0, reps.size, n)],
        created=created.astype(np.int64),
        start=start.astype(np.int64),
        terms=TERMS[pick_rows(rng, TERMS_P, seg)],
        disc=disc,
        margin=margin,
        size=size,
        rate=rate,
        order_end=order_end,
        touch_rate=touch,
        mix=mix.astype(np.int64),
        bundle=bundle.astype(np.int64),
        industry=rng.integers(0, len(w.INDUSTRIES), n),
        intent=pick(rng, (0.2, 0.3, 0.5), n),
        level=pick_rows(rng, LEVEL_P, seg),
        n_contacts=rng.integers(CONTACTS[seg, 0], CONTACTS[seg, 1] + 1),
    )


def truth_key(plan: Plan) -> I64:
    """A key per account for its truth.csv cell: -1 healthy, else the planted bit set.

    Keys, not strings, so that a million accounts cost one `gather` of a few
    distinct labels (see `label_of`) rather than a million string joins.
    """
    return np.where(plan.kind == HEALTHY, -1, plan.pat)


def label_of(key: int) -> str:
    """The truth.csv cell for a key of `truth_labels`: `healthy`, or the planted ids."""
    if key == -1:
        return "healthy"
    return ";".join(p for p in PATTERNS if key & BIT[p])
