"""Orders, their lines and invoices, and the opportunities behind them.

Order dates follow each account's cadence: regular, jittered gaps, denser
in Q4 and in the last two weeks of a quarter, rarely at weekends. Amounts
follow the segment's order size, the account's discount and margin, and a
Q4 uplift. Patterns act here by adding orders (quarter-end pressure deals,
the add-on order of a double bill) and by moving the rest: an account not
planted with `quota_pressure` keeps at most one order in the last 7 days of
a quarter in the window; the others move a week or two earlier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from accord.generate import words as w
from accord.generate.people import Reference, account_ids
from accord.generate.plan import HEALTHY, ORDER_SIZE, PLANTED, Plan
from accord.generate.vec import (
    F64,
    I64,
    Bool,
    Calendar,
    back_to_weekday,
    expand,
    one_per_group,
    order_by,
    pick,
    rank_in_group,
    stochastic_round,
    to_weekday,
    weekday,
)
from accord.generate.writer import dates, gather, ids, integers, money, text

REGULAR, PRESSURE, ADDON = 0, 1, 2
MAX_SERVICE_SHARE = 0.12
"""Cost to serve (service hours and touchpoint time) stays below this share of gross margin
for every account not planted with `over_servicing` — the rule's threshold is 0.30."""
HOURLY_COST = 100.0
MAX_LINES = np.array([5, 4, 3])
P_WON_OPPORTUNITY = np.array([0.5, 0.35, 0.15])
OTHER_OPPORTUNITIES_PER_YEAR = np.array([5.0, 3.0, 1.5])  # lost, stalled, open


@dataclass
class Orders:
    """A chunk's orders, sorted by account and day; money in cents."""

    acct: I64
    day: I64
    kind: I64
    bundle_first: Bool  # the first line is the account's bundle
    list_c: I64
    amount_c: I64
    cost_c: I64
    cost_known: Bool

    @property
    def n(self) -> int:
        return int(self.acct.size)


def order_days(rng: np.random.Generator, plan: Plan, cal: Calendar) -> Orders:
    """When every order of the chunk happens (money comes later, in `price`)."""
    as_of = plan.as_of
    span = plan.order_end - plan.start
    k = np.where(span > 0, stochastic_round(rng, plan.rate * np.maximum(span, 0) / 365.0), 0)
    acct, j = expand(k)
    lo = cal.order_cum[plan.start - cal.first]
    hi = cal.order_cum[np.maximum(plan.order_end, plan.start) - cal.first + 1]
    u = lo[acct] + (j + 0.5 + rng.uniform(-0.4, 0.4, acct.size)) / k[acct] * (hi - lo)[acct]
    day = cal.at(cal.order_cum, u)
    kind = np.zeros(acct.size, dtype=np.int64)
    first = np.zeros(acct.size, dtype=np.bool_)
    parts = [(acct, day, kind, first)]

    # quota_pressure: 2–3 discounted orders in the last 7 days of distinct quarters
    qa = np.flatnonzero(plan.has("quota_pressure"))
    q_ends = cal.quarter_ends[(cal.quarter_ends <= as_of) & (cal.quarter_ends - 6 > as_of - 355)]
    last7 = q_ends[:, None] - np.arange(7)[None, :]
    work = np.array([days[weekday(days) < 5][:5] for days in last7]).reshape(-1, 5)
    n_q = np.minimum(2 + (rng.random(qa.size) < 0.4), q_ends.size)
    pa, pj = expand(n_q)
    quarter = np.argsort(rng.random((qa.size, q_ends.size)), axis=1)[pa, pj]
    q_day = work[quarter, rng.integers(0, 5, pa.size)]
    parts.append((qa[pa], q_day, np.full(pa.size, PRESSURE), np.zeros(pa.size, np.bool_)))

    # double_billing: an add-on order 3–15 days after an order whose first line is the
    # bundle; neither in the last 7 days of a quarter, so neither is ever moved
    db = plan.has("double_billing")
    ok = db[acct] & (day > as_of - 330) & (day <= as_of - 20) & ~cal.is_qe7(day)
    cand = np.flatnonzero(ok)
    last = cand[rank_in_group(acct[cand], -day[cand]) == 0]
    first[last] = True
    base_acct = acct[last]
    missing = np.setdiff1d(np.flatnonzero(db), base_acct)
    miss_day = cal.off_quarter_end(to_weekday(as_of - rng.integers(60, 201, missing.size)))
    parts.append((missing, miss_day, np.zeros(missing.size, np.int64), np.ones(missing.size, bool)))
    addon_acct = np.concatenate([base_acct, missing])
    base_day = np.concatenate([day[last], miss_day])
    addon_day = to_weekday(base_day + rng.integers(3, 16, base_day.size))
    addon_day = np.maximum(cal.off_quarter_end(addon_day), base_day)
    parts.append(
        (addon_acct, addon_day, np.full(addon_acct.size, ADDON), np.zeros(addon_acct.size, bool))
    )

    acct = np.concatenate([p[0] for p in parts])
    day = np.concatenate([p[1] for p in parts])
    kind = np.concatenate([p[2] for p in parts])
    first = np.concatenate([p[3] for p in parts])

    # at most one quarter-end order in the window unless quota_pressure is planted
    flag = np.flatnonzero((day > as_of - 380) & cal.is_qe7(day) & (kind != PRESSURE))
    rank = rank_in_group(acct[flag], day[flag])
    move = flag[(rank >= 1) | plan.has("quota_pressure")[acct[flag]]]
    day[move] = back_to_weekday(day[move] - rng.integers(8, 13, move.size))

    order = order_by(acct, day, kind)
    empty = np.zeros(0, dtype=np.int64)
    return Orders(
        acct=acct[order],
        day=day[order],
        kind=kind[order],
        bundle_first=first[order],
        list_c=empty,
        amount_c=empty,
        cost_c=empty,
        cost_known=np.zeros(0, dtype=np.bool_),
    )


