"""Relationship strength per (seller, person) and breadth per account, as plain formulas.

The set-based computation runs in `accord.analytics.features.contact_strengths`
over every touchpoint at once; these functions state the same formulas for one
pair, for documentation and tests (the two are checked against each other).

Each touchpoint that names the person weighs 2^(−age / half-life), so recency
and frequency both raise the weight and both decay. Only the two-way share
(inbound or mutual) makes it a relationship: a person we only ever wrote to has
strength 0 however often we wrote.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from accord.config import Settings


def strength(touches: Iterable[tuple[int, bool]], s: Settings) -> float:
    """Strength 0–1 from (age in days, two-way?) of each touchpoint naming the person."""
    st = s.strength
    weight = two_way = 0.0
    for age, is_two_way in touches:
        w = math.exp(-age * math.log(2) / st.half_life_days)
        weight += w
        two_way += w if is_two_way else 0.0
    if weight <= 0:
        return 0.0
    grow = 1.0 - math.exp(-weight / st.saturation) if st.saturation > 0 else 1.0
    balance = min(1.0, (two_way / weight) / st.balance_target) if st.balance_target > 0 else 1.0
    return grow * balance


def breadth(
    people: int, known: int, decision_maker_known: bool, champion_known: bool, s: Settings
) -> float | None:
    """Breadth 0–1: the people we know (up to a target) and the decision roles among them."""
    if people <= 0:
        return None
    e = s.engagement
    goal = min(people, e.breadth_people_target)
    share = min(1.0, known / goal) if goal > 0 else 1.0
    roles = (float(decision_maker_known) + float(champion_known)) / 2.0
    return e.breadth_people * share + (1 - e.breadth_people) * roles
