"""The review's "what our unhealthy relationships cost us" section, as data.

Pure: the figures come from `accord.services_costs.costs_from_diagnosis` (one
implementation of SPEC section 6's totals), whose lines and total arrive here
as plain records; this module only shapes them for the report. A figure that
is unknown stays None (the report prints "unknown"), and a figure a pattern
does not carry by definition (over_servicing puts no value ahead at risk) is
marked not applicable, so that the report never passes an absence off as 0
or as an unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from accord.health.economics import pattern_figures


@dataclass(frozen=True, slots=True)
class CostAccount:
    account_id: str
    name: str
    cost: float | None
    at_risk: float | None


@dataclass(frozen=True, slots=True)
class CostLine:
    """One line: a pattern or a seller, with the accounts behind it (largest first)."""

    key: str  # pattern id or user id
    label: str  # what the report prints
    accounts: int
    cost: float | None  # None: unknown (or not applicable, see has_cost)
    at_risk: float | None
    unknown: int  # accounts whose cost and value at risk are both unknown
    top: list[CostAccount]
    has_cost: bool = True  # False: this pattern carries no cost by definition
    has_risk: bool = True  # False: it puts no value ahead at risk by definition


@dataclass(frozen=True)
class CostSection:
    """Cost and value at risk of the unhealthy relationships in scope, over the window."""

    window_start: date
    as_of: date
    accounts: int  # accounts with at least one unhealthy pattern
    cost: float | None
    at_risk: float | None
    revenue: float | None
    net_contribution: float | None
    by_pattern: list[CostLine] = field(default_factory=list)
    by_seller: list[CostLine] = field(default_factory=list)


def _top(rows: list[dict[str, Any]]) -> list[CostAccount]:
    return [
        CostAccount(
            str(r["account_id"]), str(r["name"] or r["account_id"]), r["cost"], r["at_risk"]
        )
        for r in rows
    ]


def cost_section(
    *,
    by_pattern: list[dict[str, Any]],
    by_seller: list[dict[str, Any]],
    total: dict[str, Any],
    sellers: dict[str, str],  # user_id → name
    window_start: date,
    as_of: date,
) -> CostSection:
    """The section from the lines of `costs_from_diagnosis` by pattern and by seller."""
    figures = pattern_figures()
    patterns = []
    for line in by_pattern:
        has_cost, has_risk = figures.get(str(line["key"]), (True, True))
        patterns.append(
            CostLine(
                str(line["key"]),
                str(line["key"]).replace("_", " "),
                int(line["accounts"]),
                line["cost"],
                line["at_risk"],
                int(line["unknown"]),
                _top(line["top"]),
                has_cost,
                has_risk,
            )
        )
    seller_lines = [
        CostLine(
            str(line["key"]),
            sellers.get(str(line["key"]), "no owner" if line["key"] == "(none)" else line["key"]),
            int(line["accounts"]),
            line["cost"],
            line["at_risk"],
            int(line["unknown"]),
            _top(line["top"]),
        )
        for line in by_seller
    ]
    return CostSection(
        window_start=window_start,
        as_of=as_of,
        accounts=int(total["accounts"]),
        cost=total["cost"],
        at_risk=total["at_risk"],
        revenue=total["revenue"],
        net_contribution=total["net_contribution"],
        by_pattern=patterns,
        by_seller=seller_lines,
    )