def price(rng: np.random.Generator, plan: Plan, cal: Calendar, o: Orders, serve: F64) -> None:
    """List amount, discount and cost of every order.

    `serve` is each account's cost to serve in the window; accounts not planted
    with `over_servicing` get order sizes that keep it under MAX_SERVICE_SHARE of
    their gross margin.
    """
    a, n = o.acct, o.n
    seg = plan.seg[a]
    size = ORDER_SIZE[seg] * plan.size[a]
    lst = size * np.clip(rng.lognormal(0.0, 0.35, n), 0.4, 2.5) * cal.season[o.day - cal.first]
    lst = np.where(o.kind == PRESSURE, size * rng.uniform(0.7, 1.0, n), lst)
    lst = np.where(o.kind == ADDON, size * rng.uniform(0.1, 0.2, n), lst)
    d = plan.disc[a] + rng.uniform(-0.015, 0.015, n)
    d = np.where(o.kind == PRESSURE, plan.disc[a] + rng.uniform(0.10, 0.14, n), d)
    d = np.where(o.kind == ADDON, plan.disc[a], d)
    noise = np.where(plan.we_lose[a], 0.004, 0.01)
    squeeze = np.where(o.kind == PRESSURE, 0.8 * (d - plan.disc[a]), 0.0)  # deal discount
    m = plan.margin[a] + noise * rng.uniform(-1.0, 1.0, n) - squeeze

    # an unknown cost now and then, on accounts whose margin no pattern depends on
    count = np.bincount(a, minlength=plan.n)
    eligible = np.flatnonzero((plan.kind[a] != PLANTED) & (count[a] >= 4))
    one = eligible[one_per_group(rng, a[eligible])]
    unknown = one[rng.random(one.size) < np.minimum(0.8, 0.05 * count[a[one]])]
    known = np.ones(n, dtype=np.bool_)
    known[unknown] = False

    window = o.day > plan.as_of - 365
    gm = np.bincount(a, weights=lst * (1 - d) * m * (known & window), minlength=plan.n)
    need = serve / MAX_SERVICE_SHARE
    short = (gm > 0) & (gm < need) & ~plan.has("over_servicing")
    scale = np.where(short, need / np.where(gm > 0, gm, 1.0) * rng.uniform(1.05, 1.3, plan.n), 1.0)
    list_c = np.round(lst * scale[a] * 100).astype(np.int64)
    o.list_c = list_c
    o.amount_c = np.round(list_c * (1 - d)).astype(np.int64)
    o.cost_c = np.round(o.amount_c * (1 - m)).astype(np.int64)
    o.cost_known = known


def window_margin(plan: Plan, o: Orders) -> F64:
    """Gross margin of each account in the window, in money (known costs only)."""
    keep = (o.day > plan.as_of - 365) & o.cost_known
    gm = (o.amount_c - o.cost_c) * keep / 100.0
    return np.bincount(o.acct, weights=gm, minlength=plan.n).astype(float)


