"""Turning CSV exports into bundle rows through a mapping (see mapfile.py).

The result keeps, for every bundle row, the file and line it came from, so a
problem the bundle checks find later is reported where the user can fix it:
in their export, not in a temporary bundle they never saw. Rows that cannot
become bundle rows (no account to attach them to, a guard that leaves them
out) are *skipped*, each with its reason; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import urlsplit

from accord.domain.schema import BY_NAME, LEDGER
from accord.errors import BundleError, Problem
from accord.intake.mapfile import DOMAIN_TARGET, FieldSpec, Mapping, Source

KnownKeys = Callable[[str, str, list[str]], set[str]]
_ISO_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$")
_HMS = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")
_SPLIT = re.compile(r"[;,]")


@dataclass(frozen=True, slots=True)
class Origin:
    file: str
    line: int
    source: str  # the mapping's source name


@dataclass(frozen=True, slots=True)
class Skip:
    file: str
    line: int
    table: str
    reason: str


@dataclass
class TableRows:
    table: str
    rows: list[dict[str, str | None]] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)


@dataclass
class Lookups:
    """What the book already holds that a translation needs (filled by the service)."""

    users: dict[str, str] = field(default_factory=dict)  # lower(id, name, e-mail) → user_id
    account_by_domain: dict[str, str] = field(default_factory=dict)
    known: KnownKeys = field(default=lambda _t, _c, _ids: set())


@dataclass
class Translation:
    mapping: Mapping
    tables: dict[str, TableRows] = field(default_factory=dict)
    domains: list[tuple[str, str]] = field(default_factory=list)  # (account_id, domain)
    skipped: list[Skip] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)  # file → rows read
    specs: dict[str, dict[str, FieldSpec]] = field(default_factory=dict)  # source → target → spec


def domain_of(text: str | None) -> str | None:
    """'https://www.Acme.com/x' or 'dana@acme.com' → 'acme.com'."""
    if not text:
        return None
    text = text.strip().lower()
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    elif "//" in text:
        text = urlsplit(text).hostname or ""
    else:
        text = text.split("/", 1)[0]
    text = text.strip(". >")
    text = text.removeprefix("www.")
    return text or None


def file_matches(name: str, source: Source) -> bool:
    """Whether a file name is one the source reads (patterns ignore case)."""
    return any(fnmatch(name.lower(), pattern.lower()) for pattern in source.files)


def translate(mapping: Mapping, inputs: dict[str, list[Path]], lookups: Lookups) -> Translation:
    """Every source's files → bundle rows, in the bundle's load order (accounts first)."""
    result = Translation(mapping)
    order = {t.name: i for i, t in enumerate(LEDGER)}
    sources = sorted(mapping.sources, key=lambda s: order[s.table])
    users = dict(lookups.users)
    by_domain = dict(lookups.account_by_domain)
    for source in sources:
        result.specs[source.name] = {f.target: f for f in source.fields}
        for path in inputs.get(source.name, []):
            _translate_file(result, source, path, users, by_domain, lookups.known)
        if source.table == "users":  # later sources may name these users as owners
            for row in result.tables.get("users", TableRows("users")).rows:
                for key in ("user_id", "name", "email"):
                    if row.get(key):
                        users[str(row[key]).lower()] = str(row["user_id"])
    return result


def _read(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and (line, fields) of every record; BadInputError naming the place."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BundleError(
            [Problem(path.name, line, None, "not UTF-8 text; export the file as UTF-8 CSV")]
        ) from None
    if not text.strip():
        raise BundleError([Problem(path.name, 1, None, "the file is empty")])
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    try:
        header = [h.strip() for h in next(reader)]
        start = reader.line_num + 1
        for fields in reader:
            if fields and any(f.strip() for f in fields):
                if len(fields) > len(header):
                    raise BundleError(
                        [
                            Problem(
                                path.name,
                                start,
                                None,
                                f"the row has {len(fields)} fields but the header names "
                                f"{len(header)}",
                            )
                        ]
                    )
                records.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise BundleError([Problem(path.name, reader.line_num, None, f"not CSV: {exc}")]) from None
    return header, records


def _translate_file(
    result: Translation,
    source: Source,
    path: Path,
    users: dict[str, str],
    by_domain: dict[str, str],
    known: KnownKeys,
) -> None:
    header, records = _read(path)
    index = {h: i for i, h in enumerate(header)}
    needed = [(f.where, c) for f in source.fields for c in f.source_columns]
    for key, guard in (("where", source.where), ("skip_if", source.skip_if)):
        if guard:
            needed.append((f"source.{source.name}.{key}", guard[0]))
    for where, column in needed:
        if column not in index:
            raise BundleError(
                [
                    Problem(
                        path.name,
                        1,
                        column,
                        f"no such column, but the mapping {result.mapping.path} uses it at "
                        f"{where}; is this a {result.mapping.name} {source.name} export? "
                        f"Its header has: {', '.join(header[:12])}"
                        + (" …" if len(header) > 12 else ""),
                    )
                ]
            )
    result.files[path.name] = result.files.get(path.name, 0) + len(records)
    rows = result.tables.setdefault(source.table, TableRows(source.table))
    unknown_users: Counter[str] = Counter()
    same_user = _known_users(source, records, index, users) if source.table == "users" else {}
    start = len(rows.rows)
    for line, fields in records:

        def cell(name: str, fields: list[str] = fields) -> str:
            i = index[name]
            return fields[i].strip() if i < len(fields) else ""

        if source.where and cell(source.where[0]).lower() not in source.where[1]:
            continue  # another source takes this row (e.g. a Task that is a call)
        if source.skip_if and cell(source.skip_if[0]).lower() in source.skip_if[1]:
            shown = cell(source.skip_if[0])
            reason = f"{source.skip_if[0]} is {shown!r}"
            result.skipped.append(Skip(path.name, line, source.table, reason))
            continue
        row: dict[str, str | None] = {}
        for spec in source.fields:
            value = _value(spec, cell)
            if spec.conversion == "user" and value:
                found = users.get(value.lower())
                if found is None:
                    unknown_users[value] += 1
                value = found
            if spec.target == "account_id" and not value and spec.or_domain_of:
                domain = domain_of(cell(spec.or_domain_of))
                value = by_domain.get(domain) if domain else None
            row[spec.target] = value or None
        if row.get("user_id") in same_user:
            reason = f"already in the book as user {same_user[str(row['user_id'])]} (same e-mail)"
            result.skipped.append(Skip(path.name, line, source.table, reason))
            continue
        missing = [c for c in BY_NAME[source.table].required if not row.get(c)]
        if missing:
            spec = next(f for f in source.fields if f.target == missing[0])
            shown = ", ".join(repr(c) for c in spec.columns + spec.join) or "the mapping"
            hint = (
                f" and no account has the domain of {spec.or_domain_of!r}"
                if spec.or_domain_of
                else ""
            )
            result.skipped.append(
                Skip(path.name, line, source.table, f"no {missing[0]}: {shown} is blank{hint}")
            )
            continue
        domain = row.pop(DOMAIN_TARGET, None) if source.table == "accounts" else None
        if domain and row.get("account_id"):
            result.domains.append((str(row["account_id"]), domain))
            by_domain.setdefault(domain, str(row["account_id"]))
        rows.rows.append(row)
        rows.origins.append(Origin(path.name, line, source.name))
    for name, count in sorted(unknown_users.items()):
        result.warnings.append(
            f"{path.name}: {name!r} is not a user of the book (by id, name or e-mail); "
            f"left blank on {count} row{'s' if count > 1 else ''}"
        )
    _keep_known(result, source, path, rows, start, known)


def _known_users(
    source: Source,
    records: list[tuple[int, list[str]]],
    index: dict[str, int],
    users: dict[str, str],
) -> dict[str, str]:
    """Exported users who are already users of the book (same e-mail): export id → book id.

    Registered in `users` before the rows are read, so owners and managers named
    by their CRM id land on the book's user, whatever the order of the file.
    """
    specs = {f.target: f for f in source.fields}
    if "user_id" not in specs:
        return {}
    same: dict[str, str] = {}
    for _, fields in records:

        def cell(name: str, fields: list[str] = fields) -> str:
            i = index[name]
            return fields[i].strip() if i < len(fields) else ""

        user_id = _value(specs["user_id"], cell)
        email = _value(specs["email"], cell) if "email" in specs else None
        if not user_id:
            continue
        existing = users.get(email.lower()) if email else None
        if existing and existing != user_id:
            same[user_id] = existing
        users.setdefault(user_id.lower(), existing or user_id)
    return same


def _keep_known(
    result: Translation,
    source: Source,
    path: Path,
    rows: TableRows,
    start: int,
    known: KnownKeys,
) -> None:
    """Drop references to ids found neither in this export nor in the book (e.g. leads)."""
    for spec in source.fields:
        if not spec.keep_known:
            continue
        ref = BY_NAME[source.table].column(spec.target).references
        if ref is None:
            continue
        ref_table, ref_col = ref.split(".")
        here = {r.get(ref_col) for r in result.tables.get(ref_table, TableRows(ref_table)).rows}
        wanted = {
            i
            for r in rows.rows[start:]
            for i in _SPLIT.split(r.get(spec.target) or "")
            if i and i not in here
        }
        present = here | known(ref_table, ref_col, sorted(wanted)) if wanted else here
        dropped = 0
        for r in rows.rows[start:]:
            ids = [i for i in _SPLIT.split(r.get(spec.target) or "") if i]
            kept = [i for i in ids if i in present]
            dropped += len(ids) - len(kept)
            r[spec.target] = ";".join(kept) or None
        if dropped:
            result.warnings.append(
                f"{path.name}: {dropped} reference{'s' if dropped > 1 else ''} in "
                f"{spec.target} to ids found neither in the export nor in the book left out"
            )


def _value(spec: FieldSpec, cell: Callable[[str], str]) -> str | None:
    if spec.only_if and cell(spec.only_if[0]).lower() not in spec.only_if[1]:
        return None
    if spec.value is not None:
        raw = spec.value
    elif spec.conversion == "minutes_between":
        return _minutes_between(*(cell(c) for c in spec.columns[:2]))
    elif spec.join:
        raw = " ".join(v for v in (cell(c) for c in spec.join) if v)
    else:
        raw = next((v for v in (cell(c) for c in spec.columns) if v), "")
    if not raw:
        raw = spec.default or ""
    if not raw:
        return None
    if spec.first:
        raw = next((p.strip() for p in _SPLIT.split(raw) if p.strip()), "")
    if spec.values is not None:
        raw = spec.values.get(raw.lower(), spec.values.get("*", raw))
        if not raw:
            return None
    converted = convert(spec, raw)
    if converted and spec.prefix:
        if spec.conversion == "list":
            return ";".join(spec.prefix + p for p in converted.split(";"))
        return spec.prefix + converted
    return converted


def _minutes_between(start: str, end: str) -> str | None:
    """Whole minutes from one ISO time to another (blank when either is unreadable)."""
    try:
        a = datetime.fromisoformat(start.replace("Z", "+00:00"))
        b = datetime.fromisoformat(end.replace("Z", "+00:00"))
        minutes = round((b - a).total_seconds() / 60)
    except (ValueError, TypeError):
        return None
    return str(minutes) if minutes >= 0 else None


def convert(spec: FieldSpec, raw: str) -> str | None:
    """One cell in the form the bundle reads; text it cannot read is passed on as it is,
    for the bundle checks to report at the export's file, line and column."""
    match spec.conversion:
        case "date" | "datetime":
            if spec.format:
                try:
                    stamp = datetime.strptime(raw, spec.format)
                except ValueError:
                    return raw
                return stamp.date().isoformat() if spec.conversion == "date" else stamp.isoformat()
            if spec.conversion == "date":
                day = _ISO_DAY.match(raw)
                return day.group(1) if day else raw
            return raw
        case "minutes":
            hms = _HMS.match(raw)
            if hms:
                h, m, s = (int(x) if x else 0 for x in hms.groups())
                return str(round(h * 60 + m + s / 60))
            try:
                number = float(raw)
            except ValueError:
                return raw
            per_minute = {"seconds": 60, "milliseconds": 60_000, "minutes": 1, "hours": 1 / 60}
            return str(round(number / per_minute[spec.unit]))
        case "list":
            return ";".join(p.strip() for p in _SPLIT.split(raw) if p.strip()) or None
        case "domain":
            return domain_of(raw)
        case "email":
            return raw.lower()
        case "bool":
            low = raw.lower()
            if low in ("true", "1", "yes", "y"):
                return "true"
            if low in ("false", "0", "no", "n"):
                return "false"
            return raw
    return raw


def source_column(spec: FieldSpec | None) -> str | None:
    """The export column a bundle column came from, for messages."""
    if spec is None:
        return None
    names: Iterable[str] = spec.columns + spec.join
    return " + ".join(names) or None
