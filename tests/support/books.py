"""Hypothesis strategies for small, arbitrary, VALID books (bundles), built directly.

Not through `accord generate`: these are the shapes real books take and the
generator never writes — empty tables, one account, every order on one day, only
invoices, amounts of 0, ten-year spans, an as-of date far after the data,
contacts nobody talked to, accounts without owner or segment. Every row is valid
(SPEC section 2), so whatever accord does with it must not crash.

`books()` draws an `AnyBook`: its tables as rows, the users, the as-of date; `write`
puts it in a folder as the CSV files of a bundle.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

CHANNELS = ("meeting", "call", "email", "visit", "event", "message", "other")
DIRECTIONS = ("outbound", "inbound", "mutual")
PURPOSES = ("insight", "guidance", "support", "social", "pitch", "negotiation", "admin")
ROLES = ("decision_maker", "champion", "influencer", "user", "blocker", "other")
STAGES = ("open", "won", "lost", "no_decision")
TAGS = ("", "aggressive", "threat", "ultimatum", "unilateral_change", "bullying", "need:tax")
#: How the dates of a book spread: everything on one day, a normal year, ten years.
SPANS = {"one_day": 0, "year": 365, "ten_years": 3650}
#: Days from the last dated row to the as-of date: on it, soon after, far after.
GAPS = (0, 1, 45, 400, 3650)


@dataclass
class AnyBook:
    """A drawn book: rows per table (file name without .csv), its users, its as-of date."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)
    as_of: date = date(2026, 6, 30)
    shape: str = ""  # the span and the kind of book, to read a failing example

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for table, rows in self.rows.items():
            columns: list[str] = []
            for row in rows:
                columns += [c for c in row if c not in columns]
            if not columns:
                continue  # an empty optional file is the same as no file
            with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as f:
                writer = csv.DictWriter(f, columns)
                writer.writeheader()
                writer.writerows(rows)
        if "accounts" not in self.rows or not self.rows["accounts"]:
            (folder / "accounts.csv").write_text("account_id,name\n", encoding="utf-8")
        return folder


def _day(draw: st.DrawFn, start: date, span: int) -> date:
    return start + timedelta(days=draw(st.integers(min_value=0, max_value=span)))


def _money(draw: st.DrawFn, zero: bool) -> float:
    if zero:
        return 0.0
    return float(draw(st.sampled_from([0, 1, 49.5, 250, 1200, 18_000, 2_500_000])))


