"""Small in-memory stand-ins for the agenda and review services (issue 5's ports).

`FakeAgenda` proposes one "reconnect" item per account of the user that has
had no touchpoint in the 30 days before the as-of date, so logging a
touchpoint makes the item go away — enough to test the pages that show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from accord.storage.engines import engine_for
from accord.storage.tables import LEDGER_TABLES


@dataclass(frozen=True)
class Item:
    kind: str
    account_id: str
    contact_id: str | None
    reason: str
    evidence: dict[str, Any]
    due: date
    priority: float
    key: str


@dataclass
class FakeAgenda:
    today: date
    done: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    snoozed: dict[str, date] = field(default_factory=dict)
    dismissed: dict[str, str] = field(default_factory=dict)

    def agenda(self, *, url: str | None, user_id: str, as_of: date) -> list[Item]:
        a, t = LEDGER_TABLES["accounts"], LEDGER_TABLES["touchpoints"]
        since = datetime.combine(as_of - timedelta(days=30), datetime.min.time())
        with engine_for(url).connect() as conn:
            owned = [
                str(x)
                for x in conn.execute(
                    sa.select(a.c.account_id)
                    .where(a.c.owner_id == user_id)
                    .order_by(a.c.account_id)
                ).scalars()
            ]
            recent = {
                str(x)
                for x in conn.execute(
                    sa.select(t.c.account_id).where(
                        t.c.occurred_at >= since, t.c.account_id.in_(owned)
                    )
                ).scalars()
            }
        items = []
        for account_id in owned:
            key = f"reconnect:{account_id}"
            if account_id in recent or key in self.done or key in self.dismissed:
                continue
            if self.snoozed.get(key, as_of) > as_of:
                continue
            items.append(
                Item(
                    "reconnect",
                    account_id,
                    None,
                    "no touchpoint in the last 30 days <b>",
                    {"days": 30},
                    as_of,
                    0.8,
                    key,
                )
            )
        return items

    def complete(
        self, *, url: str | None, user_id: str, key: str, log_touchpoint: dict[str, Any] | None
    ) -> None:
        self.done[key] = log_touchpoint

    def snooze(self, *, url: str | None, user_id: str, key: str, until: date) -> None:
        self.snoozed[key] = until

    def dismiss(self, *, url: str | None, user_id: str, key: str, reason: str) -> None:
        self.dismissed[key] = reason


@dataclass
class FakeReview:
    calls: list[dict[str, Any]] = field(default_factory=list)

    def review(
        self, *, url: str | None, month: str, team: str | None, user_id: str | None, out: Path
    ) -> Path:
        self.calls.append({"month": month, "team": team, "user_id": user_id})
        if out.suffix == ".pdf":
            out.write_bytes(b"%PDF-1.4\n% review " + month.encode() + b"\n%%EOF\n")
        else:
            out.write_text(
                f"<html><body><h1>Review {month}</h1>"
                f"<p>team {team} user {user_id}</p></body></html>",
                encoding="utf-8",
            )
        return out
