"""The words of a note that speak for it: without greetings, signatures and quoted replies.

A mail body is mostly what the models must not read: the reply it quotes (the
other side's words, often about something else), the signature and the legal
footer. `clean` keeps the writer's own lines, in several languages' usual
forms, and joins a note's parts (subject, body, title) into one text.
"""

from __future__ import annotations

import re

_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|tr|rv)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)

# A line from which the rest is someone else's words or boilerplate.
_STOP = re.compile(
    r"""^\s*(
        -{2,}\s*$ | --\s$ | _{5,} |
        -+\s*(original|forwarded)\s+message\s*-+ |
        (on|am|le|el|il|op)\s.{0,120}
            (wrote|schrieb|a\sécrit|escribió|ha\sscritto|schreef)\s*:?\s*$ |
        (from|von|de|da|van)\s*:\s.+ |
        sent\sfrom\smy\s |
        (best|kind|warm|many)?\s*regards\b | best\s*,?\s*$ | cheers\s*,?\s*$ |
        thanks\s*(again|a\s+lot)?\s*,\s*$ | thank\syou\s*,\s*$ | sincerely |
        mit\sfreundlichen\sgrü(ß|ss)en | viele\sgrü(ß|ss)e | beste\sgrü(ß|ss)e |
        cordialement | bien\sà\svous | saludos | un\ssaludo | cordiali\ssaluti | met\svriendelijke |
        this\s(e-?mail|message)\s(and\sany|is\sconfidential|may\scontain) |
        confidentiality\snotice | disclaimer\s*:
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear|hallo|guten\stag|liebe[rs]?|bonjour|hola|ciao|buongiorno|goedemorgen)"
    r"\b[^.!?\n]{0,40}[,!:]?\s*$",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"^\s*>")
_SPACE = re.compile(r"\s+")
MAX_CHARS = 2000
"""Of a cleaned text, the characters the models read (the first words carry the point)."""


def own_lines(body: str) -> str:
    """The writer's own words of a mail body or note: stops at a quoted reply or a signature,
    drops greeting lines and `>` quotes."""
    kept: list[str] = []
    for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _STOP.match(line):
            if kept:  # a sign-off before anything was said is a greeting, not the end
                break
            continue
        if _QUOTED.match(line) or _GREETING.match(line) or not line.strip():
            continue
        kept.append(line.strip())
    return " ".join(kept)


def clean(*parts: str | None) -> str:
    """The parts of one note (subject, body, title …) as one text to classify; '' when none
    holds words."""
    texts: list[str] = []
    for part in parts:
        if not part:
            continue
        text = _REPLY_PREFIX.sub("", own_lines(part))
        text = _SPACE.sub(" ", text).strip()
        if text and text.lower() not in (t.lower() for t in texts):
            texts.append(text)
    return ". ".join(texts)[:MAX_CHARS]
