"""Mapping files: which CSV columns fill which bundle columns (TOML, documented in docs/intake.md).

A mapping names *sources*; each reads the CSV files matching its `files`
patterns into one bundle table, column by column. A user's file can extend a
shipped mapping (`extends = "hubspot"`): a source of the same name then has
its columns replaced one by one, everything else kept.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from accord.domain.schema import BY_NAME
from accord.errors import BadInputError

SHIPPED = Path(__file__).parent / "mappings"
DOMAIN_TARGET = "domain"  # accounts only: the web domain, kept beside the ledger
CONVERSIONS = (
    "text",
    "date",
    "datetime",
    "minutes",
    "minutes_between",
    "list",
    "domain",
    "bool",
    "user",
    "email",
    "slug",
)
PICKS = ("first", "earliest", "latest")  # which of several columns' values a spec keeps
AGGREGATES = ("most_frequent", "earliest", "latest", "count", "sum")
_UNITS = ("seconds", "milliseconds", "minutes", "hours")
_SPEC_KEYS = {
    "column",
    "join",
    "value",
    "values",
    "prefix",
    "as",
    "format",
    "unit",
    "first",
    "only_if",
    "keep_known",
    "or_domain_of",
    "default",
    "optional",
    "pick",
    "lookup",
    "otherwise",
    "aggregate",
}


class MappingError(BadInputError):
    """A mapping file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Lookup:
    """A join: the value found is looked up, and another column of the match taken.

    `files`: in another export file, by its CSV columns `on` and `take`, before the
    value is translated; `table`: among the bundle rows this import made so far and
    the book's, by bundle columns, after it is translated (e.g. a contact id → its
    account)."""

    on: str
    take: str
    files: tuple[str, ...] = ()
    table: str | None = None


