"""Mail and calendars as other programs write them (issue 19, cases 2, 3 and 7).

Each file here is hand-made in the shape the named program writes: sendmail's
empty group address, Outlook's unquoted MIME boundary, a calendar with one
unfinished event, a malformed DTSTART, a Lotus Notes series of RDATE periods.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord import services_capture
from accord.cli import app
from accord.errors import BadInputError
from accord.intake.capture import guess_purpose, own_words
from tests.intake.conftest import query, row_counts


def _mbox(path: Path, *messages: str) -> Path:
    path.write_text(
        "".join(f"From someone@example Mon Mar  2 09:00:00 2026\n{m}\n" for m in messages),
        encoding="utf-8",
    )
    return path


def test_sendmail_group_address_does_not_stop_capture(sqlite_sample: str, tmp_path: Path) -> None:
    mbox = _mbox(
        tmp_path / "in.mbox",
        "From: Dana Decider <dana@acme.example>\n"
        "To: unlisted-recipients:; (no To-header on input)\n"
        "Cc: Sam Seller <sam@seller.example>\n"
        "Subject: Delivery window\n"
        "Date: Wed, 04 Mar 2026 10:00:00 +0000\n"
        "Message-ID: <g1@acme.example>\n\n"
        "Is Thursday fine?\n",
    )
    report = services_capture.capture_mail(url=sqlite_sample, path=mbox)
    assert (report.read, report.captured, report.problems) == (1, 1, [])
    assert query(
        sqlite_sample,
        "SELECT account_id, direction, contact_ids FROM touchpoints WHERE summary = "
        "'Delivery window'",
    ) == [("A1", "inbound", "C1")]


def test_outlook_unquoted_boundary_is_read_whole(sqlite_sample: str, tmp_path: Path) -> None:
    boundary = "----=_NextPart_000_0012_01D9A1B2.3C4D5E60"
    mbox = _mbox(
        tmp_path / "outlook.mbox",
        "From: Sam Seller <sam@seller.example>\n"
        "To: Dana Decider <dana@acme.example>\n"
        "Subject: Next steps\n"
        "Date: Thu, 05 Mar 2026 10:00:00 +0000\n"
        "Message-ID: <o1@seller.example>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/alternative;\n"
        f"\tboundary={boundary}\n\n"
        "This is a multi-part message in MIME format.\n\n"
        f"--{boundary}\n"
        'Content-Type: text/plain;\n\tcharset="us-ascii"\n'
        "Content-Transfer-Encoding: 7bit\n\n"
        "Attached is the contract draft with the revised discount and payment terms\n"
        "for you to sign.\n\n"
        f"--{boundary}\n"
        'Content-Type: text/html;\n\tcharset="us-ascii"\n\n'
        "<p>Attached is the contract draft with the revised discount and payment terms\n"
        "for you to sign.</p>\n\n"
        f"--{boundary}--\n",
    )
    report = services_capture.capture_mail(url=sqlite_sample, path=mbox)
    assert report.problems == []
    assert report.captured == 1
    assert query(
        sqlite_sample, "SELECT purpose_inferred FROM touchpoints WHERE summary = 'Next steps'"
    ) == [("negotiation",)]


def test_purpose_ignores_signatures_and_quoted_text() -> None:
    body = (
        "Thanks, the numbers look right. See you on Tuesday.\n\n"
        'Best regards,\nDana Decider | COO\nQuote: "Measure twice, cut once"\n'
    )
    assert guess_purpose("Re: Capacity", body) == "admin"
    quoted = (
        "Works for us.\n\nOn Mon, 2 Mar 2026 at 09:00, Sam <sam@seller.example> wrote:\n"
        "> Here is our quote and pricing for the pilot.\n"
    )
    assert own_words(quoted) == "Works for us."
    assert guess_purpose("Re: pilot", quoted) == "admin"
    outlook = "Fine.\n\n-----Original Message-----\nFrom: Sam\nSubject: offer\n"
    assert guess_purpose("RE: pilot", outlook) == "admin"
    dashes = "See you then.\n-- \nSam Seller\nAsk me for a quote!\n"
    assert guess_purpose("Meeting", dashes) == "admin"
    # What the writer says now still counts, and only whole words' starts do.
    assert guess_purpose("Pilot", "Could you send a quote for 40 seats?\n--\nDana") == "pitch"
    assert guess_purpose("Misquoted figures", "") == "admin"


_HEAD = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Lotus Development Corporation//NONSGML Notes//EN\n"


def _event(uid: str, start: str, summary: str, extra: str = "") -> str:
    return (
        f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260201T090000Z\nSUMMARY:{summary}\n"
        f"DTSTART:{start}\nDURATION:PT1H\n{extra}"
        "ORGANIZER;CN=Sam Seller:mailto:sam@seller.example\n"
        "ATTENDEE;CN=Dana Decider:mailto:dana@acme.example\n"
    )


def test_one_unfinished_event_keeps_the_valid_ones_under_skip_invalid(
    sqlite_sample: str, tmp_path: Path
) -> None:
    ics = tmp_path / "cal.ics"
    ics.write_text(
        _HEAD
        + _event("a@x", "20260302T090000Z", "Kick-off")
        + "END:VEVENT\n"
        + _event("b@x", "20260303T090000Z", "Unfinished")  # no END:VEVENT
        + _event("c@x", "20260304T090000Z", "Follow-up")
        + "END:VEVENT\nEND:VCALENDAR\n",
        encoding="utf-8",
    )
    before = row_counts(sqlite_sample)
    with pytest.raises(BadInputError, match=r"cal\.ics, line 13: BEGIN:VEVENT of line 13 never"):
        services_capture.capture_calendar(url=sqlite_sample, path=ics, until=date(2026, 3, 31))
    assert row_counts(sqlite_sample) == before
    report = services_capture.capture_calendar(
        url=sqlite_sample, path=ics, until=date(2026, 3, 31), skip_invalid=True
    )
    assert [(p.line, p.message) for p in report.problems] == [
        (
            13,
            "BEGIN:VEVENT of line 13 never ends: line 21 begins the next event first; "
            "the broken event is left out",
        )
    ]
    assert query(
        sqlite_sample, "SELECT summary FROM touchpoints WHERE tags = 'captured-calendar' ORDER BY 1"
    ) == [("Follow-up",), ("Kick-off",)]


def test_a_malformed_dtstart_is_called_malformed(sqlite_sample: str, tmp_path: Path) -> None:
    ics = tmp_path / "cal.ics"
    ics.write_text(
        _HEAD
        + _event("a@x", "2026031T0900", "Typo")
        + "END:VEVENT\n"
        + _event("b@x", "20260305", "Holiday").replace("DTSTART:", "DTSTART;VALUE=DATE:")
        + "END:VEVENT\nEND:VCALENDAR\n",
        encoding="utf-8",
    )
    report = services_capture.capture_calendar(url=sqlite_sample, path=ics, until=date(2026, 3, 31))
    assert [(x.line, x.reason) for x in report.left_out] == [
        (4, "malformed DTSTART '2026031T0900': not a date and time (YYYYMMDDTHHMMSS)"),
        (13, "an all-day entry, not a meeting"),
    ]


def test_lotus_notes_rdate_periods_and_their_overrides(sqlite_sample: str, tmp_path: Path) -> None:
    # Notes writes a series as RDATE periods, each override with its RECURRENCE-ID.
    ics = tmp_path / "notes.ics"
    ics.write_text(
        _HEAD
        + _event(
            "notes-series@x",
            "20260302T090000Z",
            "Acme steering",
            "RDATE;VALUE=PERIOD:20260302T090000Z/20260302T100000Z,"
            "20260309T090000Z/PT45M,20260316T090000Z/20260316T100000Z\n",
        )
        + "END:VEVENT\n"
        + _event(
            "notes-series@x",
            "20260317T140000Z",
            "Acme steering (moved)",
            "RECURRENCE-ID:20260316T090000Z\n",
        )
        + "END:VEVENT\n"
        + _event("orphan@x", "20260320T080000Z", "Acme extra", "RECURRENCE-ID:20260319T080000Z\n")
        + "END:VEVENT\nEND:VCALENDAR\n",
        encoding="utf-8",
    )
    report = services_capture.capture_calendar(url=sqlite_sample, path=ics, until=date(2026, 3, 31))
    assert report.left_out == []
    rows = query(
        sqlite_sample,
        "SELECT CAST(occurred_at AS TEXT), minutes, summary FROM touchpoints "
        "WHERE tags = 'captured-calendar' ORDER BY occurred_at",
    )
    assert [(str(a)[:16], m, s) for a, m, s in rows] == [
        ("2026-03-02 09:00", 60, "Acme steering"),
        ("2026-03-09 09:00", 45, "Acme steering"),
        ("2026-03-17 14:00", 60, "Acme steering (moved)"),
        ("2026-03-20 08:00", 60, "Acme extra"),  # an override of a series not in the file
    ]


def test_cli_lists_the_broken_event_and_captures_the_rest(
    sqlite_sample: str, tmp_path: Path, cli: CliRunner
) -> None:
    ics = tmp_path / "cal.ics"
    ics.write_text(
        _HEAD
        + _event("a@x", "20260302T090000Z", "Kick-off")
        + "END:VEVENT\n"
        + _event("b@x", "20260303T090000Z", "Cut off"),  # the file ends mid-event
        encoding="utf-8",
    )
    result = cli.invoke(
        app,
        [
            "capture",
            "calendar",
            str(ics),
            "--until",
            "2026-03-31",
            "--skip-invalid",
            "--db",
            sqlite_sample,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "captured 1" in result.stdout
    assert query(
        sqlite_sample, "SELECT summary FROM touchpoints WHERE tags = 'captured-calendar'"
    ) == [("Kick-off",)]
