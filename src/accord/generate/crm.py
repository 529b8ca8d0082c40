"""CRM realism: the same book, written the way CRMs export it.

A clean book labels every touchpoint's purpose and tags every behaviour; a
CRM export does not. With `Realism.crm()` each chunk's tables are rewritten
before they are appended: the same events (so truth.csv still holds), but

* touchpoint `purpose` and `tags` blank: what happened is only in the free
  text `summary`, composed from `prose` — openers, bodies by purpose or
  planted behaviour, next steps, greetings, sign-offs, signatures, quoted
  replies, forwarded headers, typos, all-lower-case haste, asides about
  something else, generic or empty notes;
* feedback `tags` blank and its `text` saying what the tag said;
* `cost` and `list_amount` blank on a share of orders;
* `owner_id` blank on a share of accounts, `in_scope` on a share of service
  entries.

Its own random stream (`[seed, 2, chunk]`), so the events are the clean
book's to the byte; vectorised like the rest (a `gather` per fragment, a
`replace_all` per slot), so a CRM book costs about twice a clean one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from accord.generate import prose
from accord.generate import words as w
from accord.generate.people import Contacts
from accord.generate.vec import F64, I64, Bool

CLEAN, CRM = "clean", "crm"
REALISMS = (CLEAN, CRM)

BEHAVIOURS = ("aggressive", "threat", "bullying", "ultimatum", "unilateral_change")
EMAIL, MESSAGE = w.CHANNELS.index("email"), w.CHANNELS.index("message")


@dataclass(frozen=True)
class Realism:
    """How much a generated book reveals: `clean` labels everything, `crm` as CRMs export."""

    name: str = CLEAN
    missing_cost_share: float = 0.30  # of orders: cost and list_amount blank
    missing_owner_share: float = 0.08  # of accounts: owner_id blank
    missing_scope_share: float = 0.25  # of service entries: in_scope blank
    empty_summary_share: float = 0.05  # of touchpoints (never one showing a behaviour)
    generic_summary_share: float = 0.04  # "Call", "f/u", "see attached"…

    def __post_init__(self) -> None:
        if self.name not in REALISMS:
            raise ValueError(f"unknown realism {self.name!r}: choose one of {', '.join(REALISMS)}")
        for field in (
            "missing_cost_share",
            "missing_owner_share",
            "missing_scope_share",
            "empty_summary_share",
            "generic_summary_share",
        ):
            value = getattr(self, field)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{field.replace('_', ' ')} must be between 0 and 1, not {value}")

    @property
    def crm(self) -> bool:
        return self.name == CRM

    @classmethod
    def named(cls, name: str, *, missing_cost_share: float | None = None) -> Realism:
        """The realism called `name`, with its cost share changed if given."""
        if missing_cost_share is None:
            return cls(name)
        return cls(name, missing_cost_share=missing_cost_share)


def _codes(values: pl.Series, words: tuple[str, ...]) -> I64:
    """The index of each value in `words`; -1 where blank or not one of them."""
    mapping = {word: i for i, word in enumerate(words)}
    out: I64 = values.replace_strict(mapping, default=-1, return_dtype=pl.Int64).to_numpy()
    return out.astype(np.int64)


def _number(ids: pl.Series) -> I64:
    """The 1-based number of generated ids (`C00000042` → 42)."""
    out: I64 = ids.str.slice(1).str.strip_chars_start("0").cast(pl.Int64).to_numpy()
    return out.astype(np.int64)


class _Pool:
    """Groups of fragments as one flat Series: draw one fragment of a group per row."""

    def __init__(self, groups: tuple[tuple[str, ...], ...]) -> None:
        self.flat = pl.Series([s for g in groups for s in g], dtype=pl.String)
        sizes = np.array([len(g) for g in groups], dtype=np.int64)
        self.size = sizes
        self.offset = np.cumsum(sizes) - sizes

    def draw(self, rng: np.random.Generator, group: I64) -> pl.Series:
        """One fragment per row from its group (group -1: from the first; mask it out)."""
        g = np.maximum(group, 0)
        idx = self.offset[g] + (rng.random(g.size) * self.size[g]).astype(np.int64)
        return self.flat.gather(idx)


def _one(rng: np.random.Generator, words: tuple[str, ...], n: int) -> pl.Series:
    return pl.Series(words, dtype=pl.String).gather(rng.integers(0, len(words), n))


def _when(mask: Bool, then: pl.Series, otherwise: str | pl.Series = "") -> pl.Series:
    """`then` where `mask`, else `otherwise`: an empty fragment by default."""
    return (
        pl.select(pl.when(pl.lit(pl.Series(mask))).then(pl.lit(then)).otherwise(pl.lit(otherwise)))
        .to_series()
        .cast(pl.String)
    )


def _fill(text: pl.Series, slots: dict[str, pl.Series]) -> pl.Series:
    """Replace every `{slot}` in each text by that row's value."""
    frame = pl.DataFrame({"t": text, **{f"s{i}": v for i, v in enumerate(slots.values())}})
    expr = pl.col("t")
    for i, slot in enumerate(slots):
        expr = expr.str.replace_all("{" + slot + "}", pl.col(f"s{i}"), literal=True)
    return frame.select(expr).to_series()


