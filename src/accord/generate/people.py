"""The people and things of the book: sellers in teams, partners, the catalogue,
accounts and their contacts.

Users, partners and products are drawn once per book (they depend on the
seed and the number of accounts only); accounts and contacts per chunk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from accord.generate import words as w
from accord.generate.plan import Plan
from accord.generate.vec import I64, expand, pick
from accord.generate.writer import dates, gather, ids, integers, text

ACCOUNTS_PER_SELLER = 60
TEAM_SIZE = 6


@dataclass(frozen=True)
class Reference:
    """What every chunk needs to know about the book's users and catalogue."""

    users: pl.DataFrame
    user_ids: pl.Series
    reps: I64  # user index of every rep
    manager: I64  # user index → user index of their manager (themselves if none)
    products: pl.DataFrame
    skus: pl.Series
    n_items: int  # skus 0 … n_items-1 are products and services; the rest bundles
    includes: list[I64]  # per bundle, the item indices it contains
    allowed: I64  # per bundle, the items an account buying it may also buy (padded)
    n_allowed: I64
    partners: pl.DataFrame
    n_partners: int


def _names(rng: np.random.Generator, n: int) -> tuple[I64, I64]:
    return rng.integers(0, len(w.FIRST_NAMES), n), rng.integers(0, len(w.LAST_NAMES), n)


