"""The daily agenda a seller follows: a short list of actions, one line per account.

From the ranked items of `accord.agenda.items` to what a person reads in the morning:

* every item has a **severity**: a pattern its own (critical or warning); a
  promise of ours past due, a payment overdue, a red cadence, a cooling
  valuable account, an honest word the customer needs, a value plan behind:
  warning; the rest routine. Severity outranks money: items rank by
  (severity, priority = value at stake × urgency).
* items that **describe the same thing merge** into one (the first, the
  "root", keeps the others as `merged`): a broken-promises pattern absorbs the
  account's overdue promise items of its side, terms dictated the overdue
  payment, transactional the post-order check-in, fading the reconnect and the
  stay-in-touch; a reconnect, a post-order check-in or an outcome check-in the
  stay-in-touch; define-criteria the qualification of the same opportunity;
  telling the customer what fits them the partner referral of the same one.
* data that is **merely missing** (qualify a deal, define its criteria, plan
  its risks, write a retrospective or an account plan, a value review of a
  deal without a value plan) goes to a separate `to_complete` list, never
  the actions.
* **one line per account**: its most important action leads, the others are
  folded under it; lines rank by their lead; at most `agenda.max_actions`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from accord.agenda.items import AgendaItem

SEVERITIES = ("critical", "warning", "routine")
_RANK = {s: n for n, s in enumerate(SEVERITIES)}

TO_COMPLETE_KINDS = frozenset(
    {"qualification", "define_criteria", "plan_risks", "retrospective", "account_plan"}
)
"""Kinds that ask for missing data rather than an action with the customer."""


def severity_of(
    kind: str, own: str | None, days_overdue: int, level: str | None, evidence: dict[str, Any]
) -> str:
    """critical, warning or routine (the module docstring says which is which)."""
    if own in ("critical", "warning"):
        return own
    if kind == "our_commitment" and days_overdue > 0:
        return "warning"
    if kind in ("overdue_payment", "reconnect", "tell_customer"):
        return "warning"
    if kind == "stay_in_touch" and level == "red":
        return "warning"
    if kind == "value_review" and "behind" in str(evidence.get("plan_states") or ""):
        return "warning"
    return "routine"


def category_of(kind: str, evidence: dict[str, Any]) -> str:
    """`to_complete` for data that is merely missing, else `action`."""
    if kind in TO_COMPLETE_KINDS:
        return "to_complete"
    if kind == "value_review" and not evidence.get("plan_states"):
        return "to_complete"
    return "action"


def overdue_text(reason: str, days_overdue: int) -> str:
    """The reason, saying that the item is overdue when it is (and it does not say so yet)."""
    if days_overdue <= 0 or "overdue" in reason:
        return reason
    plural = "s" if days_overdue != 1 else ""
    return f"{reason} It is {days_overdue} day{plural} overdue."


def rank_key(item: AgendaItem) -> tuple[int, float, str, str, str]:
    """Severity first, then priority (value at stake × urgency), then a stable tie-break."""
    return (_RANK[item.severity], -item.priority, item.due.isoformat(), item.account_id, item.id)


def ranked(items: Iterable[AgendaItem]) -> list[AgendaItem]:
    return sorted(items, key=rank_key)


Match = Callable[[AgendaItem, AgendaItem], bool]


def _pattern(pid: str) -> Callable[[AgendaItem], bool]:
    return lambda i: i.kind == "pattern" and i.reason_key == pid


def _kind(kind: str) -> Callable[[AgendaItem], bool]:
    return lambda i: i.kind == kind


def _same_key(root: AgendaItem, other: AgendaItem) -> bool:
    return root.reason_key == other.reason_key


def _any(root: AgendaItem, other: AgendaItem) -> bool:
    return True


def _overdue(root: AgendaItem, other: AgendaItem) -> bool:
    return other.days_overdue > 0


MERGES: tuple[
    tuple[str, Callable[[AgendaItem], bool], Callable[[AgendaItem], bool], Match], ...
] = (
    (
        "broken promises cover the overdue promises",
        _pattern("broken_promises_ours"),
        _kind("our_commitment"),
        _overdue,
    ),
    (
        "their broken promises cover the nudges",
        _pattern("broken_promises_theirs"),
        _kind("their_commitment"),
        _any,
    ),
    (
        "terms dictated covers the overdue payment",
        _pattern("terms_dictated"),
        _kind("overdue_payment"),
        _any,
    ),
    (
        "transactional covers the post-order check-in",
        _pattern("transactional"),
        _kind("post_order"),
        _any,
    ),
    ("fading covers reconnecting", _pattern("fading"), _kind("reconnect"), _any),
    ("fading covers staying in touch", _pattern("fading"), _kind("stay_in_touch"), _any),
    ("reconnecting covers staying in touch", _kind("reconnect"), _kind("stay_in_touch"), _any),
    ("a post-order check-in is a touch", _kind("post_order"), _kind("stay_in_touch"), _any),
    ("an outcome check-in is a touch", _kind("check_in"), _kind("stay_in_touch"), _any),
    (
        "criteria and qualification of one opportunity",
        _kind("define_criteria"),
        _kind("qualification"),
        _same_key,
    ),
    (
        "telling them what fits covers the partner",
        _kind("tell_customer"),
        _kind("refer_partner"),
        _same_key,
    ),
)
"""(why, absorber, absorbed, condition): the first absorber found on the account wins."""


@dataclass(frozen=True)
class Entry:
    """One thing to do: an item and the items it stands for (they say the same thing)."""

    item: AgendaItem
    merged: list[AgendaItem] = field(default_factory=list)

    @property
    def severity(self) -> str:
        return min((i.severity for i in (self.item, *self.merged)), key=_RANK.__getitem__)

    def record(self) -> dict[str, Any]:
        out = self.item.record()
        out["severity"] = self.severity
        out["merged"] = [m.record() for m in self.merged]
        return out


@dataclass(frozen=True)
class Action:
    """One line of the daily agenda: an account, its most important action, the others folded."""

    account_id: str
    account_name: str
    lead: Entry
    folded: list[Entry]

    @property
    def severity(self) -> str:
        return self.lead.severity

    @property
    def priority_words(self) -> str:
        i = self.lead.item
        return f"{self.severity} · {i.value_at_stake:,.0f} at stake · {i.when}"

    def items(self) -> list[AgendaItem]:
        """Every item of the line, lead first."""
        out: list[AgendaItem] = []
        for e in (self.lead, *self.folded):
            out += [e.item, *e.merged]
        return out

    def record(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "account_name": self.account_name,
            "severity": self.severity,
            "priority_words": self.priority_words,
            "lead": self.lead.record(),
            "folded": [e.record() for e in self.folded],
        }


def merge(items: list[AgendaItem]) -> list[Entry]:
    """Items of one account or many, merged where they describe the same thing; ranked."""
    by_account: dict[str, list[AgendaItem]] = {}
    for item in ranked(items):
        by_account.setdefault(item.account_id, []).append(item)
    entries: list[Entry] = []
    for group in by_account.values():
        parent: dict[str, str] = {}
        for item in group:
            for _why, is_root, is_merged, condition in MERGES:
                if not is_merged(item):
                    continue
                root = next(
                    (r for r in group if r.id != item.id and is_root(r) and condition(r, item)),
                    None,
                )
                if root is not None:
                    parent[item.id] = root.id
                    break

        merged: dict[str, list[AgendaItem]] = {}
        for item in group:
            if item.id in parent:
                merged.setdefault(_top(parent, item.id), []).append(item)
        entries += [Entry(i, merged.get(i.id, [])) for i in group if i.id not in parent]
    return sorted(entries, key=_entry_key)


def _top(parent: dict[str, str], item_id: str) -> str:
    """The root an item is merged into, following the chain (a → b → c: c)."""
    seen = {item_id}
    while item_id in parent and parent[item_id] not in seen:
        item_id = parent[item_id]
        seen.add(item_id)
    return item_id


def _entry_key(e: Entry) -> tuple[int, float, str, str, str]:
    _, priority, due, account, item = rank_key(e.item)
    return (_RANK[e.severity], priority, due, account, item)


@dataclass(frozen=True)
class Daily:
    """The daily agenda: the actions (one line per account) and the data to complete."""

    actions: list[Action]  # at most `limit`
    more_actions: int  # lines beyond the limit
    to_complete: list[Entry]  # at most `limit_to_complete`
    more_to_complete: int


def daily(items: list[AgendaItem], limit: int | None, limit_to_complete: int | None) -> Daily:
    """Open items → the daily agenda (`limit` None or 0: every line)."""
    entries = merge(items)
    actions: list[Action] = []
    lines: dict[str, list[Entry]] = {}
    to_complete: list[Entry] = []
    for e in entries:
        if e.item.category == "to_complete":
            to_complete.append(e)
        else:
            lines.setdefault(e.item.account_id, []).append(e)
    for group in lines.values():  # insertion order = the lead's rank
        lead = group[0].item
        actions.append(Action(lead.account_id, lead.account_name, group[0], group[1:]))
    n_actions, n_complete = len(actions), len(to_complete)
    if limit:
        actions = actions[:limit]
    if limit_to_complete:
        to_complete = to_complete[:limit_to_complete]
    return Daily(actions, n_actions - len(actions), to_complete, n_complete - len(to_complete))


__all__ = [
    "MERGES",
    "SEVERITIES",
    "TO_COMPLETE_KINDS",
    "Action",
    "Daily",
    "Entry",
    "category_of",
    "daily",
    "merge",
    "overdue_text",
    "ranked",
    "severity_of",
]
