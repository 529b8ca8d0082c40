"""Reading one row of user input against the ledger's description (pure).

The API hands over JSON-typed values, the web forms hand over text; both come
through `clean_row`, which answers with typed values ready to store or with
every field that is wrong and why — the same words on a page and in a problem
detail. The rules are those of the bundle (`accord.domain.schema`): kinds,
required columns, enum words, minimum and maximum.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from accord.domain.schema import Column, Kind, Table
from accord.errors import BadInputError

MAX_TEXT = 10_000  # characters in one text cell
MAX_LIST_ITEMS = 200


class InvalidFieldsError(BadInputError):
    """One or more fields of a row cannot be accepted; `fields` maps each to its message."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.fields.items()))


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    if len(value) > MAX_TEXT:
        raise ValueError(f"must be at most {MAX_TEXT} characters")
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _number(col: Column, value: Any, *, integer: bool) -> int | float:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, str):
        try:
            value = int(value) if integer else float(value)
        except ValueError:
            raise ValueError(f"must be {'a whole number' if integer else 'a number'}") from None
    if integer and not isinstance(value, int):
        raise ValueError("must be a whole number")
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("must be a finite number")
    if abs(value) > 1e15:
        raise ValueError("is too large")
    if col.minimum is not None and value < col.minimum:
        raise ValueError(f"must be at least {col.minimum:g}")
    if col.maximum is not None and value > col.maximum:
        raise ValueError(f"must be at most {col.maximum:g}")
    return int(value) if integer else float(value)


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a time")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("must be a date (YYYY-MM-DD)")


def _datetime(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("must be a time (ISO 8601, e.g. 2026-03-01T10:00)") from None
    if not isinstance(value, datetime):
        raise ValueError("must be a time (ISO 8601, e.g. 2026-03-01T10:00)")
    moment: datetime = value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if not 1900 <= moment.year <= 2999:
        raise ValueError("must be between the years 1900 and 2999")
    return moment


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "on", "off"):
        return value.lower() in ("true", "on")
    raise ValueError("must be true or false")


def _list(value: Any) -> str:
    if isinstance(value, str):
        value = value.split(";")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of words")
    words = [v.strip() for v in value if v.strip()]
    if len(words) > MAX_LIST_ITEMS:
        raise ValueError(f"must have at most {MAX_LIST_ITEMS} items")
    for w in words:
        if ";" in w:
            raise ValueError("items must not contain ';'")
        _text(w)
    return ";".join(words)


def clean_value(col: Column, value: Any) -> Any:
    """One value as stored (lists `;`-joined), or ValueError with the reason; '' is blank."""
    if isinstance(value, str) and col.kind is not Kind.TEXT:
        value = value.strip()
    if value is None or value == "" or (col.kind is Kind.LIST and value == []):
        return None
    if col.kind is Kind.TEXT:
        return _text(value)
    if col.kind is Kind.INT:
        return _number(col, value, integer=True)
    if col.kind is Kind.DECIMAL:
        return _number(col, value, integer=False)
    if col.kind is Kind.DATE:
        day = _date(value)
        if not 1900 <= day.year <= 2999:
            raise ValueError("must be between the years 1900 and 2999")
        return day
    if col.kind is Kind.DATETIME:
        return _datetime(value)
    if col.kind is Kind.BOOL:
        return _bool(value)
    if col.kind is Kind.ENUM:
        text = _text(value)
        if text not in col.allowed:
            raise ValueError(f"must be one of {', '.join(col.allowed)}")
        return text
    return _list(value)


def clean_row(table: Table, values: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """Typed values of a row (creation: defaults filled; `partial`: only the fields given)."""
    problems: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name in values:
        if name not in table.column_names:
            problems[name] = (
                f"is not a field of {table.noun}; known: {', '.join(table.column_names)}"
            )
    for col in table.columns:
        if col.name not in values:
            if partial:
                continue
            raw: Any = None
        else:
            raw = values[col.name]
        if partial and col.name in table.key:
            problems[col.name] = "cannot be changed (it is part of the id)"
            continue
        try:
            value = clean_value(col, raw)
        except ValueError as exc:
            problems[col.name] = str(exc)
            continue
        if value is None and col.default is not None:
            value = clean_value(col, col.default)
        if value is None and (col.required or col.name in table.key):
            problems[col.name] = "is required"
            continue
        out[col.name] = value
    if problems:
        raise InvalidFieldsError(problems)
    return out


def public_value(col: Column, stored: Any) -> Any:
    """A stored value as the API shows it (lists as lists)."""
    if col.kind is Kind.LIST:
        return [w for w in (stored or "").split(";") if w]
    if col.kind is Kind.BOOL and stored is not None:
        return bool(stored)
    return stored
