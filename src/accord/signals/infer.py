"""What to store for a note: the inferred purpose and tags, each only when sure enough.

A person's label always wins: a labelled purpose gets no inferred one, and a tag
a person gave is not inferred again. Below the confidence thresholds
(`[signals]` settings) nothing is stored but the confidence itself, so that an
unsure guess reads as unknown, not as a fact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from accord.config import Signals
from accord.signals.model import MODEL_VERSION, read
from accord.signals.text import clean


@dataclass(frozen=True, slots=True)
class Inferred:
    """The inferred columns of one row (all None: there was no text to read)."""

    purpose_inferred: str | None = None
    purpose_confidence: float | None = None
    tags_inferred: str | None = None  # `;`-list
    tags_confidence: str | None = None  # `tag:0.87;…`
    signals_model: str | None = None  # set when something was stored


NOTHING = Inferred()
"""No text, or nothing to store: a labelled note in which no behaviour was read."""


@dataclass(frozen=True, slots=True)
class Note:
    """One row's text and the labels a person gave it."""

    texts: tuple[str | None, ...]  # summary, mail body, feedback text …
    purpose: str | None = None  # None: unlabelled (or a row with no purpose: feedback)
    tags: str | None = None  # the `;`-list a person gave
    wants_purpose: bool = True  # False for feedback


def infer(notes: Sequence[Note], settings: Signals) -> list[Inferred]:
    """The inferred columns for each note, in order (one model pass for all)."""
    texts = [clean(*n.texts) for n in notes]
    distinct = list(dict.fromkeys(t for t in texts if t))  # notes repeat: read each text once
    guesses = dict(zip(distinct, read(distinct), strict=True))
    out: list[Inferred] = []
    for text, note in zip(texts, notes, strict=True):
        guess = guesses.get(text)
        if guess is None:
            out.append(NOTHING)
            continue
        purpose: str | None = None
        confidence: float | None = None
        if note.wants_purpose and not note.purpose:
            best, confidence = guess.purpose
            confidence = round(confidence, 4)
            purpose = best if confidence >= settings.purpose_confidence else None
        given = {t.strip().lower() for t in (note.tags or "").split(";") if t.strip()}
        tags = {t: p for t, p in guess.tags_from(settings.tag_confidence).items() if t not in given}
        if confidence is None and not tags:
            out.append(NOTHING)  # nothing to store (a labelled note without behaviour)
            continue
        out.append(
            Inferred(
                purpose,
                confidence,
                ";".join(tags) or None,
                ";".join(f"{t}:{p:.2f}" for t, p in tags.items()) or None,
                MODEL_VERSION,
            )
        )
    return out