@st.composite
def books(draw: st.DrawFn) -> AnyBook:
    """A small valid book: 0–7 accounts, each with any mix of the optional tables."""
    span_name = draw(st.sampled_from(sorted(SPANS)))
    span = SPANS[span_name]
    kind = draw(st.sampled_from(["any", "only_invoices", "zero_amounts", "no_activity"]))
    start = date(2014, 1, 1) + timedelta(days=draw(st.integers(min_value=0, max_value=4000)))
    zero = kind == "zero_amounts"
    book = AnyBook(shape=f"{span_name}/{kind}")
    rows = book.rows
    for name in (
        "users",
        "accounts",
        "contacts",
        "touchpoints",
        "opportunities",
        "orders",
        "invoices",
        "commitments",
        "service_log",
        "feedback",
    ):
        rows[name] = []
    n_users = draw(st.integers(min_value=1, max_value=3))
    for u in range(1, n_users + 1):
        role = "manager" if u == 1 and n_users > 1 else draw(st.sampled_from(["rep", "admin"]))
        user: dict[str, Any] = {"user_id": f"U{u}", "name": f"User {u}", "role": role}
        user["team"] = "North"
        user["manager_id"] = "U1" if u > 1 and role == "rep" else ""
        rows["users"].append(user)
        book.users.append(f"U{u}")
    n_accounts = draw(st.integers(min_value=0 if kind == "no_activity" else 1, max_value=7))
    last = start
    ids = iter(range(1, 10_000))

    def seen(day: date) -> date:
        nonlocal last
        last = max(last, day)
        return day

    for a in range(1, n_accounts + 1):
        acc = f"A{a}"
        account: dict[str, Any] = {"account_id": acc, "name": f"Account {a}"}
        account["owner_id"] = draw(st.sampled_from(["", *book.users]))
        account["segment"] = draw(st.sampled_from(["", "smb", "enterprise"]))
        account["created_on"] = draw(st.sampled_from(["", start.isoformat()]))
        account["payment_terms_days"] = draw(st.sampled_from(["", "0", "30", "90"]))
        rows["accounts"].append(account)
        if kind == "no_activity":
            continue
        contacts = []
        for _ in range(draw(st.integers(min_value=0, max_value=3))):
            cid = f"C{next(ids)}"
            contacts.append(cid)
            rows["contacts"].append(
                {
                    "contact_id": cid,
                    "account_id": acc,
                    "name": f"Person {cid}",
                    "decision_role": draw(st.sampled_from(ROLES)),
                    "active": draw(st.sampled_from(["true", "false"])),
                }
            )
        if kind != "only_invoices":
            for _ in range(draw(st.integers(min_value=0, max_value=5))):
                day = seen(_day(draw, start, span))
                moment = datetime.combine(day, time(draw(st.integers(0, 23)), 0))
                who = draw(st.sampled_from(["", *contacts])) if contacts else ""
                rows["touchpoints"].append(
                    {
                        "touchpoint_id": f"T{next(ids)}",
                        "account_id": acc,
                        "occurred_at": moment.isoformat(),
                        "channel": draw(st.sampled_from(CHANNELS)),
                        "direction": draw(st.sampled_from(DIRECTIONS)),
                        "purpose": draw(st.sampled_from(PURPOSES)),
                        "user_id": draw(st.sampled_from(["", *book.users])),
                        "contact_ids": who,
                        "minutes": draw(st.sampled_from(["", "0", "30", "600"])),
                        "tags": draw(st.sampled_from(TAGS)),
                    }
                )
        orders = []
        if kind != "only_invoices":
            for _ in range(draw(st.integers(min_value=0, max_value=6))):
                oid = f"O{next(ids)}"
                orders.append(oid)
                amount = _money(draw, zero)
                order: dict[str, Any] = {
                    "order_id": oid,
                    "account_id": acc,
                    "ordered_on": seen(_day(draw, start, span)).isoformat(),
                    "amount": amount,
                }
                order["list_amount"] = draw(st.sampled_from(["", amount, amount * 1.25]))
                order["cost"] = draw(st.sampled_from(["", 0.0, amount * 0.6, amount * 1.5]))
                rows["orders"].append(order)
        for _ in range(draw(st.integers(min_value=0, max_value=3))):
            issued = seen(_day(draw, start, span))
            paid = draw(st.sampled_from(["", "same", "late"]))
            paid_on = (
                ""
                if paid == ""
                else seen(issued + timedelta(days=0 if paid == "same" else 75)).isoformat()
            )
            rows["invoices"].append(
                {
                    "invoice_id": f"I{next(ids)}",
                    "account_id": acc,
                    "issued_on": issued.isoformat(),
                    "amount": _money(draw, zero),
                    "terms_days": draw(st.sampled_from(["", "0", "30"])),
                    "paid_on": paid_on,
                    "order_id": draw(st.sampled_from(["", *orders])) if orders else "",
                }
            )
        if kind == "only_invoices":
            continue
        for _ in range(draw(st.integers(min_value=0, max_value=3))):
            made = seen(_day(draw, start, span))
            due = seen(made + timedelta(days=draw(st.sampled_from([0, 7, 400]))))
            done = draw(st.sampled_from(["", "on_time", "late"]))
            done_on = (
                ""
                if done == ""
                else seen(due + timedelta(days=0 if done == "on_time" else 20)).isoformat()
            )
            rows["commitments"].append(
                {
                    "commitment_id": f"M{next(ids)}",
                    "account_id": acc,
                    "side": draw(st.sampled_from(["us", "them"])),
                    "made_on": made.isoformat(),
                    "due_on": due.isoformat(),
                    "description": "a promise",
                    "done_on": done_on,
                    "cancelled": draw(st.sampled_from(["false", "true"])),
                }
            )
        for _ in range(draw(st.integers(min_value=0, max_value=2))):
            rows["service_log"].append(
                {
                    "entry_id": f"S{next(ids)}",
                    "account_id": acc,
                    "worked_on": seen(_day(draw, start, span)).isoformat(),
                    "hours": draw(st.sampled_from([0, 0.5, 40])),
                    "in_scope": draw(st.sampled_from(["true", "false"])),
                }
            )
        for _ in range(draw(st.integers(min_value=0, max_value=3))):
            fb_kind = draw(st.sampled_from(["nps", "csat", "complaint", "praise"]))
            score = {"nps": st.integers(0, 10), "csat": st.integers(1, 5)}.get(fb_kind)
            rows["feedback"].append(
                {
                    "feedback_id": f"F{next(ids)}",
                    "account_id": acc,
                    "received_on": seen(_day(draw, start, span)).isoformat(),
                    "kind": fb_kind,
                    "score": "" if score is None else draw(score),
                    "tags": draw(st.sampled_from(TAGS)),
                }
            )
        for _ in range(draw(st.integers(min_value=0, max_value=2))):
            opened = seen(_day(draw, start, span))
            stage = draw(st.sampled_from(STAGES))
            closed = "" if stage == "open" else seen(opened + timedelta(days=30)).isoformat()
            rows["opportunities"].append(
                {
                    "opportunity_id": f"P{next(ids)}",
                    "account_id": acc,
                    "name": "a deal",
                    "opened_on": opened.isoformat(),
                    "stage": stage,
                    "amount": _money(draw, zero),
                    "closed_on": closed,
                }
            )
    book.as_of = last + timedelta(days=draw(st.sampled_from(GAPS)))
    return book
