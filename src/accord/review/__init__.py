"""The monthly relationship review: the model (pure), seller alignment, and its rendering.

* `build_review` — portfolio health now and against last month, movers, patterns,
  key accounts with their planned actions, seller alignment, as a `ReviewModel`;
* `alignment` — the seller alignment table and relationship-adjusted performance;
* `render_html` / `write_pdf` — a self-contained report (inline SVG) and its PDF.
"""

from accord.review.alignment import SellerAlignment, alignment
from accord.review.model import (
    Action,
    Band,
    Commitment,
    KeyAccount,
    Mover,
    PatternCount,
    ReviewModel,
    build_review,
    empty_review,
)
from accord.review.render import render_html, write_pdf

__all__ = [
    "Action",
    "Band",
    "Commitment",
    "KeyAccount",
    "Mover",
    "PatternCount",
    "ReviewModel",
    "SellerAlignment",
    "alignment",
    "build_review",
    "empty_review",
    "render_html",
    "write_pdf",
]
