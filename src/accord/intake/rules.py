"""The rules that leave personal and newsletter mail out of capture: visible, changeable.

Built-in rules ship here; a user disables one or adds their own (`accord
capture rules …`), and the changes live in the book (table intake_rules), so
every capture on that book follows the same, listed rules.

Fields a rule can test:

* `header`  — `Name` (the header is present) or `Name: text` (its value contains text)
* `from`    — the sender's address, a glob (`noreply@*`)
* `domain`  — the other side's domains, a glob; matches only when *every* outside
              address matches it and none of them is a known contact
* `subject` — the subject contains the text (any case)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatch

KINDS = ("newsletter", "personal")
FIELDS = ("header", "from", "domain", "subject")

FREEMAIL = (
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.de",
    "gmx.net",
    "web.de",
)
"""Mailbox providers: their domain never places a person at an account."""

PLACEHOLDER = ("example.com", "example.net", "example.org", "localhost")
"""Domains of placeholder addresses (RFC 2606), which exports fill blanks with."""
_PLACEHOLDER_ENDINGS = (".test", ".invalid", ".localhost", ".local")


def is_shared_domain(domain: str) -> bool:
    """A domain many unrelated people share (a mailbox provider's, a placeholder's):
    it says nothing about which company someone works for."""
    domain = domain.strip().lower().rstrip(".")
    return (
        domain in FREEMAIL
        or domain in PLACEHOLDER
        or domain.endswith(_PLACEHOLDER_ENDINGS)
        or any(domain.endswith("." + d) for d in PLACEHOLDER)
    )


@dataclass(frozen=True, slots=True)
class Rule:
    rule_id: str
    kind: str
    field: str
    pattern: str
    enabled: bool = True
    builtin: bool = True


BUILTIN: tuple[Rule, ...] = (
    Rule("newsletter-list-unsubscribe", "newsletter", "header", "List-Unsubscribe"),
    Rule("newsletter-list-id", "newsletter", "header", "List-Id"),
    Rule("newsletter-precedence-bulk", "newsletter", "header", "Precedence: bulk"),
    Rule("newsletter-precedence-list", "newsletter", "header", "Precedence: list"),
    Rule("newsletter-auto-submitted", "newsletter", "header", "Auto-Submitted: auto-generated"),
    Rule("newsletter-noreply", "newsletter", "from", "*noreply*@*"),
    Rule("newsletter-no-reply", "newsletter", "from", "*no-reply*@*"),
    Rule("personal-sensitivity-personal", "personal", "header", "Sensitivity: personal"),
    Rule("personal-sensitivity-private", "personal", "header", "Sensitivity: private"),
    Rule("personal-subject", "personal", "subject", "[personal]"),
    *(Rule(f"personal-{d}", "personal", "domain", d) for d in FREEMAIL),
)


def effective_rules(stored: Iterable[Rule]) -> list[Rule]:
    """Built-in rules with the user's switches applied, then the user's own rules."""
    by_id = {r.rule_id: r for r in stored}
    out = [
        Rule(b.rule_id, b.kind, b.field, b.pattern, by_id[b.rule_id].enabled, True)
        if b.rule_id in by_id
        else b
        for b in BUILTIN
    ]
    builtin_ids = {b.rule_id for b in BUILTIN}
    out.extend(r for r in by_id.values() if r.rule_id not in builtin_ids)
    return out


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules look at in one message."""

    headers: Mapping[str, str]  # lower-cased name → value
    sender: str | None
    subject: str
    outside: tuple[str, ...]  # addresses that are neither ours nor a known contact's
    known_outside: int  # outside-the-company addresses that are known contacts


def verdict(rules: Iterable[Rule], facts: Facts) -> Rule | None:
    """The first enabled rule that leaves the message out, or None to keep it."""
    for rule in rules:
        if rule.enabled and _matches(rule, facts):
            return rule
    return None


def _matches(rule: Rule, facts: Facts) -> bool:
    pattern = rule.pattern.strip()
    match rule.field:
        case "header":
            name, _, text = pattern.partition(":")
            value = facts.headers.get(name.strip().lower())
            if value is None:
                return False
            return text.strip().lower() in value.lower()
        case "from":
            return facts.sender is not None and fnmatch(facts.sender, pattern.lower())
        case "domain":
            if facts.known_outside or not facts.outside:
                return False
            return all(fnmatch(a.rsplit("@", 1)[-1], pattern.lower()) for a in facts.outside)
        case "subject":
            return pattern.lower() in facts.subject.lower()
    return False


def check_rule(kind: str, field: str, pattern: str) -> str | None:
    """Why a new rule cannot be added, or None."""
    if kind not in KINDS:
        return f"kind {kind!r} is not one of {', '.join(KINDS)}"
    if field not in FIELDS:
        return f"field {field!r} is not one of {', '.join(FIELDS)}"
    if not pattern.strip():
        return "the pattern is empty"
    return None
