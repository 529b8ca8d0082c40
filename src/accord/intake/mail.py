"""Reading mail for capture: an mbox file or a folder of .eml files, streamed.

Only the header block of each message is parsed (by the standard library's
`email` parser); bodies are read line by line and thrown away, except the
first few kilobytes of the first text part (for purpose hints). An attachment
of any size therefore costs one line of memory at a time. A message whose
MIME parts never close, or whose headers never end, is reported as truncated
with its file and line.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser, Parser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO

_MAX_LINE = 64 * 1024
_MAX_HEADERS = 1024 * 1024
_SNIPPET = 4096
_BOUNDARY = re.compile(r'boundary\s*=\s*(?:"([^"]+)"|([^\s;"]+))', re.IGNORECASE)
RULE_HEADERS = (
    "list-unsubscribe",
    "list-id",
    "precedence",
    "auto-submitted",
    "sensitivity",
)


@dataclass(frozen=True, slots=True)
class MailMessage:
    file: str
    line: int  # where the message starts
    message_id: str | None
    parents: tuple[str, ...]  # References then In-Reply-To, oldest first
    sent_at: datetime | None  # naive UTC
    sender: str | None  # lower-case address
    sender_name: str
    recipients: tuple[tuple[str, str], ...]  # (name, lower-case address), To and Cc
    subject: str
    headers: dict[str, str]  # the few RULE_HEADERS present, lower-case names
    snippet: str  # the start of the first text part, decoded
    body_bytes: int
    problem: str | None = None  # why it cannot be used (a malformed Date, no sender …)


@dataclass(frozen=True, slots=True)
class MailProblem:
    """A file that is not what it should be (fatal unless --skip-invalid)."""

    file: str
    line: int
    message: str


def _text(value: object) -> str:
    """Header text, with raw 8-bit bytes read as UTF-8 or else Latin-1."""
    text = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        raw = text.encode("utf-8", "surrogateescape")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    return " ".join(text.split())


def _header_text(raw: bytes) -> str:
    """A header block as text: UTF-8 when it is, else Latin-1 (raw 8-bit headers happen)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _raw_values(msg: EmailMessage, name: str) -> list[str]:
    """A header's values as text, read without the structured header classes.

    Those classes fail on forms real mail carries, such as the empty group
    `To: unlisted-recipients:; (no To-header on input)` that sendmail writes;
    RFC 2047 words are still decoded.
    """
    out = []
    for key, value in msg.raw_items():
        if key.lower() != name:
            continue
        text = _text(value)
        with contextlib.suppress(HeaderParseError, LookupError, UnicodeDecodeError, ValueError):
            text = str(make_header(decode_header(text)))
        out.append(" ".join(text.split()))
    return out


def _boundary(headers: Message) -> str | None:
    """The MIME boundary of a Content-Type, quoted or not.

    Outlook writes `boundary=----=_NextPart_000_…` unquoted; the structured
    parser reads that as `----`, so the parameter is taken from the raw header.
    """
    for key, value in headers.raw_items():
        if key.lower() == "content-type":
            found = _BOUNDARY.search(str(value))
            if found:
                return found.group(1) or found.group(2)
    return None


def _addresses(msg: EmailMessage, *names: str) -> list[tuple[str, str]]:
    values: list[str] = []
    for name in names:
        values.extend(_raw_values(msg, name))
    out = []
    for display, address in getaddresses(values):
        if "@" in address:
            out.append((display.strip(), address.strip().lower()))
    return out


def _ids(value: str | None) -> list[str]:
    if not value:
        return []
    return [part.strip() for part in value.replace("\n", " ").split() if part.strip("<> ")]


