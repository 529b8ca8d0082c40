"""Turning messages and meetings into touchpoints: who, which account, which way.

* People are matched by address to contacts; someone new is placed at the
  account of their address's domain and *proposed* as a new contact.
* Our side is recognised by our users' addresses or our own domains.
* Direction: we wrote → outbound; they wrote to us → inbound; a conversation
  with both → mutual; a meeting → mutual.
* A conversation is one touchpoint: replies join the touchpoint of the message
  they answer (References / In-Reply-To), however many there are.
* Purpose is not labelled: `accord.signals` infers it (and behaviour tags) from
  the subject and the start of the text when the touchpoint is written, apart
  from any purpose a person later gives. (`guess_purpose` is no longer stored.)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from accord.intake.calendar import Meeting
from accord.intake.mail import MailMessage, display_name
from accord.intake.rules import FREEMAIL, Facts, Rule, verdict

PURPOSE_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("support", ("support", "not working", "issue with", "problem with", "ticket", "outage")),
    ("negotiation", ("contract", "negotiat", "terms and conditions", "discount request")),
    ("pitch", ("quote", "proposal", "pricing", "offer", "demo of")),
)
"""Purpose → words that suggest it (first match wins; otherwise `admin`)."""

_REPLY = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|tr)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_QUOTED = re.compile(
    r"^\s*(>"  # a quoted line
    r"|(on|am|le|el|op) .{0,200}(wrote|schrieb|a écrit|escribió|schreef)\s*:?\s*$"
    r"|-{2,}\s*(original message|ursprüngliche nachricht|forwarded message)\s*-{2,}"
    r"|(from|von|de):\s.*@"  # Outlook's header block above the quoted mail
    r"|_{10,})",
    re.IGNORECASE,
)
_SIGNED = re.compile(
    r"^\s*(--|—|__)\s*$"  # the signature delimiter, "-- "
    r"|^\s*(best|kind|warm|many thanks|thanks|thank you|regards|cheers|sincerely|yours|"
    r"best regards|kind regards|with best regards|mit freundlichen grüßen|viele grüße|"
    r"cordialement)[\s,!.]*$"  # a sign-off alone on its line
    r"|^\s*sent from my \w+",
    re.IGNORECASE,
)


def own_words(body: str) -> str:
    """The part of a message its writer wrote now, for guessing what it is about.

    Stops at the first quoted reply (`> …`, "On … wrote:", Outlook's "From: …"
    block, "-----Original Message-----") or signature ("-- ", "Best regards",
    "Sent from my …"): a signature's "Quote:" or a quoted offer says nothing
    about this message. Shared with the text classifier of issue 16.
    """
    kept: list[str] = []
    for line in body.splitlines():
        if _QUOTED.match(line) or _SIGNED.match(line):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def guess_purpose(subject: str, body: str = "") -> str:
    """`support`, `negotiation` or `pitch` when the subject or the writer's own words
    say so plainly (a word starting with a hint), otherwise `admin`."""
    text = f"{topic(subject)}\n{own_words(body)}".lower()
    for purpose, words in PURPOSE_HINTS:
        if any(re.search(r"\b" + re.escape(w), text) for w in words):
            return purpose
    return "admin"


def topic(subject: str) -> str:
    """'Re: Fwd: Pilot results' → 'Pilot results'."""
    return _REPLY.sub("", subject).strip() or "(no subject)"


@dataclass
class BookIndex:
    """What capture needs to know about the book."""

    contacts: dict[str, tuple[str, str]] = field(default_factory=dict)  # e-mail → (id, account)
    account_by_domain: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)  # e-mail → user_id
    our_domains: set[str] = field(default_factory=set)

    def is_ours(self, address: str) -> bool:
        return address in self.users or address.rsplit("@", 1)[-1] in self.our_domains


@dataclass(frozen=True, slots=True)
class Placed:
    """One message or meeting occurrence, placed at an account."""

    key: str  # the dedup digest
    file: str
    line: int
    at: datetime
    account_id: str
    channel: str
    outbound: bool | None  # None: both sides (a meeting)
    user_id: str | None
    contact_ids: tuple[str, ...]
    proposed: tuple[tuple[str, str, str], ...]  # (name, e-mail, account_id)
    summary: str
    purpose: str
    minutes: int | None
    thread: tuple[str, ...]  # digests that name this conversation (own id, then parents)
    body: str = ""  # the start of a message's text, read for purpose and tags, not stored


@dataclass(frozen=True, slots=True)
class Left:
    file: str
    line: int
    reason: str


def _place_people(
    index: BookIndex, people: Iterable[tuple[str, str]]
) -> tuple[str | None, list[str], list[tuple[str, str, str]], list[str], int]:
    """(account, known contact ids, proposed, outside addresses, known outside count)."""
    account: str | None = None
    contacts: list[str] = []
    proposed: list[tuple[str, str, str]] = []
    outside: list[str] = []
    known = 0
    unknown: list[tuple[str, str]] = []
    for name, address in people:
        if index.is_ours(address):
            continue
        if address in index.contacts:
            contact_id, contact_account = index.contacts[address]
            account = account or contact_account
            if contact_account == account and contact_id not in contacts:
                contacts.append(contact_id)
            known += 1
        else:
            outside.append(address)
            unknown.append((name, address))
    for name, address in unknown:
        domain = address.rsplit("@", 1)[-1]
        at = index.account_by_domain.get(domain) if domain not in FREEMAIL else None
        account = account or at
        if at is not None and at == account:
            proposed.append((display_name(name, address), address, at))
    return account, contacts, proposed, outside, known


def place_message(msg: MailMessage, index: BookIndex, rules: list[Rule]) -> Placed | Left:
    if msg.problem is not None or msg.sent_at is None or msg.sender is None:
        return Left(msg.file, msg.line, f"malformed: {msg.problem}")
    people = [(msg.sender_name, msg.sender), *msg.recipients]
    ours = [a for _, a in people if index.is_ours(a)]
    if not ours:
        return Left(msg.file, msg.line, "neither from nor to one of us")
    outbound = index.is_ours(msg.sender)
    account, contacts, proposed, outside, known = _place_people(index, people)
    facts = Facts(msg.headers, msg.sender, msg.subject, tuple(outside), known)
    rule = verdict(rules, facts)
    if rule is not None:
        return Left(msg.file, msg.line, f"{rule.kind} (rule {rule.rule_id})")
    if not outside and not known:
        return Left(msg.file, msg.line, "internal: only our own people")
    if account is None:
        domains = sorted({a.rsplit("@", 1)[-1] for a in outside})
        return Left(msg.file, msg.line, f"no contact or account matches {', '.join(domains)}")
    own = msg.message_id or f"{msg.sender}|{msg.sent_at.isoformat()}|{msg.subject}"
    user = (
        index.users.get(msg.sender)
        if outbound
        else next((index.users[a] for a in ours if a in index.users), None)
    )
    return Placed(
        key=digest("mail:" + own),
        file=msg.file,
        line=msg.line,
        at=msg.sent_at,
        account_id=account,
        channel="email",
        outbound=outbound,
        user_id=user,
        contact_ids=tuple(contacts),
        proposed=tuple(proposed),
        summary=topic(msg.subject),
        purpose=guess_purpose(msg.subject, msg.snippet),
        minutes=None,
        thread=tuple(digest("mail:" + i) for i in (own, *reversed(msg.parents))),
        body=msg.snippet,
    )


def place_meeting(meeting: Meeting, index: BookIndex) -> Placed | Left:
    people = list(meeting.attendees)
    if meeting.organizer:
        people.insert(0, ("", meeting.organizer))
    ours = [a for _, a in people if index.is_ours(a)]
    if not ours:
        return Left(meeting.file, meeting.line, "none of us attends")
    account, contacts, proposed, outside, known = _place_people(index, people)
    if not outside and not known:
        return Left(meeting.file, meeting.line, "internal: only our own people")
    if account is None:
        domains = sorted({a.rsplit("@", 1)[-1] for a in outside})
        return Left(
            meeting.file, meeting.line, f"no contact or account matches {', '.join(domains)}"
        )
    key = digest(f"cal:{meeting.uid}@{meeting.start.isoformat()}")
    return Placed(
        key=key,
        file=meeting.file,
        line=meeting.line,
        at=meeting.start,
        account_id=account,
        channel="meeting",
        outbound=None,
        user_id=next((index.users[a] for a in ours if a in index.users), None),
        contact_ids=tuple(contacts),
        proposed=tuple(proposed),
        summary=meeting.summary or "(no title)",
        purpose=guess_purpose(meeting.summary),
        minutes=meeting.minutes,
        thread=(key,),
    )


def direction(sides: Iterable[bool | None]) -> str:
    """outbound, inbound or mutual, from who spoke: True us, False them, None both."""
    seen = set(sides)
    if None in seen or seen == {True, False}:
        return "mutual"
    return "outbound" if seen == {True} else "inbound"