@dataclass(frozen=True, slots=True)
class Aggregate:
    """A value derived from other rows of the import: those of `table` whose `on`
    names this row's key, their `take` summed up by `pick` (e.g. an account's owner
    as the most frequent owner of its deals)."""

    table: str
    on: str
    take: str
    pick: str = "most_frequent"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one bundle column is filled from a row."""

    target: str
    columns: tuple[str, ...] = ()  # the first non-blank wins
    join: tuple[str, ...] = ()  # joined with a space, blanks left out
    value: str | None = None  # a constant
    default: str | None = None  # used when the source cell is blank
    values: dict[str, str] | None = None  # pick-list: lower-cased source value → bundle value
    prefix: str = ""
    conversion: str = "text"
    format: str | None = None  # strptime format for date/datetime
    unit: str = "seconds"  # minutes from a plain number in this unit
    first: bool = False  # keep the first of a `;`/`,` list
    only_if: tuple[str, tuple[str, ...]] | None = None  # (column, accepted values)
    keep_known: bool = False  # drop references to ids found nowhere (with a warning)
    or_domain_of: str | None = None  # account_id: else the account of this e-mail's domain
    where: str = ""  # "source.NAME.columns.TARGET", for messages
    optional: bool = False  # its columns may be absent from an export (warned, left blank)
    pick: str = "first"  # of several columns: the first non-blank, the earliest or latest
    lookup: Lookup | None = None
    otherwise: FieldSpec | None = None  # used when this one gives nothing
    aggregate: Aggregate | None = None

    @property
    def source_columns(self) -> tuple[str, ...]:
        extra = tuple(c for c in (self.or_domain_of,) if c)
        guard = (self.only_if[0],) if self.only_if else ()
        return self.columns + self.join + extra + guard

    def chain(self) -> tuple[FieldSpec, ...]:
        """This spec and its `otherwise` fallbacks, in order."""
        out: list[FieldSpec] = []
        spec: FieldSpec | None = self
        while spec is not None:
            out.append(spec)
            spec = spec.otherwise
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    table: str
    files: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    where: tuple[str, tuple[str, ...]] | None = None  # only rows whose column is one of these
    skip_if: tuple[str, tuple[str, ...]] | None = None  # rows left out, with the reason
    distinct: bool = False  # one row per key (e.g. a user per owner name); repeats merge


@dataclass
class Mapping:
    name: str
    path: str
    sources: list[Source] = field(default_factory=list)


def shipped_mapping(crm: str) -> Path:
    path = SHIPPED / f"{crm}.toml"
    if not path.is_file():
        names = ", ".join(sorted(p.stem for p in SHIPPED.glob("*.toml")))
        raise MappingError(f"no shipped mapping for {crm!r}; there are: {names}")
    return path


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise MappingError(f"{path}: no such mapping file") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise MappingError(f"{path}: not UTF-8 text") from None


def load_mapping(path: Path, *, base: Path | None = None) -> Mapping:
    """Read a mapping file; with `base` (or `extends` in the file), overlay it on that one."""
    data = _read_toml(path)
    extends = data.get("extends")
    if base is None and extends is not None:
        if not isinstance(extends, str):
            raise MappingError(f"{path}: extends: expected the name of a shipped mapping")
        base = shipped_mapping(extends)
    if base is not None and base != path:
        raw = _overlay(_read_toml(base), data)
        return _build(raw, path=f"{path} (over {base.name})")
    return _build(data, path=str(path))


def _overlay(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in base.items() if k != "source"}
    sources: dict[str, Any] = {n: dict(s) for n, s in base.get("source", {}).items()}
    for name, spec in over.get("source", {}).items():
        if name not in sources or not isinstance(spec, dict):
            sources[name] = spec
            continue
        merged = dict(sources[name])
        for key, value in spec.items():
            if key == "columns" and isinstance(value, dict):
                columns = dict(merged.get("columns", {}))
                columns.update(value)
                merged["columns"] = {k: v for k, v in columns.items() if v != ""}
            else:
                merged[key] = value
        sources[name] = merged
    out["source"] = sources
    for key, value in over.items():
        if key not in ("source", "extends"):
            out[key] = value
    return out


def _build(data: dict[str, Any], *, path: str) -> Mapping:
    mapping = Mapping(str(data.get("name", Path(path.split(" ")[0]).stem)), path)
    sources = data.get("source")
    if not isinstance(sources, dict) or not sources:
        raise MappingError(f"{path}: the mapping names no [source.NAME] table")
    for name, spec in sources.items():
        mapping.sources.append(_source(path, name, spec))
    return mapping


def _fail(path: str, where: str, message: str) -> MappingError:
    return MappingError(f"{path}, {where}: {message}")


def _source(path: str, name: str, spec: Any) -> Source:
    where = f"source.{name}"
    if not isinstance(spec, dict):
        raise _fail(path, where, "expected a table")
    unknown = set(spec) - {"table", "files", "columns", "where", "skip_if", "distinct"}
    if unknown:
        raise _fail(path, where, f"unknown key {sorted(unknown)[0]!r}")
    table = spec.get("table")
    if table not in BY_NAME:
        raise _fail(
            path, f"{where}.table", f"{table!r} is not a bundle table ({', '.join(BY_NAME)})"
        )
    files = spec.get("files")
    if isinstance(files, str):
        files = [files]
    if not files or not all(isinstance(f, str) for f in files):
        raise _fail(path, f"{where}.files", "expected file name patterns, e.g. ['contacts*.csv']")
    columns = spec.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise _fail(path, f"{where}.columns", "expected a table of bundle column = CSV column")
    fields = tuple(_field(path, f"{where}.columns.{t}", table, t, c) for t, c in columns.items())
    missing = [c for c in BY_NAME[table].required if c not in columns]
    if missing:
        raise _fail(path, f"{where}.columns", f"{table}.{missing[0]} is required but not mapped")
    return Source(
        name,
        table,
        tuple(files),
        fields,
        _guard(path, f"{where}.where", spec.get("where")),
        _guard(path, f"{where}.skip_if", spec.get("skip_if")),
        distinct=bool(spec.get("distinct", False)),
    )


def _guard(path: str, where: str, value: Any) -> tuple[str, tuple[str, ...]] | None:
    if value is None:
        return None
    if not (isinstance(value, dict) and len(value) == 1):
        raise _fail(path, where, 'expected { "CSV column" = ["accepted", "values"] }')
    ((column, accepted),) = value.items()
    if isinstance(accepted, str):
        accepted = [accepted]
    if not isinstance(accepted, list) or not all(isinstance(a, str) for a in accepted):
        raise _fail(path, where, "expected a list of accepted values")
    return str(column), tuple(a.strip().lower() for a in accepted)


def _names(path: str, where: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _fail(path, where, "expected a CSV column name or a list of them")


def _field(path: str, where: str, table: str, target: str, spec: Any) -> FieldSpec:
    columns = BY_NAME[table].column_names
    if target not in columns and not (table == "accounts" and target == DOMAIN_TARGET):
        raise _fail(path, where, f"{table} has no column {target!r} (it has: {', '.join(columns)})")
    if isinstance(spec, str):
        return FieldSpec(target, columns=(spec,), where=where)
    if not isinstance(spec, dict):
        raise _fail(path, where, "expected a CSV column name or an inline table")
    unknown = set(spec) - _SPEC_KEYS
    if unknown:
        raise _fail(path, where, f"unknown key {sorted(unknown)[0]!r}")
    sources = [k for k in ("column", "join", "value", "aggregate") if k in spec]
    if len(sources) != 1:
        raise _fail(path, where, "give exactly one of column, join, value or aggregate")
    conversion = spec.get("as", "text")
    if conversion not in CONVERSIONS:
        raise _fail(path, f"{where}.as", f"{conversion!r} is not one of {', '.join(CONVERSIONS)}")
    unit = spec.get("unit", "seconds")
    if unit not in _UNITS:
        raise _fail(path, f"{where}.unit", f"{unit!r} is not one of {', '.join(_UNITS)}")
    values = spec.get("values")
    if values is not None:
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            raise _fail(path, f"{where}.values", 'expected { "CRM value" = "bundle value" }')
        values = {str(k).strip().lower(): v for k, v in values.items()}
    only_if = _guard(path, f"{where}.only_if", spec.get("only_if"))
    or_domain = spec.get("or_domain_of")
    if or_domain is not None and target != "account_id":
        raise _fail(path, f"{where}.or_domain_of", "only account_id can be found by domain")
    value = spec.get("value")
    pick = spec.get("pick", "first")
    if pick not in PICKS:
        raise _fail(path, f"{where}.pick", f"{pick!r} is not one of {', '.join(PICKS)}")
    aggregate = _aggregate(path, f"{where}.aggregate", table, target, spec.get("aggregate"))
    otherwise = spec.get("otherwise")
    return FieldSpec(
        target,
        columns=_names(path, where, spec["column"]) if "column" in spec else (),
        join=_names(path, where, spec["join"]) if "join" in spec else (),
        value=None if value is None else str(value),
        default=None if spec.get("default") is None else str(spec["default"]),
        values=values,
        prefix=str(spec.get("prefix", "")),
        conversion=conversion,
        format=spec.get("format"),
        unit=unit,
        first=bool(spec.get("first", False)),
        only_if=only_if,
        keep_known=bool(spec.get("keep_known", False)),
        or_domain_of=None if or_domain is None else str(or_domain),
        where=where,
        optional=bool(spec.get("optional", False)),
        pick=pick,
        lookup=_lookup(path, f"{where}.lookup", spec.get("lookup")),
        otherwise=_otherwise(path, f"{where}.otherwise", table, target, otherwise),
        aggregate=aggregate,
    )


def _otherwise(path: str, where: str, table: str, target: str, value: Any) -> FieldSpec | None:
    """`otherwise`: one spec, or a list of them tried in turn."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    if not items:
        raise _fail(path, where, "expected a column spec or a list of them")
    chain: FieldSpec | None = None
    for i in range(len(items) - 1, -1, -1):
        spec = _field(
            path, f"{where}[{i}]" if isinstance(value, list) else where, table, target, items[i]
        )
        if chain is not None:
            if spec.otherwise is not None:
                raise _fail(path, where, "in a list of fallbacks, give no `otherwise` of their own")
            spec = replace(spec, otherwise=chain)
        chain = spec
    return chain


