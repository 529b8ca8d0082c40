"""Scoped, audited create / read / update / delete for every ledger table.

The web pages and the REST API both change the ledger through these functions
and through nothing else. Three rules hold for every call:

* scope — every query is filtered by what the signed-in user may see
  (`accord.access`); a row outside it is "not in the book", exactly like a row
  that does not exist, so an id tells nothing;
* versions — a row's version is a digest of its stored values; an update or a
  delete names the version it read and gets `StaleVersionError` if the row has
  changed since, by any path (a page, the API, an import);
* audit — each changed field is recorded (who, when, old, new) in the same
  transaction as the change.

The reference tables (users, partners, products) are readable by everyone
signed in and written by admins only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from accord import audit
from accord.access import PermissionDeniedError, Principal, scoped_account_ids, users_in_scope
from accord.domain.schema import BY_NAME, LEDGER, Kind, Table
from accord.errors import AccordError, BadInputError, NotFoundError
from accord.ledger_input import InvalidFieldsError, clean_row, clean_value, public_value
from accord.services_signals import SIGNAL_INPUTS, infer_rows
from accord.storage.engines import engine_for
from accord.storage.tables import LEDGER_TABLES

REFERENCE_TABLES = frozenset({"users", "partners", "products"})
MAX_PAGE = 500
MAX_BULK_ROWS = 5000


class StaleVersionError(AccordError):
    """The row changed since the version the caller read (412)."""

    def __init__(self, noun: str, key: str, current: str) -> None:
        self.current = current
        super().__init__(
            f"the {noun} {key!r} changed since you read it (now version {current}): "
            "read it again and reapply your change"
        )


class VersionRequiredError(BadInputError):
    """An update or delete that does not say which version it read (428)."""


class ConflictError(BadInputError):
    """A row whose id is already taken (409)."""


@dataclass(frozen=True, slots=True)
class Row:
    table: str
    values: dict[str, Any]  # stored values (lists `;`-joined)
    version: str

    def public(self) -> dict[str, Any]:
        t = BY_NAME[self.table]
        return {c.name: public_value(c, self.values.get(c.name)) for c in t.columns}


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Row]
    total: int
    limit: int
    offset: int


def table_of(name: str) -> Table:
    if name not in BY_NAME:
        raise NotFoundError(f"there is no ledger table {name!r}")
    return BY_NAME[name]


def row_version(table: Table, values: Mapping[str, Any]) -> str:
    """A digest of a row's stored values: equal rows, equal versions."""
    text = json.dumps([audit.as_text(values.get(c)) for c in table.column_names])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def key_text(table: Table, values: Mapping[str, Any]) -> str:
    return "/".join(str(values[k]) for k in table.key)


def _sa(table: Table) -> sa.Table:
    return LEDGER_TABLES[table.name]


@dataclass(frozen=True, slots=True)
class ScopeRule:
    """How the rows of a table belong to accounts, and so to whom they are visible.

    * `reference` — not an account's: readable by everyone, written by admins;
    * `account` — the row names its account in `account_id`;
    * `parent` — the row belongs to the row of `parent` named by its `column`
      (an order line to its order, a decision criterion to its opportunity), and
      is in scope when that row is.
    """

    kind: str
    column: str | None = None
    parent: str | None = None
    parent_column: str | None = None

    def link(self) -> tuple[str, str, str]:
        """(column, parent table, parent's column) of a `parent` rule."""
        if self.column is None or self.parent is None or self.parent_column is None:
            raise AssertionError(f"a {self.kind} rule has no parent")
        return self.column, self.parent, self.parent_column


def _derive_rule(table: Table, known: Mapping[str, ScopeRule]) -> ScopeRule:
    if table.name in REFERENCE_TABLES:
        return ScopeRule("reference")
    if "account_id" in table.column_names:
        return ScopeRule("account", "account_id")
    for col in table.columns:
        if col.name not in table.key or not col.references or col.kind is Kind.LIST:
            continue
        parent, parent_column = col.references.split(".")
        if parent in known and known[parent].kind != "reference":
            return ScopeRule("parent", col.name, parent, parent_column)
    raise AssertionError(
        f"no scope rule for {table.name}: give it an account_id, a key column referencing an "
        "account's table, or list it in REFERENCE_TABLES"
    )


