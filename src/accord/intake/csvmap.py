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
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import urlsplit

from accord.domain.schema import BY_NAME, LEDGER, Kind
from accord.errors import BundleError, Problem
from accord.intake.mapfile import DOMAIN_TARGET, FieldSpec, Lookup, Mapping, Source
from accord.intake.rules import is_shared_domain

KnownKeys = Callable[[str, str, list[str]], set[str]]
BookColumn = Callable[[str, str, str], dict[str, str]]
"""(table, on, take) → lower-cased `on` value → `take` value, over the book's rows."""
_ISO_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$")
_HMS = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")
_SPLIT = re.compile(r"[;,]")
_LEADING_CURRENCY = re.compile(r"^([-+]?)\s*(?:[$€£¥]|[A-Z]{3}(?=[\s\d]))\s*")
_TRAILING_CURRENCY = re.compile(r"\s*(?:[$€£¥]|(?<=[\s\d])[A-Z]{3})$")
_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+\.\d+$")  # 12,000.00: unambiguous
_DELIMITERS = (",", ";", "\t", "|")
_NUMERIC = (Kind.INT, Kind.DECIMAL)


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How the export's files are written, when they are not UTF-8 comma-separated
    with dot decimals (`--encoding`, `--delimiter`, `--decimal`, `--thousands`)."""

    encoding: str | None = None  # default: UTF-8 (with or without a byte-order mark)
    delimiter: str | None = None  # default: found from the header line, with a warning
    decimal: str = "."
    thousands: str | None = None


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
    domains: list[tuple[str, str]] = field(default_factory=list)  # the book's (account, web domain)
    known: KnownKeys = field(default=lambda _t, _c, _ids: set())
    book_column: BookColumn = field(default=lambda _t, _o, _k: {})


@dataclass
class Translation:
    mapping: Mapping
    tables: dict[str, TableRows] = field(default_factory=dict)
    domains: list[tuple[str, str]] = field(default_factory=list)  # (account_id, domain)
    skipped: list[Skip] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)  # file → rows read
    specs: dict[str, dict[str, FieldSpec]] = field(default_factory=dict)  # source → target → spec
    problems: list[Problem] = field(default_factory=list)  # fatal: every one is reported


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


def file_matches(name: str, source: Source | tuple[str, ...]) -> bool:
    """Whether a file name is one the source reads (patterns ignore case)."""
    patterns = source if isinstance(source, tuple) else source.files
    return any(fnmatch(name.lower(), pattern.lower()) for pattern in patterns)


def resolve_domains(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Web domain → its account, from accounts' own web domains only.

    A shared domain (a mailbox provider's, example.com …) places nobody, and nor
    does a domain two accounts claim: the answer would depend on the order rows
    were read, so importing the same export twice could place a contact twice
    differently. Returns the map and the ambiguous domains."""
    claims: dict[str, set[str]] = {}
    for account_id, domain in pairs:
        if domain and not is_shared_domain(domain):
            claims.setdefault(domain, set()).add(account_id)
    ambiguous = sorted(d for d, ids in claims.items() if len(ids) > 1)
    return {d: next(iter(ids)) for d, ids in claims.items() if len(ids) == 1}, ambiguous


def table_lookups(mapping: Mapping) -> list[tuple[str, str, str]]:
    """(table, on, take) of every table lookup the mapping makes, for the book's side."""
    found = {
        (link.lookup.table, link.lookup.on, link.lookup.take)
        for source in mapping.sources
        for spec in source.fields
        for link in spec.chain()
        if link.lookup is not None and link.lookup.table
    }
    return sorted(found)


def lookup_files(mapping: Mapping) -> list[tuple[str, ...]]:
    """The file patterns the mapping's file lookups read (e.g. Profile.csv)."""
    return sorted(
        {
            link.lookup.files
            for source in mapping.sources
            for spec in source.fields
            for link in spec.chain()
            if link.lookup is not None and link.lookup.files
        }
    )


def read_header(path: Path, options: ReadOptions | None = None) -> list[str]:
    """The column names of a CSV file (read as `options` say)."""
    options = options or ReadOptions()
    with path.open("rb") as fh:
        first = fh.readline(1024 * 1024)
    text = _decode(path, first, options)
    delimiter, _ = _delimiter(path, text, options)
    row = next(csv.reader([text.strip("\r\n")], delimiter=delimiter), [])
    return [h.strip().lstrip("\ufeff") for h in row]