class _Lines:
    """Bounded binary lines with their numbers; a long line comes in pieces."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.number = 0
        self._pending: bytes | None = None
        self.at_line_start = True

    def next(self) -> bytes | None:
        if self._pending is not None:
            line, self._pending = self._pending, None
        else:
            line = self._fh.readline(_MAX_LINE)
        if not line:
            return None
        if self.at_line_start:
            self.number += 1
        starts = self.at_line_start
        self.at_line_start = line.endswith(b"\n")
        return line if starts else b"\x00" + line  # a continuation piece never matches

    def push_back(self, line: bytes) -> None:
        self._pending = line
        self.at_line_start = True
        self.number -= 1


def _decode_snippet(raw: bytes, encoding: str, charset: str) -> str:
    try:
        if encoding == "quoted-printable":
            raw = quopri.decodestring(raw)
        elif encoding == "base64":
            raw = base64.b64decode(raw[: len(raw) - len(raw) % 4] or b"", validate=False)
    except (ValueError, binascii.Error):
        return ""
    try:
        return raw.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return raw.decode("latin-1")


def _read_message(lines: _Lines, file: str, mbox: bool) -> MailMessage | MailProblem | None:
    """One message from the current position; None at the end of the file."""
    start = lines.number + 1
    header = bytearray()
    while True:
        line = lines.next()
        if line is None:
            if header.strip():
                return MailProblem(
                    file, start, "the message ends before its headers do (a truncated file?)"
                )
            return None
        if not header and (line in (b"\n", b"\r\n") or (mbox and line.startswith(b"From "))):
            start = lines.number if line.startswith(b"From ") else lines.number + 1
            continue
        if line in (b"\n", b"\r\n"):
            break
        header += line
        if len(header) > _MAX_HEADERS:
            return MailProblem(file, start, "the headers are longer than 1 MB: not mail?")
    msg = Parser(policy=policy.default).parsestr(_header_text(bytes(header)), headersonly=True)
    assert isinstance(msg, EmailMessage)
    boundaries: list[bytes] = []
    top_boundary = _boundary(msg) if msg.get_content_maintype() == "multipart" else None
    if top_boundary:
        boundaries.append(top_boundary.encode("latin-1", "replace"))
    closed: set[bytes] = set()
    snippet = bytearray()
    snippet_done = False
    in_text = msg.get_content_type() == "text/plain"
    encoding = str(msg.get("content-transfer-encoding", "")).lower().strip()
    charset = msg.get_content_charset() or "utf-8"
    size = 0
    part_header: bytearray | None = None
    while True:
        line = lines.next()
        if line is None:
            break
        if mbox and line.startswith(b"From "):
            lines.push_back(line)
            break
        size += len(line)
        stripped = line.rstrip(b"\r\n")
        if stripped.startswith(b"--") and boundaries:
            mark = stripped[2:]
            hit = next((b for b in boundaries if mark in (b, b + b"--")), None)
            if hit is not None:
                if mark.endswith(b"--") and mark == hit + b"--":
                    closed.add(hit)
                    in_text = False
                else:
                    part_header = bytearray()
                if snippet:
                    snippet_done = True
                in_text = False
                continue
        if part_header is not None:  # inside a part's own headers
            if stripped:
                part_header += line
                continue
            part = BytesParser(policy=policy.default).parsebytes(bytes(part_header))
            part_header = None
            inner = _boundary(part) if part.get_content_maintype() == "multipart" else None
            if inner:
                boundaries.append(inner.encode("latin-1", "replace"))
            in_text = (
                not snippet_done
                and part.get_content_type() == "text/plain"
                and part.get_content_disposition() != "attachment"
            )
            if in_text:
                encoding = str(part.get("content-transfer-encoding", "")).lower().strip()
                charset = part.get_content_charset() or "utf-8"
            continue
        if in_text and not snippet_done and len(snippet) < _SNIPPET:
            snippet += line
    if top_boundary and top_boundary.encode("latin-1", "replace") not in closed:
        return MailProblem(file, start, "the message's MIME parts never close (a truncated file?)")
    return _message(msg, file, start, _decode_snippet(bytes(snippet), encoding, charset), size)


def _message(msg: EmailMessage, file: str, line: int, snippet: str, size: int) -> MailMessage:
    problem = None
    sent_at = None

    def raw(name: str) -> str:
        return " ".join(_raw_values(msg, name))

    raw_date = _raw_values(msg, "date")
    try:
        if not raw_date:
            problem = "no Date header"
        else:
            stamp = parsedate_to_datetime(raw_date[0])
            if stamp.tzinfo is not None:
                stamp = stamp.astimezone(UTC).replace(tzinfo=None)
            sent_at = stamp
    except (TypeError, ValueError, IndexError):
        problem = f"the Date header {raw('date')!r} is not a date"
    senders = _addresses(msg, "from")
    if not senders and problem is None:
        problem = f"the From header {raw('from')!r} holds no address"
    headers = {h: raw(h) for h in RULE_HEADERS if _raw_values(msg, h)}
    parents = _ids(raw("references")) + _ids(raw("in-reply-to"))
    own = _ids(raw("message-id"))
    message_id = own[0] if own else None
    return MailMessage(
        file=file,
        line=line,
        message_id=message_id,
        parents=tuple(dict.fromkeys(parents)),
        sent_at=sent_at,
        sender=senders[0][1] if senders else None,
        sender_name=senders[0][0] if senders else "",
        recipients=tuple(_addresses(msg, "to", "cc")),
        subject=raw("subject"),
        headers=headers,
        snippet=snippet[:_SNIPPET],
        body_bytes=size,
        problem=problem,
    )


def read_mail(path: Path) -> Iterator[MailMessage | MailProblem]:
    """Every message of an mbox file, or of the .eml files in a folder, in order."""
    if path.is_dir():
        for eml in sorted(p for p in path.iterdir() if p.suffix.lower() == ".eml"):
            with eml.open("rb") as fh:
                found = _read_message(_Lines(fh), eml.name, mbox=False)
                if found is None:
                    yield MailProblem(eml.name, 1, "the file is empty")
                else:
                    yield found
        return
    with path.open("rb") as fh:
        first = fh.readline(_MAX_LINE)
        if not first.startswith(b"From "):
            yield MailProblem(
                path.name, 1, "not an mbox file: the first line does not start with 'From '"
            )
            return
        fh.seek(0)
        lines = _Lines(fh)
        while (found := _read_message(lines, path.name, mbox=True)) is not None:
            yield found


def display_name(name: str, address: str) -> str:
    """A person's name from a header, else from their address ('dana.decider' → 'Dana Decider')."""
    if name.strip():
        return name.strip().strip('"')
    local = Address(addr_spec=address).username if "@" in address else address
    return " ".join(p.capitalize() for p in local.replace("_", ".").split(".") if p)