def _derive_rules() -> dict[str, ScopeRule]:
    rules: dict[str, ScopeRule] = {}
    for table in LEDGER:  # load order: a parent's rule comes before its children's
        rules[table.name] = _derive_rule(table, rules)
    return rules


SCOPE_RULES: dict[str, ScopeRule] = _derive_rules()
"""Every ledger table's scope rule, derived from the ledger's description at import: a
table the rules cannot place stops the application from starting."""


def _scope_filter(table: Table, principal: Principal) -> sa.ColumnElement[bool] | None:
    """The condition that keeps a table's rows to the principal's accounts (None: all)."""
    rule = SCOPE_RULES[table.name]
    if principal.is_admin or rule.kind == "reference":
        return None
    t = _sa(table)
    if rule.kind == "account":
        return t.c.account_id.in_(scoped_account_ids(principal))
    column, parent_name, parent_column = rule.link()
    parent = BY_NAME[parent_name]
    inner = _scope_filter(parent, principal)
    assert inner is not None  # a parent is an account's row, and the principal no admin
    p = _sa(parent)
    return t.c[column].in_(sa.select(p.c[parent_column]).where(inner))


def _where_key(table: Table, key: Mapping[str, Any]) -> list[sa.ColumnElement[bool]]:
    t = _sa(table)
    return [t.c[k] == key[k] for k in table.key]


def _fetch(
    conn: sa.Connection, table: Table, principal: Principal, key: Mapping[str, Any]
) -> dict[str, Any]:
    query = sa.select(_sa(table)).where(*_where_key(table, key))
    cond = _scope_filter(table, principal)
    if cond is not None:
        query = query.where(cond)
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFoundError(f"there is no {table.noun} {key_text(table, key)!r} in the book")
    return dict(row)


def _account_of(conn: sa.Connection, table: Table, values: Mapping[str, Any]) -> str | None:
    """The account a row belongs to (through its parents), None for reference rows."""
    rule = SCOPE_RULES[table.name]
    if rule.kind == "account":
        found = values.get("account_id")
        return None if found is None else str(found)
    if rule.kind == "reference":
        return None
    column, parent_name, parent_column = rule.link()
    parent = BY_NAME[parent_name]
    p = _sa(parent)
    row = (
        conn.execute(sa.select(p).where(p.c[parent_column] == values.get(column)))
        .mappings()
        .first()
    )
    return None if row is None else _account_of(conn, parent, dict(row))


def _attributed(table: Table) -> bool:
    """Whether a table's rows say who on our side did the work (`user_id`)."""
    return table.name != "users" and "user_id" in table.column_names


def _attribute(table: Table, principal: Principal, values: dict[str, Any]) -> dict[str, Any]:
    """A new row's `user_id`, when left out, is the signed-in user's."""
    if _attributed(table) and values.get("user_id") is None:
        return values | {"user_id": principal.user_id}
    return values


def _require_writer(table: Table, principal: Principal) -> None:
    if table.name in REFERENCE_TABLES and not principal.is_admin:
        raise PermissionDeniedError(f"only an admin may change {table.name}")


