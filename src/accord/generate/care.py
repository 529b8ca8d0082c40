"""Life after the sale: service hours, feedback, commitments and referrals.

Healthy accounts keep every promise on both sides and answer NPS 9–10;
ordinary accounts break at most one promise per side over their whole
history, log at most one short out-of-scope service entry, complain at most
once and never score NPS below 7 or CSAT below 3 — so no rule can fire on
them. Planted patterns change exactly the facts their rule reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from accord.generate import words as w
from accord.generate.people import Contacts, Reference, account_ids
from accord.generate.plan import HEALTHY, PLANTED, Plan
from accord.generate.vec import (
    F64,
    I64,
    Bool,
    Calendar,
    expand,
    one_per_group,
    order_by,
    pick,
    rank_in_group,
    stochastic_round,
    to_weekday,
)
from accord.generate.writer import dates, decimals, gather, ids, integers, text

SERVICE_PER_YEAR = np.array([12.0, 5.0, 2.0])
HOURS = np.array([0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0])
HOURS_P = (0.15, 0.25, 0.15, 0.2, 0.12, 0.08, 0.05)
COMMITMENTS_PER_YEAR = np.array([8.0, 5.0, 3.0])  # ours; theirs are 70 % of that
NONE = -1
FEEDBACK_TAGS = w.COMPLAINT_TAGS + w.ABUSIVE_TAGS + w.BIG_BROTHER_TAGS + w.PRAISE_TAGS
ABUSIVE_FIRST = len(w.COMPLAINT_TAGS)
BIG_BROTHER_FIRST = ABUSIVE_FIRST + len(w.ABUSIVE_TAGS)
PRAISE_FIRST = BIG_BROTHER_FIRST + len(w.BIG_BROTHER_TAGS)


@dataclass
class Service:
    acct: I64
    day: I64
    hours: F64
    in_scope: Bool

    def window_hours(self, plan: Plan) -> F64:
        keep = self.day > plan.as_of - 365
        return np.bincount(self.acct, weights=self.hours * keep, minlength=plan.n).astype(float)


def _cat(parts: Sequence[tuple[I64, ...] | tuple[I64, I64, I64, I64, I64, Bool]], i: int) -> I64:
    """Column `i` of all parts, end to end."""
    out: I64 = np.concatenate([p[i] for p in parts]).astype(np.int64)
    return out


def service(rng: np.random.Generator, plan: Plan, cal: Calendar) -> Service:
    """Routine service work, mostly in scope; at most one short out-of-scope entry."""
    years = (plan.as_of - plan.start) / 365
    busy = ~plan.we_lose & ~plan.lapsed
    rate = SERVICE_PER_YEAR[plan.seg] * rng.uniform(0.6, 1.4, plan.n) * busy
    acct, _ = expand(stochastic_round(rng, rate * years))
    day = cal.spread(rng, plan.start[acct], np.full(acct.size, plan.as_of))
    hours = HOURS[pick(rng, HOURS_P, acct.size)]
    in_scope = np.ones(acct.size, dtype=np.bool_)
    one = np.flatnonzero(one_per_group(rng, acct) & (plan.kind[acct] != HEALTHY))
    out = one[rng.random(one.size) < 0.3]
    in_scope[out] = False
    hours[out] = np.minimum(hours[out], 1.5)
    return Service(acct, day, hours, in_scope)


def over_service(
    rng: np.random.Generator, plan: Plan, cal: Calendar, base: Service, margin: F64
) -> Service:
    """Add, where `over_servicing` is planted, 60–90 % of the window's gross margin in hours
    (at least 15), half of them out of scope."""
    oa = np.flatnonzero(plan.has("over_servicing"))
    target = np.maximum(15.0, np.maximum(margin[oa], 0) * rng.uniform(0.6, 0.9, oa.size) / 100)
    k = np.clip(np.ceil(target / 3), 5, 400).astype(np.int64)
    g, pos = expand(k)
    hours = np.maximum(0.25, np.ceil(target[g] / k[g] * 4) / 4)
    day = cal.spread(rng, np.full(g.size, plan.as_of - 350), np.full(g.size, plan.as_of - 1))
    acct = np.concatenate([base.acct, oa[g]])
    all_day = np.concatenate([base.day, day])
    order = order_by(acct, all_day)
    return Service(
        acct=acct[order],
        day=all_day[order],
        hours=np.concatenate([base.hours, hours])[order],
        in_scope=np.concatenate([base.in_scope, pos % 2 == 0])[order],
    )


def service_frame(
    rng: np.random.Generator, plan: Plan, ref: Reference, s: Service, start: int
) -> pl.DataFrame:
    n = s.acct.size
    return pl.DataFrame(
        {
            "entry_id": ids("S", start, n, 9),
            "account_id": account_ids(plan).gather(s.acct),
            "worked_on": dates(s.day),
            "hours": decimals(s.hours),
            "activity": text(w.SERVICE_ACTIVITIES, rng.integers(0, len(w.SERVICE_ACTIVITIES), n)),
            "in_scope": pl.Series(s.in_scope),
            "user_id": ref.user_ids.gather(plan.owner[s.acct]),
        }
    )


def feedback_frame(
    rng: np.random.Generator,
    plan: Plan,
    cal: Calendar,
    c: Contacts,
    s: Service,
    start: int,
) -> pl.DataFrame:
    """NPS waves, CSAT after service, complaints and praise; detector tags where planted."""
    as_of, n_acc = plan.as_of, plan.n
    healthy = plan.healthy
    low = plan.has("hostage") | (plan.has("win_lose") & ~plan.we_lose)
    hostage = plan.has("hostage")
    years = (as_of - plan.start) / 365
    parts: list[tuple[I64, I64, I64, I64, I64]] = []  # acct, day, kind, score, tag

    def add(acct: I64, day: I64, kind: int, score: I64 | int = NONE, tag: I64 | int = NONE) -> None:
        n = acct.size
        parts.append(
            (
                acct,
                day,
                np.full(n, kind, dtype=np.int64),
                np.broadcast_to(np.asarray(score, dtype=np.int64), n).copy(),
                np.broadcast_to(np.asarray(tag, dtype=np.int64), n).copy(),
            )
        )

    # NPS survey waves every half year; low scores only where a pattern needs them
    waves = as_of - 20 - 182 * np.arange(4)
    acct, wave = expand(np.full(n_acc, waves.size))
    respond = rng.random(acct.size) < np.where(healthy[acct], 0.8, 0.55)
    respond &= waves[wave] >= plan.start[acct]
    acct, wave = acct[respond], wave[respond]
    score = np.array([7, 8, 9, 10])[pick(rng, (0.2, 0.35, 0.3, 0.15), acct.size)]
    score = np.where(healthy[acct], rng.integers(9, 11, acct.size), score)
    score = np.where(plan.ordinary[acct], rng.integers(7, 9, acct.size), score)  # passives
    score = np.where(low[acct], rng.integers(2, 7, acct.size), score)
    add(acct, to_weekday(waves[wave] + rng.integers(0, 15, acct.size)), 0, score)
    la = np.flatnonzero(low)
    add(la, to_weekday(as_of - rng.integers(3, 16, la.size)), 0, rng.integers(2, 6, la.size))

    # CSAT after some service work
    pick_s = np.flatnonzero(rng.random(s.acct.size) < 0.25)
    sa = s.acct[pick_s]
    score = np.array([3, 4, 5])[pick(rng, (0.2, 0.5, 0.3), sa.size)]
    score = np.where(healthy[sa], rng.integers(4, 6, sa.size), score)
    score = np.where(plan.ordinary[sa], rng.integers(3, 5, sa.size), score)
    score = np.where(hostage[sa], rng.integers(2, 5, sa.size), score)
    score = np.where((plan.has("win_lose") & ~plan.we_lose)[sa], rng.integers(1, 4, sa.size), score)
    add(sa, to_weekday(s.day[pick_s] + rng.integers(1, 7, sa.size)), 1, score)

    # complaints: at most one outside hostage; healthy ones only long ago
    ca = np.flatnonzero(
        ~healthy & ~hostage & (rng.random(n_acc) < np.where(plan.ordinary, 0.5, 0.25))
    )
    tags = len(w.COMPLAINT_TAGS)
    add(
        ca,
        cal.spread(rng, plan.start[ca], np.full(ca.size, as_of)),
        2,
        tag=rng.integers(0, tags, ca.size),
    )
    ha = np.flatnonzero(healthy & (rng.random(n_acc) < 0.1))
    add(ha, cal.spread(rng, plan.start[ha], np.full(ha.size, as_of - 400)), 2)
    g, _ = expand(np.where(hostage, rng.integers(2, 4, n_acc), 0))
    add(g, to_weekday(as_of - rng.integers(10, 300, g.size)), 2, tag=rng.integers(0, tags, g.size))
    for pattern, first, n_tags, hi in (
        ("abusive", ABUSIVE_FIRST, len(w.ABUSIVE_TAGS), 61),
        ("big_brother", BIG_BROTHER_FIRST, len(w.BIG_BROTHER_TAGS), 300),
    ):
        ta = np.flatnonzero(plan.has(pattern) & (rng.random(n_acc) < 0.5))
        tag = first + rng.integers(0, n_tags, ta.size)
        add(ta, to_weekday(as_of - rng.integers(5, hi, ta.size)), 2, tag=tag)

    # praise
    rate = np.where(healthy, 1.0, np.where(low, 0.0, 0.2))
    g, _ = expand(stochastic_round(rng, rate * years))
    add(g, cal.spread(rng, plan.start[g], np.full(g.size, as_of)), 3)

    day = np.minimum(_cat(parts, 1), as_of)
    order = order_by(_cat(parts, 0), day, _cat(parts, 2))
    acct, kind, score, tag = (_cat(parts, i)[order] for i in (0, 2, 3, 4))
    day = day[order]
    n = acct.size
    praise_tag = PRAISE_FIRST + rng.integers(0, len(w.PRAISE_TAGS), n)
    tag = np.where((tag < 0) & (kind == 3) & (rng.random(n) < 0.5), praise_tag, tag)
    texts = tuple(t for by_kind in w.FEEDBACK_TEXTS for t in by_kind)
    has_text = (kind >= 2) | (rng.random(n) < 0.4)
    about = (kind == 2) & (tag >= 0) & (tag < len(w.COMPLAINT_TAGS))  # text matches the tag
    which = np.where(about, tag, rng.integers(0, 4, n))
    contact = c.offset[acct] + (rng.random(n) * c.count[acct]).astype(np.int64)
    return pl.DataFrame(
        {
            "feedback_id": ids("F", start, n, 8),
            "account_id": account_ids(plan).gather(acct),
            "received_on": dates(day),
            "kind": text(w.FEEDBACK_KINDS, kind),
            "score": integers(score, score >= 0),
            "contact_id": c.ids.gather(contact),
            "text": gather(pl.Series(texts), kind * 4 + which, has_text),
            "tags": gather(pl.Series(FEEDBACK_TAGS, dtype=pl.String), tag, tag >= 0),
        }
    )


def commitments_frame(
    rng: np.random.Generator,
    plan: Plan,
    cal: Calendar,
    ref: Reference,
    c: Contacts,
    start: int,
) -> pl.DataFrame:
    """Promises made on both sides, and whether they were kept on time."""
    as_of = plan.as_of
    years = (as_of - plan.start) / 365
    rows: list[tuple[I64, I64, I64, I64, I64, Bool]] = []  # acct, side, made, due, done, cancel
    sides = ((0, "broken_promises_ours", 1.0), (1, "broken_promises_theirs", 0.7))
    for code, pattern, share in sides:
        planted = plan.has(pattern)
        rate = COMMITMENTS_PER_YEAR[plan.seg] * share * rng.uniform(0.7, 1.3, plan.n)
        acct, _ = expand(stochastic_round(rng, rate * years))
        made = cal.spread(rng, plan.start[acct], np.full(acct.size, as_of - 3))
        due = to_weekday(made + rng.integers(5, 46, acct.size))
        fa, _ = expand(np.where(planted, rng.integers(5, 8, plan.n), 0))
        f_due = to_weekday(as_of - rng.integers(10, 331, fa.size))
        acct = np.concatenate([acct, fa])
        made = np.concatenate([made, f_due - rng.integers(7, 31, fa.size)])
        due = np.concatenate([due, f_due])
        n = acct.size
        done = np.maximum(due - rng.integers(0, 5, n), made)
        # other planted accounts: at most one promise per side missed, over the whole history
        one = np.flatnonzero(
            one_per_group(rng, acct) & ~planted[acct] & (plan.kind[acct] == PLANTED)
        )
        miss = one[rng.random(one.size) < 0.35]
        # lukewarm (ordinary) accounts: most miss one per side in the window (one never fires)
        cand = np.flatnonzero(plan.ordinary[acct] & (due > as_of - 365) & (due <= as_of - 3))
        one = cand[one_per_group(rng, acct[cand])]
        miss = np.concatenate([miss, one[rng.random(one.size) < 0.9]])
        done[miss] = np.where(
            rng.random(miss.size) < 0.3, NONE, due[miss] + rng.integers(2, 26, miss.size)
        )
        # planted: two of every three promises due in the window missed
        win = np.flatnonzero(planted[acct] & (due > as_of - 365) & (due <= as_of))
        kept = rank_in_group(acct[win], due[win]) % 3 == 2
        broken = win[~kept]
        late = due[broken] + rng.integers(3, 31, broken.size)
        done[broken] = np.where(rng.random(broken.size) < 0.5, NONE, late)
        cancel = ~planted[acct] & (rng.random(n) < np.where(plan.healthy[acct], 0.01, 0.03))
        done = np.where(cancel | (done > as_of), NONE, done)
        rows.append((acct, np.full(n, code, dtype=np.int64), made, due, done, cancel))

    order = order_by(_cat(rows, 0), _cat(rows, 2), _cat(rows, 1))
    acct, side, made, due, done = (_cat(rows, i)[order] for i in range(5))
    cancel = np.concatenate([r[5] for r in rows])[order]
    n = acct.size
    descriptions = w.COMMITMENTS_US + w.COMMITMENTS_THEM
    what = side * len(w.COMMITMENTS_US) + rng.integers(0, len(w.COMMITMENTS_US), n)
    contact = c.offset[acct] + (rng.random(n) * c.count[acct]).astype(np.int64)
    return pl.DataFrame(
        {
            "commitment_id": ids("CM", start, n, 8),
            "account_id": account_ids(plan).gather(acct),
            "side": text(("us", "them"), side),
            "made_on": dates(made),
            "due_on": dates(due),
            "description": text(descriptions, what),
            "done_on": dates(done, done >= 0),
            "cancelled": pl.Series(cancel),
            "user_id": gather(ref.user_ids, plan.owner[acct], side == 0),
            "contact_id": gather(c.ids, contact, (side == 1) | (rng.random(n) < 0.5)),
        }
    )


def referrals_frame(
    rng: np.random.Generator, plan: Plan, cal: Calendar, ref: Reference, start: int
) -> pl.DataFrame:
    """Customers we sent to partners (learning to say no) and customers partners sent us."""
    years = (plan.as_of - plan.start) / 365
    given = stochastic_round(rng, np.where(plan.healthy, 0.5, 0.2) * years)
    received = stochastic_round(rng, 0.1 * years)
    acct, pos = expand(given + received)
    direction = (pos >= given[acct]).astype(np.int64)
    day = cal.spread(rng, plan.start[acct], np.full(acct.size, plan.as_of))
    n = acct.size
    outcome = np.where(
        direction == 0, pick(rng, (0.5, 0.2, 0.3), n), 3 + pick(rng, (0.4, 0.3, 0.3), n)
    )
    outcome = np.where((direction == 0) & (day > plan.as_of - 30), 2, outcome)
    outcomes = w.REFERRAL_OUTCOMES_GIVEN + w.REFERRAL_OUTCOMES_RECEIVED
    order = order_by(acct, day)
    return pl.DataFrame(
        {
            "referral_id": ids("R", start, n, 7),
            "account_id": account_ids(plan).gather(acct[order]),
            "partner_id": ref.partners["partner_id"].gather(rng.integers(0, ref.n_partners, n)),
            "direction": text(("given", "received"), direction[order]),
            "made_on": dates(day[order]),
            "outcome": text(outcomes, outcome[order]),
        }
    )
