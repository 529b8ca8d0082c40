"""Health and the pattern detectors: pure, explainable, columnar (polars).

* `diagnose_features` — scores (SPEC section 3), facts, orientation and the
  patterns of SPEC section 4 for every account of a feature table;
* `score` — the four dimensions and the overall score;
* `detect` — the fifteen rules and `healthy`;
* `seller_orientation` — the transactional ↔ relational index per seller;
* `strength` — the 0–1 strength of one seller's relationship with one person.
"""

from accord.domain.enums import PATTERN_IDS
from accord.health.detectors import SEVERITIES, detect
from accord.health.diagnosis import Diagnosis, diagnose_features, only_account, only_accounts
from accord.health.dimensions import COMPONENTS, DIMENSIONS, score
from accord.health.orientation import seller_orientation
from accord.health.strength import breadth, strength

__all__ = [
    "COMPONENTS",
    "DIMENSIONS",
    "PATTERN_IDS",
    "SEVERITIES",
    "Diagnosis",
    "breadth",
    "detect",
    "diagnose_features",
    "only_account",
    "only_accounts",
    "score",
    "seller_orientation",
    "strength",
]
