"""API schemas, derived from the ledger's description and kept apart from the tables.

For every ledger table: `XCreate` (every column; the required ones required),
`XUpdate` (any non-key column; a PATCH changes only the fields it names),
`XPublic` (every column plus `version`, the value to send back in If-Match)
and `XPage`. Unknown fields are refused. Types are strict (a number is not a
string, a boolean is not a number); dates and times are ISO text, checked by
the service layer, which reports the field that is wrong either way.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, create_model

from accord.domain.schema import LEDGER, Column, Kind, Table
from accord.ledger_input import MAX_LIST_ITEMS, MAX_TEXT

_STRICT = ConfigDict(extra="forbid")


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def model_name(table: Table) -> str:
    return _camel(table.noun.replace(" ", "_"))


def _type(col: Column) -> Any:
    if col.kind is Kind.TEXT:
        return str
    if col.kind is Kind.INT:
        return StrictInt
    if col.kind is Kind.DECIMAL:
        return StrictFloat | StrictInt
    if col.kind is Kind.BOOL:
        return StrictBool
    if col.kind is Kind.ENUM:
        return Literal[tuple(col.allowed)]
    if col.kind is Kind.LIST:
        return list[str]
    return str  # DATE, DATETIME: ISO text


def _field(col: Column, *, default: Any) -> Any:
    extra: dict[str, Any] = {}
    kw: dict[str, Any] = {}
    if col.kind is Kind.DATE:
        extra["format"] = "date"
        kw["pattern"] = r"^\d{4}-\d{2}-\d{2}$"
    elif col.kind is Kind.DATETIME:
        extra["format"] = "date-time"
        kw["max_length"] = 40
    elif col.kind is Kind.TEXT:
        kw["max_length"] = MAX_TEXT
    elif col.kind is Kind.LIST:
        kw["max_length"] = MAX_LIST_ITEMS
    if col.kind in (Kind.INT, Kind.DECIMAL):
        if col.minimum is not None:
            kw["ge"] = col.minimum
        kw["le"] = col.maximum if col.maximum is not None else 1e15
    bits = [f"{col.kind.value}"]
    if col.allowed:
        bits.append("one of " + ", ".join(col.allowed))
    if col.references:
        bits.append(f"refers to {col.references}")
    if col.default is not None:
        bits.append(f"default {col.default}")
    return Field(
        default=default, description="; ".join(bits), json_schema_extra=extra or None, **kw
    )


def _create(table: Table) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for col in table.columns:
        needed = col.required or col.name in table.key
        typ = _type(col)
        fields[col.name] = (
            (typ, _field(col, default=...)) if needed else (typ | None, _field(col, default=None))
        )
    model: type[BaseModel] = create_model(
        f"{model_name(table)}Create", __config__=_STRICT, **fields
    )
    model.__doc__ = f"A new {table.noun} (unknown fields are refused)."
    return model


def _update(table: Table) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for col in table.columns:
        if col.name in table.key:
            continue
        needed = col.required or col.default is not None
        typ = _type(col)
        fields[col.name] = (
            (typ, _field(col, default=None)) if needed else (typ | None, _field(col, default=None))
        )
    model: type[BaseModel] = create_model(
        f"{model_name(table)}Update", __config__=_STRICT, **fields
    )
    model.__doc__ = f"The fields of a {table.noun} to change; those left out stay as they are."
    return model


def _public(table: Table) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for col in table.columns:
        typ: Any = {Kind.DATE: date, Kind.DATETIME: str}.get(col.kind, _type(col))
        if col.kind is Kind.DATETIME:
            typ = Any
        fields[col.name] = (typ | None, Field(default=None, description=col.kind.value))
    fields["version"] = (
        str,
        Field(description="The row's version: send it back in If-Match to change the row."),
    )
    model: type[BaseModel] = create_model(f"{model_name(table)}Public", **fields)
    model.__doc__ = f"A {table.noun} as stored."
    return model


class Schemas:
    """The four models of one table."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.create = _create(table)
        self.update = _update(table)
        self.public = _public(table)
        self.page = create_model(
            f"{model_name(table)}Page",
            items=(list[self.public], ...),  # type: ignore[name-defined]
            total=(int, Field(description="Rows matching the filters, all pages together.")),
            limit=(int, ...),
            offset=(int, ...),
        )
        self.page.__doc__ = f"One page of {table.name}."


SCHEMAS: dict[str, Schemas] = {t.name: Schemas(t) for t in LEDGER}


class Problem(BaseModel):
    """An RFC 9457 problem detail; `errors` names each field that is wrong."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, str]] | None = Field(
        default=None, description="[{field, message}] for each field that is wrong."
    )


class IngestResult(BaseModel):
    """Rows inserted and updated per table by a bulk ingest."""

    inserted: dict[str, int]
    updated: dict[str, int]


class Me(BaseModel):
    """The user a token belongs to."""

    user_id: str
    name: str
    role: str
    team: str | None


class Pattern(BaseModel):
    id: str
    severity: str
    evidence: dict[str, Any]
    action: str | None = None
    cost: float | None = None
    at_risk: float | None = None


class Diagnosis(BaseModel):
    """Health and patterns of one account (the `accord diagnose --format json` record)."""

    model_config = ConfigDict(extra="allow")
    account_id: str
    as_of: str
    health: dict[str, float | None]
    patterns: list[Pattern]
    facts: dict[str, list[str] | None]


class Lifetime(BaseModel):
    """The lifetime-value outlook of one account."""

    model_config = ConfigDict(extra="allow")
    account_id: str
    as_of: str
    note: str | None = None
    p_alive: float | None = None
    expected_orders_12m: float | None = None
    expected_value_12m: float | None = None


class AgendaItem(BaseModel):
    """One action on a seller's agenda (docs/agenda.md explains each field)."""

    id: str
    kind: str
    account_id: str
    account_name: str
    contact_id: str | None
    contact_name: str | None
    title: str
    reason: str
    evidence: dict[str, Any]
    due: date
    days_overdue: int
    value_at_stake: float
    urgency: float
    priority: float
    level: str | None
    state: str
    until: date | None
    note: str | None
    severity: str
    category: str
    priority_words: str


class AgendaEntry(AgendaItem):
    """An item with the items it absorbed (they describe the same thing)."""

    merged: list[AgendaItem]


class AgendaAction(BaseModel):
    """One line of the daily agenda: an account, its most important item, the others folded."""

    account_id: str
    account_name: str
    severity: str
    priority_words: str
    lead: AgendaEntry
    folded: list[AgendaEntry]


class Agenda(BaseModel):
    """A seller's daily agenda as of a date (docs/agenda.md): at most `agenda.max_actions`
    lines, the data to complete apart, and every open item behind them."""

    user_id: str
    user_name: str
    as_of: date
    total: int
    hidden: dict[str, int]
    actions: list[AgendaAction]
    more_actions: int
    to_complete: list[AgendaEntry]
    more_to_complete: int
    items: list[AgendaItem]
