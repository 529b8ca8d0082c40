"""Touchpoints: every call, meeting, e-mail and visit between sellers and contacts.

Five sources, each tied to what a real relationship does:

* before an order — a quote, a negotiation (on 60 % of orders);
* after an order — a support, insight or guidance follow-up within 2–20 days
  (every order, except where `transactional` is planted);
* background — the account's rhythm of meetings, in a purpose mix that is
  exact per period (systematic sampling), so that shares such as "30 % social"
  are crossed only where a pattern is planted;
* a recent inbound or mutual contact in the last 50 days (not for `fading`);
* tagged moments where `abusive` or `big_brother` are planted.

Mostly weekdays and business hours; contact_ids are the account's contacts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from accord.generate import words as w
from accord.generate.commerce import Orders
from accord.generate.people import Contacts, Reference, account_ids
from accord.generate.plan import MIXES, Plan
from accord.generate.vec import (
    F64,
    I64,
    Bool,
    Calendar,
    expand,
    order_by,
    pick,
    pick_rows,
    stochastic_round,
    stratified,
    to_weekday,
)
from accord.generate.writer import gather, ids, integers, text, timestamps

INSIGHT, GUIDANCE, SUPPORT, SOCIAL, PITCH, NEGOTIATION, ADMIN = range(7)
OUTBOUND, INBOUND, MUTUAL = range(3)
EMAIL, MESSAGE = 2, 5
ALL_TAGS = w.PLAIN_TAGS + w.ABUSIVE_TAGS + w.BIG_BROTHER_TAGS
ABUSIVE_FIRST = len(w.PLAIN_TAGS)
BIG_BROTHER_FIRST = ABUSIVE_FIRST + len(w.ABUSIVE_TAGS)

DIRECTION_BY_PURPOSE = np.array(
    [
        [0.6, 0.1, 0.3],
        [0.5, 0.2, 0.3],
        [0.3, 0.5, 0.2],
        [0.4, 0.1, 0.5],
        [0.9, 0.05, 0.05],
        [0.4, 0.3, 0.3],
        [0.5, 0.4, 0.1],
    ]
)
CHANNEL_BY_PURPOSE = np.array(  # meeting, call, email, visit, event, message, other
    [
        [0.40, 0.20, 0.25, 0.10, 0.05, 0.00, 0.00],
        [0.45, 0.30, 0.15, 0.10, 0.00, 0.00, 0.00],
        [0.00, 0.45, 0.35, 0.10, 0.00, 0.10, 0.00],
        [0.15, 0.10, 0.00, 0.25, 0.35, 0.15, 0.00],
        [0.20, 0.30, 0.45, 0.00, 0.05, 0.00, 0.00],
        [0.45, 0.35, 0.20, 0.00, 0.00, 0.00, 0.00],
        [0.00, 0.20, 0.60, 0.00, 0.00, 0.15, 0.05],
    ]
)
MINUTES = np.array([[30, 90], [5, 40], [5, 5], [60, 180], [90, 240], [2, 2], [10, 10]])


@dataclass
class Touches:
    acct: I64
    day: I64
    seconds: I64  # since the epoch
    purpose: I64
    direction: I64
    channel: I64
    tag: I64  # index into ALL_TAGS, or -1
    minutes: I64
    dm: Bool  # involves the decision maker


Part = tuple[I64, I64, I64, I64, I64, Bool]


def _part(
    acct: I64,
    day: I64,
    purpose: I64,
    direction: I64 | int = -1,
    tag: I64 | int = -1,
    dm: Bool | bool = False,
    *,
    weekday: bool = True,
) -> Part:
    """One source of touchpoints; its days moved off weekends unless already spread."""
    n = acct.size
    return (
        acct,
        to_weekday(day) if weekday else day,
        purpose,
        np.broadcast_to(np.asarray(direction, dtype=np.int64), n).copy(),
        np.broadcast_to(np.asarray(tag, dtype=np.int64), n).copy(),
        np.broadcast_to(np.asarray(dm, dtype=np.bool_), n).copy(),
    )


def touchpoints(rng: np.random.Generator, plan: Plan, cal: Calendar, o: Orders) -> Touches:
    """All touchpoints of a chunk, sorted by account and time."""
    as_of = plan.as_of
    tr = plan.has("transactional")
    healthy = plan.healthy
    parts: list[Part] = []

    # before orders
    pre = np.flatnonzero(~tr[o.acct] & (rng.random(o.n) < 0.6))
    purpose = np.array([NEGOTIATION, PITCH, ADMIN])[pick(rng, (0.5, 0.25, 0.25), pre.size)]
    parts.append(_part(o.acct[pre], o.day[pre] - rng.integers(2, 13, pre.size), purpose))
    ti = np.flatnonzero(tr[o.acct])
    g, pos = expand(rng.integers(1, 4, ti.size))
    oi = ti[g]
    purpose = np.array([PITCH, NEGOTIATION, ADMIN])[pick(rng, (0.4, 0.3, 0.3), g.size)]
    purpose = np.where(pos == 0, NEGOTIATION, purpose)
    direction = np.where(pos == 0, INBOUND, OUTBOUND)  # the customer asks for a quote
    parts.append(_part(o.acct[oi], o.day[oi] - rng.integers(2, 13, g.size), purpose, direction))

    # after orders
    fo = np.flatnonzero(~tr[o.acct])
    fa = o.acct[fo]
    purpose = np.array([SUPPORT, INSIGHT, GUIDANCE])[pick(rng, (0.45, 0.3, 0.25), fo.size)]
    purpose = np.where(plan.has("hostage")[fa], SUPPORT, purpose)
    friend = plan.has("friendship_over_profit")[fa]
    purpose = np.where(friend, SOCIAL, purpose)  # a lunch to celebrate every deal
    parts.append(_part(fa, o.day[fo] + rng.integers(2, 21, fo.size), purpose, dm=healthy[fa]))

    # background, per period so that the window's purpose mix is exact
    pre_len = np.maximum(0, as_of - 365 - plan.start + 1)
    periods = (
        (stochastic_round(rng, plan.touch_rate * pre_len / 365), plan.start, as_of - 365),
        (stochastic_round(rng, plan.touch_rate), np.full(plan.n, as_of - 364), as_of),
    )
    for i, (count, lo, hi) in enumerate(periods):
        if i == 1:
            count = np.where(plan.has("professional_visitor"), np.maximum(count, 10), count)
        g, pos = expand(count)
        purpose = stratified(rng, g, pos, count, MIXES, plan.mix)
        day = cal.spread(rng, lo[g], np.full(g.size, hi))
        dm = healthy[g] & (rng.random(g.size) < 0.4)
        parts.append(_part(g, day, purpose, dm=dm, weekday=False))

    # a recent two-way contact
    fading = plan.has("fading")
    ra = np.flatnonzero(~fading & ~tr & ~plan.lapsed)
    # insight or guidance, so that no account is a `hostage` by chance
    purpose = np.where(rng.random(ra.size) < 0.55, INSIGHT, GUIDANCE)
    purpose = np.where(plan.has("hostage")[ra], SUPPORT, purpose)
    social = plan.has("friendship_over_profit") | plan.has("professional_visitor")
    purpose = np.where(social[ra], SOCIAL, purpose)
    direction = np.where(rng.random(ra.size) < 0.5, INBOUND, MUTUAL)
    day = as_of - rng.integers(3, 51, ra.size)
    day = np.where(plan.ordinary[ra], as_of - rng.integers(35, 61, ra.size), day)  # a while ago
    parts.append(_part(ra, day, purpose, direction, dm=healthy[ra]))

    # tagged moments: abuse in the last 90 days; ultimatums in the window
    for pattern, first, n_tags, early, late in (
        ("abusive", ABUSIVE_FIRST, len(w.ABUSIVE_TAGS), 5, 61),
        ("big_brother", BIG_BROTHER_FIRST, len(w.BIG_BROTHER_TAGS), 10, 331),
    ):
        ta = np.flatnonzero(plan.has(pattern))
        g, _ = expand(2 + (rng.random(ta.size) < 0.4))
        purpose = np.array([NEGOTIATION, SUPPORT, ADMIN])[pick(rng, (0.6, 0.25, 0.15), g.size)]
        direction = np.where(rng.random(g.size) < 0.6, INBOUND, OUTBOUND)  # either side
        tag = first + rng.integers(0, n_tags, g.size)
        day = as_of - rng.integers(early, late, g.size)
        parts.append(_part(ta[g], day, purpose, direction, tag))

    day = np.concatenate([p[1] for p in parts])
    keep = (day >= cal.first) & (day <= as_of)
    day = day[keep]
    acct, purpose, direction, tag = (
        np.concatenate([p[i] for p in parts])[keep] for i in (0, 2, 3, 4)
    )
    dm = np.concatenate([p[5] for p in parts])[keep]
    n = acct.size
    drawn = pick_rows(rng, DIRECTION_BY_PURPOSE, purpose)
    chase = plan.ordinary[acct] & (direction < 0) & (rng.random(n) < 0.9)  # lukewarm: we chase
    direction = np.where(direction >= 0, direction, np.where(chase, OUTBOUND, drawn))
    direction = np.where(fading[acct] & (day > as_of - 120), OUTBOUND, direction)
    channel = pick_rows(rng, CHANNEL_BY_PURPOSE, purpose)
    plain = (tag < 0) & (rng.random(n) < 0.07)
    tag = np.where(plain, rng.integers(0, len(w.PLAIN_TAGS), n), tag)
    lo, hi = MINUTES[channel, 0], MINUTES[channel, 1]
    minutes = np.where(hi > lo, np.round((lo + rng.random(n) * (hi - lo)) / 5) * 5, lo)
    evening = np.array([7, 18, 19, 20])[rng.integers(0, 4, n)]
    hour = np.where(rng.random(n) < 0.95, rng.integers(8, 18, n), evening)
    seconds = day * 86400 + hour * 3600 + rng.integers(0, 4, n) * 900
    order = order_by(acct, seconds)
    return Touches(
        acct=acct[order],
        day=day[order],
        seconds=seconds[order],
        purpose=purpose[order],
        direction=direction[order],
        channel=channel[order],
        tag=tag[order],
        minutes=minutes[order].astype(np.int64),
        dm=dm[order],
    )


def window_minutes(plan: Plan, t: Touches) -> F64:
    """Touchpoint minutes per account in the window (part of the cost to serve)."""
    keep = t.day > plan.as_of - 365
    return np.bincount(t.acct, weights=t.minutes * keep, minlength=plan.n).astype(float)


def frame(
    rng: np.random.Generator, plan: Plan, ref: Reference, c: Contacts, t: Touches, start: int
) -> pl.DataFrame:
    n = t.acct.size
    count = c.count[t.acct]
    first = np.where(t.dm, 0, (rng.random(n) * count).astype(np.int64))
    single = plan.ordinary[t.acct]  # lukewarm: single-threaded, through one person
    first = np.where(single, np.minimum(1, count - 1), first)
    one_way = (t.channel == EMAIL) | (t.channel == MESSAGE)
    two = ~one_way & ~single & (count >= 2) & (rng.random(n) < np.where(t.dm, 0.6, 0.3))
    second = (first + 1 + (rng.random(n) * np.maximum(count - 1, 1)).astype(np.int64)) % count
    base = c.offset[t.acct]
    contact_ids = pl.DataFrame(
        {"a": c.ids.gather(base + first), "b": gather(c.ids, base + second, two)}
    ).select(pl.concat_str(["a", "b"], separator=";", ignore_nulls=True))
    owner = plan.owner[t.acct]
    user = np.where(rng.random(n) < 0.9, owner, ref.manager[owner])
    summaries = tuple(s for by_purpose in w.SUMMARIES for s in by_purpose)
    return pl.DataFrame(
        {
            "touchpoint_id": ids("T", start, n, 9),
            "account_id": account_ids(plan).gather(t.acct),
            "occurred_at": timestamps(t.seconds),
            "channel": text(w.CHANNELS, t.channel),
            "direction": text(w.DIRECTIONS, t.direction),
            "purpose": text(w.PURPOSES, t.purpose),
            "user_id": ref.user_ids.gather(user),
            "contact_ids": contact_ids.to_series(),
            "minutes": integers(t.minutes),
            "summary": text(summaries, t.purpose * 4 + rng.integers(0, 4, n)),
            "tags": gather(pl.Series(ALL_TAGS, dtype=pl.String), t.tag, t.tag >= 0),
        }
    )