def _roughen(rng: np.random.Generator, text: pl.Series, lower: F64, typo: F64) -> pl.Series:
    """Some texts typed in haste: all lower case, or one common word misspelt.

    Only the rows hit are touched (a few percent), so this costs little."""
    n = text.len()
    hit = rng.random(n) < typo
    which = rng.integers(0, len(prose.TYPOS), n)
    low = rng.random(n) < lower
    for i, (right, wrong) in enumerate(prose.TYPOS):
        rows = np.flatnonzero(hit & (which == i))
        if rows.size:
            text = text.scatter(rows, text.gather(rows).str.replace(right, wrong, literal=True))
    rows = np.flatnonzero(low)
    if rows.size:
        text = text.scatter(rows, text.gather(rows).str.to_lowercase())
    return text


def _first_word(names: pl.Series) -> pl.Series:
    return names.str.split(" ").list.first()


def _mail_date(rng: np.random.Generator, days: pl.Series) -> pl.Series:
    """`Tue, 12 May 2026 at 10:14`: an earlier message's date, 0–6 days before."""
    earlier = days.cast(pl.Int32) - pl.Series(rng.integers(0, 7, days.len()), dtype=pl.Int32)
    return earlier.cast(pl.Date).dt.strftime("%a, %d %b %Y") + " at " + _times(rng, days.len())


def _times(rng: np.random.Generator, n: int) -> pl.Series:
    table = pl.Series([f"{h:02d}:{m:02d}" for h in range(7, 19) for m in range(60)])
    return table.gather(rng.integers(0, table.len(), n))


