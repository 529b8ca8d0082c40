"""The shape of the ledger, once: files, columns, types, keys and references.

Both adapters read this description — `storage` builds its tables from it and
`bundle` validates and writes CSV files with it — so a column is added in one
place (plus a migration). The order of `LEDGER` is a valid load order: every
table comes after the tables it references (users' self-reference aside).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any

from accord.domain import enums as e


class Kind(StrEnum):
    """How a column's text is read."""

    TEXT = "text"
    INT = "int"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    ENUM = "enum"
    LIST = "list"  # `;`-separated words


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    required: bool = False
    choices: type[Enum] | None = None
    default: str | None = None  # the bundle text used when the cell is blank
    references: str | None = None  # "table.column"; for LIST columns, each element
    minimum: float | None = None  # smallest accepted number
    maximum: float | None = None

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(str(m.value) for m in self.choices) if self.choices else ()


@dataclass(frozen=True, slots=True)
class Link:
    """A reference made by several columns together: `columns` name, in order, the key of
    `table` (e.g. a score's (opportunity_id, alternative_id) names one alternative)."""

    columns: tuple[str, ...]
    table: str


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    noun: str  # a singular word for messages
    links: tuple[Link, ...] = ()  # references by several columns (single ones: Column)

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name: str, kind: Kind = Kind.TEXT, **kw: Any) -> Column:
    return Column(name, kind, **kw)


_REQ: dict[str, Any] = {"required": True}
_USER: dict[str, Any] = {"references": "users.user_id"}
_ACCOUNT: dict[str, Any] = {"required": True, "references": "accounts.account_id"}
_MONEY: dict[str, Any] = {"minimum": 0.0}

