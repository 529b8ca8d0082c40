"""The morning digest: a seller's daily agenda as an e-mail a cron job or a mail relay sends.

Pure: `message` turns an `Agenda` into a standards-compliant `email.message.EmailMessage`
(RFC 5322 headers Date, From, To, Subject, Message-ID; multipart/alternative with a
plain-text part first and an HTML part second, both UTF-8), and `html` is the HTML part
alone (for `--out FILE.html`). Nothing here sends mail.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accord.services_agenda import Agenda

DEFAULT_SENDER = "accord <agenda@accord.invalid>"


def subject(agenda: Agenda) -> str:
    n = len(agenda.actions)
    critical = sum(1 for a in agenda.actions if a.severity == "critical")
    head = f"Your agenda for {agenda.as_of.isoformat()}: {n} action{'s' if n != 1 else ''}"
    return head + (f", {critical} critical" if critical else "")


def text(agenda: Agenda) -> str:
    """The plain-text part: numbered actions, what is folded under each, the data to complete."""
    lines = [f"Good morning {agenda.user_name},", "", subject(agenda) + ".", ""]
    for n, action in enumerate(agenda.actions, start=1):
        lead = action.lead.item
        lines.append(f"{n}. {action.account_name} — {action.priority_words}")
        lines.append(f"   {lead.title}")
        lines.append(f"   {lead.reason}")
        for m in action.lead.merged:
            lines.append(f"   covers: {m.title} ({m.when})")
        for other in action.folded:
            lines.append(f"   also: {other.item.title} ({other.item.when})")
        lines.append(f"   item {lead.id}")
        lines.append("")
    if agenda.more_actions:
        lines += [f"{agenda.more_actions} more account(s) with actions wait after these.", ""]
    if agenda.to_complete:
        lines.append("To complete (missing data):")
        for e in agenda.to_complete:
            lines.append(f"- {e.item.account_name}: {e.item.title} ({e.item.when})")
        if agenda.more_to_complete:
            lines.append(f"- and {agenda.more_to_complete} more")
        lines.append("")
    if not agenda.actions and not agenda.to_complete:
        lines += ["Nothing on your agenda today.", ""]
    lines.append("Mark an item done: accord agenda complete ITEM --user " + agenda.user_id)
    return "\n".join(lines) + "\n"


_COLOURS = {"critical": "#b00020", "warning": "#8a5a00", "routine": "#444444"}


def html(agenda: Agenda) -> str:
    """The HTML part: the same content, styled inline (mail clients drop style sheets)."""
    e = escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(subject(agenda))}</title></head>",
        '<body style="font-family: sans-serif; max-width: 40em; color: #222">',
        f"<p>Good morning {e(agenda.user_name)},</p>",
        f'<h1 style="font-size: 1.2em">{e(subject(agenda))}</h1>',
    ]
    if agenda.actions:
        parts.append("<ol>")
        for action in agenda.actions:
            lead = action.lead.item
            colour = _COLOURS.get(action.severity, "#222")
            parts.append(
                f'<li style="margin-bottom: 1em"><b>{e(action.account_name)}</b> '
                f'<span style="color: {colour}">{e(action.priority_words)}</span><br>'
                f"<b>{e(lead.title)}</b><br>{e(lead.reason)}"
            )
            extra = [f"covers: {m.title} ({m.when})" for m in action.lead.merged]
            extra += [f"also: {o.item.title} ({o.item.when})" for o in action.folded]
            if extra:
                parts.append(
                    '<ul style="color: #555">'
                    + "".join(f"<li>{e(x)}</li>" for x in extra)
                    + "</ul>"
                )
            parts.append("</li>")
        parts.append("</ol>")
    if agenda.more_actions:
        parts.append(f"<p>{agenda.more_actions} more account(s) with actions wait after these.</p>")
    if agenda.to_complete:
        parts.append('<h2 style="font-size: 1.1em">To complete (missing data)</h2><ul>')
        for entry in agenda.to_complete:
            i = entry.item
            parts.append(f"<li>{e(i.account_name)}: {e(i.title)} ({e(i.when)})</li>")
        parts.append("</ul>")
    if not agenda.actions and not agenda.to_complete:
        parts.append("<p>Nothing on your agenda today.</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def message(
    agenda: Agenda,
    *,
    to: str,
    sender: str = DEFAULT_SENDER,
    now: datetime | None = None,
) -> EmailMessage:
    """The digest as an e-mail to `to` (an address, with the seller's name as display name)."""
    msg = EmailMessage()
    msg["Subject"] = subject(agenda)
    msg["From"] = sender
    local, _, domain = to.partition("@")
    msg["To"] = Address(display_name=agenda.user_name, username=local, domain=domain)
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    sender_domain = sender.rsplit("@", 1)[-1].rstrip(">").strip() or "accord.invalid"
    msg["Message-ID"] = make_msgid(idstring=f"agenda.{agenda.user_id}", domain=sender_domain)
    msg.set_content(text(agenda))
    msg.add_alternative(html(agenda), subtype="html")
    return msg


__all__ = ["DEFAULT_SENDER", "html", "message", "subject", "text"]
