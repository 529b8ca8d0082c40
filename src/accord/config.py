"""Every weight and threshold of health and the pattern detectors, as data.

One `Settings` object, built by `load_settings` from the defaults below, a TOML
file (`--config FILE`, else `$ACCORD_CONFIG`) and nothing else. Each setting has
a default and a help text (`describe` lists them; `accord config show` prints
them) and each is documented in docs/health.md (a test checks this). A file
with an unknown section or key, a value of the wrong type, a negative value or
a share above 1 is refused with a `ConfigError` naming the key and the file.

A TOML file overrides only what it names::

    [weights]
    trust = 0.4

    [terms_dictated]
    median_days_late = 20
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from accord.errors import ConfigError

ENV_VAR = "ACCORD_CONFIG"


def _s(default: float, help: str, *, share: bool = False, whole: bool = False) -> Any:
    """A setting: its default, help text, and whether it is a share (≤ 1) or a count."""
    return field(default=default, metadata={"help": help, "share": share, "whole": whole})


def _code(default: str, help: str) -> Any:
    """A text setting that is a three-letter code (the book's currency)."""
    return field(default=default, metadata={"help": help, "code": True})


@dataclass(frozen=True, slots=True)
class Weights:
    trust: float = _s(0.30, "Weight of trust in the overall health score.")
    engagement: float = _s(0.30, "Weight of engagement in the overall health score.")
    mutual_value: float = _s(0.25, "Weight of mutual value in the overall health score.")
    continuity: float = _s(0.15, "Weight of continuity in the overall health score.")


@dataclass(frozen=True, slots=True)
class General:
    window_days: int = _s(
        365, "Days before the as-of date that the health and the detectors look at.", whole=True
    )
    healthy_from: float = _s(
        70.0, "Health score from which an account with no warning or critical pattern is `healthy`."
    )
    hourly_cost: float = _s(100.0, "Cost of one hour of our people's time, for cost to serve.")
    cost_of_capital: float = _s(
        0.10, "Annual cost of capital, for the financing cost of late payments.", share=True
    )
    min_known_dimensions: int = _s(
        2,
        "Known dimensions an account needs for an overall score; with fewer it is unknown.",
        whole=True,
    )
    currency: str = _code(
        "EUR",
        "The book's currency (ISO 4217 code, e.g. EUR, USD, GBP): shown beside every amount "
        "on the pages and in the facts and actions; amounts are never converted.",
    )


@dataclass(frozen=True, slots=True)
class Trust:
    ours: float = _s(0.40, "Weight of our commitments kept on time within trust.")
    theirs: float = _s(0.25, "Weight of their commitments kept on time within trust.")
    invoices: float = _s(0.35, "Weight of invoices paid within terms within trust.")
    late_credit: float = _s(
        0.5,
        "Credit for a commitment kept, but after its due date (on time = 1, broken = 0).",
        share=True,
    )
    invoice_zero_days: float = _s(
        30.0,
        "Days late at which an invoice scores 0 (paid within terms scores 1; linear in between).",
    )


@dataclass(frozen=True, slots=True)
class Engagement:
    recency: float = _s(
        0.25, "Weight of the recency of the last two-way touchpoint within engagement."
    )
    frequency: float = _s(0.20, "Weight of the number of two-way touchpoints within engagement.")
    breadth: float = _s(
        0.20, "Weight of breadth (people and decision roles we really know) within engagement."
    )
    reciprocity: float = _s(
        0.15, "Weight of the share of touchpoints that are inbound or mutual within engagement."
    )
    value_adding: float = _s(
        0.20, "Weight of the share of touchpoints that add value (insight, guidance, support)."
    )
    recency_half_life_days: float = _s(
        45.0, "Days since the last two-way touchpoint at which recency scores 0.5."
    )
    frequency_target: float = _s(
        12.0, "Two-way touchpoints in the window that score full frequency."
    )
    breadth_people: float = _s(
        0.6,
        "Share of breadth earned by the share of the account's active people we know.",
        share=True,
    )
    breadth_people_target: float = _s(
        3.0, "People known that earn the full people part of breadth (or all of them, if fewer)."
    )


@dataclass(frozen=True, slots=True)
class Strength:
    half_life_days: float = _s(
        90.0, "Half-life of a touchpoint's weight in a person's relationship strength."
    )
    saturation: float = _s(
        3.0, "Decayed touchpoints at which strength reaches 1 − 1/e (≈ 0.63), before balance."
    )
    balance_target: float = _s(
        0.5,
        "Two-way share of (decayed) touchpoints from which balance no longer lowers strength.",
        share=True,
    )
    known_from: float = _s(
        0.3, "Strength from which we count a person as someone we really know.", share=True
    )


@dataclass(frozen=True, slots=True)
class MutualValue:
    margin: float = _s(0.35, "Weight of our gross margin % within mutual value.")
    cost_to_serve: float = _s(
        0.20, "Weight of cost to serve relative to gross margin within mutual value."
    )
    satisfaction: float = _s(
        0.30, "Weight of their satisfaction (latest NPS and CSAT) within mutual value."
    )
    complaints: float = _s(0.15, "Weight of complaints against praise within mutual value.")
    realised: float = _s(
        0.20,
        "Weight of the value the customer realised against plan (won deals' value checks) "
        "within mutual value.",
    )
    margin_target: float = _s(
        0.30, "Gross margin % that scores full margin (0% scores 0; linear in between).", share=True
    )
    serve_zero_share: float = _s(
        0.60, "Cost to serve as a share of gross margin at which that part scores 0."
    )
    complaints_zero: float = _s(
        3.0, "Complaints (net of praise) in the window at which that part scores 0."
    )


@dataclass(frozen=True, slots=True)
class Continuity:
    follow_up: float = _s(0.50, "Weight of the follow-up rate after orders within continuity.")
    tenure: float = _s(0.15, "Weight of tenure within continuity.")
    alive: float = _s(
        0.35, "Weight of the lifetime-value model's probability alive within continuity."
    )
    tenure_full_days: float = _s(1095.0, "Tenure in days that scores full tenure (linear from 0).")
    min_model_accounts: int = _s(
        10,
        "Accounts with orders that the lifetime-value model needs before it is used.",
        whole=True,
    )
    rhythm_min_days: float = _s(
        30.0, "Shortest buying rhythm (days between orders) an account is judged by."
    )
    rhythm_max_days: float = _s(
        180.0, "Longest buying rhythm an account is judged by (rarer buyers count as this)."
    )
    rhythm_default_days: float = _s(
        180.0, "Buying rhythm assumed for an account with fewer than two orders."
    )


@dataclass(frozen=True, slots=True)
class Transactional:
    min_orders: int = _s(2, "Orders in the window from which `transactional` can fire.", whole=True)
    pre_order_share: float = _s(
        0.80, "Share of touchpoints in the run-up to an order from which it fires.", share=True
    )
    run_up_days: int = _s(
        14, "Days before an order (its day included) that count as its run-up.", whole=True
    )
    follow_up_rate: float = _s(0.50, "It fires below this share of orders followed up.", share=True)
    follow_up_days: int = _s(
        30,
        "Days after an order in which a follow-up counts; younger orders are not judged.",
        whole=True,
    )


@dataclass(frozen=True, slots=True)
class TermsDictated:
    min_invoices: int = _s(
        3, "Invoices falling due in the window from which `terms_dictated` can fire.", whole=True
    )
    median_days_late: float = _s(15.0, "Median days late from which it fires.")


@dataclass(frozen=True, slots=True)
class OverServicing:
    serve_share: float = _s(
        0.30, "Cost to serve as a share of gross margin from which `over_servicing` fires."
    )
    out_of_scope_share: float = _s(
        0.40, "Share of service hours out of scope from which it fires.", share=True
    )
    min_hours: float = _s(
        10.0, "Service hours in the window needed before the out-of-scope share is judged."
    )
    min_cost_share: float = _s(
        0.25,
        "Share of the window's revenue on orders with a known cost from which the gross margin "
        "is judged, scaled to all revenue (margin % of the costed orders × revenue); below it "
        "cost to serve against margin is not judged.",
        share=True,
    )


@dataclass(frozen=True, slots=True)
class ProfessionalVisitor:
    min_touchpoints: int = _s(
        6, "Touchpoints in the window from which `professional_visitor` can fire.", whole=True
    )
    social_share: float = _s(0.50, "Share of social touchpoints from which it fires.", share=True)


@dataclass(frozen=True, slots=True)
class BrokenPromises:
    min_broken: int = _s(
        2,
        "Commitments of one side due and not kept on time from which `broken_promises_*` can fire.",
        whole=True,
    )
    on_time_rate: float = _s(
        0.70, "It fires when that side's on-time rate is below this.", share=True
    )


@dataclass(frozen=True, slots=True)
class MarginGiveaway:
    min_orders: int = _s(
        2, "Orders in the window from which `margin_giveaway` can fire.", whole=True
    )
    points: float = _s(
        0.10,
        "Discount above the segment median (0.10 = 10 points) from which it fires.",
        share=True,
    )


@dataclass(frozen=True, slots=True)
class QuotaPressure:
    min_orders: int = _s(
        2, "Orders booked at quarter end from which `quota_pressure` can fire.", whole=True
    )
    points: float = _s(
        0.05, "Extra discount on them (0.05 = 5 points) from which it fires.", share=True
    )
    quarter_end_days: int = _s(
        7, "The last days of a calendar quarter that count as its end.", whole=True
    )


@dataclass(frozen=True, slots=True)
class WinLose:
    high_percentile: float = _s(
        0.75, "Segment percentile of margin % from which `we win, they lose` can fire.", share=True
    )
    nps_max: float = _s(6.0, "Latest NPS at or below which the customer loses.")
    csat_max: float = _s(2.0, "Latest CSAT at or below which the customer loses.")
    low_margin: float = _s(
        0.05, "Gross margin % below which we lose (with revenue > 0).", share=True
    )
    value_realised_max: float = _s(
        0.50,
        "Value realised (share of the value their plans expected by now) below which the "
        "customer loses, whatever our margin.",
        share=True,
    )


@dataclass(frozen=True, slots=True)
class FriendshipOverProfit:
    touch_percentile: float = _s(
        0.75,
        "Segment percentile of touchpoints from which `friendship_over_profit` can fire.",
        share=True,
    )
    social_share: float = _s(
        0.30, "Share of social touchpoints from which it can fire.", share=True
    )
    margin_percentile: float = _s(
        0.25, "It fires with margin % below this segment percentile.", share=True
    )


@dataclass(frozen=True, slots=True)
class Hostage:
    min_orders: int = _s(2, "Orders in the window from which `hostage` can fire.", whole=True)
    nps_max: float = _s(6.0, "Latest NPS at or below which the customer is unhappy.")
    min_complaints: int = _s(
        2, "Complaints in the window from which the customer is unhappy.", whole=True
    )


@dataclass(frozen=True, slots=True)
class DoubleBilling:
    days: int = _s(
        30,
        "Days between a bundle and a standalone line of one of its parts that bill it twice.",
        whole=True,
    )


@dataclass(frozen=True, slots=True)
class Fading:
    min_orders: int = _s(1, "Orders in the window from which `fading` can fire.", whole=True)
    quiet_days: int = _s(
        90, "Days without an inbound or mutual touchpoint from which it can fire.", whole=True
    )
    p_alive: float = _s(
        0.50, "It fires below this probability alive (when the model has enough data).", share=True
    )


@dataclass(frozen=True, slots=True)
class Abusive:
    min_tagged: int = _s(
        2,
        "Touchpoints or feedback tagged aggressive, threat or bullying from which `abusive` fires.",
        whole=True,
    )
    days: int = _s(90, "Days before the as-of date that `abusive` looks at.", whole=True)


@dataclass(frozen=True, slots=True)
class BigBrother:
    min_tagged: int = _s(
        2,
        "Touchpoints or feedback tagged ultimatum or unilateral_change that fire `big_brother`.",
        whole=True,
    )


@dataclass(frozen=True, slots=True)
class Patterns:
    warning_penalty: float = _s(
        0.15, "Share taken off a dimension for each warning pattern that belongs to it.", share=True
    )
    critical_penalty: float = _s(
        0.40,
        "Share taken off a dimension for each critical pattern that belongs to it.",
        share=True,
    )
    critical_max: float = _s(
        60.0, "Highest health score of an account with a critical pattern (below healthy_from)."
    )


@dataclass(frozen=True, slots=True)
class RiskShare:
    """Share of the value ahead that a pattern puts at risk (docs/economics.md)."""

    transactional: float = _s(
        0.25,
        "Share of value ahead at risk when a relationship is transactional (no engagement "
        "after orders).",
        share=True,
    )
    broken_promises_ours: float = _s(
        0.30, "Share of value ahead at risk when we break our promises.", share=True
    )
    hostage: float = _s(
        0.40,
        "Share of value ahead at risk when they buy while unhappy (they leave when they can).",
        share=True,
    )
    abusive: float = _s(
        0.50, "Share of value ahead at risk in an abusive relationship.", share=True
    )
    big_brother: float = _s(
        0.30, "Share of value ahead at risk when terms are dictated by ultimatum.", share=True
    )
    fading: float = _s(
        0.50,
        "Share of value ahead at risk when the relationship is fading (the model already "
        "discounts it by probability alive).",
        share=True,
    )
    win_lose: float = _s(
        0.30, "Share of value ahead at risk when we win and they lose.", share=True
    )


@dataclass(frozen=True, slots=True)
class Decision:
    discount_rate: float = _s(
        0.08,
        "Discount rate per period for the customer's ROI (NPV); `accord decision "
        "--discount-rate` overrides it.",
        share=True,
    )
    criteria_after_days: int = _s(
        14,
        "Days an open opportunity may go without decision criteria before the agenda asks "
        "for them.",
        whole=True,
    )


@dataclass(frozen=True, slots=True)
class Agenda:
    post_order_days: int = _s(
        14,
        "Days after an order at which a check-in is due when no follow-up touchpoint came since.",
        whole=True,
    )
    post_order_max_days: int = _s(
        90, "Orders older than this many days no longer ask for a check-in.", whole=True
    )
    commitment_days: int = _s(
        7,
        "Our open commitments due within this many days (or overdue) join the agenda.",
        whole=True,
    )
    payment_grace_days: int = _s(
        7,
        "Days past its due date from which an unpaid invoice asks for a payment conversation.",
        whole=True,
    )
    cadence_ideal_days: int = _s(
        30,
        "Ideal days between touchpoints with an account (amber past it), unless it has its own.",
        whole=True,
    )
    cadence_max_days: int = _s(
        60,
        "Most days between touchpoints with an account (red past it), unless it has its own.",
        whole=True,
    )
    reconnect_lookback_days: int = _s(
        30, "Reconnect compares probability alive now with this many days earlier.", whole=True
    )
    reconnect_drop: float = _s(
        0.10,
        "Fall in probability alive (0.10 = 10 points) that asks a valuable account to reconnect.",
        share=True,
    )
    reconnect_percentile: float = _s(
        0.75,
        "Percentile of the book's expected 12-month values from which an account is valuable.",
        share=True,
    )
    value_review_days: int = _s(
        90,
        "Days after a won deal's close at which its value review with the customer is due "
        "(the agenda's value review, and the decision hooks).",
        whole=True,
    )
    value_review_stale_days: int = _s(
        60, "Days past its due date after which a value review leaves the agenda.", whole=True
    )
    need_days: int = _s(
        180,
        "Days that a `need:WORD` tag on a touchpoint or feedback asks for a referral.",
        whole=True,
    )
    pattern_warning_days: int = _s(
        7,
        "Days to act on a warning pattern (a critical one is due on the as-of date).",
        whole=True,
    )
    urgency_days: float = _s(
        7.0, "Days overdue that add 1 to an item's urgency (due today: urgency 1)."
    )
    max_urgency: float = _s(10.0, "The largest urgency, so that old items do not drown new ones.")
    min_stake: float = _s(
        100.0,
        "The smallest value at stake, so that accounts of unknown value still rank by urgency.",
    )
    plan_top_accounts: int = _s(
        10,
        "Top accounts by expected 12-month value (book-wide) that the agenda asks to have a plan.",
        whole=True,
    )
    plan_max_age_days: int = _s(
        90,
        "Days after its last update from which an account plan asks to be refreshed.",
        whole=True,
    )
    weak_strength: float = _s(
        0.3,
        "Strength below which a connection to a decision maker counts as weak: an account whose "
        "decision makers are all weak asks for a connection.",
        share=True,
    )
    check_in_first_days: int = _s(
        30,
        "Days after a lost or no-decision opportunity closed at which the first check-in is due.",
        whole=True,
    )
    check_in_second_days: int = _s(
        90,
        "Days after a lost or no-decision opportunity closed at which the second check-in is due.",
        whole=True,
    )
    retrospective_days: int = _s(
        14, "Days after an opportunity closed within which its retrospective is due.", whole=True
    )
    max_actions: int = _s(
        12,
        "Most actions (one line per account) on a seller's daily agenda; the rest are counted.",
        whole=True,
    )
    max_to_complete: int = _s(
        10, "Most entries of the agenda's separate list of data to complete.", whole=True
    )


@dataclass(frozen=True, slots=True)
class Review:
    key_accounts: int = _s(
        10,
        "Key accounts (the top by expected 12-month value) the monthly review shows.",
        whole=True,
    )
    movers: int = _s(5, "Biggest movers up and down the monthly review shows.", whole=True)
    alignment_days: int = _s(
        365, "Days ending on the review's month end that seller alignment looks at.", whole=True
    )
    health_weight: float = _s(
        0.5, "Weight of portfolio health within the relationship quality of a seller."
    )
    follow_up_weight: float = _s(
        0.25, "Weight of the post-order follow-up rate within the relationship quality of a seller."
    )
    kept_weight: float = _s(
        0.25, "Weight of the kept-commitment rate within the relationship quality of a seller."
    )
    pressure_penalty: float = _s(
        0.25,
        "Share of revenue booked in quarter-end pressure windows taken off adjusted performance.",
        share=True,
    )
    pressure_share: float = _s(
        0.25,
        "Share of a seller's revenue in quarter-end pressure windows from which they are flagged.",
        share=True,
    )
    giveaway_points: float = _s(
        0.02,
        "Points of discount above their team's median from which a seller is flagged for "
        "margin giveaway (0.02 = 2 points); a seller below the team's median never is.",
        share=True,
    )
    pressure_points: float = _s(
        0.02,
        "Points of revenue share in pressure windows above their team's median from which a "
        "seller is flagged for pressure deals.",
        share=True,
    )
    kept_points: float = _s(
        0.05,
        "Points of kept-commitment rate below their team's median from which a seller is "
        "flagged for broken promises.",
        share=True,
    )
    follow_up_points: float = _s(
        0.05,
        "Points of post-order follow-up rate below their team's median from which a seller is "
        "flagged for no follow-up.",
        share=True,
    )


@dataclass(frozen=True, slots=True)
class Signals:
    purpose_confidence: float = _s(
        0.5,
        "Probability from which a purpose inferred from a touchpoint's text is used (below it "
        "the purpose stays unknown); applied when `accord infer` or a write infers it.",
        share=True,
    )
    tag_confidence: float = _s(
        0.6,
        "Probability from which a behaviour tag inferred from text is used (aggressive, threat, "
        "ultimatum, unilateral_change, complaint, praise).",
        share=True,
    )
    min_known_share: float = _s(
        0.5,
        "Share of an account's touchpoints in the window whose purpose is known (labelled, "
        "else inferred) from which a rule that needs purpose (hostage, transactional, "
        "professional_visitor, friendship_over_profit) judges on the known ones as a sample; "
        "below it the rule is not judged.",
        share=True,
    )


@dataclass(frozen=True, slots=True)
class Access:
    token_days: int = _s(
        90,
        "Days an API token is valid when `accord token create` is given no --expires-in.",
        whole=True,
    )


@dataclass(frozen=True, slots=True)
class Settings:
    """The effective weights and thresholds; sections mirror the TOML file."""

    weights: Weights = field(default_factory=Weights)
    general: General = field(default_factory=General)
    trust: Trust = field(default_factory=Trust)
    engagement: Engagement = field(default_factory=Engagement)
    strength: Strength = field(default_factory=Strength)
    mutual_value: MutualValue = field(default_factory=MutualValue)
    continuity: Continuity = field(default_factory=Continuity)
    transactional: Transactional = field(default_factory=Transactional)
    terms_dictated: TermsDictated = field(default_factory=TermsDictated)
    over_servicing: OverServicing = field(default_factory=OverServicing)
    professional_visitor: ProfessionalVisitor = field(default_factory=ProfessionalVisitor)
    broken_promises: BrokenPromises = field(default_factory=BrokenPromises)
    margin_giveaway: MarginGiveaway = field(default_factory=MarginGiveaway)
    quota_pressure: QuotaPressure = field(default_factory=QuotaPressure)
    win_lose: WinLose = field(default_factory=WinLose)
    friendship_over_profit: FriendshipOverProfit = field(default_factory=FriendshipOverProfit)
    hostage: Hostage = field(default_factory=Hostage)
    double_billing: DoubleBilling = field(default_factory=DoubleBilling)
    fading: Fading = field(default_factory=Fading)
    abusive: Abusive = field(default_factory=Abusive)
    big_brother: BigBrother = field(default_factory=BigBrother)
    patterns: Patterns = field(default_factory=Patterns)
    risk_share: RiskShare = field(default_factory=RiskShare)
    decision: Decision = field(default_factory=Decision)
    agenda: Agenda = field(default_factory=Agenda)
    review: Review = field(default_factory=Review)
    signals: Signals = field(default_factory=Signals)
    access: Access = field(default_factory=Access)


@dataclass(frozen=True, slots=True)
class SettingInfo:
    """One setting as `accord config show` prints it."""

    name: str  # "section.key"
    value: float | str
    default: float | str
    help: str


def describe(settings: Settings | None = None) -> list[SettingInfo]:
    """Every setting, in file order, with its effective value, default and help text."""
    settings = settings or Settings()
    defaults = Settings()
    out: list[SettingInfo] = []
    for section in fields(Settings):
        current, default = getattr(settings, section.name), getattr(defaults, section.name)
        for f in fields(current):
            out.append(
                SettingInfo(
                    f"{section.name}.{f.name}",
                    getattr(current, f.name),
                    getattr(default, f.name),
                    str(f.metadata["help"]),
                )
            )
    return out


def load_settings(
    path: Path | str | None = None, *, environ: dict[str, str] | None = None
) -> Settings:
    """The defaults, overridden by the TOML file at `path` (else `$ACCORD_CONFIG`, if set)."""
    env = os.environ if environ is None else environ
    chosen = path if path is not None else env.get(ENV_VAR) or None
    if chosen is None:
        return Settings()
    file = Path(chosen)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {file} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {file}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {file} is not valid TOML: {exc}") from None
    return settings_from_mapping(data, source=str(file))


def settings_from_mapping(data: dict[str, Any], *, source: str = "the settings") -> Settings:
    """Defaults overridden by a `{section: {key: value}}` mapping, every value checked."""
    sections = {f.name: f for f in fields(Settings)}
    settings = Settings()
    for section_name, values in data.items():
        if section_name not in sections:
            known = ", ".join(sections)
            raise ConfigError(f"{source}: unknown section [{section_name}] (known: {known})")
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: [{section_name}] must be a table of settings")
        current = getattr(settings, section_name)
        keys = {f.name: f for f in fields(current)}
        changes: dict[str, float | str] = {}
        for key, value in values.items():
            name = f"{section_name}.{key}"
            if key not in keys:
                raise ConfigError(
                    f"{source}: unknown setting {name} (known in [{section_name}]: "
                    f"{', '.join(keys)})"
                )
            changes[key] = _checked(name, value, keys[key].metadata, source)
        settings = replace(settings, **{section_name: replace(current, **changes)})
    _check_weights(settings, source)
    return settings


def _checked(name: str, value: object, meta: Any, source: str) -> float | str:
    if meta.get("code"):
        if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{3}", value.strip().upper()):
            raise ConfigError(
                f"{source}: {name} must be a three-letter currency code such as EUR or USD, "
                f"not {value!r}"
            )
        return value.strip().upper()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{source}: {name} must be a number, not {value!r}")
    if value < 0:
        raise ConfigError(f"{source}: {name} must not be negative (got {value})")
    if meta["share"] and value > 1:
        raise ConfigError(f"{source}: {name} is a share and must be between 0 and 1 (got {value})")
    if meta["whole"]:
        if value != int(value):
            raise ConfigError(f"{source}: {name} must be a whole number (got {value})")
        return int(value)
    return float(value)


_WEIGHT_GROUPS = {
    "weights": ("trust", "engagement", "mutual_value", "continuity"),
    "trust": ("ours", "theirs", "invoices"),
    "engagement": ("recency", "frequency", "breadth", "reciprocity", "value_adding"),
    "mutual_value": ("margin", "cost_to_serve", "satisfaction", "complaints", "realised"),
    "continuity": ("follow_up", "tenure", "alive"),
    "review": ("health_weight", "follow_up_weight", "kept_weight"),
}


def _check_weights(settings: Settings, source: str) -> None:
    for section, names in _WEIGHT_GROUPS.items():
        group = getattr(settings, section)
        if sum(getattr(group, n) for n in names) <= 0:
            raise ConfigError(
                f"{source}: the weights of [{section}] ({', '.join(names)}) are all 0"
            )


__all__ = [
    "ENV_VAR",
    "SettingInfo",
    "Settings",
    "describe",
    "load_settings",
    "settings_from_mapping",
]