def _lookup(path: str, where: str, value: Any) -> Lookup | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not {"on", "take"} <= set(value):
        raise _fail(
            path,
            where,
            'expected { file = "Contact.csv", on = "Id", take = "AccountId" } '
            'or { table = "contacts", on = "email", take = "account_id" }',
        )
    unknown = set(value) - {"file", "table", "on", "take"}
    if unknown or ("file" in value) == ("table" in value):
        raise _fail(path, where, "give on, take and exactly one of file or table")
    on, take = str(value["on"]), str(value["take"])
    if "table" in value:
        table = str(value["table"])
        if table not in BY_NAME:
            raise _fail(path, f"{where}.table", f"{table!r} is not a bundle table")
        for key in (on, take):
            if key not in BY_NAME[table].column_names:
                raise _fail(path, where, f"{table} has no column {key!r}")
        return Lookup(on, take, table=table)
    return Lookup(on, take, files=_names(path, f"{where}.file", value["file"]))


def _aggregate(path: str, where: str, table: str, target: str, value: Any) -> Aggregate | None:
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or not {"table", "on", "take"} <= set(value)
        or (set(value) - {"table", "on", "take", "pick"})
    ):
        raise _fail(
            path,
            where,
            'expected { table = "opportunities", on = "account_id", take = "user_id", '
            'pick = "most_frequent" }',
        )
    if target in BY_NAME[table].required:
        raise _fail(path, where, f"{table}.{target} is required: it cannot wait for other rows")
    other = str(value["table"])
    if other not in BY_NAME:
        raise _fail(path, f"{where}.table", f"{other!r} is not a bundle table")
    for key in (str(value["on"]), str(value["take"])):
        if key not in BY_NAME[other].column_names:
            raise _fail(path, where, f"{other} has no column {key!r}")
    pick = str(value.get("pick", "most_frequent"))
    if pick not in AGGREGATES:
        raise _fail(path, f"{where}.pick", f"{pick!r} is not one of {', '.join(AGGREGATES)}")
    return Aggregate(other, str(value["on"]), str(value["take"]), pick)
