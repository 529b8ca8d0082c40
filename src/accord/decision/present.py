"""One opportunity's decision as plain data: the stable JSON of `accord decision --format json`.

Only the customer's side of the deal: criteria, alternatives, scores, risks,
their ROI and the value they realised. Nothing about our costs or margin.
"""

from __future__ import annotations

from typing import Any

from accord.decision.book import OpportunityDecision


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)


def record(d: OpportunityDecision) -> dict[str, Any]:
    """The JSON shape documented in docs/cli.md."""
    m = d.matrix
    ranks = {r.alternative.alternative_id: r for r in m.ranking}
    sens = m.sensitivity
    roi = d.roi
    return {
        "opportunity_id": d.opportunity_id,
        "name": d.opportunity["name"],
        "account_id": d.opportunity["account_id"],
        "stage": d.opportunity["stage"],
        "as_of": d.as_of.isoformat(),
        "criteria": [
            {
                "criterion_id": c.criterion_id,
                "name": c.name,
                "business_driver": c.business_driver,
                "weight": c.weight,
                "share": _r(m.share(c.criterion_id)),
            }
            for c in m.criteria
        ],
        "alternatives": [
            {
                "alternative_id": a.alternative_id,
                "name": a.name,
                "kind": a.kind,
                "score": _r(ranks[a.alternative_id].score) if a.alternative_id in ranks else None,
                "rank": ranks[a.alternative_id].rank if a.alternative_id in ranks else None,
                "scores": {
                    c.criterion_id: m.scores.get((a.alternative_id, c.criterion_id))
                    for c in m.criteria
                },
            }
            for a in m.alternatives
        ],
        "ranking": [r.alternative.alternative_id for r in m.ranking],
        "winner": m.winner.alternative.alternative_id if m.winner else None,
        "tied": m.tied,
        "us_is_best": m.us_is_best,
        "sensitivity": None
        if sens is None
        else {
            "criterion_id": sens.criterion_id,
            "challenger_id": sens.challenger_id,
            "weight": sens.raw_weight,
            "weight_at_tie": _r(sens.raw_weight_at_tie),
            "share": _r(sens.share),
            "share_at_tie": _r(sens.share_at_tie),
            "points": _r(sens.points, 2),
        },
        "warnings": [{"code": w.code, "message": w.message} for w in m.warnings],
        "roi": None
        if roi is None
        else {
            "discount_rate": roi.rate,
            "periods": [
                {"period": t, "net": net, "cumulative": cum}
                for t, (net, cum) in enumerate(zip(roi.nets, roi.cumulative, strict=True))
            ],
            "total_cost": roi.total_cost,
            "total_benefit": roi.total_benefit,
            "npv": _r(roi.npv, 2),
            "irr": _r(roi.irr),
            "irr_note": roi.irr_note,
            "payback_periods": _r(roi.payback, 2),
            "assumptions": roi.assumptions,
        },
        "risks": [
            {
                "risk_id": r.risk_id,
                "description": r.description,
                "likelihood": r.likelihood,
                "impact": r.impact,
                "exposure": r.exposure,
                "level": r.level,
                "mitigation": r.mitigation,
                "owner_side": r.owner_side,
                "status": r.status,
            }
            for r in d.risks
        ],
        "values": [
            {
                "metric": v.plan.metric,
                "unit": v.plan.unit,
                "baseline": v.plan.baseline,
                "target": v.plan.target,
                "starts_on": v.plan.start.isoformat(),
                "measure_by": v.plan.measure_by.isoformat(),
                "measured_on": v.check.measured_on.isoformat() if v.check else None,
                "value": v.check.value if v.check else None,
                "progress": _r(v.progress),
                "expected": _r(v.expected),
                "state": v.state,
                "realisation": _r(v.realisation),
            }
            for v in d.values
        ],
        "value_realised": _r(d.value_realised),
    }