@dataclass
class Opportunities:
    acct: I64
    opened: I64
    closed: I64  # -1: open
    stage: I64  # index into STAGES
    amount_c: I64
    name_kind: I64
    order_opp: I64  # per order: its won opportunity's row, or -1


STAGES = ("open", "won", "lost", "no_decision")


def opportunities(rng: np.random.Generator, plan: Plan, cal: Calendar, o: Orders) -> Opportunities:
    """Won deals behind most larger orders, plus lost, stalled and open ones."""
    as_of = plan.as_of
    won = np.flatnonzero(
        (o.kind == REGULAR) & (rng.random(o.n) < P_WON_OPPORTUNITY[plan.seg[o.acct]])
    )
    w_open = to_weekday(o.day[won] - rng.integers(15, 91, won.size))

    k = stochastic_round(rng, OTHER_OPPORTUNITIES_PER_YEAR[plan.seg] * (as_of - plan.start) / 365)
    oa, _ = expand(k)
    x_open = cal.spread(rng, plan.start[oa], np.full(oa.size, as_of - 10))
    x_close = x_open + rng.integers(20, 121, oa.size)
    x_stage = np.where(x_close > as_of, 0, np.where(rng.random(oa.size) < 0.65, 2, 3))

    na = np.flatnonzero(rng.random(plan.n) < 0.35)
    n_open = np.minimum(to_weekday(as_of - rng.integers(5, 91, na.size)), as_of)

    acct = np.concatenate([o.acct[won], oa, na])
    opened = np.concatenate([w_open, x_open, n_open])
    closed = np.concatenate([o.day[won], np.where(x_stage == 0, -1, x_close), np.full(na.size, -1)])
    stage = np.concatenate([np.ones(won.size, np.int64), x_stage, np.zeros(na.size, np.int64)])
    other = oa.size + na.size
    typical = ORDER_SIZE[plan.seg] * plan.size * (1 - plan.disc)
    other_amount = np.round(
        typical[np.concatenate([oa, na])] * rng.uniform(0.5, 2.0, other) * 100
    ).astype(np.int64)
    amount = np.concatenate([o.amount_c[won], other_amount])
    source = np.concatenate([won, np.full(other, -1)])

    # a professional visitor opens nothing in the window
    keep = ~(plan.has("professional_visitor")[acct] & (opened > as_of - 370))
    order = order_by(acct, opened)
    order = order[keep[order]]
    order_opp = np.full(o.n, -1, dtype=np.int64)
    src = source[order]
    order_opp[src[src >= 0]] = np.flatnonzero(src >= 0)
    return Opportunities(
        acct=acct[order],
        opened=opened[order],
        closed=closed[order],
        stage=stage[order],
        amount_c=amount[order],
        name_kind=pick(rng, (0.25, 0.25, 0.15, 0.15, 0.1, 0.1), order.size),
        order_opp=order_opp,
    )


def frames(
    rng: np.random.Generator,
    plan: Plan,
    ref: Reference,
    o: Orders,
    opp: Opportunities,
    start: dict[str, int],
) -> dict[str, pl.DataFrame]:
    """The opportunities, orders, order_lines and invoices of a chunk, with global ids."""
    acc = account_ids(plan)
    owner = ref.user_ids.gather(plan.owner)
    opp_ids = ids("OP", start["opportunities"], opp.acct.size, 8)
    family = text(w.PRODUCT_FAMILIES, rng.integers(0, len(w.PRODUCT_FAMILIES), opp.acct.size))
    opened = dates(opp.opened)
    opportunities_frame = pl.DataFrame(
        {
            "opportunity_id": opp_ids,
            "account_id": acc.gather(opp.acct),
            "name": text(w.OPPORTUNITY_KINDS, opp.name_kind)
            + ": "
            + family
            + " "
            + opened.str.slice(0, 4),
            "opened_on": opened,
            "stage": text(STAGES, opp.stage),
            "user_id": owner.gather(opp.acct),
            "amount": money(opp.amount_c),
            "closed_on": dates(opp.closed, opp.closed >= 0),
            # qualification is a seller's judgment: the generator leaves it blank
            **{
                q: pl.Series(q, [None] * opp.acct.size, dtype=pl.String)
                for q in ("genuine_need", "able_to_decide", "able_to_pay")
            },
        }
    )
    order_ids = ids("OR", start["orders"], o.n, 9)
    orders_frame = pl.DataFrame(
        {
            "order_id": order_ids,
            "account_id": acc.gather(o.acct),
            "ordered_on": dates(o.day),
            "amount": money(o.amount_c),
            "list_amount": money(o.list_c),
            "cost": money(o.cost_c, o.cost_known),
            "user_id": owner.gather(o.acct),
            "opportunity_id": gather(opp_ids, opp.order_opp, opp.order_opp >= 0),
        }
    )
    line_order, line_no, sku, qty, unit_c = _lines(rng, plan, ref, o)
    lines_frame = pl.DataFrame(
        {
            "order_id": order_ids.gather(line_order),
            "line_no": integers(line_no + 1),
            "sku": ref.skus.gather(sku),
            "quantity": integers(qty),
            "unit_price": money(unit_c),
        }
    )
    return {
        "opportunities": opportunities_frame,
        "orders": orders_frame,
        "order_lines": lines_frame,
        "invoices": _invoices(rng, plan, o, order_ids, acc, start["invoices"]),
    }