USERS = Table(
    "users",
    (
        _c("user_id", **_REQ),
        _c("name", **_REQ),
        _c("email"),
        _c("role", Kind.ENUM, choices=e.Role, default="rep"),
        _c("team"),
        _c("manager_id", **_USER),
    ),
    key=("user_id",),
    noun="user",
)
ACCOUNTS = Table(
    "accounts",
    (
        _c("account_id", **_REQ),
        _c("name", **_REQ),
        _c("owner_id", **_USER),
        _c("segment"),
        _c("industry"),
        _c("created_on", Kind.DATE),
        _c("payment_terms_days", Kind.INT, default="30", minimum=0),
        _c("service_level"),
        _c("intent", Kind.ENUM, choices=e.Intent),
    ),
    key=("account_id",),
    noun="account",
)
CONTACTS = Table(
    "contacts",
    (
        _c("contact_id", **_REQ),
        _c("account_id", **_ACCOUNT),
        _c("name", **_REQ),
        _c("email"),
        _c("title"),
        _c("decision_role", Kind.ENUM, choices=e.DecisionRole),
        _c("active", Kind.BOOL, default="true"),
    ),
    key=("contact_id",),
    noun="contact",
)
PARTNERS = Table(
    "partners",
    (_c("partner_id", **_REQ), _c("name", **_REQ), _c("expertise", Kind.LIST)),
    key=("partner_id",),
    noun="partner",
)
PRODUCTS = Table(
    "products",
    (
        _c("sku", **_REQ),
        _c("name", **_REQ),
        _c("kind", Kind.ENUM, choices=e.ProductKind, default="product"),
        _c("includes", Kind.LIST, references="products.sku"),
    ),
    key=("sku",),
    noun="product",
)
TOUCHPOINTS = Table(
    "touchpoints",
    (
        _c("touchpoint_id", **_REQ),
        _c("account_id", **_ACCOUNT),
        _c("occurred_at", Kind.DATETIME, **_REQ),
        _c("channel", Kind.ENUM, choices=e.Channel, **_REQ),
        _c("direction", Kind.ENUM, choices=e.Direction, **_REQ),
        _c("purpose", Kind.ENUM, choices=e.Purpose),  # blank: unlabelled (CRM exports)
        _c("user_id", **_USER),
        _c("contact_ids", Kind.LIST, references="contacts.contact_id"),
        _c("minutes", Kind.INT, minimum=0),
        _c("summary"),
        _c("tags", Kind.LIST),
    ),
    key=("touchpoint_id",),
    noun="touchpoint",
)
OPPORTUNITIES = Table(
    "opportunities",
    (
        _c("opportunity_id", **_REQ),
        _c("account_id", **_ACCOUNT),
        _c("name", **_REQ),
        _c("opened_on", Kind.DATE, **_REQ),
        _c("stage", Kind.ENUM, choices=e.Stage, **_REQ),
        _c("user_id", **_USER),
        _c("amount", Kind.DECIMAL, **_MONEY),
        _c("closed_on", Kind.DATE),
        # qualification (issue 8): blank is "not yet established"
        _c("genuine_need", Kind.BOOL),
        _c("able_to_decide", Kind.BOOL),
        _c("able_to_pay", Kind.BOOL),
    ),
    key=("opportunity_id",),
    noun="opportunity",
)
ORDERS = Table(
    "orders",
    (
        _c("order_id", **_REQ),
        _c("account_id", **_ACCOUNT),
        _c("ordered_on", Kind.DATE, **_REQ),
        _c("amount", Kind.DECIMAL, **_REQ, **_MONEY),
        _c("list_amount", Kind.DECIMAL, **_MONEY),  # blank: the amount (filled on import)
        _c("cost", Kind.DECIMAL, **_MONEY),
        _c("user_id", **_USER),
        _c("opportunity_id", references="opportunities.opportunity_id"),
    ),
    key=("order_id",),
    noun="order",
)
ORDER_LINES = Table(
    "order_lines",
    (
        _c("order_id", required=True, references="orders.order_id"),
        _c("line_no", Kind.INT, **_REQ, minimum=0),
        _c("sku", required=True, references="products.sku"),
        _c("quantity", Kind.DECIMAL, **_REQ),
        _c("unit_price", Kind.DECIMAL, **_REQ),
    ),
    key=("order_id", "line_no"),
    noun="order line",
)
INVOICES = Table(
    "invoices",
    (
        _c("invoice_id", **_REQ),
        _c("account_id", **_ACCOUNT),
        _c("issued_on", Kind.DATE, **_REQ),
        _c("amount", Kind.DECIMAL, **_REQ),
        _c("terms_days", Kind.INT, minimum=0),  # blank: the account's terms
        _c("paid_on", Kind.DATE),
        _c("order_id", references="orders.order_id"),
    ),
    key=("invoice_id",),
    noun="invoice",
)
COMMITMENTS = Table(
    "commitments",
    (
        _c("commitment_id", **_REQ),
        _c("account_id", **_ACCOUNT),
        _c("side", Kind.ENUM, choices=e.Side, **_REQ),
        _c("made_on", Kind.DATE, **_REQ),
        _c("due_on", Kind.DATE, **_REQ),
        _c("description", **_REQ),
        _c("done_on", Kind.DATE),
        _c("cancelled", Kind.BOOL, default="false"),
        _c("user_id", **_USER),
        _c("contact_id", references="contacts.contact_id"),
    ),
    key=("commitment_id",),
    noun="commitment",
)
SERVICE_LOG = Table(
    "service_log",
    (
        _c("entry_id", **_REQ),
        _c("account_id", **_ACCOUNT),
        _c("worked_on", Kind.DATE, **_REQ),
        _c("hours", Kind.DECIMAL, **_REQ, minimum=0),
        _c("activity"),
        _c("in_scope", Kind.BOOL, default="true"),
        _c("user_id", **_USER),
    ),
    key=("entry_id",),
    noun="service entry",
)
FEEDBACK = Table(
    "feedback",
    (
        _c("feedback_id", **_REQ),
        _c("account_id", **_ACCOUNT),
        _c("received_on", Kind.DATE, **_REQ),
        _c("kind", Kind.ENUM, choices=e.FeedbackKind, **_REQ),
        _c("score", Kind.DECIMAL, minimum=0, maximum=10),
        _c("contact_id", references="contacts.contact_id"),
        _c("text"),
        _c("tags", Kind.LIST),
    ),
    key=("feedback_id",),
    noun="feedback",
)
REFERRALS = Table(
    "referrals",
    (
        _c("referral_id", **_REQ),
        _c("account_id", **_ACCOUNT),
        _c("partner_id", required=True, references="partners.partner_id"),
        _c("direction", Kind.ENUM, choices=e.ReferralDirection, **_REQ),
        _c("made_on", Kind.DATE, **_REQ),
        _c("outcome"),
    ),
    key=("referral_id",),
    noun="referral",
)

# -- helping the customer decide (issue 7; see docs/decision.md) --------------------------
_OPPORTUNITY: dict[str, Any] = {"required": True, "references": "opportunities.opportunity_id"}

