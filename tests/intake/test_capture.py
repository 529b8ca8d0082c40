"""Mail and calendar capture: threads, duplicates, encodings, rules, time zones, bad files."""

from __future__ import annotations

import tracemalloc
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from accord import services_capture
from accord.cli import app
from accord.intake.mail import MailMessage, read_mail
from tests.intake.conftest import DATA, query, row_counts

INBOX = DATA / "mail" / "inbox.mbox"
MEETINGS = DATA / "calendar" / "meetings.ics"


def test_mail_becomes_one_touchpoint_per_conversation(sample_url: str) -> None:
    report = services_capture.capture_mail(url=sample_url, path=INBOX)
    assert (report.read, report.captured, report.already) == (13, 7, 1)
    assert (report.touchpoints_created, report.touchpoints_updated) == (5, 0)
    assert [(x.line, x.reason) for x in report.left_out] == [
        (49, "newsletter (rule newsletter-list-unsubscribe)"),
        (60, "personal (rule personal-gmail.com)"),
        (93, "malformed: the Date header 'sometime next week' is not a date"),
        (112, "no contact or account matches unknown.example"),
        (144, "internal: only our own people"),
    ]
    assert report.proposed == [("Erin Ops", "erin.ops@acme.example", "A1")]
    rows = query(
        sample_url,
        "SELECT account_id, CAST(occurred_at AS TEXT), direction, purpose, user_id, contact_ids, "
        "summary, purpose_inferred FROM touchpoints WHERE tags LIKE 'captured-mail' "
        "ORDER BY occurred_at",
    )
    # Capture labels no purpose (nobody chose one): it is inferred from subject and text.
    assert [(r[0], r[2], r[3], r[4], r[5], r[6]) for r in rows] == [
        # three messages, both ways, one conversation: 08:00 UTC is 09:00 +0100
        ("A1", "mutual", None, "U2", "C1;C2", "Capacity plans for Q2"),
        ("A2", "inbound", None, "U2", "C3", "Liefertermin für März"),  # ISO-8859-1, q-p
        ("A2", "outbound", None, "U2", "C3", "Quote für Birch & Sons"),  # raw 8-bit header
        ("A1", "inbound", None, "U2", None, "Delivery schedule"),
        ("A1", "inbound", None, "U2", "C2", "Signed order form"),
    ]
    assert [r[7] for r in rows][2:] == ["pitch", "admin", "admin"]
    assert str(rows[0][1]).startswith("2026-03-02 08:00:00")


def test_capturing_again_counts_once_and_keeps_a_persons_purpose(sample_url: str) -> None:
    services_capture.capture_mail(url=sample_url, path=INBOX)
    query(sample_url, "SELECT 1")  # the book is readable between runs
    from accord.storage.database import make_engine

    engine = make_engine(sample_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE touchpoints SET purpose = 'insight' WHERE summary = 'Capacity plans for Q2'"
        )
    engine.dispose()
    before = row_counts(sample_url)
    again = services_capture.capture_mail(url=sample_url, path=INBOX)
    assert (again.captured, again.already, again.touchpoints_created) == (0, 8, 0)
    assert row_counts(sample_url) == before
    assert query(
        sample_url, "SELECT purpose FROM touchpoints WHERE summary = 'Capacity plans for Q2'"
    ) == [("insight",)]


def test_a_later_reply_joins_its_conversation(sample_url: str, tmp_path: Path) -> None:
    services_capture.capture_mail(url=sample_url, path=INBOX)
    later = tmp_path / "later.mbox"
    later.write_bytes(
        b"From x Thu Mar 12 10:00:00 2026\n"
        b"From: Chris Champion <chris@acme.example>\nTo: sam@seller.example\n"
        b"Subject: Re: Capacity plans for Q2\nDate: Thu, 12 Mar 2026 10:00:00 +0000\n"
        b"Message-ID: <m4@acme.example>\nIn-Reply-To: <m3@seller.example>\n\nAgreed.\n"
    )
    report = services_capture.capture_mail(url=sample_url, path=later)
    assert (report.captured, report.touchpoints_created, report.touchpoints_updated) == (1, 0, 0)
    # Already mutual with Dana and Chris: the reply changes nothing visible, and adds no row.
    assert query(
        sample_url, "SELECT count(*) FROM touchpoints WHERE summary = 'Capacity plans for Q2'"
    ) == [(1,)]


def test_rules_can_be_seen_and_changed(sample_url: str, cli: CliRunner) -> None:
    listed = cli.invoke(app, ["capture", "rules", "--db", sample_url, "-f", "json"])
    assert '"rule_id": "newsletter-list-unsubscribe"' in listed.stdout
    assert (
        cli.invoke(
            app, ["capture", "rules", "disable", "personal-gmail.com", "--db", sample_url]
        ).exit_code
        == 0
    )
    added = cli.invoke(
        app, ["capture", "rules", "add", "personal", "subject", "delivery", "--db", sample_url]
    )
    assert added.exit_code == 0, added.output
    assert "Added user-1" in added.stdout
    report = services_capture.capture_mail(url=sample_url, path=INBOX)
    reasons = {x.line: x.reason for x in report.left_out}
    assert reasons[60] == "no contact or account matches gmail.com"  # no longer "personal"
    assert reasons[102] == "personal (rule user-1)"
    bad = cli.invoke(app, ["capture", "rules", "add", "spam", "subject", "x", "--db", sample_url])
    assert bad.exit_code == 1
    assert "kind 'spam' is not one of newsletter, personal" in bad.stderr