def _lines(
    rng: np.random.Generator, plan: Plan, ref: Reference, o: Orders
) -> tuple[I64, I64, I64, I64, I64]:
    """Lines whose quantity × unit price add up to the order amount to the cent.

    An account buys either no bundle, or one bundle plus only items that bundle
    does not include — except the double-billing add-on, which bills an included item.
    """
    a = o.acct
    n_lines = np.where(o.kind == ADDON, 1, rng.integers(1, MAX_LINES[plan.seg[a]] + 1))
    oi, ln = expand(n_lines)
    m = oi.size
    b = plan.bundle[a[oi]]
    bb = np.maximum(b, 0)
    any_item = rng.integers(0, ref.n_items, m)
    other_item = ref.allowed[bb, (rng.random(m) * ref.n_allowed[bb]).astype(np.int64)]
    sku = np.where(b >= 0, other_item, any_item)
    lead = (ln == 0) & (b >= 0) & (o.bundle_first[oi] | (rng.random(m) < 0.5))
    sku = np.where(lead, ref.n_items + bb, sku)
    inc_n = np.array([inc.size for inc in ref.includes], dtype=np.int64)
    inc = np.array([np.pad(x, (0, 4 - x.size), mode="edge") for x in ref.includes])
    component = inc[bb, (rng.random(m) * inc_n[bb]).astype(np.int64)]
    sku = np.where(o.kind[oi] == ADDON, component, sku)

    qty = np.where(ln == 0, 1, rng.integers(1, 13, m))
    weight = np.where(ln == 0, 1.5 + rng.random(m), 0.2 + 0.8 * rng.random(m))
    share = weight / np.bincount(oi, weights=weight)[oi]
    unit = np.maximum(1, np.floor(share * o.amount_c[oi] / qty)).astype(np.int64)
    rest = o.amount_c - np.bincount(oi, weights=np.where(ln > 0, unit * qty, 0)).astype(np.int64)
    unit = np.where(ln == 0, rest[oi], unit)
    return oi, ln, sku, qty, unit


def _invoices(
    rng: np.random.Generator,
    plan: Plan,
    o: Orders,
    order_ids: pl.Series,
    acc: pl.Series,
    start: int,
) -> pl.DataFrame:
    """One invoice per order, on the account's terms (mostly), paid as the account pays."""
    a, n, as_of = o.acct, o.n, plan.as_of
    issued = np.minimum(to_weekday(o.day + rng.integers(0, 4, n)), as_of)
    own = plan.terms[a]
    choice = pick(rng, (0.85, 0.10, 0.05), n)  # the account's, blank, other
    terms = np.where(choice == 2, np.where(own == 30, 14, 90), own)
    due = issued + terms
    paid = due + rng.integers(-12, 7, n)
    paid = np.where(plan.kind[a] == HEALTHY, due - rng.integers(0, 11, n), paid)
    paid = np.where(plan.ordinary[a], due + rng.integers(0, 11, n), paid)
    paid = np.where(plan.has("terms_dictated")[a], due + rng.integers(25, 71, n), paid)
    paid = np.maximum(back_to_weekday(paid), issued + 1)
    return pl.DataFrame(
        {
            "invoice_id": ids("INV", start, n, 9),
            "account_id": acc.gather(a),
            "issued_on": dates(issued),
            "amount": money(o.amount_c),
            "terms_days": integers(terms, choice != 1),
            "paid_on": dates(paid, paid <= as_of),
            "order_id": order_ids,
        }
    )