class _State:
    """What one translation run carries from source to source."""

    def __init__(
        self, result: Translation, lookups: Lookups, files: list[Path], options: ReadOptions
    ) -> None:
        self.result = result
        self.lookups = lookups
        self.files = files
        self.options = options
        self.users = dict(lookups.users)
        self.by_domain: dict[str, str] = {}
        self._domains_seen = -1
        self._lookup_files: dict[tuple[tuple[str, ...], str, str], dict[str, str] | None] = {}
        self._lookup_tables: dict[tuple[str, str, str], tuple[int, dict[str, str]]] = {}
        self._book_tables: dict[tuple[str, str, str], dict[str, str]] = {}
        self._read_cache: dict[Path, tuple[list[str], list[tuple[int, list[str]]], list[str]]] = {}
        self.notes: dict[tuple[str, str], set[int]] = {}  # (file, note) → its lines
        self.line = 0  # the line being read, for notes
        self.blank: dict[tuple[str, str, str], list[str]] = {}  # (file, columns, what) → targets
        self.pending: list[tuple[str, int, FieldSpec, FieldSpec]] = []  # aggregates to fill

    def read(self, path: Path) -> tuple[list[str], list[tuple[int, list[str]]], list[str]]:
        """A file's header and records, parsed once however many sources read it."""
        if path not in self._read_cache:
            self._read_cache[path] = _read(path, self.options)
        return self._read_cache[path]

    def note(self, file: str, note: str) -> None:
        """Something done to a row worth saying once per file, with the rows it touched."""
        self.notes.setdefault((file, note), set()).add(self.line)

    def domains(self) -> dict[str, str]:
        if self._domains_seen != len(self.result.domains):
            self.by_domain, ambiguous = resolve_domains(
                [*self.lookups.domains, *self.result.domains]
            )
            self._domains_seen = len(self.result.domains)
            for domain in ambiguous:
                message = (
                    f"the web domain {domain} belongs to more than one account: nobody is "
                    "placed by it"
                )
                if message not in self.result.warnings:
                    self.result.warnings.append(message)
        return self.by_domain

    def file_lookup(self, lookup: Lookup, where: str) -> dict[str, str] | None:
        key = (lookup.files, lookup.on, lookup.take)
        if key not in self._lookup_files:
            found = [f for f in self.files if file_matches(f.name, lookup.files)]
            table: dict[str, str] | None = None
            if not found:
                self.result.warnings.append(
                    f"{where}: no file {' or '.join(lookup.files)} in the export to look "
                    f"{lookup.take} up in; left blank"
                )
            else:
                table = {}
                for path in found:
                    header, records, notes = _read(path, self.options)
                    self.result.warnings.extend(notes)
                    index = {h: i for i, h in enumerate(header)}
                    absent = [c for c in (lookup.on, lookup.take) if c not in index]
                    if absent:
                        self.result.problems.append(
                            Problem(
                                path.name,
                                1,
                                absent[0],
                                f"no such column, but the mapping looks it up at {where}",
                            )
                        )
                        continue
                    on, take = index[lookup.on], index[lookup.take]
                    for _, fields in records:
                        if on < len(fields) and take < len(fields) and fields[on].strip():
                            table.setdefault(fields[on].strip().lower(), fields[take].strip())
            self._lookup_files[key] = table
        return self._lookup_files[key]

    def table_lookup(self, lookup: Lookup, value: str) -> str | None:
        assert lookup.table is not None
        key = (lookup.table, lookup.on, lookup.take)
        rows = self.result.tables.get(lookup.table, TableRows(lookup.table)).rows
        cached = self._lookup_tables.get(key)
        if cached is None or cached[0] != len(rows):
            made: dict[str, str] = {}
            for row in rows:
                on, take = row.get(lookup.on), row.get(lookup.take)
                if on and take:
                    made.setdefault(str(on).lower(), str(take))
            cached = (len(rows), made)
            self._lookup_tables[key] = cached
        found = cached[1].get(value.lower())
        if found is None:
            if key not in self._book_tables:
                self._book_tables[key] = self.lookups.book_column(*key)
            found = self._book_tables[key].get(value.lower())
        return found


