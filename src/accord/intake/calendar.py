"""Reading meetings for capture from an .ics file (the `icalendar` package).

Each event becomes one meeting per occurrence: recurring events (RRULE, with
EXDATE and moved instances) are expanded up to a date, in the event's own time
zone, so daylight-saving changes keep the local hour; every time is then
stored as naive UTC. Cancelled events and all-day entries are not meetings.
The file's structure is checked first, so a broken .ics is reported with the
line where it breaks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
from dateutil.rrule import rrulestr

from accord.intake.mail import MailProblem

_MAX_OCCURRENCES = 1000


@dataclass(frozen=True, slots=True)
class Meeting:
    file: str
    line: int  # the line of its BEGIN:VEVENT
    uid: str
    start: datetime  # naive UTC
    minutes: int | None
    summary: str
    organizer: str | None  # lower-case address
    attendees: tuple[tuple[str, str], ...]  # (name, lower-case address)


@dataclass(frozen=True, slots=True)
class Excluded:
    file: str
    line: int
    reason: str


@dataclass
class _Structure:
    """What the nesting check found: the kept events' lines, the breaks, the mended text."""

    events: list[int]
    problems: list[MailProblem]
    text: str
    fatal: bool = False


def _check_structure(path: Path, text: str) -> _Structure:
    """The lines of each BEGIN:VEVENT, and every place the nesting breaks.

    A VEVENT that never ends (the next BEGIN:VEVENT, END:VCALENDAR or the end of
    the file comes first) is cut out and reported, so that `--skip-invalid` keeps
    every valid event around it; any other break is fatal.
    """
    lines = text.splitlines()
    keep = [True] * len(lines)
    stack: list[tuple[str, int]] = []
    events: list[int] = []
    problems: list[MailProblem] = []

    def open_event() -> int | None:
        return next((i for i in range(len(stack) - 1, -1, -1) if stack[i][0] == "VEVENT"), None)

    def cut(at: int, upto: int, message: str) -> None:
        """Drop the open VEVENT (stack position `at`) and its lines before line `upto`."""
        opened = stack[at][1]
        for i in range(opened - 1, min(upto - 1, len(lines))):
            keep[i] = False
        del stack[at:]
        events.remove(opened)
        problems.append(MailProblem(path.name, opened, message))

    number = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        upper = line.upper()
        if number == 1 and upper != "BEGIN:VCALENDAR":
            problem = MailProblem(
                path.name, 1, "not an iCalendar file: it must start with BEGIN:VCALENDAR"
            )
            return _Structure([], [problem], text, fatal=True)
        if upper.startswith("BEGIN:"):
            at = open_event()
            if upper == "BEGIN:VEVENT" and at is not None:
                cut(
                    at,
                    number,
                    f"BEGIN:VEVENT of line {stack[at][1]} never ends: line "
                    f"{number} begins the next event first; the broken event is left out",
                )
            stack.append((upper[6:], number))
            if upper == "BEGIN:VEVENT":
                events.append(number)
        elif upper.startswith("END:"):
            if stack and stack[-1][0] == upper[4:]:
                stack.pop()
                continue
            at = open_event()
            if at is not None and upper in ("END:VEVENT", "END:VCALENDAR"):
                what = f"BEGIN:{stack[-1][0]} of line {stack[-1][1]}"
                end = number + 1 if upper == "END:VEVENT" else number
                cut(
                    at,
                    end,
                    f"{line} on line {number} does not close {what}; the broken event is left out",
                )
                if upper == "END:VCALENDAR" and stack and stack[-1][0] == "VCALENDAR":
                    stack.pop()
                continue
            what = f"BEGIN:{stack[-1][0]} of line {stack[-1][1]}" if stack else "nothing"
            problem = MailProblem(path.name, number, f"{line} does not close {what}")
            return _Structure([], [*problems, problem], text, fatal=True)
    tail: list[str] = []
    if stack:
        name, opened = stack[-1]
        message = f"the file ends before END:{name} (opened on line {opened}): truncated?"
        at = open_event()
        if at is not None:
            cut(at, len(lines) + 1, message + " The unfinished event is left out")
        else:
            problems.append(MailProblem(path.name, number, message))
        tail = [f"END:{n}" for n, _ in reversed(stack)]
    mended = "\n".join([line for line, kept in zip(lines, keep, strict=True) if kept] + tail)
    return _Structure(events, problems, mended + "\n")


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value  # floating time: taken as it is
    return value.astimezone(UTC).replace(tzinfo=None)


def _address(value: Any) -> str | None:
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.lower() if "@" in text else None


def _attendees(event: Any) -> tuple[tuple[str, str], ...]:
    found = event.get("attendee")
    if found is None:
        return ()
    values = found if isinstance(found, list) else [found]
    out = []
    for value in values:
        address = _address(value)
        if address:
            name = str(getattr(value, "params", {}).get("CN", "")).strip()
            out.append((name, address))
    return tuple(out)


def _dates(event: Any, name: str) -> list[Any]:
    found = event.get(name)
    blocks = found if isinstance(found, list) else [found] if found is not None else []
    return [item.dt for block in blocks for item in getattr(block, "dts", [])]


