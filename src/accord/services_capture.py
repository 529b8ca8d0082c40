"""Use cases of issue 9: mail and calendar capture, and the capture rules (service layer).

Files are streamed and each message placed as it is read (intake/capture.py);
then, in one transaction, new people (when asked), touchpoints and the
captured keys are upserted through the bulk writer. A dry run does the same
and rolls back. Capturing the same message or occurrence again counts once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from accord.domain.schema import BY_NAME, Column, Kind, Table
from accord.errors import BadInputError, NotFoundError
from accord.intake.calendar import Excluded, Meeting, read_calendar
from accord.intake.capture import BookIndex, Left, Placed, direction, place_meeting, place_message
from accord.intake.mail import MailProblem, read_mail
from accord.intake.rules import FREEMAIL, Rule, check_rule, effective_rules
from accord.services_intake import capture_domains
from accord.services_signals import infer_written
from accord.storage import bulk
from accord.storage.database import make_engine, require_current
from accord.storage.intake_state import intake_captured, intake_rules

_CAPTURED = Table(
    "intake_captured",
    (Column("source_key"), Column("touchpoint_id"), Column("captured_at", Kind.DATETIME)),
    ("source_key",),
    "captured message",
)
_TOUCH_UPDATES = ("occurred_at", "direction", "contact_ids")  # never purpose, summary, tags
_CHUNK = 5000


@dataclass
class CaptureReport:
    dry_run: bool
    read: int = 0
    captured: int = 0
    already: int = 0
    touchpoints_created: int = 0
    touchpoints_updated: int = 0
    contacts_added: int = 0
    left_out: list[Left] = field(default_factory=list)
    proposed: list[tuple[str, str, str]] = field(default_factory=list)  # name, e-mail, account
    problems: list[MailProblem] = field(default_factory=list)


def _index(conn: sa.Connection) -> BookIndex:
    index = BookIndex(account_by_domain=capture_domains(conn))
    for contact_id, account_id, email in conn.exec_driver_sql(
        "SELECT contact_id, account_id, email FROM contacts WHERE email IS NOT NULL"
    ):
        index.contacts.setdefault(str(email).lower(), (str(contact_id), str(account_id)))
    for user_id, email in conn.exec_driver_sql("SELECT user_id, email FROM users"):
        if email and "@" in str(email):
            index.users[str(email).lower()] = str(user_id)
            domain = str(email).rsplit("@", 1)[1].lower()
            if domain not in FREEMAIL:
                index.our_domains.add(domain)
    return index


def _stored_rules(conn: sa.Connection) -> list[Rule]:
    t = intake_rules
    return [
        Rule(str(r.rule_id), str(r.kind), str(r.field), str(r.pattern), bool(r.enabled), False)
        for r in conn.execute(sa.select(t)).all()
    ]


def capture_mail(
    *,
    url: str | None,
    path: Path,
    add_contacts: bool = False,
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> CaptureReport:
    """Capture an mbox file or a folder of .eml files as touchpoints."""
    if not path.exists():
        raise BadInputError(f"{path}: no such file or folder")

    def place(index: BookIndex, rules: list[Rule]) -> Iterator[Placed | Left | MailProblem]:
        for found in read_mail(path):
            yield found if isinstance(found, MailProblem) else place_message(found, index, rules)

    return _capture(url, place, add_contacts, dry_run, skip_invalid)


def capture_calendar(
    *,
    url: str | None,
    path: Path,
    until: date | None = None,
    add_contacts: bool = False,
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> CaptureReport:
    """Capture the meetings of an .ics file (recurring ones up to `until`, default today)."""
    if not path.is_file():
        raise BadInputError(f"{path}: no such file")
    day = until or date.today()

    def place(index: BookIndex, _rules: list[Rule]) -> Iterator[Placed | Left | MailProblem]:
        for found in read_calendar(path, until=day):
            if isinstance(found, Meeting):
                yield place_meeting(found, index)
            elif isinstance(found, Excluded):
                yield Left(found.file, found.line, found.reason)
            else:
                yield found

    return _capture(url, place, add_contacts, dry_run, skip_invalid)


class _RollBackError(Exception):
    pass


def _capture(
    url: str | None,
    place: object,
    add_contacts: bool,
    dry_run: bool,
    skip_invalid: bool,
) -> CaptureReport:
    engine = make_engine(url)
    report = CaptureReport(dry_run)
    try:
        require_current(engine)
        with engine.connect() as conn:
            index = _index(conn)
            rules = effective_rules(_stored_rules(conn))
        placed: list[Placed] = []
        assert callable(place)
        for item in place(index, rules):
            if isinstance(item, MailProblem):
                report.problems.append(item)
                continue
            report.read += 1
            if isinstance(item, Left):
                report.left_out.append(item)
            else:
                placed.append(item)
        if report.problems and not skip_invalid:
            shown = "\n".join(f"  {p.file}, line {p.line}: {p.message}" for p in report.problems)
            raise BadInputError(f"cannot read the input; nothing was captured:\n{shown}")
        try:
            with bulk.open_writer(engine) as writer, engine.connect() as conn:
                _write(conn, writer, placed, report, add_contacts)
                if dry_run:
                    raise _RollBackError
        except _RollBackError:
            pass
        return report
    finally:
        engine.dispose()


def _stored_keys(conn: sa.Connection, digests: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(digests))
    t = intake_captured
    found: dict[str, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for key, tp in conn.execute(
            sa.select(t.c.source_key, t.c.touchpoint_id).where(t.c.source_key.in_(chunk))
        ):
            found[str(key)] = str(tp)
    return found


def _write(
    conn: sa.Connection,
    writer: bulk.BulkWriter,
    placed: list[Placed],
    report: CaptureReport,
    add_contacts: bool,
) -> None:
    placed.sort(key=lambda p: (p.at, p.key))
    stored = _stored_keys(conn, (d for p in placed for d in p.thread))
    batch: dict[str, str] = {}
    groups: dict[str, list[Placed]] = defaultdict(list)
    for p in placed:
        if p.key in stored or p.key in batch:
            report.already += 1
            continue
        tp = next(
            (stored.get(d) or batch.get(d) for d in p.thread if stored.get(d) or batch.get(d)), None
        )
        tp = tp or f"{'mail' if p.channel == 'email' else 'cal'}-{p.key[:16]}"
        for d in p.thread:
            batch.setdefault(d, tp)
        groups[tp].append(p)
    report.captured = sum(len(g) for g in groups.values())
    new_people: dict[str, tuple[str, str, str]] = {}
    for group in groups.values():
        for p in group:
            for name, email, account in p.proposed:
                new_people.setdefault(email, (name, email, account))
    report.proposed = sorted(new_people.values(), key=lambda x: (x[2], x[1]))
    added: dict[str, str] = {}  # e-mail → new contact id
    if add_contacts and new_people:
        people_rows: list[tuple[object, ...]] = []
        for name, email, account in report.proposed:
            added[email] = f"c-{uuid.uuid4().hex[:12]}"
            people_rows.append((added[email], account, name, email, None, None, True))
        frame = pl.DataFrame(people_rows, schema=_schema(BY_NAME["contacts"]), orient="row")
        contacts = BY_NAME["contacts"]
        report.contacts_added = writer.upsert(contacts, frame, ()).inserted
    existing = _existing_touchpoints(conn, list(groups))
    rows: list[tuple[object, ...]] = []
    for tp, group in groups.items():
        first = group[0]
        old = existing.get(tp)
        sides: list[bool | None] = [p.outbound for p in group]
        contacts_of = [c for p in group for c in p.contact_ids]
        contacts_of += [
            added[e]
            for p in group
            for _, e, a in p.proposed
            if e in added and a == first.account_id
        ]
        at = min(p.at for p in group)
        if old is not None:
            sides.append({"outbound": True, "inbound": False}.get(old[1]))
            contacts_of = [c for c in (old[2] or "").split(";") if c] + contacts_of
            at = min(at, old[0])
        rows.append(
            (
                tp,
                first.account_id,
                at,
                first.channel,
                direction(sides),
                None,  # unlabelled: purpose and tags are inferred from subject and text
                next((p.user_id for p in group if p.user_id), None),
                ";".join(dict.fromkeys(contacts_of)) or None,
                first.minutes,
                first.summary,
                f"captured-{'mail' if first.channel == 'email' else 'calendar'}",
            )
        )
    touchpoints = BY_NAME["touchpoints"]
    frame = pl.DataFrame(rows, schema=_schema(touchpoints), orient="row")
    counts = writer.upsert(touchpoints, frame, _TOUCH_UPDATES)
    bodies = {tp: " ".join(p.body for p in group if p.body) for tp, group in groups.items()}
    infer_written(writer, touchpoints, frame, None, bodies)
    report.touchpoints_created, report.touchpoints_updated = counts.inserted, counts.updated
    now = datetime.now(UTC).replace(tzinfo=None)
    keys = [(p.key, tp, now) for tp, group in groups.items() for p in group]
    keys_frame = pl.DataFrame(keys, schema=_schema(_CAPTURED), orient="row")
    for chunk in keys_frame.iter_slices(40_000):
        writer.upsert(_CAPTURED, chunk, ())


def _schema(table: Table) -> dict[str, pl.DataType]:
    kinds: dict[Kind, pl.DataType] = {
        Kind.INT: pl.Int64(),
        Kind.DECIMAL: pl.Float64(),
        Kind.DATE: pl.Date(),
        Kind.DATETIME: pl.Datetime("us"),
        Kind.BOOL: pl.Boolean(),
    }
    return {c.name: kinds.get(c.kind, pl.String()) for c in table.columns}


def _existing_touchpoints(
    conn: sa.Connection, ids: list[str]
) -> dict[str, tuple[datetime, str, str | None]]:
    out: dict[str, tuple[datetime, str, str | None]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = conn.execute(
            sa.text(
                "SELECT touchpoint_id, occurred_at, direction, contact_ids FROM touchpoints "
                "WHERE touchpoint_id IN :ids"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": chunk},
        )
        for tp, at, way, contacts in rows:
            stamp = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
            out[str(tp)] = (stamp, str(way), None if contacts is None else str(contacts))
    return out


# -- the rules ---------------------------------------------------------------------------------


def capture_rules(*, url: str | None) -> list[Rule]:
    """Every rule capture follows on this book, built-in and the user's, in order."""
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            return effective_rules(_stored_rules(conn))
    finally:
        engine.dispose()


