"""The ledger's entities as plain, immutable dataclasses (SPEC section 2).

They carry the facts that belong to one entity alone — an invoice's lateness
as of a date, a commitment's state as of a date, an order's discount — so that
every other part of accord reads them from one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from accord.domain.enums import (
    VALUE_ADDING_PURPOSES,
    Channel,
    CommitmentState,
    DecisionRole,
    Direction,
    FeedbackKind,
    Intent,
    ProductKind,
    Purpose,
    ReferralDirection,
    Role,
    Side,
    Stage,
)

DEFAULT_PAYMENT_TERMS_DAYS = 30


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    name: str
    email: str | None = None
    role: Role = Role.REP
    team: str | None = None
    manager_id: str | None = None


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    name: str
    owner_id: str | None = None
    segment: str | None = None
    industry: str | None = None
    created_on: date | None = None
    payment_terms_days: int = DEFAULT_PAYMENT_TERMS_DAYS
    service_level: str | None = None
    intent: Intent | None = None

    def tenure_days(self, as_of: date) -> int | None:
        """Days since the account was created, or None when unknown."""
        if self.created_on is None:
            return None
        return max(0, (as_of - self.created_on).days)


@dataclass(frozen=True, slots=True)
class Contact:
    contact_id: str
    account_id: str
    name: str
    email: str | None = None
    title: str | None = None
    decision_role: DecisionRole | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Touchpoint:
    touchpoint_id: str
    account_id: str
    occurred_at: datetime
    channel: Channel
    direction: Direction
    purpose: Purpose | None  # None: unlabelled (accord infers it from the text)
    user_id: str | None = None
    contact_ids: tuple[str, ...] = ()
    minutes: int | None = None
    summary: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def is_two_way(self) -> bool:
        """Inbound or mutual: the customer reached for us, or we met halfway."""
        return self.direction is not Direction.OUTBOUND

    @property
    def adds_value(self) -> bool:
        """Insight, guidance or support — value for the customer, not a pitch."""
        return self.purpose in VALUE_ADDING_PURPOSES


@dataclass(frozen=True, slots=True)
class Opportunity:
    opportunity_id: str
    account_id: str
    name: str
    opened_on: date
    stage: Stage
    user_id: str | None = None
    amount: float | None = None
    closed_on: date | None = None

    @property
    def is_closed(self) -> bool:
        return self.stage is not Stage.OPEN


@dataclass(frozen=True, slots=True)
class Order:
    order_id: str
    account_id: str
    ordered_on: date
    amount: float
    list_amount: float | None = None
    cost: float | None = None
    user_id: str | None = None
    opportunity_id: str | None = None

    @property
    def effective_list_amount(self) -> float:
        """The price before discount; the net amount when no list price was given."""
        return self.amount if self.list_amount is None else self.list_amount

    @property
    def discount(self) -> float:
        """Money given away: list amount minus net amount."""
        return self.effective_list_amount - self.amount

    @property
    def discount_rate(self) -> float | None:
        """1 − amount / list_amount; unknown when the list amount is zero."""
        base = self.effective_list_amount
        return None if base == 0 else 1.0 - self.amount / base

    @property
    def gross_margin(self) -> float | None:
        """Amount minus our cost; unknown when the cost is."""
        return None if self.cost is None else self.amount - self.cost


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    name: str
    kind: ProductKind = ProductKind.PRODUCT
    includes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderLine:
    order_id: str
    line_no: int
    sku: str
    quantity: float
    unit_price: float

    @property
    def total(self) -> float:
        return self.quantity * self.unit_price


@dataclass(frozen=True, slots=True)
class Invoice:
    invoice_id: str
    account_id: str
    issued_on: date
    amount: float
    terms_days: int | None = None
    paid_on: date | None = None
    order_id: str | None = None

    def due_on(self, account_terms_days: int = DEFAULT_PAYMENT_TERMS_DAYS) -> date:
        """Issue date plus the invoice's terms, or the account's when it has none."""
        terms = self.terms_days if self.terms_days is not None else account_terms_days
        return self.issued_on + timedelta(days=terms)

    def is_paid(self, as_of: date) -> bool:
        return self.paid_on is not None and self.paid_on <= as_of

    def lateness_days(
        self, as_of: date, account_terms_days: int = DEFAULT_PAYMENT_TERMS_DAYS
    ) -> int:
        """(paid_on, or as_of while unpaid) − due date; negative when paid early (SPEC §4)."""
        settled = self.paid_on if self.is_paid(as_of) else as_of
        assert settled is not None
        return (settled - self.due_on(account_terms_days)).days


@dataclass(frozen=True, slots=True)
class Commitment:
    commitment_id: str
    account_id: str
    side: Side
    made_on: date
    due_on: date
    description: str
    done_on: date | None = None
    cancelled: bool = False
    user_id: str | None = None
    contact_id: str | None = None

    def state(self, as_of: date) -> CommitmentState:
        """Open, kept, late, broken or cancelled, judged with what was known on `as_of`."""
        if self.cancelled:
            return CommitmentState.CANCELLED
        if self.done_on is not None and self.done_on <= as_of:
            return CommitmentState.KEPT if self.done_on <= self.due_on else CommitmentState.LATE
        return CommitmentState.BROKEN if as_of > self.due_on else CommitmentState.OPEN

    def is_due(self, as_of: date) -> bool:
        """Whether its due date has passed (or is today) and it was not cancelled."""
        return not self.cancelled and self.due_on <= as_of


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    entry_id: str
    account_id: str
    worked_on: date
    hours: float
    activity: str | None = None
    in_scope: bool = True
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class Feedback:
    feedback_id: str
    account_id: str
    received_on: date
    kind: FeedbackKind
    score: float | None = None
    contact_id: str | None = None
    text: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def nps_category(self) -> str | None:
        """Promoter (9–10), passive (7–8) or detractor (0–6) for an NPS answer."""
        if self.kind is not FeedbackKind.NPS or self.score is None:
            return None
        if self.score >= 9:
            return "promoter"
        return "passive" if self.score >= 7 else "detractor"


@dataclass(frozen=True, slots=True)
class Partner:
    partner_id: str
    name: str
    expertise: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Referral:
    referral_id: str
    account_id: str
    partner_id: str
    direction: ReferralDirection
    made_on: date
    outcome: str | None = None