DECISION_CRITERIA = Table(
    "decision_criteria",
    (
        _c("opportunity_id", **_OPPORTUNITY),
        _c("criterion_id", **_REQ),
        _c("name", **_REQ),
        _c("business_driver"),
        _c("weight", Kind.DECIMAL, **_REQ, minimum=0),
    ),
    key=("opportunity_id", "criterion_id"),
    noun="decision criterion",
)
ALTERNATIVES = Table(
    "alternatives",
    (
        _c("opportunity_id", **_OPPORTUNITY),
        _c("alternative_id", **_REQ),
        _c("name", **_REQ),
        _c("kind", Kind.ENUM, choices=e.AlternativeKind, **_REQ),
    ),
    key=("opportunity_id", "alternative_id"),
    noun="alternative",
)
CRITERION_SCORES = Table(
    "criterion_scores",
    (
        _c("opportunity_id", **_OPPORTUNITY),
        _c("alternative_id", **_REQ),
        _c("criterion_id", **_REQ),
        _c("score", Kind.DECIMAL, **_REQ, minimum=0, maximum=10),
        _c("rationale"),
    ),
    key=("opportunity_id", "alternative_id", "criterion_id"),
    noun="criterion score",
    links=(
        Link(("opportunity_id", "alternative_id"), "alternatives"),
        Link(("opportunity_id", "criterion_id"), "decision_criteria"),
    ),
)
RISKS = Table(
    "risks",
    (
        _c("opportunity_id", **_OPPORTUNITY),
        _c("risk_id", **_REQ),
        _c("description", **_REQ),
        _c("likelihood", Kind.INT, **_REQ, minimum=1, maximum=5),
        _c("impact", Kind.INT, **_REQ, minimum=1, maximum=5),
        _c("mitigation"),
        _c("owner_side", Kind.ENUM, choices=e.RiskOwner),
        _c("status", Kind.ENUM, choices=e.RiskStatus, default="open"),
    ),
    key=("opportunity_id", "risk_id"),
    noun="risk",
)
ROI_FLOWS = Table(
    "roi_flows",
    (
        _c("opportunity_id", **_OPPORTUNITY),
        _c("period", Kind.INT, **_REQ, minimum=0),
        _c("cost", Kind.DECIMAL, default="0", **_MONEY),
        _c("benefit", Kind.DECIMAL, default="0", **_MONEY),
        _c("note"),
    ),
    key=("opportunity_id", "period"),
    noun="ROI flow",
)
VALUE_PLANS = Table(
    "value_plans",
    (
        _c("opportunity_id", **_OPPORTUNITY),
        _c("metric", **_REQ),
        _c("baseline", Kind.DECIMAL, **_REQ),
        _c("target", Kind.DECIMAL, **_REQ),
        _c("unit"),
        _c("measure_by", Kind.DATE, **_REQ),
        _c("starts_on", Kind.DATE),  # blank: the opportunity's closed_on, else its opened_on
    ),
    key=("opportunity_id", "metric"),
    noun="value plan",
)
VALUE_CHECKS = Table(
    "value_checks",
    (
        _c("opportunity_id", **_OPPORTUNITY),
        _c("metric", **_REQ),
        _c("measured_on", Kind.DATE, **_REQ),
        _c("value", Kind.DECIMAL, **_REQ),
    ),
    key=("opportunity_id", "metric", "measured_on"),
    noun="value check",
    links=(Link(("opportunity_id", "metric"), "value_plans"),),
)

DECISION_TABLES: tuple[Table, ...] = (
    DECISION_CRITERIA,
    ALTERNATIVES,
    CRITERION_SCORES,
    RISKS,
    ROI_FLOWS,
    VALUE_PLANS,
    VALUE_CHECKS,
)
"""The decision ledger of an opportunity, in load order."""

# -- account plans and follow-through (issue 8; see docs/economics.md) ---------------------
ACCOUNT_PLANS = Table(
    "account_plans",
    (
        _c("account_id", **_ACCOUNT),
        _c("updated_on", Kind.DATE, **_REQ),
        _c("mutual_benefit"),  # why the relationship is worth having, for both sides
        _c("business_drivers"),
        _c("current_challenges"),
        _c("future_challenges"),
        _c("point_of_view"),  # our view on their challenges
        _c("intent", Kind.ENUM, choices=e.Intent),
        _c("intent_reason"),  # why this intent
        _c("objectives", Kind.LIST),
        _c("user_id", **_USER),  # who last updated it
    ),
    key=("account_id",),
    noun="account plan",
)
PLAN_PEOPLE = Table(
    "plan_people",
    (
        _c("account_id", **_ACCOUNT),
        _c("contact_id", required=True, references="contacts.contact_id"),
        _c("decision_role", Kind.ENUM, choices=e.DecisionRole),  # blank: the contact's own
        _c("gap"),  # what we lack with this person
        _c("notes"),
        _c("desired_owner_id", **_USER),  # who on our side should own the relationship
    ),
    key=("account_id", "contact_id"),
    noun="plan person",
)
RETROSPECTIVES = Table(
    "retrospectives",
    (
        _c("opportunity_id", **_OPPORTUNITY),
        _c("written_on", Kind.DATE, **_REQ),
        _c("learned", **_REQ),  # what we learned
        _c("do_differently"),  # what we would do differently
        _c("user_id", **_USER),
    ),
    key=("opportunity_id",),
    noun="retrospective",
)

PLAN_TABLES: tuple[Table, ...] = (ACCOUNT_PLANS, PLAN_PEOPLE, RETROSPECTIVES)
"""Account plans, the map of their people, win/loss retrospectives, in load order."""

LEDGER: tuple[Table, ...] = (
    USERS,
    ACCOUNTS,
    CONTACTS,
    PARTNERS,
    PRODUCTS,
    TOUCHPOINTS,
    OPPORTUNITIES,
    ORDERS,
    ORDER_LINES,
    INVOICES,
    COMMITMENTS,
    SERVICE_LOG,
    FEEDBACK,
    REFERRALS,
    *DECISION_TABLES,
    *PLAN_TABLES,
)
"""Every ledger table, in load order."""

BY_NAME: dict[str, Table] = {t.name: t for t in LEDGER}
REQUIRED_FILES = ("accounts.csv",)
