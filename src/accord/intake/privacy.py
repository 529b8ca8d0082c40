"""A person's data, found and erased: what counts as naming them, and what replaces it.

A person is named by their e-mail address and by their full name (any case);
those words are replaced by `[erased]` wherever free text holds them. The
contact row itself stays, anonymised, so the account-level facts that hang on
it (who was in a meeting, how many people we know there) keep adding up.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

ERASED = "[erased]"
ERASED_NAME = "erased contact"


def needles(names: Iterable[str | None], emails: Iterable[str | None]) -> list[str]:
    """The texts that name a person, longest first (so a name inside an address goes too)."""
    found = {n.strip() for n in (*names, *emails) if n and len(n.strip()) >= 3}
    return sorted(found, key=len, reverse=True)


def pattern(words: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def mentions(text: str | None, found: re.Pattern[str]) -> bool:
    return bool(text) and found.search(str(text)) is not None


def scrub(text: str, found: re.Pattern[str]) -> str:
    return found.sub(ERASED, text)


def scrub_json(text: str, found: re.Pattern[str]) -> str:
    """A JSON document with every string value (and key) scrubbed."""

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return scrub(value, found)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {scrub(str(k), found): walk(v) for k, v in value.items()}
        return value

    return json.dumps(walk(json.loads(text)))
