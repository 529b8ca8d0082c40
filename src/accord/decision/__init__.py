"""Helping the customer decide (issue 7): pure, explainable, no storage.

* `build_matrix` — weighted scores, an honest ranking ("do nothing" and
  competitors included), warnings and the sensitivity of the winner;
* `roi` — payback, NPV and IRR of the customer's costs and benefits;
* `register` — the risk register by likelihood × impact;
* `status` / `value_realised` — value realised against plan after the sale;
* `decision_of` — all of it for one opportunity, from ledger frames;
* `record` / `render_html` / `render_pdf` — the JSON and the one-pager;
* `suggestions` — the agenda hooks.
"""

from accord.decision.book import DECISION_FRAMES, OpportunityDecision, decision_of, matrix_of
from accord.decision.matrix import (
    Alternative,
    Criterion,
    Matrix,
    Ranked,
    Sensitivity,
    Warning,
    build_matrix,
)
from accord.decision.page import render_html, render_pdf
from accord.decision.present import record
from accord.decision.risk import Risk, register
from accord.decision.roi import Flow, Roi, payback, roi
from accord.decision.suggestions import KINDS, Suggestion, suggestions
from accord.decision.value import Check, Plan, ValueStatus, status, value_realised

__all__ = [
    "DECISION_FRAMES",
    "KINDS",
    "Alternative",
    "Check",
    "Criterion",
    "Flow",
    "Matrix",
    "OpportunityDecision",
    "Plan",
    "Ranked",
    "Risk",
    "Roi",
    "Sensitivity",
    "Suggestion",
    "ValueStatus",
    "Warning",
    "build_matrix",
    "decision_of",
    "matrix_of",
    "payback",
    "record",
    "register",
    "render_html",
    "render_pdf",
    "roi",
    "status",
    "suggestions",
    "value_realised",
]