def _check_references(
    conn: sa.Connection, table: Table, principal: Principal, values: Mapping[str, Any]
) -> None:
    """Every id a row names must be in the book and in the principal's scope."""
    problems: dict[str, str] = {}
    for col in table.columns:
        value = values.get(col.name)
        if col.references is None or value is None:
            continue
        if table.name == "users" and col.name == "manager_id" and value == values.get("user_id"):
            continue
        ref_table, ref_col = col.references.split(".")
        target = BY_NAME[ref_table]
        wanted = value.split(";") if col.kind is Kind.LIST else [value]
        t = _sa(target)
        query = sa.select(t.c[ref_col]).where(t.c[ref_col].in_(wanted))
        cond = _scope_filter(target, principal)
        if cond is not None:
            query = query.where(cond)
        found = {str(v) for v in conn.execute(query).scalars()}
        missing = [w for w in wanted if w not in found]
        if missing:
            problems[col.name] = f"there is no {target.noun} {missing[0]!r} in the book"
    who = values.get("user_id") if _attributed(table) else None
    if who is not None and not principal.is_admin and who != principal.user_id:
        problems["user_id"] = (
            f"you may record only your own work, not {who!r}'s: leave user_id out "
            "(it is yours) or ask an admin"
        )
    owner = values.get("owner_id") if table.name == "accounts" else None
    if owner is not None and "owner_id" not in problems:
        allowed = users_in_scope(conn, principal)
        if allowed is not None and owner not in allowed:
            problems["owner_id"] = f"you may not give an account to {owner!r}"
    from accord.services_plans import row_rules  # rules across rows (issue 8)

    for name, problem in row_rules(conn, table.name, dict(values)).items():
        problems.setdefault(name, problem)
    if problems:
        raise InvalidFieldsError(problems)


def _integrity(table: Table, key: str, exc: sa.exc.IntegrityError) -> BadInputError:
    text = str(exc.orig).lower()
    if "unique" in text or "duplicate" in text or "primary" in text:
        return ConflictError(f"there is already a {table.noun} {key!r} in the book")
    return BadInputError(f"the {table.noun} {key!r} cannot be saved: it breaks a rule of the book")


# -- reads ----------------------------------------------------------------------------------


def parse_filters(table: Table, raw: Mapping[str, str]) -> dict[str, Any]:
    """Equality filters from query text, typed per column; lists cannot be filtered."""
    problems: dict[str, str] = {}
    out: dict[str, Any] = {}
    for name, text in raw.items():
        if name not in table.column_names:
            problems[name] = f"is not a field of {table.noun} to filter on; known: " + ", ".join(
                c.name for c in table.columns if c.kind is not Kind.LIST
            )
            continue
        col = table.column(name)
        if col.kind is Kind.LIST:
            problems[name] = "is a list and cannot be filtered on"
            continue
        try:
            out[name] = clean_value(col, text)
        except ValueError as exc:
            problems[name] = str(exc)
    if problems:
        raise InvalidFieldsError(problems)
    return out