def add_capture_rule(*, url: str | None, kind: str, field: str, pattern: str) -> Rule:
    """Add a rule of one's own; it takes effect from the next capture."""
    why = check_rule(kind, field, pattern)
    if why is not None:
        raise BadInputError(why)
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.begin() as conn:
            taken = {r.rule_id for r in effective_rules(_stored_rules(conn))}
            number = 1
            while f"user-{number}" in taken:
                number += 1
            rule = Rule(f"user-{number}", kind, field, pattern.strip(), True, False)
            conn.execute(
                intake_rules.insert().values(
                    rule_id=rule.rule_id, kind=kind, field=field, pattern=rule.pattern, enabled=True
                )
            )
            return rule
    finally:
        engine.dispose()


def set_capture_rule(*, url: str | None, rule_id: str, enabled: bool | None) -> None:
    """Switch a rule on or off (`enabled`), or remove one's own rule (`enabled=None`)."""
    engine = make_engine(url)
    try:
        require_current(engine)
        with engine.begin() as conn:
            rules = {r.rule_id: r for r in effective_rules(_stored_rules(conn))}
            rule = rules.get(rule_id)
            if rule is None:
                raise NotFoundError(
                    f"there is no capture rule {rule_id!r}; see `accord capture rules`"
                )
            t = intake_rules
            conn.execute(t.delete().where(t.c.rule_id == rule_id))
            if enabled is None:
                if rule.builtin:
                    raise BadInputError(f"{rule_id} is built in: disable it instead")
                return
            if rule.builtin and enabled:
                return  # built-in rules are on unless switched off
            conn.execute(
                t.insert().values(
                    rule_id=rule_id,
                    kind=rule.kind,
                    field=rule.field,
                    pattern=rule.pattern,
                    enabled=enabled,
                )
            )
    finally:
        engine.dispose()