def _users(rng: np.random.Generator, accounts: int) -> tuple[pl.DataFrame, I64, I64]:
    """One admin, then each team's manager followed by its reps (teams of 4–8 where possible)."""
    n_reps = max(3, round(accounts / ACCOUNTS_PER_SELLER))
    n_teams = max(1, math.ceil(n_reps / TEAM_SIZE))
    team_size = np.full(n_teams, n_reps // n_teams, dtype=np.int64)
    team_size[: n_reps % n_teams] += 1
    team_of_member, pos = expand(team_size + 1)  # position 0 is the manager
    n = 1 + team_of_member.size
    role = np.concatenate([[2], np.where(pos == 0, 1, 0)])  # rep 0, manager 1, admin 2
    team = np.concatenate([[-1], team_of_member])
    first_member = np.cumsum(team_size + 1) - (team_size + 1) + 1
    manager = np.concatenate([[0], first_member[team_of_member]])
    manager = np.where(role == 0, manager, np.arange(n))
    first, last = _names(rng, n)
    fn, ln = text(w.FIRST_NAMES, first), text(w.LAST_NAMES, last)
    team_name = (
        text(w.TEAM_NAMES, np.maximum(team, 0) % len(w.TEAM_NAMES))
        + " "
        + pl.Series(np.maximum(team, 0) // len(w.TEAM_NAMES) + 1).cast(pl.String)
    )
    user_ids = ids("U", 0, n, 5)
    frame = pl.DataFrame(
        {
            "user_id": user_ids,
            "name": fn + " " + ln,
            "email": (fn + "." + ln).str.to_lowercase() + "@accord-sales.example",
            "role": text(("rep", "manager", "admin"), role),
            "team": gather(team_name, np.arange(n), team >= 0),
            "manager_id": gather(user_ids, manager, role == 0),
        }
    )
    return frame, np.flatnonzero(role == 0).astype(np.int64), manager.astype(np.int64)


def _catalogue(rng: np.random.Generator) -> tuple[pl.DataFrame, list[I64], I64, I64]:
    n_prod, n_serv, n_bund = len(w.PRODUCT_NAMES), len(w.SERVICE_NAMES), len(w.BUNDLE_NAMES)
    n_items = n_prod + n_serv
    includes = [
        np.sort(rng.choice(n_items, int(rng.integers(2, 5)), replace=False)).astype(np.int64)
        for _ in range(n_bund)
    ]
    allowed_sets = [np.setdiff1d(np.arange(n_items), inc) for inc in includes]
    width = max(a.size for a in allowed_sets)
    allowed = np.array([np.pad(a, (0, width - a.size), mode="edge") for a in allowed_sets])
    n_allowed = np.array([a.size for a in allowed_sets], dtype=np.int64)
    skus = (
        [f"PRD-{i + 1:03d}" for i in range(n_prod)]
        + [f"SVC-{i + 1:03d}" for i in range(n_serv)]
        + [f"BND-{i + 1:03d}" for i in range(n_bund)]
    )
    frame = pl.DataFrame(
        {
            "sku": skus,
            "name": list(w.PRODUCT_NAMES) + list(w.SERVICE_NAMES) + list(w.BUNDLE_NAMES),
            "kind": ["product"] * n_prod + ["service"] * n_serv + ["bundle"] * n_bund,
            "includes": [None] * n_items + [";".join(skus[i] for i in inc) for inc in includes],
        },
        schema={"sku": pl.String, "name": pl.String, "kind": pl.String, "includes": pl.String},
    )
    return frame, includes, allowed.astype(np.int64), n_allowed


def _partners(rng: np.random.Generator) -> pl.DataFrame:
    n = int(rng.integers(10, 31))
    word = rng.integers(0, len(w.PARTNER_WORDS), n)
    last = rng.integers(0, len(w.LAST_NAMES), n)
    suffix = rng.integers(0, len(w.PARTNER_SUFFIXES), n)
    expertise = []
    for i in range(n):
        extra = rng.choice(len(w.EXPERTISE), int(rng.integers(0, 3)), replace=False)
        chosen = dict.fromkeys([int(word[i]), *(int(x) for x in extra)])
        expertise.append(";".join(w.EXPERTISE[k] for k in chosen))
    return pl.DataFrame(
        {
            "partner_id": ids("P", 0, n, 3),
            "name": text(w.LAST_NAMES, last)
            + " "
            + text(w.PARTNER_WORDS, word)
            + " "
            + text(w.PARTNER_SUFFIXES, suffix),
            "expertise": expertise,
        }
    )


def reference(rng: np.random.Generator, accounts: int) -> Reference:
    """The book-wide tables: users, products, partners."""
    users, reps, manager = _users(rng, accounts)
    products, includes, allowed, n_allowed = _catalogue(rng)
    partners = _partners(rng)
    return Reference(
        users=users,
        user_ids=users["user_id"],
        reps=reps,
        manager=manager,
        products=products,
        skus=products["sku"],
        n_items=len(w.PRODUCT_NAMES) + len(w.SERVICE_NAMES),
        includes=includes,
        allowed=allowed,
        n_allowed=n_allowed,
        partners=partners,
        n_partners=partners.height,
    )


def account_ids(plan: Plan) -> pl.Series:
    return ids("A", plan.first, plan.n, 7)


def accounts_frame(rng: np.random.Generator, plan: Plan, ref: Reference) -> pl.DataFrame:
    n = plan.n
    head = text(w.NAME_HEADS, rng.integers(0, len(w.NAME_HEADS), n))
    tail = text(w.NAME_TAILS, rng.integers(0, len(w.NAME_TAILS), n))
    suffix = text(w.NAME_SUFFIXES, rng.integers(0, len(w.NAME_SUFFIXES), n))
    return pl.DataFrame(
        {
            "account_id": account_ids(plan),
            "name": head + tail + " " + suffix,
            "owner_id": ref.user_ids.gather(plan.owner),
            "segment": text(w.SEGMENTS, plan.seg),
            "industry": text(w.INDUSTRIES, plan.industry),
            "created_on": dates(plan.created),
            "payment_terms_days": integers(plan.terms),
            "service_level": text(w.SERVICE_LEVELS, plan.level),
            "intent": text(w.INTENTS, plan.intent),
        }
    )


@dataclass(frozen=True)
class Contacts:
    """A chunk's contacts: account a has contacts offset[a] … offset[a] + count[a] - 1.

    The first contact of an account is its decision maker (for ~95 % of accounts).
    """

    first: int  # global index of the chunk's first contact
    offset: I64
    count: I64
    ids: pl.Series
    frame: pl.DataFrame


def contacts(rng: np.random.Generator, plan: Plan, first: int, names: pl.Series) -> Contacts:
    """Contacts with decision roles; `names` are the accounts' names (for e-mail domains)."""
    count = plan.n_contacts
    acct, pos = expand(count)
    m = acct.size
    role = pick(rng, (0.3, 0.35, 0.1, 0.1, 0.15), m) + 2  # influencer … decision_maker
    role = np.where(role == 6, 0, role)
    role = np.where(pos == 1, np.where(rng.random(m) < 0.7, 1, 3), role)
    role = np.where(pos == 0, np.where(rng.random(m) < 0.95, 0, 2), role)
    fi, la = _names(rng, m)
    fn, ln = text(w.FIRST_NAMES, fi), text(w.LAST_NAMES, la)
    domain = names.str.split(" ").list.first().str.to_lowercase().gather(acct)
    titles = tuple(t for by_role in w.TITLES for t in by_role)
    contact_ids = ids("C", first, m, 8)
    frame = pl.DataFrame(
        {
            "contact_id": contact_ids,
            "account_id": account_ids(plan).gather(acct),
            "name": fn + " " + ln,
            "email": (fn + "." + ln).str.to_lowercase() + "@" + domain + ".example",
            "title": text(titles, role * 4 + rng.integers(0, 4, m)),
            "decision_role": text(w.DECISION_ROLES, role),
            "active": (pos == 0) | (rng.random(m) < 0.95),
        }
    )
    offset = np.cumsum(count) - count
    return Contacts(first=first, offset=offset, count=count, ids=contact_ids, frame=frame)