def translate(
    mapping: Mapping,
    inputs: dict[str, list[Path]],
    lookups: Lookups,
    *,
    files: list[Path] | None = None,
    options: ReadOptions | None = None,
) -> Translation:
    """Every source's files → bundle rows, in the bundle's load order (accounts first).

    Raises BundleError with every problem found (each missing column of every file,
    not only the first) before anything is written."""
    result = Translation(mapping)
    state = _State(
        result,
        lookups,
        files or sorted({f for fs in inputs.values() for f in fs}),
        options or ReadOptions(),
    )
    for source in _in_order(mapping):
        result.specs[source.name] = {f.target: f for f in source.fields}
        for path in inputs.get(source.name, []):
            _translate_file(state, source, path)
        if source.table == "users":  # later sources may name these users as owners
            for row in result.tables.get("users", TableRows("users")).rows:
                for key in ("user_id", "name", "email"):
                    if row.get(key):
                        state.users.setdefault(str(row[key]).lower(), str(row["user_id"]))
    if result.problems:
        raise BundleError(result.problems)
    _fill_aggregates(state)
    for (file, columns, what), targets in state.blank.items():
        shown = ", ".join(dict.fromkeys(targets))
        result.warnings.append(f"{file}: no column {columns}; {what}: {shown}")
    for (file, note), lines in sorted(state.notes.items()):
        count = len(lines)
        result.warnings.append(f"{file}: {note} ({count:,} row{'s' if count != 1 else ''})")
    return result


def _in_order(mapping: Mapping) -> list[Source]:
    """The sources in the bundle's load order (users, accounts, contacts …), except that a
    source looking rows up in a table comes after the sources of that table (a Task
    found through its opportunity comes after the opportunities)."""
    order = {t.name: float(i) for i, t in enumerate(LEDGER)}

    def rank(source: Source) -> float:
        after = [
            order[link.lookup.table] + 0.5
            for spec in source.fields
            for link in spec.chain()
            if link.lookup is not None and link.lookup.table and link.lookup.table != source.table
        ]
        return max([order[source.table], *after])

    return sorted(mapping.sources, key=rank)


def _decode(path: Path, data: bytes, options: ReadOptions) -> str:
    encoding = options.encoding or "utf-8-sig"
    try:
        return data.decode(encoding)
    except LookupError:
        raise BundleError(
            [
                Problem(
                    path.name,
                    None,
                    None,
                    f"{options.encoding!r} is not an encoding Python knows "
                    "(e.g. utf-8, cp1252, latin-1)",
                )
            ]
        ) from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if options.encoding:
            message = f"not {options.encoding} text (byte {data[exc.start]:#04x})"
        else:
            message = (
                "not UTF-8 text; export the file as UTF-8 CSV, or name its encoding "
                "(--encoding cp1252 for Excel on Windows, latin-1 …)"
            )
        raise BundleError([Problem(path.name, line, None, message)]) from None


