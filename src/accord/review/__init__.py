"""The monthly relationship review: the model (pure), seller alignment, and its rendering.

* `build_review` — portfolio health now and against last month, movers, patterns,
  what the unhealthy relationships cost (`cost_section`), key accounts with their
  plans beside the month (`plan_summaries`, `month_activity`) and their planned
  actions, seller alignment, as a `ReviewModel`;
* `alignment` — the seller alignment table and relationship-adjusted performance;
* `render_html` / `write_pdf` — a self-contained report (inline SVG) and its PDF.
"""

from accord.review.alignment import SellerAlignment, alignment
from accord.review.costs import CostAccount, CostLine, CostSection, cost_section
from accord.review.model import (
    Action,
    Answer,
    Band,
    Commitment,
    KeyAccount,
    Mover,
    PatternCount,
    Referrals,
    ReviewModel,
    build_review,
    empty_review,
)
from accord.review.plans import MonthActivity, PlanSummary, month_activity, plan_summaries
from accord.review.render import render_html, write_pdf

__all__ = [
    "Action",
    "Answer",
    "Band",
    "Commitment",
    "CostAccount",
    "CostLine",
    "CostSection",
    "KeyAccount",
    "MonthActivity",
    "Mover",
    "PatternCount",
    "PlanSummary",
    "Referrals",
    "ReviewModel",
    "SellerAlignment",
    "alignment",
    "build_review",
    "cost_section",
    "empty_review",
    "month_activity",
    "plan_summaries",
    "render_html",
    "write_pdf",
]