def touchpoints(
    rng: np.random.Generator,
    frame: pl.DataFrame,
    contacts: Contacts,
    users: pl.DataFrame,
    accounts: pl.DataFrame,
    first_account: int,
    realism: Realism,
) -> pl.DataFrame:
    """Purpose and tags blanked; the summary tells what happened, as people write it."""
    n = frame.height
    if n == 0:
        return frame.with_columns(pl.lit(None, pl.String).alias(c) for c in ("purpose", "tags"))
    purpose = _codes(frame["purpose"], w.PURPOSES)
    channel = _codes(frame["channel"], w.CHANNELS)
    inbound = (frame["direction"] == "inbound").to_numpy()
    tag = _codes(frame["tags"], BEHAVIOURS)
    plain = _codes(frame["tags"], w.PLAIN_TAGS)
    shows = tag >= 0
    mail = channel == EMAIL
    message = channel == MESSAGE

    contact = _number(frame["contact_ids"].str.split(";").list.first()) - 1 - contacts.first
    people = contacts.frame.select("name", "title", "email")
    c_name = people["name"].gather(contact)
    c_title = people["title"].gather(contact)
    c_mail = people["email"].gather(contact)
    seller = users["name"].gather(_number(frame["user_id"]) - 1)
    s_mail = users["email"].gather(_number(frame["user_id"]) - 1)
    account = _first_word(accounts["name"]).gather(_number(frame["account_id"]) - 1 - first_account)
    day = frame["occurred_at"].str.slice(0, 10).str.to_date()

    u = rng.random
    note = _Pool(prose.NOTE_BODIES).draw(rng, purpose)
    out_mail = _Pool(prose.OUT_MAIL_BODIES).draw(rng, purpose)
    in_mail = _Pool(prose.IN_MAIL_BODIES).draw(rng, purpose)
    behaviour = _Pool(prose.BEHAVIOUR_BODIES).draw(rng, tag)
    body = _when(mail & inbound, in_mail, _when(mail, out_mail, note))
    body = _when(shows, behaviour, body)
    # a note reads as a sentence: capital first letter where a seller bothered
    capital = (u(n) < 0.6) & ~mail
    body = _when(capital, body.str.slice(0, 1).str.to_uppercase() + body.str.slice(1), body)
    mention = _Pool(prose.TAG_MENTIONS).draw(rng, plain)
    mention = _when((plain >= 0) & (u(n) < 0.8), mention)
    opener = _Pool(prose.NOTE_OPENERS).draw(rng, channel)
    opener = _when(~mail & ~message & (u(n) < 0.7), opener)
    steps = _when(~mail & ~message & (u(n) < 0.25), _one(rng, prose.NEXT_STEPS, n))
    aside = _when(~message & (u(n) < 0.08), _one(rng, prose.ASIDES, n))

    # e-mails (built on the e-mail rows only): subject, greeting, sign-off, signature,
    # a quoted reply or a forwarded header
    m = np.flatnonzero(mail)
    k = m.size
    inb = inbound[m]
    c_m, s_m, day_m = c_name.gather(m), seller.gather(m), day.gather(m)
    subject = _one(rng, prose.SUBJECT_PREFIXES, k) + _one(rng, prose.SUBJECTS, k) + "\n"
    greet_in, greet_out = _one(rng, prose.GREETINGS_IN, k), _one(rng, prose.GREETINGS_OUT, k)
    signer = _when(inb, _first_word(c_m), _first_word(s_m))
    sign_in, sign_out = _one(rng, prose.SIGNATURES_IN, k), _one(rng, prose.SIGNATURES_OUT, k)
    other_name = _when(inb, s_m, c_m)
    other_mail = _when(inb, s_mail.gather(m), c_mail.gather(m))
    r = rng.random(k)
    quoted_line = _one(rng, prose.QUOTED_LINES, k)
    sent = _mail_date(rng, day_m)
    forwarded_subject = _one(rng, prose.SUBJECTS, k)
    head = pl.DataFrame(
        {
            "subject": _when(rng.random(k) < 0.35, subject),
            "greeting": _when(rng.random(k) < 0.85, _when(inb, greet_in, greet_out)),
            "sign_off": _when(rng.random(k) < 0.8, _one(rng, prose.SIGN_OFFS, k) + signer),
            "signature": _when(rng.random(k) < 0.45, _when(inb, sign_in, sign_out)),
            "who": other_name,
            "address": other_mail,
            "sent": sent,
            "quoted_line": quoted_line,
            "fwd_subject": forwarded_subject,
            "quote": pl.Series(r < 0.3),
            "forward": pl.Series((r >= 0.3) & (r < 0.36)),
        }
    )
    mails = head.select(
        start=pl.concat_str(
            pl.when("forward")
            .then(
                pl.concat_str(
                    pl.lit("---------- Forwarded message ---------\nFrom: "),
                    "who",
                    pl.lit(" <"),
                    "address",
                    pl.lit(">\nDate: "),
                    "sent",
                    pl.lit("\nSubject: "),
                    "fwd_subject",
                    pl.lit("\n\n"),
                )
            )
            .otherwise(pl.lit("")),
            "subject",
            "greeting",
        ),
        end=pl.concat_str(
            "sign_off",
            "signature",
            pl.when("quote")
            .then(
                pl.concat_str(
                    pl.lit("\n\nOn "),
                    "sent",
                    pl.lit(", "),
                    "who",
                    pl.lit(" <"),
                    "address",
                    pl.lit("> wrote:\n> "),
                    "quoted_line",
                )
            )
            .otherwise(pl.lit("")),
        ),
    )
    # slots filled per part, each with the slots its fragments hold (cheaper than one
    # pass of every slot over whole e-mails)
    core = (
        pl.DataFrame({"b": mention, "c": opener, "d": body, "e": aside, "f": steps})
        .select(pl.concat_str("b", "c", "d", "e", "f"))
        .to_series()
    )
    core = _fill(
        core,
        {
            "c": _first_word(c_name),
            "s": _first_word(seller),
            "a": account,
            "p": _one(rng, w.PRODUCT_NAMES, n),
            "t": _one(rng, prose.TOPICS, n),
            "d": _one(rng, prose.WEEKDAYS, n),
            "n": _one(rng, prose.FIGURES, n),
            "q": "Q" + day.dt.quarter().cast(pl.String),
        },
    )
    mail_slots = {
        "C": c_m,
        "c": _first_word(c_m),
        "S": s_m,
        "s": _first_word(s_m),
        "a": account.gather(m),
        "title": c_title.gather(m),
        "p": _one(rng, w.PRODUCT_NAMES, k),
        "n2": pl.Series(rng.integers(10, 100, k)).cast(pl.String),
    }
    blank = pl.Series([""], dtype=pl.String).gather(np.zeros(n, dtype=np.int64))
    start = blank.scatter(m, _fill(mails["start"], mail_slots)) if k else blank
    end = blank.clone().scatter(m, _fill(mails["end"], mail_slots)) if k else blank
    summary = (
        pl.DataFrame({"a": start, "b": core, "c": end})
        .select(pl.concat_str("a", "b", "c"))
        .to_series()
    )
    summary = _roughen(rng, summary, np.where(message, 0.3, 0.06), np.full(n, 0.07))
    # a hurried seller logs nothing, or nothing that tells what happened
    r = u(n)
    empty = ~shows & (r < realism.empty_summary_share)
    generic = ~shows & ~empty & (r < realism.empty_summary_share + realism.generic_summary_share)
    summary = _when(generic, _one(rng, prose.GENERIC_NOTES, n), summary)
    summary = _when(~empty, summary, pl.Series([None] * n, dtype=pl.String))
    return frame.with_columns(
        pl.lit(None, pl.String).alias("purpose"),
        pl.lit(None, pl.String).alias("tags"),
        summary.alias("summary"),
    )


