"""A realistic synthetic book of business, with known patterns planted in it.

`generate_book` writes a bundle (SPEC section 2) that looks like a B2B
book — sellers in teams, segments, contacts with decision roles, seasonal
orders with discounts and costs, invoices, promises on both sides, service,
feedback, partners — plus `truth.csv`, naming the patterns of SPEC section 4
each account was built to show (`healthy` for model accounts, blank for
ordinary ones), and `as_of.txt`, the date that truth holds for. `accord
evaluate` scores the detectors against it.

Accounts are generated and appended in chunks of CHUNK, each from its own
random stream, so memory stays flat and the output is a pure function of
(seed, accounts, as_of, realism). With `realism="crm"` the same events are
written as CRMs export them (no purpose or tags, free-text summaries, some
costs and owners missing: see `crm`). See docs/generator.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from accord.generate import activity, care, commerce, crm, people
from accord.generate.crm import REALISMS, Realism
from accord.generate.plan import PATTERNS, label_of, make_plan, truth_key
from accord.generate.vec import Calendar, day_of
from accord.generate.writer import AS_OF_FILE, BundleWriter, check_folder

DEFAULT_AS_OF = date(2026, 6, 30)
"""The as-of date when none is given: fixed, so that a seed always gives the same bytes."""

CHUNK = 50_000
"""Accounts generated per step. Part of the output's identity: changing it changes the book."""

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class GeneratedBook:
    """What `generate_book` wrote: where, as of when, how many rows, and the truth."""

    path: Path
    as_of: date
    rows: dict[str, int]  # file name → data rows (header excluded)
    truth: pl.DataFrame  # account_id, patterns (`;`-separated ids, `healthy`, or blank)

    def pattern_counts(self) -> dict[str, int]:
        """Accounts per planted pattern id, plus `healthy`."""
        cells = self.truth["patterns"].fill_null("").str.split(";").explode()
        counts = cells.filter(cells != "").value_counts()
        found = dict(zip(counts[cells.name].to_list(), counts["count"].to_list(), strict=True))
        return {p: int(found.get(p, 0)) for p in (*PATTERNS, "healthy")}

    def __repr__(self) -> str:
        return (
            f"GeneratedBook(path={str(self.path)!r}, as_of={self.as_of.isoformat()}, "
            f"accounts={self.truth.height})"
        )


def generate_book(
    out_dir: Path,
    *,
    accounts: int,
    seed: int,
    as_of: date | None = None,
    progress: Progress | None = None,
    realism: Realism | str = crm.CLEAN,
) -> GeneratedBook:
    """Write a synthetic bundle of `accounts` accounts into `out_dir`; return what was written.

    `out_dir` is created if missing; a non-empty folder is refused unless it
    holds a previous generated bundle, which is then overwritten. `progress`
    is called as `progress("accounts", done, total)` after every chunk.
    `realism` is `clean` (every label given) or `crm` (as CRMs export: see
    `accord.generate.crm`), or a `Realism` with its own shares.
    """
    if isinstance(accounts, bool) or not isinstance(accounts, int) or accounts < 1:
        raise ValueError("the number of accounts must be a whole number of at least 1")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError("the seed must be a whole number of at least 0")
    how = realism if isinstance(realism, Realism) else Realism(realism)
    out_dir = Path(out_dir)
    check_folder(out_dir)
    as_of = as_of or DEFAULT_AS_OF
    today = day_of(as_of)
    cal = Calendar.build(today - 800, today + 40)
    ref = people.reference(np.random.default_rng([seed, 0]), accounts)
    truth: list[pl.DataFrame] = []
    report = progress or (lambda stage, done, total: None)
    report("accounts", 0, accounts)
    with BundleWriter(out_dir, quote=how.crm) as out:
        out.write("users", ref.users)
        out.write("products", ref.products)
        out.write("partners", ref.partners)
        for k, first in enumerate(range(0, accounts, CHUNK)):
            n = min(CHUNK, accounts - first)
            out.settle()
            rng = np.random.default_rng([seed, 1, k])
            rough = np.random.default_rng([seed, 2, k]) if how.crm else None
            truth.append(
                _chunk(rng, out, ref, cal, first=first, n=n, today=today, how=how, rough=rough)
            )
            report("accounts", first + n, accounts)
        rows = {f"{name}.csv": count for name, count in out.rows.items()}
    (out_dir / AS_OF_FILE).write_text(as_of.isoformat() + "\n", encoding="utf-8")
    return GeneratedBook(path=out_dir, as_of=as_of, rows=rows, truth=pl.concat(truth))


