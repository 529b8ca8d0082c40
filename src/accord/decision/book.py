"""From ledger frames to one opportunity's decision: matrix, ROI, risks and value realised.

Pure: it takes the typed frames of the decision tables (as `storage` reads
them or a test builds them) and returns the core objects, so the service, the
agenda hooks and the tests share one assembly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from accord.decision.matrix import Alternative, Criterion, Matrix, build_matrix
from accord.decision.risk import Risk, register
from accord.decision.roi import Flow, Roi, roi
from accord.decision.value import Check, Plan, ValueStatus, status, value_realised

DECISION_FRAMES = (
    "decision_criteria",
    "alternatives",
    "criterion_scores",
    "risks",
    "roi_flows",
    "value_plans",
    "value_checks",
)
"""The ledger tables an opportunity's decision is read from (besides opportunities)."""


@dataclass(frozen=True)
class OpportunityDecision:
    """Everything the customer-facing page and `accord decision` show for one opportunity."""

    opportunity: dict[str, Any]  # the opportunities row (amount is ours: never shown to them)
    account_name: str | None
    as_of: date
    matrix: Matrix
    roi: Roi | None
    risks: list[Risk]
    values: list[ValueStatus]

    @property
    def opportunity_id(self) -> str:
        return str(self.opportunity["opportunity_id"])

    @property
    def value_realised(self) -> float | None:
        return value_realised(self.values)


def _rows(frames: dict[str, pl.DataFrame], name: str, opportunity_id: str) -> list[dict[str, Any]]:
    frame = frames.get(name)
    if frame is None or frame.height == 0:
        return []
    return frame.filter(pl.col("opportunity_id") == opportunity_id).to_dicts()


def matrix_of(frames: dict[str, pl.DataFrame], opportunity_id: str) -> Matrix:
    """The decision matrix of one opportunity."""
    criteria = [
        Criterion(r["criterion_id"], r["name"], float(r["weight"]), r.get("business_driver"))
        for r in _rows(frames, "decision_criteria", opportunity_id)
    ]
    alternatives = [
        Alternative(r["alternative_id"], r["name"], r["kind"])
        for r in _rows(frames, "alternatives", opportunity_id)
    ]
    scored = _rows(frames, "criterion_scores", opportunity_id)
    scores = {(r["alternative_id"], r["criterion_id"]): float(r["score"]) for r in scored}
    rationales = {
        (r["alternative_id"], r["criterion_id"]): str(r["rationale"])
        for r in scored
        if r.get("rationale")
    }
    return build_matrix(criteria, alternatives, scores, rationales)


def plan_start(plan: dict[str, Any], opportunity: dict[str, Any]) -> date:
    """A value plan's start: its starts_on, else the deal's closed_on, else its opened_on."""
    start = plan.get("starts_on") or opportunity.get("closed_on") or opportunity["opened_on"]
    assert isinstance(start, date)
    return start


def values_of(
    frames: dict[str, pl.DataFrame], opportunity: dict[str, Any], as_of: date
) -> list[ValueStatus]:
    """Each value plan of the opportunity with its state as of `as_of`, by metric."""
    opportunity_id = str(opportunity["opportunity_id"])
    checks: dict[str, list[Check]] = {}
    for r in _rows(frames, "value_checks", opportunity_id):
        checks.setdefault(r["metric"], []).append(Check(r["measured_on"], float(r["value"])))
    out = []
    for r in sorted(_rows(frames, "value_plans", opportunity_id), key=lambda r: r["metric"]):
        plan = Plan(
            r["metric"],
            float(r["baseline"]),
            float(r["target"]),
            r["measure_by"],
            plan_start(r, opportunity),
            r.get("unit"),
        )
        out.append(status(plan, checks.get(plan.metric, []), as_of))
    return out


def decision_of(
    frames: dict[str, pl.DataFrame],
    opportunity: dict[str, Any],
    *,
    as_of: date,
    discount_rate: float,
    account_name: str | None = None,
) -> OpportunityDecision:
    """Assemble one opportunity's decision from the ledger frames."""
    opportunity_id = str(opportunity["opportunity_id"])
    flows = [
        Flow(int(r["period"]), float(r["cost"] or 0.0), float(r["benefit"] or 0.0), r.get("note"))
        for r in _rows(frames, "roi_flows", opportunity_id)
    ]
    risks = [
        Risk(
            r["risk_id"],
            r["description"],
            int(r["likelihood"]),
            int(r["impact"]),
            r.get("mitigation"),
            r.get("owner_side"),
            r.get("status") or "open",
        )
        for r in _rows(frames, "risks", opportunity_id)
    ]
    return OpportunityDecision(
        opportunity=opportunity,
        account_name=account_name,
        as_of=as_of,
        matrix=matrix_of(frames, opportunity_id),
        roi=roi(flows, discount_rate),
        risks=register(risks),
        values=values_of(frames, opportunity, as_of),
    )