def _occurrences(event: Any, start: datetime, until: date) -> list[tuple[datetime, int | None]]:
    """(start, minutes when the occurrence has its own length) of every occurrence.

    From RRULE and RDATE (dates, times or periods, as Lotus Notes writes a series),
    less EXDATE; up to `until`, at most 1,000 per event.
    """
    limit = datetime.combine(until, datetime.max.time())
    if start.tzinfo is not None:
        limit = limit.replace(tzinfo=start.tzinfo)
    stamps: dict[datetime, int | None] = {}
    rule = event.get("rrule")
    if rule is None:
        stamps[start] = None
    else:
        for stamp in rrulestr(rule.to_ical().decode(), dtstart=start):
            if stamp > limit or len(stamps) >= _MAX_OCCURRENCES:
                break
            stamps[stamp] = None
    for value in _dates(event, "rdate"):
        length: int | None = None
        if isinstance(value, tuple):  # a period: (start, end) or (start, duration)
            value, until_or_span = value
            end = value + until_or_span if isinstance(until_or_span, timedelta) else until_or_span
            length = round((end - value) / timedelta(minutes=1))
        if not isinstance(value, datetime):
            continue  # an all-day date in a timed series
        if value.tzinfo is None and start.tzinfo is not None:
            value = value.replace(tzinfo=start.tzinfo)
        if _utc(value) <= _utc(limit) and len(stamps) < _MAX_OCCURRENCES:
            stamps.setdefault(value, length)
    excluded = {_utc(d) if isinstance(d, datetime) else d for d in _dates(event, "exdate")}
    return sorted(
        ((s, m) for s, m in stamps.items() if _utc(s) not in excluded), key=lambda x: _utc(x[0])
    )


def _start(event: Any) -> datetime | str:
    """The event's DTSTART, or why it cannot be a meeting."""
    if event.get("dtstart") is None:
        return "the event has no DTSTART"
    try:
        start = event.decoded("dtstart")
    except (KeyError, ValueError, TypeError):
        start = event.get("dtstart")
    if isinstance(start, datetime):
        return start
    if isinstance(start, date):
        return "an all-day entry, not a meeting"
    raw = getattr(start, "to_ical", lambda: str(start))()
    shown = raw.decode() if isinstance(raw, bytes) else str(raw)
    return f"malformed DTSTART {shown!r}: not a date and time (YYYYMMDDTHHMMSS)"


def read_calendar(path: Path, *, until: date) -> Iterator[Meeting | Excluded | MailProblem]:
    """Every meeting occurrence on or before `until`, in file order.

    A broken event comes first as a MailProblem (fatal unless --skip-invalid); the
    valid events around it follow.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield MailProblem(path.name, 1, f"not UTF-8 text ({exc.reason})")
        return
    except OSError as exc:
        yield MailProblem(path.name, 1, f"cannot read the file: {exc.strerror}")
        return
    structure = _check_structure(path, text)
    yield from structure.problems
    if structure.fatal:
        return
    try:
        calendar = icalendar.Calendar.from_ical(structure.text)
    except ValueError as exc:
        yield MailProblem(path.name, 1, f"not a valid iCalendar file: {exc}")
        return
    events = list(calendar.walk("VEVENT"))
    lines = dict(zip(map(id, events), structure.events, strict=False))
    moved: dict[tuple[str, datetime], Any] = {}
    for event in events:
        if event.get("recurrence-id") is not None:
            try:
                moved[(str(event.get("uid")), _utc(event.decoded("recurrence-id")))] = event
            except (ValueError, TypeError, AttributeError):
                yield Excluded(
                    path.name, lines.get(id(event), 0), "malformed RECURRENCE-ID: left out"
                )
    used: set[tuple[str, datetime]] = set()
    for event in events:
        line = lines.get(id(event), 0)
        if event.get("recurrence-id") is not None:
            continue  # handled with its series, or on its own below
        uid = str(event.get("uid") or "")
        if not uid:
            yield Excluded(path.name, line, "the event has no UID")
            continue
        start = _start(event)
        if isinstance(start, str):
            yield Excluded(path.name, line, start)
            continue
        length = _length(event, start)
        for stamp, own_length in _occurrences(event, start, until):
            key = (uid, _utc(stamp))
            instance = moved.get(key, event)
            used.add(key)
            if str(instance.get("status", "")).upper() == "CANCELLED":
                yield Excluded(path.name, line, f"cancelled ({_utc(stamp).isoformat()})")
                continue
            begin = instance.decoded("dtstart") if instance is not event else stamp
            if _utc(begin).date() > until:
                continue
            minutes = _length(instance, begin) if instance is not event else own_length
            yield _meeting(path, line, uid, instance, begin, length if minutes is None else minutes)
    for key, instance in moved.items():
        if key in used:
            continue
        # A moved occurrence whose series names no such date (or is not in the file):
        # it is still a meeting that took place, on its own date.
        line = lines.get(id(instance), 0)
        start = _start(instance)
        if isinstance(start, str):
            yield Excluded(path.name, line, start)
        elif str(instance.get("status", "")).upper() == "CANCELLED":
            yield Excluded(path.name, line, f"cancelled ({_utc(start).isoformat()})")
        elif _utc(start).date() <= until:
            yield _meeting(path, line, key[0], instance, start, _length(instance, start))


def _meeting(
    path: Path, line: int, uid: str, instance: Any, begin: datetime, minutes: int | None
) -> Meeting:
    return Meeting(
        file=path.name,
        line=line,
        uid=uid,
        start=_utc(begin),
        minutes=minutes,
        summary=" ".join(str(instance.get("summary", "")).split()),
        organizer=_address(instance.get("organizer")),
        attendees=_attendees(instance),
    )


def _length(event: Any, start: datetime) -> int | None:
    end: Any = None
    if event.get("dtend") is not None:
        end = event.decoded("dtend")
    elif event.get("duration") is not None:
        end = start + event.decoded("duration")
    if not isinstance(end, datetime):
        return None
    minutes = (end - start) / timedelta(minutes=1)
    return round(minutes) if minutes >= 0 else None
