"""Agenda hooks of the decision ledger: what to do next with a customer's decision.

`suggestions(frames, as_of)` reads the ledger frames (opportunities, the
decision tables, partners and referrals) and returns one record per thing to
do, each with its reason in plain words, the evidence, and a due date:

* `define_criteria` — an open opportunity older than `criteria_after_days`
  (14) with no decision criteria: help them define the criteria, tied to their
  business drivers. Due in 7 days.
* `plan_risks` — an open opportunity with criteria (the comparison is under
  way, so a proposal comes next) and no risk register: plan the risks of the
  change with them before proposing. The ledger has no `proposal` stage;
  "criteria agreed" is the closest fact it records. Due in 7 days.
* `tell_customer` — an open opportunity whose matrix ranks an alternative
  that is not ours strictly first on the customer's own criteria: tell them.
  Due in 3 days.
* `refer_partner` — the same, when an allied partner fits: a partner named
  like the winning alternative, or whose expertise is a word of a criterion
  (name or business driver) on which the winner beats our best alternative;
  and no referral of that account to that partner since the opportunity
  opened. Due in 7 days.
* `value_review` — a won opportunity with value plans whose review is due
  (`value_review_days` (90) after closing; suggested from 14 days before,
  until a check is recorded on or after that day − 14), or with a plan behind.
  Due on the review day, or in 7 days for a plan behind.

The agenda (another module) ranks and shows them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl

from accord.decision.book import matrix_of, values_of
from accord.decision.matrix import Matrix

KINDS = ("define_criteria", "plan_risks", "tell_customer", "refer_partner", "value_review")
_LEAD_DAYS = 14

Add = Callable[[str, str, date, dict[str, Any]], None]
"""(kind, reason, due, evidence) → None: records one suggestion for the current opportunity."""


@dataclass(frozen=True)
class Suggestion:
    account_id: str
    opportunity_id: str
    kind: str
    reason: str
    due: date
    user_id: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """A JSON-ready record (dates as YYYY-MM-DD)."""
        return {
            "account_id": self.account_id,
            "opportunity_id": self.opportunity_id,
            "user_id": self.user_id,
            "kind": self.kind,
            "reason": self.reason,
            "evidence": self.evidence,
            "due": self.due.isoformat(),
        }


def suggestions(
    frames: dict[str, pl.DataFrame],
    as_of: date,
    *,
    criteria_after_days: int = 14,
    value_review_days: int = 90,
) -> list[Suggestion]:
    """Every decision suggestion as of `as_of`, by due date, then account and opportunity."""
    opps = frames["opportunities"].filter(pl.col("opened_on") <= as_of).to_dicts()
    has_criteria = _ids(frames, "decision_criteria")
    has_risks = _ids(frames, "risks")
    has_plans = _ids(frames, "value_plans")
    out: list[Suggestion] = []
    for opp in opps:
        oid = str(opp["opportunity_id"])

        def add(
            kind: str, reason: str, due: date, evidence: dict[str, Any], o: dict[str, Any] = opp
        ) -> None:
            account, user = str(o["account_id"]), o.get("user_id")
            out.append(
                Suggestion(account, str(o["opportunity_id"]), kind, reason, due, user, evidence)
            )

        closed = opp.get("closed_on")
        is_open = opp["stage"] == "open" and (closed is None or closed > as_of)
        if is_open:
            age = (as_of - opp["opened_on"]).days
            if oid not in has_criteria and age > criteria_after_days:
                add(
                    "define_criteria",
                    f"'{opp['name']}' has been open {age} days and the customer's decision "
                    "criteria are not written down: help them define what they will compare "
                    "alternatives on, tied to their business drivers.",
                    as_of + timedelta(days=7),
                    {"opened_on": opp["opened_on"].isoformat(), "age_days": age},
                )
            if oid in has_criteria and oid not in has_risks:
                add(
                    "plan_risks",
                    f"'{opp['name']}' has decision criteria but no risk register: plan the "
                    "risks of the change with them (disruption, adoption, the return) before "
                    "the proposal.",
                    as_of + timedelta(days=7),
                    {"criteria": True, "risks": 0},
                )
            if oid in has_criteria:
                _honesty(frames, opp, matrix_of(frames, oid), as_of, add)
        elif opp["stage"] == "won" and oid in has_plans and closed is not None:
            _value_review(frames, opp, as_of, value_review_days, add)
    return sorted(out, key=lambda s: (s.due, s.account_id, s.opportunity_id, s.kind))


def _ids(frames: dict[str, pl.DataFrame], name: str) -> set[str]:
    frame = frames.get(name)
    if frame is None or frame.height == 0:
        return set()
    return set(frame.get_column("opportunity_id").to_list())


def _honesty(
    frames: dict[str, pl.DataFrame], opp: dict[str, Any], matrix: Matrix, as_of: date, add: Add
) -> None:
    """tell_customer and refer_partner when an alternative not ours is strictly best."""
    winner, us = matrix.winner, matrix.best_us
    if winner is None or us is None or matrix.us_is_best:
        return
    evidence = {
        "winner": winner.alternative.alternative_id,
        "winner_name": winner.alternative.name,
        "winner_kind": winner.alternative.kind,
        "winner_score": round(winner.score, 2),
        "our_score": round(us.score, 2),
        "our_rank": us.rank,
    }
    what = {
        "do_nothing": "not changing anything",
        "build_in_house": "building it themselves",
    }.get(winner.alternative.kind, winner.alternative.name)
    add(
        "tell_customer",
        f"On their own criteria, {what} scores {winner.score:.1f} against our "
        f"{us.score:.1f}: tell them so, and help them make the choice that serves them.",
        as_of + timedelta(days=3),
        evidence,
    )
    partner = _fitting_partner(frames, opp, matrix)
    if partner is not None:
        pid, pname, why = partner
        add(
            "refer_partner",
            f"{pname} (an allied partner) fits what they need most ({why}): offer an introduction.",
            as_of + timedelta(days=7),
            {**evidence, "partner_id": pid, "partner_name": pname, "fit": why},
        )


def _words(text: str | None) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", (text or "").lower()))


def _fitting_partner(
    frames: dict[str, pl.DataFrame], opp: dict[str, Any], matrix: Matrix
) -> tuple[str, str, str] | None:
    partners = frames.get("partners")
    if partners is None or partners.height == 0:
        return None
    winner, us = matrix.winner, matrix.best_us
    assert winner is not None
    assert us is not None
    w, u = winner.alternative.alternative_id, us.alternative.alternative_id
    weak = set()  # words of the criteria on which the winner beats us
    for c in matrix.criteria:
        if matrix.scores[(w, c.criterion_id)] > matrix.scores[(u, c.criterion_id)]:
            weak |= _words(c.name) | _words(c.business_driver)
    referred = set()
    referrals = frames.get("referrals")
    if referrals is not None and referrals.height:
        referred = set(
            referrals.filter(
                (pl.col("account_id") == opp["account_id"])
                & (pl.col("direction") == "given")
                & (pl.col("made_on") >= opp["opened_on"])
            )
            .get_column("partner_id")
            .to_list()
        )
    for p in partners.sort("partner_id").to_dicts():
        if p["partner_id"] in referred:
            continue
        if str(p["name"]).strip().lower() == winner.alternative.name.strip().lower():
            return p["partner_id"], p["name"], "they are the best-scored alternative"
        expertise = {x.strip().lower() for x in (p.get("expertise") or "").split(";") if x}
        hits = sorted(expertise & weak)
        if hits:
            return p["partner_id"], p["name"], f"expertise in {', '.join(hits)}"
    return None


def _value_review(
    frames: dict[str, pl.DataFrame], opp: dict[str, Any], as_of: date, days: int, add: Add
) -> None:
    review = opp["closed_on"] + timedelta(days=days)
    values = values_of(frames, opp, as_of)
    behind = [v.plan.metric for v in values if v.state == "behind"]
    checked_near = any(
        v.check is not None and v.check.measured_on >= review - timedelta(days=_LEAD_DAYS)
        for v in values
    )
    evidence = {
        "closed_on": opp["closed_on"].isoformat(),
        "review_on": review.isoformat(),
        "states": {v.plan.metric: v.state for v in values},
    }
    if behind:
        add(
            "value_review",
            f"'{opp['name']}' is behind its value plan on {', '.join(behind)}: review with "
            "them what stands in the way and what we can do about it.",
            as_of + timedelta(days=7),
            evidence,
        )
    elif as_of >= review - timedelta(days=_LEAD_DAYS) and not checked_near:
        add(
            "value_review",
            f"The {days}-day value review of '{opp['name']}' is due on {review.isoformat()}: "
            "measure with them what the change has delivered against the plan.",
            review,
            evidence,
        )