def _chunk(
    rng: np.random.Generator,
    out: BundleWriter,
    ref: people.Reference,
    cal: Calendar,
    *,
    first: int,
    n: int,
    today: int,
    how: Realism,
    rough: np.random.Generator | None,
) -> pl.DataFrame:
    """Generate and append one chunk of accounts; return its truth rows.

    `rough` (the CRM realism's own stream) rewrites the tables as a CRM exports
    them after every event was drawn, so the events are the clean book's."""
    plan = make_plan(rng, first=first, n=n, as_of=today, reps=ref.reps, n_bundles=len(ref.includes))
    accounts = people.accounts_frame(rng, plan, ref)
    contacts = people.contacts(rng, plan, out.rows["contacts"], accounts["name"])
    orders = commerce.order_days(rng, plan, cal)
    touches = activity.touchpoints(rng, plan, cal, orders)
    routine = care.service(rng, plan, cal)
    minutes = activity.window_minutes(plan, touches)
    serve = (routine.window_hours(plan) + minutes / 60) * commerce.HOURLY_COST
    commerce.price(rng, plan, cal, orders, serve)
    service = care.over_service(rng, plan, cal, routine, commerce.window_margin(plan, orders))
    opps = commerce.opportunities(rng, plan, cal, orders)

    touch_frame = activity.frame(rng, plan, ref, contacts, touches, out.rows["touchpoints"])
    starts = {t: out.rows[t] for t in ("opportunities", "orders", "invoices")}
    sales = commerce.frames(rng, plan, ref, orders, opps, starts)
    commitments = care.commitments_frame(rng, plan, cal, ref, contacts, out.rows["commitments"])
    service_frame = care.service_frame(rng, plan, ref, service, out.rows["service_log"])
    feedback = care.feedback_frame(rng, plan, cal, contacts, service, out.rows["feedback"])
    referrals = care.referrals_frame(rng, plan, cal, ref, out.rows["referrals"])
    if rough is not None:
        touch_frame = crm.touchpoints(rough, touch_frame, contacts, ref.users, accounts, first, how)
        feedback = crm.feedback(rough, feedback, contacts)
        sales["orders"] = crm.orders(rough, sales["orders"], how)
        service_frame = crm.service(rough, service_frame, how)
        accounts = crm.accounts(rough, accounts, how)

    out.write("accounts", accounts)
    out.write("contacts", contacts.frame)
    out.write("touchpoints", touch_frame)
    for table, frame in sales.items():
        out.write(table, frame)
    out.write("commitments", commitments)
    out.write("service_log", service_frame)
    out.write("feedback", feedback)
    out.write("referrals", referrals)

    keys, inverse = np.unique(truth_key(plan), return_inverse=True)
    labels = pl.Series([label_of(int(k)) or None for k in keys], dtype=pl.String)
    truth = pl.DataFrame(
        {"account_id": accounts["account_id"], "patterns": labels.gather(inverse.ravel())}
    )
    out.write("truth", truth)
    return truth


__all__ = [
    "CHUNK",
    "DEFAULT_AS_OF",
    "PATTERNS",
    "REALISMS",
    "GeneratedBook",
    "Progress",
    "Realism",
    "generate_book",
]