def list_rows(
    *,
    url: str | None,
    principal: Principal,
    table: str,
    filters: Mapping[str, str] | None = None,
    sort: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """A page of a table's rows in scope, filtered by equality and sorted (`-col`: descending)."""
    spec = table_of(table)
    t = _sa(spec)
    where = [
        t.c[k] == v if v is not None else t.c[k].is_(None)
        for k, v in parse_filters(spec, filters or {}).items()
    ]
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidFieldsError({"limit": f"must be between 1 and {MAX_PAGE}"})
    if offset < 0:
        raise InvalidFieldsError({"offset": "must be at least 0"})
    order: list[sa.ColumnElement[Any]] = []
    if sort:
        name = sort.removeprefix("-")
        if name not in spec.column_names:
            raise InvalidFieldsError({"sort": f"{name!r} is not a field of {spec.noun}"})
        order.append(t.c[name].desc() if sort.startswith("-") else t.c[name].asc())
    order.extend(t.c[k].asc() for k in spec.key)
    cond = _scope_filter(spec, principal)
    if cond is not None:
        where.append(cond)
    with engine_for(url).connect() as conn:
        total = int(
            conn.execute(sa.select(sa.func.count()).select_from(t).where(*where)).scalar_one()
        )
        rows = conn.execute(
            sa.select(t).where(*where).order_by(*order).limit(limit).offset(offset)
        ).mappings()
        items = [Row(spec.name, dict(r), row_version(spec, dict(r))) for r in rows]
    return Page(items, total, limit, offset)


def get_row(*, url: str | None, principal: Principal, table: str, key: Mapping[str, Any]) -> Row:
    """One row in scope, or NotFoundError (also when it exists outside the scope)."""
    spec = table_of(table)
    with engine_for(url).connect() as conn:
        values = _fetch(conn, spec, principal, key)
    return Row(spec.name, values, row_version(spec, values))


# -- writes ---------------------------------------------------------------------------------


def _insert(conn: sa.Connection, spec: Table, principal: Principal, values: dict[str, Any]) -> Row:
    _check_references(conn, spec, principal, values)
    key = key_text(spec, values)
    exists = conn.execute(
        sa.select(sa.literal(1)).select_from(_sa(spec)).where(*_where_key(spec, values))
    ).first()
    if exists is not None:
        try:
            _fetch(conn, spec, principal, values)
        except NotFoundError:
            # Taken outside the caller's scope: say nothing about whose it is.
            raise NotFoundError(
                f"there is no {spec.noun} {key!r} that you may write: choose another id"
            ) from None
        raise ConflictError(f"there is already a {spec.noun} {key!r} in the book")
    conn.execute(_sa(spec).insert().values(**values))
    if spec.inferred:  # purpose and tags read from its text (accord.signals)
        infer_rows(conn, spec.name, [key_text(spec, values)])
    audit.record(
        conn,
        user_id=principal.user_id,
        action="create",
        table=spec.name,
        key=key,
        account_id=_account_of(conn, spec, values),
        old=None,
        new=values,
    )
    return Row(spec.name, values, row_version(spec, values))


def create_row(
    *, url: str | None, principal: Principal, table: str, values: Mapping[str, Any]
) -> Row:
    """Add a row; its account (if any) must be in scope, its references in the book."""
    spec = table_of(table)
    _require_writer(spec, principal)
    clean = clean_row(spec, values, partial=False)
    if spec.name == "accounts" and clean.get("owner_id") is None and not principal.is_admin:
        clean["owner_id"] = principal.user_id
    clean = _attribute(spec, principal, clean)
    try:
        with engine_for(url).begin() as conn:
            return _insert(conn, spec, principal, clean)
    except sa.exc.IntegrityError as exc:
        raise _integrity(spec, key_text(spec, clean), exc) from None


def _check_version(spec: Table, key: str, current: Mapping[str, Any], if_match: str | None) -> None:
    if if_match is None:
        raise VersionRequiredError(
            f"say which version of the {spec.noun} {key!r} you are changing (If-Match)"
        )
    now = row_version(spec, current)
    if if_match.strip().strip('"').removeprefix('W/"').rstrip('"') != now:
        raise StaleVersionError(spec.noun, key, now)


def _update(
    conn: sa.Connection,
    spec: Table,
    principal: Principal,
    key: Mapping[str, Any],
    changes: dict[str, Any],
    if_match: str | None,
) -> Row:
    current = _fetch(conn, spec, principal, key)
    text = key_text(spec, current)
    if if_match != "*":
        _check_version(spec, text, current, if_match)
    merged = {**current, **changes}
    _check_references(
        conn, spec, principal, {k: merged[k] for k in changes} | {k: merged[k] for k in spec.key}
    )
    if (
        spec.name == "accounts"
        and "owner_id" in changes
        and changes["owner_id"] is None
        and not principal.is_admin
    ):
        raise InvalidFieldsError({"owner_id": "an account you manage needs an owner"})
    if changes:
        conn.execute(_sa(spec).update().where(*_where_key(spec, current)).values(**changes))
        if spec.inferred and set(changes) & SIGNAL_INPUTS:
            infer_rows(conn, spec.name, [text])
        audit.record(
            conn,
            user_id=principal.user_id,
            action="update",
            table=spec.name,
            key=text,
            account_id=_account_of(conn, spec, merged),
            old={k: current[k] for k in changes},
            new=changes,
        )
    return Row(spec.name, merged, row_version(spec, merged))


def update_row(
    *,
    url: str | None,
    principal: Principal,
    table: str,
    key: Mapping[str, Any],
    changes: Mapping[str, Any],
    if_match: str | None,
) -> Row:
    """Change some fields of a row in scope, if it is still at version `if_match`."""
    spec = table_of(table)
    _require_writer(spec, principal)
    clean = clean_row(spec, changes, partial=True)
    for name in list(clean):
        col = spec.column(name)
        if clean[name] is None and (col.required or col.default is not None):
            if col.default is None:
                raise InvalidFieldsError({name: "is required"})
            clean[name] = clean_value(col, col.default)
    try:
        with engine_for(url).begin() as conn:
            return _update(conn, spec, principal, key, clean, if_match)
    except sa.exc.IntegrityError as exc:
        raise _integrity(spec, "/".join(str(key[k]) for k in spec.key), exc) from None


def delete_row(
    *,
    url: str | None,
    principal: Principal,
    table: str,
    key: Mapping[str, Any],
    if_match: str | None,
) -> None:
    """Delete a row in scope at version `if_match` (an account takes its rows with it)."""
    spec = table_of(table)
    _require_writer(spec, principal)
    try:
        with engine_for(url).begin() as conn:
            current = _fetch(conn, spec, principal, key)
            text = key_text(spec, current)
            _check_version(spec, text, current, if_match)
            account = _account_of(conn, spec, current)
            conn.execute(_sa(spec).delete().where(*_where_key(spec, current)))
            audit.record(
                conn,
                user_id=principal.user_id,
                action="delete",
                table=spec.name,
                key=text,
                account_id=account,
                old=current,
                new=None,
            )
    except sa.exc.IntegrityError as exc:
        raise _integrity(spec, "/".join(str(key[k]) for k in spec.key), exc) from None


@dataclass(frozen=True, slots=True)
class IngestReport:
    inserted: dict[str, int]
    updated: dict[str, int]


def ingest(
    *, url: str | None, principal: Principal, batches: Mapping[str, Sequence[Mapping[str, Any]]]
) -> IngestReport:
    """Upsert many touchpoints and orders in one transaction: all of them, or none.

    A row whose id exists (in scope) is updated, without a version check — the
    same rule as a bundle import; every problem is reported as `table[i].field`.
    """
    allowed = ("orders", "touchpoints")
    unknown = [n for n in batches if n not in allowed]
    if unknown:
        raise InvalidFieldsError(
            dict.fromkeys(unknown, "only orders and touchpoints can be ingested")
        )
    total = sum(len(rows) for rows in batches.values())
    if total > MAX_BULK_ROWS:
        raise InvalidFieldsError(
            {"rows": f"at most {MAX_BULK_ROWS} rows in one request, not {total}"}
        )
    cleaned: dict[str, list[dict[str, Any]]] = {}
    problems: dict[str, str] = {}
    for name in allowed:
        spec = BY_NAME[name]
        for i, raw in enumerate(batches.get(name, [])):
            try:
                cleaned.setdefault(name, []).append(clean_row(spec, raw, partial=False))
            except InvalidFieldsError as exc:
                problems.update({f"{name}[{i}].{f}": m for f, m in exc.fields.items()})
    if problems:
        raise InvalidFieldsError(problems)
    inserted = dict.fromkeys(allowed, 0)
    updated = dict.fromkeys(allowed, 0)
    with engine_for(url).begin() as conn:
        for name in allowed:
            spec = BY_NAME[name]
            seen: set[str] = set()
            for i, values in enumerate(cleaned.get(name, [])):
                key = key_text(spec, values)
                where = f"{name}[{i}]"
                if key in seen:
                    raise InvalidFieldsError({f"{where}.{spec.key[0]}": f"{key!r} appears twice"})
                seen.add(key)
                try:
                    try:
                        _fetch(conn, spec, principal, values)
                    except NotFoundError:
                        _insert(conn, spec, principal, _attribute(spec, principal, values))
                        inserted[name] += 1
                    else:
                        changes = {k: v for k, v in values.items() if k not in spec.key}
                        _update(conn, spec, principal, values, changes, "*")
                        updated[name] += 1
                except InvalidFieldsError as exc:
                    raise InvalidFieldsError(
                        {f"{where}.{f}": m for f, m in exc.fields.items()}
                    ) from None
                except ConflictError as exc:
                    raise InvalidFieldsError({f"{where}.{spec.key[0]}": str(exc)}) from None
    return IngestReport(inserted, updated)


ENTITY_TABLES: tuple[Table, ...] = LEDGER
"""The tables the API serves, one collection each."""
