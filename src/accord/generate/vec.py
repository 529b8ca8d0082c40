"""Vectorised helpers: many small groups of rows handled at once, and the calendar.

Everything the generator builds is a set of flat NumPy arrays, one row per
event, with an `acct` column giving the account's position in its chunk. The
helpers here do the per-group work (expand counts into rows, rank within a
group, pick one row per group) without a Python loop per account, which is
what lets a million accounts be written in minutes.

Days are integers: days since 1970-01-01 (a Thursday).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]

EPOCH = date(1970, 1, 1)


def day_of(d: date) -> int:
    """The day number of a date."""
    return (d - EPOCH).days


def date_of(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


def weekday(day: I64) -> I64:
    """Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday)."""
    out: I64 = (day + 3) % 7
    return out


def to_weekday(day: I64) -> I64:
    """Move Saturday back to Friday and Sunday on to Monday: at most one day either way."""
    wd = weekday(day)
    out: I64 = day - (wd == 5) + (wd == 6)
    return out


def back_to_weekday(day: I64) -> I64:
    """Move a weekend day back to the Friday before it."""
    wd = weekday(day)
    out: I64 = day - (wd == 5) - 2 * (wd == 6)
    return out


def expand(counts: I64) -> tuple[I64, I64]:
    """Rows for groups of the given sizes: (group index, position within the group)."""
    counts = np.asarray(counts, dtype=np.int64)
    grp = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    pos = np.arange(grp.size, dtype=np.int64) - starts[grp]
    return grp, pos


def order_by(*keys: I64) -> I64:
    """Stable sort order by integer keys, most significant first (like `np.lexsort` reversed).

    The keys are packed into one int64 and sorted once: several times faster
    than `lexsort` on millions of rows.
    """
    n = keys[0].size
    packed = np.zeros(n, dtype=np.int64)
    if n == 0:
        return packed
    room = 1
    for key in keys:
        low = int(key.min())
        span = int(key.max()) - low + 1
        room *= span
        if room >= 2**62:
            raise OverflowError("sort keys too wide to pack into one integer")
        packed = packed * span + (key - low)
    out: I64 = np.argsort(packed, kind="stable").astype(np.int64)
    return out


def rank_in_group(grp: I64, key: I64) -> I64:
    """0-based rank of each row by `key` among the rows of its group (ties: row order)."""
    order = order_by(grp, key)
    counts = np.bincount(grp, minlength=int(grp.max()) + 1 if grp.size else 0)
    _, pos = expand(counts)
    ranks = np.empty(grp.size, dtype=np.int64)
    ranks[order] = pos
    return ranks


def one_per_group(rng: np.random.Generator, grp: I64) -> Bool:
    """Mark one random row of every non-empty group."""
    out: Bool = rank_in_group(grp, rng.integers(0, 1 << 30, grp.size)) == 0
    return out


def stochastic_round(rng: np.random.Generator, x: F64) -> I64:
    """Round to an integer up or down at random so the expectation is kept."""
    x = np.maximum(np.asarray(x, dtype=np.float64), 0.0)
    return np.floor(x + rng.random(x.size)).astype(np.int64)


def pick(rng: np.random.Generator, probs: tuple[float, ...] | F64, size: int) -> I64:
    """Draw category indices with the given probabilities."""
    cum = np.cumsum(np.asarray(probs, dtype=np.float64))
    cum /= cum[-1]
    return np.minimum(np.searchsorted(cum, rng.random(size), side="right"), cum.size - 1).astype(
        np.int64
    )


def pick_rows(rng: np.random.Generator, table: F64, row: I64) -> I64:
    """Draw one category per element, each from the probability row `table[row]`."""
    cum = np.cumsum(table, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(row.size)
    out: I64 = np.minimum((u[:, None] >= cum[row]).sum(axis=1), table.shape[1] - 1)
    return out.astype(np.int64)


def stratified(
    rng: np.random.Generator, grp: I64, pos: I64, counts: I64, table: F64, row: I64
) -> I64:
    """Categories in each group in the exact proportions of its mix (±1), in random order.

    Systematic sampling: the k-th row of a group of n gets the category at
    quantile (k + offset) / n of its mix. Used where a rule counts shares
    (≥ 30 % social, no insight at all) and chance must not cross a threshold.
    """
    cum = np.cumsum(table, axis=1)
    cum /= cum[:, -1:]
    offset = rng.random(counts.size)
    n = np.maximum(counts[grp], 1)
    u = (pos + offset[grp]) / n
    cat: I64 = np.minimum((u[:, None] >= cum[row[grp]]).sum(axis=1), table.shape[1] - 1)
    return cat.astype(np.int64)


@dataclass(frozen=True)
class Calendar:
    """Day-indexed tables from `first` to `last` (inclusive): weights, seasons, quarter ends."""

    first: int
    last: int
    business_cum: F64  # cumulative weekday-weighted mass: cum[i] = Σ_{t < i}
    order_cum: F64  # the same with seasonality and the quarter-end bump
    season: F64  # order-size multiplier per day
    quarter_end7: Bool  # the day is one of the last 7 days of its calendar quarter
    quarter_end: I64  # the last day of the day's quarter
    quarter_ends: I64  # the last day of every quarter in range

    @classmethod
    def build(cls, first: int, last: int) -> Calendar:
        days = np.arange(first, last + 1, dtype=np.int64)
        dates = [date_of(int(d)) for d in days]
        month = np.array([d.month for d in dates])
        wd = weekday(days)
        business = np.where(wd < 5, 1.0, 0.03)
        q_end = np.array([_quarter_end(d) for d in dates], dtype=np.int64)
        left = q_end - days
        month_factor = np.select(
            [month >= 10, month == 1, (month == 7) | (month == 8)], [1.25, 0.85, 0.9], 1.0
        )
        bump = np.where(left < 14, 1.4, 1.0)
        season = np.where(month >= 10, 1.2, 1.0) * np.where(left < 14, 1.1, 1.0)
        return cls(
            first=first,
            last=last,
            business_cum=np.concatenate([[0.0], np.cumsum(business)]),
            order_cum=np.concatenate([[0.0], np.cumsum(business * month_factor * bump)]),
            season=season,
            quarter_end7=left < 7,
            quarter_end=q_end,
            quarter_ends=np.unique(q_end),
        )

    def spread(self, rng: np.random.Generator, lo: I64, hi: I64, *, orders: bool = False) -> I64:
        """A random day in [lo, hi] per row, mostly on weekdays (and seasonal for orders)."""
        cum = self.order_cum if orders else self.business_cum
        a = cum[lo - self.first]
        b = cum[hi - self.first + 1]
        u = a + rng.random(lo.size) * (b - a)
        return self.at(cum, u)

    def at(self, cum: F64, u: F64) -> I64:
        """The day whose slice of the cumulative mass `cum` holds `u`."""
        idx = np.searchsorted(cum, u, side="right") - 1
        return np.clip(idx, 0, cum.size - 2).astype(np.int64) + self.first

    def is_qe7(self, day: I64) -> Bool:
        """Whether each day is one of the last 7 days of its calendar quarter."""
        return self.quarter_end7[np.clip(day - self.first, 0, self.quarter_end7.size - 1)]

    def off_quarter_end(self, day: I64) -> I64:
        """The day, or — if it is in the last 7 days of a quarter — the day before those 7."""
        q_end = self.quarter_end[np.clip(day - self.first, 0, self.quarter_end.size - 1)]
        return np.where(self.is_qe7(day), q_end - 7, day)


def _quarter_end(d: date) -> int:
    q_month = ((d.month - 1) // 3) * 3 + 3
    nxt = date(d.year + 1, 1, 1) if q_month == 12 else date(d.year, q_month + 1, 1)
    return day_of(nxt) - 1
