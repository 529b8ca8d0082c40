"""Eight clients at once through a real server: no errors, and every acknowledged write kept.

A uvicorn server on a loopback port serves a private copy of the sample book;
eight threads, each with its own HTTP connection and API token, mix reads
(lists, filtered lists, single rows) with writes (creating touchpoints, then
changing them at the version they read) for a bounded number of rounds. SQLite
must make the writers queue (busy timeout, BEGIN IMMEDIATE) and never answer
"database is locked"; the reads must not write (a token's last use is recorded
only every few minutes).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import sqlalchemy as sa

from accord import access
from accord.api.app import create_app
from accord.storage.access_state import api_tokens
from accord.storage.engines import engine_for
from accord.storage.tables import LEDGER_TABLES
from tests.api.conftest import AS_OF
from tests.support.live import live_server

THREADS = 8
ROUNDS = 12  # per thread: each round is 4 reads, 1 create, 1 read-then-change
SELLERS = {"U2": "A1", "U3": "A3", "U1": "A2", "U9": "A2"}  # user → an account in scope


@pytest.fixture
def server(book: str) -> Iterator[str]:
    app = create_app(url=book, as_of=AS_OF)
    with live_server(app) as base:
        yield base


def test_eight_clients_mixing_reads_and_writes_get_no_errors_and_lose_nothing(
    server: str, book: str, tmp_path: Path
) -> None:
    users = list(SELLERS)
    tokens = {u: access.create_token(url=book, user_id=u) for u in users}
    errors: list[str] = []
    kept: dict[str, str] = {}  # touchpoint id → the summary the server acknowledged last
    requests = [0]
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def client(n: int) -> None:
        user = users[n % len(users)]
        account = SELLERS[user]
        headers = {"Authorization": f"Bearer {tokens[user]}"}
        with httpx2.Client(base_url=server, headers=headers, timeout=60) as http:
            start.wait()
            for i in range(ROUNDS):
                tid = f"LOAD-{n}-{i}"
                calls: list[tuple[str, str, dict[str, object] | None, dict[str, str], int]] = [
                    ("GET", "/api/v1/accounts", None, {}, 200),
                    ("GET", f"/api/v1/touchpoints?account_id={account}", None, {}, 200),
                    ("GET", f"/api/v1/accounts/{account}", None, {}, 200),
                    ("GET", "/api/v1/me", None, {}, 200),
                    (
                        "POST",
                        "/api/v1/touchpoints",
                        {
                            "touchpoint_id": tid,
                            "account_id": account,
                            "occurred_at": "2026-04-10T09:00:00",
                            "channel": "call",
                            "direction": "outbound",
                            "purpose": "insight",
                            "summary": "first",
                        },
                        {},
                        201,
                    ),
                ]
                for method, path, body, extra, expected in calls:
                    answer = http.request(method, path, json=body, headers=extra)
                    with lock:
                        requests[0] += 1
                        if answer.status_code != expected:
                            errors.append(f"{method} {path}: {answer.status_code} {answer.text}")
                        elif method == "POST":
                            kept[tid] = "first"
                read = http.get(f"/api/v1/touchpoints/{tid}")
                changed = http.patch(
                    f"/api/v1/touchpoints/{tid}",
                    json={"summary": f"changed by {user}"},
                    headers={"If-Match": read.headers.get("ETag", "")},
                )
                with lock:
                    requests[0] += 2
                    if read.status_code != 200 or changed.status_code != 200:
                        errors.append(f"read {read.status_code}, change {changed.text}")
                    else:
                        kept[tid] = f"changed by {user}"

    threads = [threading.Thread(target=client, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads)

    assert errors == []
    assert requests[0] == THREADS * ROUNDS * 7
    touchpoints = LEDGER_TABLES["touchpoints"]
    with engine_for(book).connect() as conn:
        stored = dict(
            conn.execute(
                sa.select(touchpoints.c.touchpoint_id, touchpoints.c.summary).where(
                    touchpoints.c.touchpoint_id.like("LOAD-%")
                )
            ).all()
        )
        used = list(conn.execute(sa.select(api_tokens.c.last_used_at)).scalars())
    assert len(kept) == THREADS * ROUNDS
    assert stored == kept
    # each token's first use was written once; the ~170 reads after it wrote nothing
    assert len(used) == len(users)
    assert all(u is not None for u in used)