def test_a_20_mb_attachment_is_never_loaded(tmp_path: Path) -> None:
    big = tmp_path / "big.mbox"
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\n"
    with big.open("wb") as fh:
        fh.write(
            b"From x Mon Mar  2 09:00:00 2026\nFrom: dana@acme.example\nTo: sam@seller.example\n"
            b"Subject: The drawings\nDate: Mon, 02 Mar 2026 09:00:00 +0000\n"
            b"Message-ID: <big@acme.example>\nContent-Type: multipart/mixed; boundary=B\n\n"
            b"--B\nContent-Type: text/plain\n\nSee attached.\n--B\n"
            b"Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
        )
        for _ in range(20 * 1024 * 1024 // len(line) + 1):
            fh.write(line)
        fh.write(b"--B--\n")
    assert big.stat().st_size > 20 * 1024 * 1024
    tracemalloc.start()
    messages = list(read_mail(big))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2 * 1024 * 1024
    (msg,) = messages
    assert isinstance(msg, MailMessage)
    assert (msg.subject, msg.snippet.strip()) == ("The drawings", "See attached.")
    assert msg.body_bytes > 20 * 1024 * 1024


def test_a_truncated_mbox_writes_nothing(sample_url: str, cli: CliRunner, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mbox"
    data = INBOX.read_bytes()
    cut.write_bytes(data[: data.index(b"JVBERi0x")])  # inside the order form's attachment
    before = row_counts(sample_url)
    result = cli.invoke(app, ["capture", "mail", str(cut), "--db", sample_url])
    assert result.exit_code == 1
    assert "cut.mbox, line 121: the message's MIME parts never close (a truncated file?)" in (
        result.stderr
    )
    assert row_counts(sample_url) == before
    partial = services_capture.capture_mail(url=sample_url, path=cut, skip_invalid=True)
    assert partial.captured == 6
    assert [p.line for p in partial.problems] == [121]


def test_a_file_that_is_not_mail(sample_url: str, cli: CliRunner) -> None:
    result = cli.invoke(app, ["capture", "mail", str(MEETINGS), "--db", sample_url])
    assert result.exit_code == 1
    assert "meetings.ics, line 1: not an mbox file" in result.stderr


def test_a_folder_of_eml_files(sample_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "eml"
    folder.mkdir()
    (folder / "a.eml").write_bytes(
        b"From: bea@birch.example\nTo: sam@seller.example\nSubject: Invoice\n"
        b"Date: Tue, 03 Mar 2026 10:00:00 +0000\nMessage-ID: <e@birch.example>\n\nPaid.\n"
    )
    (folder / "b.eml").write_bytes((folder / "a.eml").read_bytes())  # the same message again
    report = services_capture.capture_mail(url=sample_url, path=folder)
    assert (report.read, report.captured, report.already) == (2, 1, 1)


def test_meetings_with_recurrence_and_time_zones(sample_url: str) -> None:
    report = services_capture.capture_calendar(
        url=sample_url, path=MEETINGS, until=date(2026, 4, 30), add_contacts=True
    )
    assert (report.read, report.captured, report.contacts_added) == (9, 6, 1)
    assert [x.reason for x in report.left_out] == [
        "cancelled (2026-03-11T12:00:00)",
        "an all-day entry, not a meeting",
        "internal: only our own people",
    ]
    rows = query(
        sample_url,
        "SELECT CAST(occurred_at AS TEXT), minutes, summary FROM touchpoints "
        "WHERE channel = 'meeting' AND tags = 'captured-calendar' ORDER BY occurred_at",
    )
    assert [(str(r[0])[:16], r[1], r[2]) for r in rows] == [
        ("2026-03-05 09:00", 30, "Acme weekly sync"),  # 10:00 in Berlin, winter time
        ("2026-03-10 13:00", 90, "Birch quarterly review"),
        ("2026-03-20 14:00", 60, "Acme weekly sync (moved)"),  # the 19th, moved
        ("2026-03-26 09:00", 30, "Acme weekly sync"),  # the 12th was an EXDATE
        ("2026-04-02 08:00", 30, "Acme weekly sync"),  # 10:00 in Berlin, summer time
        ("2026-04-09 08:00", 30, "Acme weekly sync"),
    ]
    finn = query(
        sample_url, "SELECT contact_id, account_id FROM contacts WHERE name = 'Finn Finance'"
    )
    assert len(finn) == 1
    assert finn[0][1] == "A2"
    birch = query(
        sample_url, "SELECT contact_ids FROM touchpoints WHERE summary = 'Birch quarterly review'"
    )
    assert birch == [(f"C3;{finn[0][0]}",)]
    again = services_capture.capture_calendar(
        url=sample_url, path=MEETINGS, until=date(2026, 4, 30)
    )
    assert (again.captured, again.already) == (0, 6)


def test_a_broken_ics_names_the_line(sample_url: str, cli: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "broken.ics"
    text = MEETINGS.read_bytes()
    broken.write_bytes(
        text.replace(b"END:VEVENT\r\nBEGIN:VEVENT\r\nUID:birch", b"BEGIN:VEVENT\r\nUID:birch")
    )
    before = row_counts(sample_url)
    result = cli.invoke(
        app, ["capture", "calendar", str(broken), "--until", "2026-04-30", "--db", sample_url]
    )
    assert result.exit_code == 1
    assert (
        "broken.ics, line 33: BEGIN:VEVENT of line 33 never ends: line 42 begins the next "
        "event first; the broken event is left out"
    ) in result.stderr
    assert row_counts(sample_url) == before