FEEDBACK_TAGS = w.COMPLAINT_TAGS + BEHAVIOURS[:3] + BEHAVIOURS[3:] + w.PRAISE_TAGS
"""The feedback tags of a clean book, in `care.FEEDBACK_TAGS` order."""


def feedback(rng: np.random.Generator, frame: pl.DataFrame, contacts: Contacts) -> pl.DataFrame:
    """Tags blanked; the text says what the tag said (a complaint's subject, its tone)."""
    n = frame.height
    if n == 0:
        return frame.with_columns(pl.lit(None, pl.String).alias("tags"))
    kind = _codes(frame["kind"], w.FEEDBACK_KINDS)
    score = frame["score"].fill_null(-1).to_numpy().astype(np.int64)
    tag = _codes(frame["tags"], FEEDBACK_TAGS)
    n_subject, n_behaviour = len(w.COMPLAINT_TAGS), len(BEHAVIOURS)
    behaviour = np.where((tag >= n_subject) & (tag < n_subject + n_behaviour), tag - n_subject, -1)
    praise = np.where(tag >= n_subject + n_behaviour, tag - n_subject - n_behaviour, -1)
    complaint_subject = np.where((tag >= 0) & (tag < n_subject), tag, n_subject)  # else general
    nps_band = np.where(score <= 6, 0, np.where(score <= 8, 1, 2))
    csat_band = np.where(score <= 2, 0, np.where(score == 3, 1, 2))
    nps = _Pool(prose.NPS_TEXTS).draw(rng, nps_band)
    csat = _Pool(prose.CSAT_TEXTS).draw(rng, csat_band)
    complaint = _Pool(prose.COMPLAINT_TEXTS).draw(rng, complaint_subject)
    complaint = _when(
        behaviour >= 0, _Pool(prose.BEHAVIOUR_COMPLAINTS).draw(rng, behaviour), complaint
    )
    kudos = _Pool(prose.PRAISE_TEXTS).draw(
        rng, np.where(praise >= 0, praise, len(prose.PRAISE_TEXTS) - 1)
    )
    text = _when(kind == 0, nps, _when(kind == 1, csat, _when(kind == 2, complaint, kudos)))
    contact = _number(frame["contact_id"]) - 1 - contacts.first
    name = contacts.frame["name"].gather(contact)
    signed = _when(rng.random(n) < 0.2, " - " + name)
    text = _fill(text + signed, {"p": _one(rng, w.PRODUCT_NAMES, n)})
    text = _roughen(rng, text, np.full(n, 0.05), np.full(n, 0.05))
    has_text = frame["text"].is_not_null().to_numpy()
    return frame.with_columns(
        _when(has_text, text, pl.Series([None] * n, dtype=pl.String)).alias("text"),
        pl.lit(None, pl.String).alias("tags"),
    )


def _blank_some(
    rng: np.random.Generator, frame: pl.DataFrame, columns: tuple[str, ...], share: float
) -> pl.DataFrame:
    """The same rows with `columns` blank on about `share` of them."""
    if frame.height == 0 or share <= 0:
        return frame
    missing = pl.lit(pl.Series(rng.random(frame.height) < share))
    return frame.with_columns(
        pl.when(missing).then(None).otherwise(pl.col(c)).alias(c) for c in columns
    )


def orders(rng: np.random.Generator, frame: pl.DataFrame, realism: Realism) -> pl.DataFrame:
    """Cost and list price blank on a share of orders (a CRM seldom holds our cost)."""
    return _blank_some(rng, frame, ("cost", "list_amount"), realism.missing_cost_share)


def accounts(rng: np.random.Generator, frame: pl.DataFrame, realism: Realism) -> pl.DataFrame:
    """Some accounts nobody owns in the CRM."""
    return _blank_some(rng, frame, ("owner_id",), realism.missing_owner_share)


def service(rng: np.random.Generator, frame: pl.DataFrame, realism: Realism) -> pl.DataFrame:
    """Some service entries with no in-scope flag (imported as the default: in scope)."""
    return _blank_some(rng, frame, ("in_scope",), realism.missing_scope_share)
