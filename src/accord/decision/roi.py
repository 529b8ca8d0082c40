"""The customer's return on the change: payback, NPV and IRR from costs and benefits per period.

Period 0 is today (not discounted); period t is discounted by (1 + rate)^t.
Net flow of a period = benefit − cost; a period with no row has a net flow of
0. NPV and IRR come from numpy-financial; payback is the first time the
cumulative net flow reaches 0, interpolated linearly inside that period
(docs/decision.md has the formulas and a worked example).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy_financial as npf


@dataclass(frozen=True, slots=True)
class Flow:
    period: int
    cost: float
    benefit: float
    note: str | None = None

    @property
    def net(self) -> float:
        return self.benefit - self.cost


@dataclass(frozen=True)
class Roi:
    """The ROI summary of one opportunity's flows at one discount rate."""

    rate: float
    nets: tuple[float, ...]  # net flow of periods 0..n
    total_cost: float
    total_benefit: float
    npv: float
    irr: float | None
    irr_note: str | None  # why there is no IRR, or why it may not be unique
    sign_changes: int  # of the net flows: 0 means no rate can make the NPV 0 (no IRR)
    payback: float | None  # periods, fractional; None: not within the periods given
    cumulative: tuple[float, ...]

    @property
    def assumptions(self) -> list[str]:
        """The assumptions the figures rest on, in words for the customer."""
        n = len(self.nets) - 1
        return [
            f"Costs and benefits as estimated together, for periods 0 to {n}; "
            "period 0 is today and is not discounted.",
            f"Discount rate {self.rate:.1%} per period.",
            "Flows fall at the end of each period; payback assumes they accrue evenly "
            "within a period.",
            "Nothing after the last period is counted.",
        ]


def roi(flows: list[Flow], rate: float) -> Roi | None:
    """The ROI summary, or None when there are no flows. `rate` must be > −1."""
    if rate <= -1:
        raise ValueError(f"the discount rate must be above −100%, not {rate:.1%}")
    if not flows:
        return None
    last = max(f.period for f in flows)
    nets = [0.0] * (last + 1)
    for f in flows:
        nets[f.period] += f.net
    npv = float(npf.npv(rate, nets))
    irr, note = _irr(nets)
    signs = [x > 0 for x in nets if x != 0]
    cumulative = tuple(float(x) for x in np.cumsum(nets))
    return Roi(
        rate=rate,
        nets=tuple(nets),
        total_cost=sum(f.cost for f in flows),
        total_benefit=sum(f.benefit for f in flows),
        npv=npv,
        irr=irr,
        irr_note=note,
        sign_changes=sum(1 for a, b in itertools.pairwise(signs) if a != b),
        payback=payback(nets),
        cumulative=cumulative,
    )


def _irr(nets: list[float]) -> tuple[float | None, str | None]:
    signs = [x > 0 for x in nets if x != 0]
    changes = sum(1 for a, b in itertools.pairwise(signs) if a != b)
    if changes == 0:
        what = "all the flows are costs" if signs and not signs[0] else "there are no costs"
        if not signs:
            what = "every flow is 0"
        return None, f"no IRR: the net flows never change sign ({what})"
    value = float(npf.irr(nets))
    if not math.isfinite(value):
        return None, "no IRR: no discount rate makes the NPV 0"
    note = (
        f"the net flows change sign {changes} times: more than one rate may make the NPV 0"
        if changes > 1
        else None
    )
    return value, note


def payback(nets: list[float]) -> float | None:
    """Periods until the cumulative net flow first reaches 0 after being negative, linearly
    interpolated within the period that gets it there; 0 when it is never negative; None
    when it is still negative at the end."""
    cumulative = 0.0
    for t, net in enumerate(nets):
        before = cumulative
        cumulative += net
        if cumulative >= 0 and before < 0:
            return t - 1 + (-before / net)
    return 0.0 if all(c >= 0 for c in np.cumsum(nets)) else None
