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


def _check_structure(path: Path, text: str) -> tuple[list[int], MailProblem | None]:
    """The lines of each BEGIN:VEVENT, or the first place the nesting breaks."""
    stack: list[tuple[str, int]] = []
    events: list[int] = []
    number = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        upper = line.upper()
        if number == 1 and upper != "BEGIN:VCALENDAR":
            return [], MailProblem(
                path.name, 1, "not an iCalendar file: it must start with BEGIN:VCALENDAR"
            )
        if upper.startswith("BEGIN:"):
            stack.append((upper[6:], number))
            if upper == "BEGIN:VEVENT":
                events.append(number)
        elif upper.startswith("END:"):
            if not stack or stack[-1][0] != upper[4:]:
                what = f"BEGIN:{stack[-1][0]} of line {stack[-1][1]}" if stack else "nothing"
                return [], MailProblem(path.name, number, f"{line} does not close {what}")
            stack.pop()
    if stack:
        name, opened = stack[-1]
        return [], MailProblem(
            path.name,
            number,
            f"the file ends before END:{name} (opened on line {opened}): truncated?",
        )
    return events, None


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


def _occurrences(event: Any, start: datetime, until: date) -> list[datetime]:
    rule = event.get("rrule")
    if rule is None:
        return [start]
    text = rule.to_ical().decode()
    limit = datetime.combine(until, datetime.max.time())
    if start.tzinfo is not None:
        limit = limit.replace(tzinfo=start.tzinfo)
    stamps: list[datetime] = []
    for stamp in rrulestr(text, dtstart=start):
        if stamp > limit or len(stamps) >= _MAX_OCCURRENCES:
            break
        stamps.append(stamp)
    excluded: set[datetime] = set()
    ex = event.get("exdate")
    for block in ex if isinstance(ex, list) else [ex] if ex is not None else []:
        for item in block.dts:
            excluded.add(_utc(item.dt) if isinstance(item.dt, datetime) else item.dt)
    return [s for s in stamps if _utc(s) not in excluded]


def read_calendar(path: Path, *, until: date) -> Iterator[Meeting | Excluded | MailProblem]:
    """Every meeting occurrence on or before `until`, in file order."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield MailProblem(path.name, 1, f"not UTF-8 text ({exc.reason})")
        return
    except OSError as exc:
        yield MailProblem(path.name, 1, f"cannot read the file: {exc.strerror}")
        return
    lines, problem = _check_structure(path, text)
    if problem is not None:
        yield problem
        return
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        yield MailProblem(path.name, 1, f"not a valid iCalendar file: {exc}")
        return
    events = list(calendar.walk("VEVENT"))
    moved: dict[tuple[str, datetime], Any] = {}
    for event in events:
        if event.get("recurrence-id") is not None:
            moved[(str(event.get("uid")), _utc(event.decoded("recurrence-id")))] = event
    for line, event in zip(lines, events, strict=False):
        if event.get("recurrence-id") is not None:
            continue  # handled with its series
        uid = str(event.get("uid") or "")
        if not uid:
            yield Excluded(path.name, line, "the event has no UID")
            continue
        try:
            start = event.decoded("dtstart")
        except (KeyError, ValueError):
            yield Excluded(path.name, line, "the event has no valid DTSTART")
            continue
        if not isinstance(start, datetime):
            yield Excluded(path.name, line, "an all-day entry, not a meeting")
            continue
        length = _length(event, start)
        for stamp in _occurrences(event, start, until):
            instance = moved.get((uid, _utc(stamp)), event)
            if str(instance.get("status", "")).upper() == "CANCELLED":
                yield Excluded(path.name, line, f"cancelled ({_utc(stamp).isoformat()})")
                continue
            begin = instance.decoded("dtstart") if instance is not event else stamp
            if _utc(begin).date() > until:
                continue
            yield Meeting(
                file=path.name,
                line=line,
                uid=uid,
                start=_utc(begin),
                minutes=_length(instance, begin) if instance is not event else length,
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
