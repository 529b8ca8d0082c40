"""A small hand-built book whose agenda is known item by item (as of 2026-06-30).

Sam (U1) owns A1–A3, Ria (U2) owns A4; both are in team North, managed by M1.
Each account is built to raise particular items; docs/agenda.md explains the
rules and the expected priorities are worked out in tests/agenda/test_agenda.py.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from accord import services

AS_OF = date(2026, 6, 30)

ROWS: dict[str, list[dict[str, Any]]] = {
    "users": [
        {"user_id": "M1", "name": "Maria Manager", "role": "manager", "team": "North"},
        {"user_id": "U1", "name": "Sam Seller", "role": "rep", "team": "North", "manager_id": "M1"},
        {"user_id": "U2", "name": "Ria Rep", "role": "rep", "team": "North", "manager_id": "M1"},
    ],
    "accounts": [
        {
            "account_id": "A1",
            "name": "Acme",
            "owner_id": "U1",
            "segment": "smb",
            "created_on": "2024-01-01",
        },
        {
            "account_id": "A2",
            "name": "Birch",
            "owner_id": "U1",
            "segment": "smb",
            "created_on": "2024-01-01",
        },
        {
            "account_id": "A3",
            "name": "Cedar",
            "owner_id": "U1",
            "segment": "smb",
            "created_on": "2024-01-01",
        },
        {
            "account_id": "A4",
            "name": "Delta",
            "owner_id": "U2",
            "segment": "smb",
            "created_on": "2024-01-01",
        },
    ],
    "contacts": [
        {
            "contact_id": "C1",
            "account_id": "A1",
            "name": "Ann Acme",
            "decision_role": "decision_maker",
        },
        {"contact_id": "C2", "account_id": "A2", "name": "Bob Birch", "decision_role": "champion"},
        {"contact_id": "C3", "account_id": "A3", "name": "Cy Cedar", "decision_role": "user"},
    ],
    "partners": [{"partner_id": "P1", "name": "Tax Experts", "expertise": "tax;legal"}],
    "touchpoints": [
        {
            "touchpoint_id": "T1",
            "account_id": "A1",
            "occurred_at": "2026-05-28T10:00:00",
            "channel": "call",
            "direction": "mutual",
            "purpose": "pitch",
            "user_id": "U1",
            "contact_ids": "C1",
        },
        {
            "touchpoint_id": "T2",
            "account_id": "A2",
            "occurred_at": "2026-06-25T10:00:00",
            "channel": "meeting",
            "direction": "mutual",
            "purpose": "support",
            "user_id": "U1",
            "contact_ids": "C2",
            "tags": "qbr;need:tax",
        },
        {
            "touchpoint_id": "T3",
            "account_id": "A3",
            "occurred_at": "2026-03-01T10:00:00",
            "channel": "visit",
            "direction": "mutual",
            "purpose": "social",
            "user_id": "U1",
        },
        {
            "touchpoint_id": "T4",
            "account_id": "A4",
            "occurred_at": "2026-01-10T10:00:00",
            "channel": "call",
            "direction": "mutual",
            "purpose": "insight",
            "user_id": "U2",
        },
    ],
    "opportunities": [
        {
            "opportunity_id": "OP1",
            "account_id": "A2",
            "name": "Fleet renewal",
            "opened_on": "2026-02-01",
            "stage": "won",
            "amount": 8000,
            "closed_on": "2026-04-01",
        },
    ],
    "orders": [
        {
            "order_id": "O1",
            "account_id": "A1",
            "ordered_on": "2026-06-01",
            "amount": 5000,
            "list_amount": 5000,
            "cost": 3500,
            "user_id": "U1",
        },
    ],
    "invoices": [
        {
            "invoice_id": "I1",
            "account_id": "A2",
            "issued_on": "2026-04-01",
            "amount": 2000,
            "terms_days": 30,
        },
    ],
    "commitments": [
        {
            "commitment_id": "K1",
            "account_id": "A1",
            "side": "us",
            "made_on": "2026-06-20",
            "due_on": "2026-07-03",
            "description": "Send the proposal",
            "user_id": "U1",
        },
        {
            "commitment_id": "K2",
            "account_id": "A2",
            "side": "them",
            "made_on": "2026-06-01",
            "due_on": "2026-06-20",
            "description": "Share usage figures",
            "contact_id": "C2",
        },
        {
            "commitment_id": "K3",
            "account_id": "A3",
            "side": "us",
            "made_on": "2026-04-20",
            "due_on": "2026-05-01",
            "description": "Fix the invoice address",
            "user_id": "U1",
        },
        {
            "commitment_id": "K4",
            "account_id": "A3",
            "side": "us",
            "made_on": "2026-05-01",
            "due_on": "2026-05-15",
            "description": "Send the training plan",
            "user_id": "U1",
        },
    ],
}


def write(folder: Path, rows: dict[str, list[dict[str, Any]]] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in (rows or ROWS).items():
        fields: list[str] = []
        for r in records:
            fields += [k for k in r if k not in fields]
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=fields)
            w.writeheader()
            w.writerows(records)
    return folder


def load(url: str, folder: Path) -> str:
    """Initialise `url` and import the book into it."""
    services.init_database(url=url)
    services.import_bundle(url=url, directory=write(folder))
    return url