def _delimiter(path: Path, text: str, options: ReadOptions) -> tuple[str, list[str]]:
    if options.delimiter:
        return options.delimiter, []
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {d: unquoted.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    if best == "," or counts[best] == 0:
        return ",", []
    shown = {"\t": "tab", ";": "';'", "|": "'|'"}[best]
    return best, [
        f"{path.name}: read as {shown}-separated (its header has no commas between names); "
        f"pass --delimiter to say otherwise"
    ]


def _read(
    path: Path, options: ReadOptions | None = None
) -> tuple[list[str], list[tuple[int, list[str]]], list[str]]:
    """The header, (line, fields) of every record, and notes on how it was read;
    BundleError naming the place."""
    options = options or ReadOptions()
    text = _decode(path, path.read_bytes(), options)
    if not text.strip():
        raise BundleError([Problem(path.name, 1, None, "the file is empty")])
    delimiter, notes = _delimiter(path, text, options)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
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
    return header, records, notes


def _check_columns(
    state: _State, source: Source, path: Path, header: list[str], index: dict[str, int]
) -> bool:
    """Every column the source needs that the file lacks: a problem (all of them, at
    once) or, for optional ones and fallbacks, a warning. False if the file is unusable."""
    result = state.result
    problems: list[tuple[str, str]] = []  # (column, where)
    warned: list[str] = []

    def absent(names: tuple[str, ...]) -> list[str]:
        return [c for c in names if c not in index]

    def groups_of(link: FieldSpec) -> list[tuple[str, ...]]:
        if link.conversion == "minutes_between":
            return [(c,) for c in link.columns]
        return [g for g in (link.columns, link.join) if g]

    def available(link: FieldSpec) -> bool:
        groups = groups_of(link)
        return (
            link.aggregate is not None
            or link.value is not None
            or (bool(groups) and all(absent(g) != list(g) for g in groups))
        )

    for spec in source.fields:
        chain = spec.chain()
        for depth, link in enumerate(chain):
            # A fallback's columns are never mandatory; nor is a column that a fallback
            # present in the file can stand in for.
            rescued = any(available(later) for later in chain[depth + 1 :])
            optional = link.optional or depth > 0 or rescued
            for group in groups_of(link):
                missing = absent(group)
                if len(missing) == len(group):
                    if depth > 0 and any(available(earlier) for earlier in chain[:depth]):
                        pass  # a fallback that is not needed for this file
                    elif depth > 0:
                        warned.append(
                            f"{path.name}: no column {' or '.join(group)} to fall back on "
                            f"at {link.where}"
                        )
                    elif optional:
                        what = "found otherwise" if rescued else "left blank"
                        state.blank.setdefault((path.name, " or ".join(group), what), []).append(
                            f"{source.table}.{link.target}"
                        )
                    else:
                        problems.extend((c, link.where) for c in group[:1])
                elif missing and missing[0] == group[0] and len(group) > 1:
                    warned.append(
                        f"{path.name}: no column {group[0]}; {source.table}.{link.target} "
                        f"comes from {next(c for c in group if c in index)} ({link.where})"
                    )
            for column in [c for c in (link.or_domain_of,) if c] + (
                [link.only_if[0]] if link.only_if else []
            ):
                if column not in index:
                    if optional or column == link.or_domain_of:
                        warned.append(f"{path.name}: no column {column}, which {link.where} reads")
                    else:
                        problems.append((column, link.where))
    if source.where and source.where[0] not in index:
        problems.append((source.where[0], f"source.{source.name}.where"))
    if source.skip_if and source.skip_if[0] not in index:
        warned.append(
            f"{path.name}: no column {source.skip_if[0]}; no row is skipped by "
            f"source.{source.name}.skip_if"
        )
    reported = {(p.file, p.column) for p in result.problems}
    for column, where in problems:
        if (path.name, column) in reported:
            continue  # one problem per missing column, however many sources read it
        reported.add((path.name, column))
        result.problems.append(
            Problem(
                path.name,
                1,
                column,
                f"no such column, but the mapping {result.mapping.path} uses it at "
                f"{where}; is this a {result.mapping.name} {source.name} export? "
                f"Its header has: {', '.join(header[:12])}" + (" …" if len(header) > 12 else ""),
            )
        )
    for message in warned:
        if message not in result.warnings:
            result.warnings.append(message)
    return not problems


def _translate_file(state: _State, source: Source, path: Path) -> None:
    result = state.result
    header, records, notes = state.read(path)
    for note in notes:
        if note not in result.warnings:
            result.warnings.append(note)
    index = {h: i for i, h in enumerate(header)}
    if not _check_columns(state, source, path, header, index):
        return
    result.files[path.name] = len(records)  # however many sources read it
    rows = result.tables.setdefault(source.table, TableRows(source.table))
    table = BY_NAME[source.table]
    key = table.key[0] if len(table.key) == 1 else None
    have = {str(r.get(key)) for r in rows.rows} if source.distinct and key else set()
    unknown_users: Counter[str] = Counter()
    same_user = _known_users(source, records, index, state.users) if source.table == "users" else {}
    start = len(rows.rows)
    name = path.name
    chains = {spec.target: spec.chain() for spec in source.fields}
    numeric = {
        f.target
        for f in source.fields
        if f.target in table.column_names and table.column(f.target).kind in _NUMERIC
    }
    for line, fields in records:
        state.line = line

        def cell(name: str, fields: list[str] = fields) -> str:
            i = index.get(name)
            return fields[i].strip() if i is not None and i < len(fields) else ""

        if source.where and cell(source.where[0]).lower() not in source.where[1]:
            continue  # another source takes this row (e.g. a Task that is a call)
        if (
            source.skip_if
            and source.skip_if[0] in index
            and (cell(source.skip_if[0]).lower() in source.skip_if[1])
        ):
            shown = cell(source.skip_if[0])
            reason = f"{source.skip_if[0]} is {shown!r}"
            result.skipped.append(Skip(path.name, line, source.table, reason))
            continue
        row: dict[str, str | None] = {}
        later: list[tuple[FieldSpec, FieldSpec]] = []
        for spec in source.fields:
            value, deferred = _chain_value(state, chains[spec.target], cell, name, unknown_users)
            if deferred is not None:
                later.append((spec, deferred))
            if value and spec.target in numeric:
                value = _number(value, state, path.name, spec)
            row[spec.target] = value or None
        if source.distinct and key:
            if not row.get(key):
                continue  # no one named in this row
            if row[key] in have or _is_known_user(source, row, state.users):
                continue  # the same person (or thing) again
            have.add(str(row[key]))
        if row.get("user_id") in same_user:
            reason = f"already in the book as user {same_user[str(row['user_id'])]} (same e-mail)"
            result.skipped.append(Skip(path.name, line, source.table, reason))
            continue
        missing = [c for c in table.required if not row.get(c)]
        if missing:
            spec = next(f for f in source.fields if f.target == missing[0])
            shown = (
                " or ".join(repr(c) for c in dict.fromkeys(_chain_columns(spec)) if c in index)
                or "the mapping"
            )
            hint = next(
                (
                    f" and no account has the web domain of {s.or_domain_of!r}"
                    for s in spec.chain()
                    if s.or_domain_of
                ),
                "",
            )
            result.skipped.append(
                Skip(path.name, line, source.table, f"no {missing[0]}: {shown} is blank{hint}")
            )
            continue
        domain = row.pop(DOMAIN_TARGET, None) if source.table == "accounts" else None
        if domain and row.get("account_id"):
            result.domains.append((str(row["account_id"]), domain))
        for spec, deferred in later:
            state.pending.append((source.table, len(rows.rows), spec, deferred))
        rows.rows.append(row)
        rows.origins.append(Origin(name, line, source.name))
    for name, count in sorted(unknown_users.items()):
        result.warnings.append(
            f"{path.name}: {name!r} is not a user of the book (by id, name or e-mail); "
            f"left blank on {count} row{'s' if count > 1 else ''}"
        )
    _keep_known(result, source, path, rows, start, state.lookups.known)


def _is_known_user(source: Source, row: dict[str, str | None], users: dict[str, str]) -> bool:
    """A user row made from an owner column that names a user the book (or an
    earlier source) already has under another id: that user it is."""
    if source.table != "users":
        return False
    for column in ("email", "name"):
        value = row.get(column)
        found = users.get(str(value).lower()) if value else None
        if found is not None and found != row.get("user_id"):
            return True
    return False


def _chain_columns(spec: FieldSpec) -> list[str]:
    return [c for link in spec.chain() for c in link.columns + link.join]


def _chain_value(
    state: _State,
    chain: tuple[FieldSpec, ...],
    cell: Callable[[str], str],
    file: str,
    unknown_users: Counter[str],
) -> tuple[str | None, FieldSpec | None]:
    """The value of a spec or its first fallback that gives one; and the aggregate
    to fill in later when the chain reaches one first."""
    for link in chain:
        if link.aggregate is not None:
            return None, link
        value = _value(link, cell, state, file)
        if link.conversion == "user" and value:
            found = state.users.get(value.lower())
            if found is None:
                unknown_users[value] += 1
            value = found
        if link.target == "account_id" and not value and link.or_domain_of:
            domain = domain_of(cell(link.or_domain_of))
            value = state.domains().get(domain) if domain else None
        if value:
            return value, None
    return None, None


def _fill_aggregates(state: _State) -> None:
    """Values derived from other rows (e.g. owner = most frequent deal owner), once
    every row of the import is known."""
    groups: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    for table, i, spec, link in state.pending:
        agg = link.aggregate
        assert agg is not None
        key_col = BY_NAME[table].key[0]
        row = state.result.tables[table].rows[i]
        gkey = (agg.table, agg.on, agg.take)
        if gkey not in groups:
            made: dict[str, list[str]] = {}
            for other in state.result.tables.get(agg.table, TableRows(agg.table)).rows:
                on, take = other.get(agg.on), other.get(agg.take)
                if on is not None:
                    made.setdefault(str(on), [])
                    if take:
                        made[str(on)].append(str(take))
            groups[gkey] = made
        found = groups[gkey].get(str(row.get(key_col)), [])
        value = _aggregate(agg.pick, found)
        if value is not None and link.values is not None:
            value = link.values.get(value.lower(), link.values.get("*", value)) or None
        if value is not None:
            row[spec.target] = value


def _aggregate(pick: str, values: list[str]) -> str | None:
    if pick == "count":
        return str(len(values))
    if not values:
        return None
    match pick:
        case "most_frequent":
            counts = Counter(values)
            return min(counts, key=lambda v: (-counts[v], v))  # ties: the first in order
        case "earliest":
            return min(values)
        case "latest":
            return max(values)
        case _:  # sum
            total = 0.0
            for v in values:
                try:
                    total += float(v)
                except ValueError:
                    continue
            return f"{total:g}" if total != int(total) else str(int(total))


def _number(value: str, state: _State, file: str, spec: FieldSpec) -> str:
    """'$12,000.00', '12.000,50 €' (with --decimal , --thousands .) → the dot-decimal
    number the bundle reads; anything else is passed on for the bundle check to report.

    A currency sign is always left out (noted); thousands separators only when
    named by --thousands, or in the one form that cannot be misread (12,000.00)."""
    options = state.options
    text = value.strip()
    bare = _LEADING_CURRENCY.sub(r"\1", text)
    bare = _TRAILING_CURRENCY.sub("", bare)
    if bare != text:
        state.note(file, f"currency signs left out of {source_column(spec)}")
    if options.thousands:
        bare = bare.replace(options.thousands, "")
    if options.decimal == "." and _GROUPED.match(bare):
        bare = bare.replace(",", "")
        state.note(file, f"thousands separators ',' left out of {source_column(spec)}")
    if options.decimal != ".":
        bare = bare.replace(options.decimal, ".")
    return bare


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
    if "user_id" not in specs or source.distinct:
        return {}
    same: dict[str, str] = {}
    for _, fields in records:

        def cell(name: str, fields: list[str] = fields) -> str:
            i = index.get(name)
            return fields[i].strip() if i is not None and i < len(fields) else ""

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


def _value(
    spec: FieldSpec,
    cell: Callable[[str], str],
    state: _State | None = None,
    file: str = "",
) -> str | None:
    if spec.only_if and cell(spec.only_if[0]).lower() not in spec.only_if[1]:
        return None
    if spec.value is not None:
        raw = spec.value
    elif spec.conversion == "minutes_between":
        return _minutes_between(*(cell(c) for c in spec.columns[:2]))
    elif spec.join:
        raw = " ".join(v for v in (cell(c) for c in spec.join) if v)
    elif spec.pick != "first":
        return _picked(spec, cell, state, file)
    else:
        raw = next((v for v in (cell(c) for c in spec.columns) if v), "")
    if spec.first and raw:
        raw = next((p.strip() for p in _SPLIT.split(raw) if p.strip()), "")
    if raw and spec.lookup is not None and spec.lookup.files and state is not None:
        found = state.file_lookup(spec.lookup, spec.where)
        raw = (found or {}).get(raw.lower(), "")
    if not raw:
        raw = spec.default or ""
    if not raw:
        return None
    if spec.values is not None:
        raw = spec.values.get(raw.lower(), spec.values.get("*", raw))
        if not raw:
            return None
    converted = convert(spec, raw)
    if converted and spec.prefix:
        if spec.conversion == "list":
            converted = ";".join(spec.prefix + p for p in converted.split(";"))
        else:
            converted = spec.prefix + converted
    if converted and spec.lookup is not None and spec.lookup.table and state is not None:
        return state.table_lookup(spec.lookup, converted)
    return converted


def _picked(
    spec: FieldSpec, cell: Callable[[str], str], state: _State | None, file: str
) -> str | None:
    """The earliest (or latest) of several date columns, noting rows where it is not
    the first column's (e.g. a deal created after it closed: history loaded late)."""
    found = [(c, convert(spec, cell(c))) for c in spec.columns if cell(c)]
    values = [(c, v) for c, v in found if v]
    if not values:
        return None
    chosen = (min if spec.pick == "earliest" else max)(values, key=lambda cv: cv[1] or "")
    if state is not None and chosen[0] != spec.columns[0] and found[0][0] == spec.columns[0]:
        word = "after" if spec.pick == "earliest" else "before"
        state.note(
            file,
            f"{spec.columns[0]} is {word} {chosen[0]}; {spec.target} is the {spec.pick} of the two",
        )
    value = chosen[1]
    return spec.prefix + value if value and spec.prefix else value


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
        case "slug":
            return re.sub(r"[^a-z0-9]+", "-", _fold(raw)).strip("-") or None
        case "bool":
            low = raw.lower()
            if low in ("true", "1", "yes", "y"):
                return "true"
            if low in ("false", "0", "no", "n"):
                return "false"
            return raw
    return raw


def _fold(text: str) -> str:
    """Lower case, accents set aside ('Zoë Ång' → 'zoe ang')."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def source_column(spec: FieldSpec | None) -> str | None:
    """The export column a bundle column came from, for messages."""
    if spec is None:
        return None
    names: Iterable[str] = spec.columns + spec.join
    return " + ".join(names) or None
