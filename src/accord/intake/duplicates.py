"""Contacts and accounts that are the same: the matching rules, and nothing else.

* Two contacts are the same person when they share an e-mail address (any
  case), or when their normalised names match and their addresses share a
  domain that is not a mailbox provider's.
* Two accounts are the same company when their normalised names match and they
  share a web domain of their own (from the CRM). An account with none (a
  bundle has no such column) is known by the domain most of its people write
  from: at least two contacts, more than half of them at it. A contact's address
  never lends a domain to an account that has its own.

Conservative on purpose: a false merge hurts more than a missed one, and
`accord merge` is always a person's decision.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from accord.intake.rules import FREEMAIL, is_shared_domain

_LEGAL = {
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "llp",
    "plc",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "sarl",
    "bv",
    "nv",
    "co",
    "corp",
    "corporation",
    "company",
    "the",
}


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    kind: str  # contact | account
    ids: tuple[str, ...]  # sorted; the first is the suggested one to keep
    reason: str


def normalise_name(name: str, *, company: bool = False) -> str:
    """Case, accents, punctuation and (for companies) legal forms set aside."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ")
    words = re.findall(r"[a-z0-9]+", text)
    if company:
        words = [w for w in words if w not in _LEGAL] or words
    return " ".join(words)


def _domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1].strip().lower()
    return None if domain in FREEMAIL else domain


def majority_domain(domains: Iterable[str]) -> str | None:
    """The domain more than half of an account's (at least two) contacts write from,
    if it is not a shared one (a mailbox provider's, a placeholder's)."""
    found = [d for d in domains if d]
    if len(found) < 2:
        return None
    top, count = Counter(found).most_common(1)[0]
    return top if count * 2 > len(found) and not is_shared_domain(top) else None


def _groups(
    kind: str, keyed: Mapping[tuple[str, ...], set[str]], reason: str, seen: set[frozenset[str]]
) -> list[DuplicateGroup]:
    out = []
    for key, ids in sorted(keyed.items()):
        members = frozenset(ids)
        if len(members) < 2 or any(members <= s for s in seen):
            continue
        seen.add(members)
        out.append(DuplicateGroup(kind, tuple(sorted(members)), reason.format(*key)))
    return out


def contact_duplicates(
    contacts: Iterable[tuple[str, str, str | None]],
) -> list[DuplicateGroup]:
    """Groups among (contact_id, name, email)."""
    by_email: dict[tuple[str, ...], set[str]] = defaultdict(set)
    by_name: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for contact_id, name, email in contacts:
        if email and "@" in email:
            by_email[(email.strip().lower(),)].add(contact_id)
        domain = _domain(email)
        norm = normalise_name(name or "")
        if domain and norm:
            by_name[(norm, domain)].add(contact_id)
    seen: set[frozenset[str]] = set()
    return _groups("contact", by_email, "same e-mail {0}", seen) + _groups(
        "contact", by_name, "same name '{0}' and domain {1}", seen
    )


def account_duplicates(
    accounts: Iterable[tuple[str, str]], domains: Mapping[str, set[str]]
) -> list[DuplicateGroup]:
    """Groups among (account_id, name), given each account's known domains."""
    keyed: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for account_id, name in accounts:
        norm = normalise_name(name or "", company=True)
        for domain in domains.get(account_id, set()):
            if norm and not is_shared_domain(domain):
                keyed[(norm, domain)].add(account_id)
    return _groups("account", keyed, "same name '{0}' and domain {1}", set())
