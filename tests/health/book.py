"""A tiny book built in code: accounts under test, each in a segment of peers.

`Book()` starts with account A1 in segment `smb`; `start(account)` adds
another account under test in a segment of its own (named after it), so many
cases share one book and one diagnosis. Every segment holds four peers with
plain, middling figures (10% discount, 30% margin, 8 touchpoints), so segment
medians and percentiles are known in advance: discount median 0.10, margin
percentiles 0.30, touchpoints 75th percentile 8. Methods act on the account
started last.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from accord import services
from accord.config import Settings
from accord.health import Diagnosis

AS_OF = date(2026, 6, 30)


def ago(days: int) -> date:
    return AS_OF - timedelta(days=days)


class Book:
    def __init__(self, peers: int = 4) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._n: dict[str, int] = defaultdict(int)
        self.rows["users"].append({"user_id": "U1", "name": "Sam Seller"})
        self.rows["products"] += [
            {"sku": "P-A", "name": "Part A", "kind": "product", "includes": ""},
            {"sku": "P-B", "name": "Part B", "kind": "product", "includes": ""},
            {"sku": "KIT", "name": "Kit", "kind": "bundle", "includes": "P-A;P-B"},
        ]
        self.peers = peers
        self.current = "A1"
        self.start("A1", segment="smb")

    def start(self, account: str, segment: str | None = None) -> None:
        """Add an account under test, with its peers, and make it the current one."""
        segment = segment or account
        self.account(account, segment)
        for i in range(1, self.peers + 1):
            peer = f"{account}-P{i}"
            self.account(peer, segment)
            for k in range(8):
                self.touch(ago(20 + 40 * k), account=peer, purpose="support", minutes=5)
            for k in range(2):
                self.order(ago(100 + 100 * k), 900.0, 1000.0, 630.0, account=peer)
        self.current = account

    def _id(self, prefix: str) -> str:
        self._n[prefix] += 1
        return f"{prefix}{self._n[prefix]}"

    def account(self, account_id: str, segment: str = "smb", **kw: Any) -> None:
        self.rows["accounts"].append(
            {
                "account_id": account_id,
                "name": account_id,
                "owner_id": "U1",
                "segment": segment,
                "created_on": "2024-01-01",
                **kw,
            }
        )

    def contact(self, role: str = "decision_maker", account: str | None = None) -> str:
        cid = self._id("C")
        self.rows["contacts"].append(
            {
                "contact_id": cid,
                "account_id": account or self.current,
                "name": cid,
                "decision_role": role,
            }
        )
        return cid

    def touch(
        self,
        day: date,
        purpose: str = "insight",
        direction: str = "mutual",
        account: str | None = None,
        tags: str = "",
        contacts: str = "",
        minutes: int = 30,
        summary: str = "",
    ) -> None:
        self.rows["touchpoints"].append(
            {
                "touchpoint_id": self._id("T"),
                "account_id": account or self.current,
                "occurred_at": f"{day.isoformat()}T10:00:00",
                "channel": "meeting",
                "direction": direction,
                "purpose": purpose,
                "user_id": "U1",
                "contact_ids": contacts,
                "minutes": minutes,
                "tags": tags,
                "summary": summary,
            }
        )

    def order(
        self,
        day: date,
        amount: float,
        list_amount: float | None = None,
        cost: float | None = None,
        account: str | None = None,
        lines: tuple[tuple[str, float], ...] = (),
    ) -> str:
        oid = self._id("O")
        self.rows["orders"].append(
            {
                "order_id": oid,
                "account_id": account or self.current,
                "ordered_on": day.isoformat(),
                "amount": amount,
                "list_amount": "" if list_amount is None else list_amount,
                "cost": "" if cost is None else cost,
            }
        )
        for n, (sku, price) in enumerate(lines, start=1):
            self.rows["order_lines"].append(
                {"order_id": oid, "line_no": n, "sku": sku, "quantity": 1, "unit_price": price}
            )
        return oid

    def invoice(
        self, issued: date, paid: date | None, amount: float = 100.0, terms: int | None = None
    ) -> None:
        self.rows["invoices"].append(
            {
                "invoice_id": self._id("I"),
                "account_id": self.current,
                "issued_on": issued.isoformat(),
                "amount": amount,
                "terms_days": "" if terms is None else terms,
                "paid_on": "" if paid is None else paid.isoformat(),
            }
        )

    def commitment(self, side: str, due: date, done: date | None, cancelled: bool = False) -> None:
        self.rows["commitments"].append(
            {
                "commitment_id": self._id("CM"),
                "account_id": self.current,
                "side": side,
                "made_on": (due - timedelta(days=10)).isoformat(),
                "due_on": due.isoformat(),
                "description": "a promise",
                "done_on": "" if done is None else done.isoformat(),
                "cancelled": "true" if cancelled else "false",
            }
        )

    def service(self, day: date, hours: float, in_scope: bool = True) -> None:
        self.rows["service_log"].append(
            {
                "entry_id": self._id("S"),
                "account_id": self.current,
                "worked_on": day.isoformat(),
                "hours": hours,
                "in_scope": "true" if in_scope else "false",
            }
        )

    def feedback(
        self, day: date, kind: str, score: float | None = None, tags: str = "", text: str = ""
    ) -> None:
        self.rows["feedback"].append(
            {
                "feedback_id": self._id("F"),
                "account_id": self.current,
                "received_on": day.isoformat(),
                "kind": kind,
                "score": "" if score is None else score,
                "tags": tags,
                "text": text,
            }
        )

    def opportunity(self, day: date) -> None:
        self.rows["opportunities"].append(
            {
                "opportunity_id": self._id("OP"),
                "account_id": self.current,
                "name": "deal",
                "opened_on": day.isoformat(),
                "stage": "open",
            }
        )

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, rows in self.rows.items():
            if not rows:
                continue
            fields: list[str] = []
            for r in rows:
                fields += [k for k in r if k not in fields]
            with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
                w = csv.DictWriter(fh, fieldnames=fields)
                w.writeheader()
                w.writerows(rows)
        return folder

    def diagnose(
        self, tmp_path: Path, *, url: str | None = None, settings: Settings | None = None
    ) -> Diagnosis:
        if url is None:
            url = f"sqlite:///{tmp_path / 'book.db'}"
            services.init_database(url=url)
        services.import_bundle(url=url, directory=self.write(tmp_path / "bundle"))
        return services.diagnose(url=url, as_of=AS_OF, settings=settings)


def patterns_of(diagnosis: Diagnosis, account: str = "A1") -> list[str]:
    return diagnosis.pattern_ids()[account]


def evidence_of(diagnosis: Diagnosis, pattern: str, account: str = "A1") -> dict[str, Any]:
    for record in diagnosis.records():
        if record["account_id"] == account:
            for p in record["patterns"]:
                if p["id"] == pattern:
                    return dict(p["evidence"])
    raise AssertionError(f"{pattern} did not fire on {account}")
