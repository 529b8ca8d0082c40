"""The review's book: the agenda's hand-built book (tests/agenda/book.py) plus what issue 8
shows in the review — service hours on Acme that cost more than its margin can carry,
a promise kept in June, and account plans for Acme and Birch (Cedar and Delta have none).

What it adds, worked out by hand as of 2026-06-30 (the month under review is June 2026):

* Acme (A1): 6 service hours in June, 2 of them out of scope. Cost to serve
  6 h × 100 = 600 (its one touchpoint records no minutes) against a gross margin of
  5,000 − 3,500 = 1,500: 40% ≥ 30%, so `over_servicing` fires with cost
  max(600 − 30% × 1,500, 2 h × 100) = max(150, 200) = 200.
* Acme: our promise K5 (made 06-02, due 06-15, done 06-12) is kept in June.
* Plans: Acme's (lifetime, updated 2026-04-01: 90 days before June's end, not
  older than 90) and Birch's (season, updated 2026-03-01: 121 days, stale).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from accord import services
from tests.agenda import book as agenda_book

ROWS: dict[str, list[dict[str, Any]]] = copy.deepcopy(agenda_book.ROWS)
ROWS["service_log"] = [
    {
        "entry_id": "S1",
        "account_id": "A1",
        "worked_on": "2026-06-10",
        "hours": 4,
        "activity": "onboarding",
        "in_scope": "true",
        "user_id": "U1",
    },
    {
        "entry_id": "S2",
        "account_id": "A1",
        "worked_on": "2026-06-12",
        "hours": 2,
        "activity": "custom report nobody bought",
        "in_scope": "false",
        "user_id": "U1",
    },
]
ROWS["commitments"].append(
    {
        "commitment_id": "K5",
        "account_id": "A1",
        "side": "us",
        "made_on": "2026-06-02",
        "due_on": "2026-06-15",
        "done_on": "2026-06-12",
        "description": "Send the delivery schedule",
        "user_id": "U1",
    }
)
ROWS["account_plans"] = [
    {
        "account_id": "A1",
        "updated_on": "2026-04-01",
        "mutual_benefit": "They cut fleet downtime;\nwe keep a reference customer in logistics",
        "business_drivers": "Fleet uptime",
        "current_challenges": "Ageing vehicles",
        "future_challenges": "Electric fleet by 2028",
        "point_of_view": "Move to a service contract before the switch",
        "intent": "lifetime",
        "intent_reason": "They standardise on us across the fleet",
        "objectives": "Renew the fleet contract by September;Introduce our tax partner",
        "user_id": "U1",
    },
    {
        "account_id": "A2",
        "updated_on": "2026-03-01",
        "mutual_benefit": "A one-off renewal at a fair price",
        "intent": "season",
        "intent_reason": "The renewal project",
        "objectives": "Close the fleet renewal",
        "user_id": "U1",
    },
]


def load(url: str, folder: Path) -> str:
    """Initialise `url` and import the review's book into it."""
    services.init_database(url=url)
    services.import_bundle(url=url, directory=agenda_book.write(folder, ROWS))
    return url
