"""Value realised after the sale: each planned metric against a straight path to its target.

A value plan says a metric moves from `baseline` on its start day (`starts_on`,
else the opportunity's `closed_on`, else its `opened_on`) to `target` by
`measure_by`. For the latest check on or before the as-of date:

* progress p = (value − baseline) / (target − baseline) — the share of the
  promised change achieved (works for targets below the baseline too); a plan
  whose target equals its baseline has p = 1 when the value equals it, else 0;
* expected e = clip((measured_on − start) / (measure_by − start), 0, 1) — the
  share the straight path from baseline to target expects by the check day
  (1 when measure_by is not after the start);
* state: `reached` when p ≥ 1; `on_track` when p ≥ e or e = 0 (nothing is
  expected yet); `behind` otherwise; `not_measured` with no check yet;
* realisation = 1 when reached or e = 0, else clip(p / e, 0, 1): the share of
  the value expected by now that was realised. An account's value realised is
  the mean realisation of the measured plans of its won opportunities (this
  feeds health's mutual value; `win_lose` reads it as "they lose" below
  `win_lose.value_realised_max`). `accord.analytics.features` computes the same
  figures set-based for every account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

STATES = ("reached", "on_track", "behind", "not_measured")


@dataclass(frozen=True, slots=True)
class Plan:
    metric: str
    baseline: float
    target: float
    measure_by: date
    start: date
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class Check:
    measured_on: date
    value: float


@dataclass(frozen=True, slots=True)
class ValueStatus:
    plan: Plan
    check: Check | None
    progress: float | None
    expected: float | None
    state: str
    realisation: float | None


def progress(plan: Plan, value: float) -> float:
    """The share of the promised change achieved (may be below 0 or above 1)."""
    span = plan.target - plan.baseline
    if span == 0:
        return 1.0 if value == plan.target else 0.0
    return (value - plan.baseline) / span


def expected(plan: Plan, day: date) -> float:
    """The share of the change the straight path expects by `day` (0–1)."""
    length = (plan.measure_by - plan.start).days
    if length <= 0:
        return 1.0
    return min(1.0, max(0.0, (day - plan.start).days / length))


def status(plan: Plan, checks: list[Check], as_of: date) -> ValueStatus:
    """Where the plan stands by its latest check on or before `as_of`."""
    seen = [c for c in checks if c.measured_on <= as_of]
    if not seen:
        return ValueStatus(plan, None, None, None, "not_measured", None)
    latest = max(seen, key=lambda c: c.measured_on)
    p = progress(plan, latest.value)
    e = expected(plan, latest.measured_on)
    if p >= 1:
        state, realised = "reached", 1.0
    else:
        state = "on_track" if p >= e or e <= 0 else "behind"
        realised = 1.0 if e <= 0 else min(1.0, max(0.0, p / e))
    return ValueStatus(plan, latest, p, e, state, realised)


def value_realised(statuses: list[ValueStatus]) -> float | None:
    """The mean realisation of the measured plans; None when none is measured."""
    measured = [s.realisation for s in statuses if s.realisation is not None]
    return sum(measured) / len(measured) if measured else None
