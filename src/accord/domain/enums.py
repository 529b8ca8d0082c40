"""The closed vocabularies of the ledger (SPEC section 2).

Each enum's values are exactly the words the bundle format accepts.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    REP = "rep"
    MANAGER = "manager"
    ADMIN = "admin"


class Intent(StrEnum):
    """Friends for a reason, a season or a lifetime."""

    REASON = "reason"
    SEASON = "season"
    LIFETIME = "lifetime"


class DecisionRole(StrEnum):
    DECISION_MAKER = "decision_maker"
    CHAMPION = "champion"
    INFLUENCER = "influencer"
    USER = "user"
    BLOCKER = "blocker"
    OTHER = "other"


class Channel(StrEnum):
    MEETING = "meeting"
    CALL = "call"
    EMAIL = "email"
    VISIT = "visit"
    EVENT = "event"
    MESSAGE = "message"
    OTHER = "other"


class Direction(StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"
    MUTUAL = "mutual"


class Purpose(StrEnum):
    INSIGHT = "insight"
    GUIDANCE = "guidance"
    SUPPORT = "support"
    SOCIAL = "social"
    PITCH = "pitch"
    NEGOTIATION = "negotiation"
    ADMIN = "admin"


VALUE_ADDING_PURPOSES = frozenset({Purpose.INSIGHT, Purpose.GUIDANCE, Purpose.SUPPORT})
"""Purposes that add value for the customer rather than sell to them (SPEC section 3)."""

FOLLOW_UP_PURPOSES = VALUE_ADDING_PURPOSES | {Purpose.SOCIAL}
"""Purposes that count as engagement after an order (the `transactional` rule)."""


class Stage(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"
    NO_DECISION = "no_decision"


class ProductKind(StrEnum):
    PRODUCT = "product"
    SERVICE = "service"
    BUNDLE = "bundle"


class Side(StrEnum):
    """Who made a commitment: we did, or the customer did."""

    US = "us"
    THEM = "them"


class CommitmentState(StrEnum):
    """A commitment as of a date."""

    OPEN = "open"  # not done, not yet due
    KEPT = "kept"  # done on or before its due date
    LATE = "late"  # done, but after its due date
    BROKEN = "broken"  # past due and not done
    CANCELLED = "cancelled"


class FeedbackKind(StrEnum):
    NPS = "nps"
    CSAT = "csat"
    COMPLAINT = "complaint"
    PRAISE = "praise"


class ReferralDirection(StrEnum):
    GIVEN = "given"
    RECEIVED = "received"


PATTERN_IDS: tuple[str, ...] = (
    "transactional",
    "terms_dictated",
    "over_servicing",
    "professional_visitor",
    "broken_promises_ours",
    "broken_promises_theirs",
    "margin_giveaway",
    "quota_pressure",
    "win_lose",
    "friendship_over_profit",
    "hostage",
    "double_billing",
    "fading",
    "abusive",
    "big_brother",
)
"""The unhealthy patterns of SPEC section 4, in its order; `healthy` is the outcome
when none fires (at warning or worse) and health is high."""


class AlternativeKind(StrEnum):
    """What the customer could choose instead: us, a competitor, nothing, or doing it themselves."""

    US = "us"
    COMPETITOR = "competitor"
    DO_NOTHING = "do_nothing"
    BUILD_IN_HOUSE = "build_in_house"


class RiskOwner(StrEnum):
    """Who mitigates a risk of the change: us, the customer, or both together."""

    US = "us"
    THEM = "them"
    BOTH = "both"


class RiskStatus(StrEnum):
    OPEN = "open"  # identified, mitigation not yet in place
    MITIGATED = "mitigated"  # mitigation in place
    OCCURRED = "occurred"  # it happened
    CLOSED = "closed"  # no longer a risk
