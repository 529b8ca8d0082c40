"""Latency of the REST API and the account page under 1 and 8 clients, on SQLite.

Targets (issue 18): at 8 clients on a 200,000-account book, p99 ≤ 100 ms for
API reads and ≤ 300 ms for the account page.

    .venv/bin/python benchmarks/bench_web.py [--accounts 300] [--work DIR]
        [--requests 400] [--clients 1,8]

Builds (or reuses, in --work) the book like bench_diagnose.py: `accord
generate` then import into SQLite, not timed. Serves it with uvicorn in a
process of its own (as `accord serve` does, one worker) on a loopback port, as
of the generator's date, and signs in the seller who owns the most accounts.
The whole-book diagnosis the account page needs is computed once before the
clock starts (the page's cache; it is kept while the book is unchanged).

Then, for each number of clients (threads, each with its own keep-alive
connection), `--requests` requests in all, and prints p50, p99 and the
requests per second of:

* API reads — as the seller, through an API token, in turn: a page of their
  accounts (`/api/v1/accounts?limit=50&offset=…`), one account
  (`/api/v1/accounts/ID`), the touchpoints of one account
  (`/api/v1/touchpoints?account_id=ID`), and `/api/v1/me`;
* the account page — `/accounts/ID` for the seller's accounts in turn, signed in.

Accounts are taken in a fixed shuffled order (seed 1), so runs are comparable.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx2
import sqlalchemy as sa
from bench_diagnose import build

from accord import access
from accord.generate import DEFAULT_AS_OF
from accord.storage.engines import dispose_all, engine_for
from accord.storage.tables import LEDGER_TABLES

SERVE = """
import sys, uvicorn
from datetime import date
from accord.api.app import create_app
app = create_app(url=sys.argv[1], as_of=date.fromisoformat(sys.argv[3]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seller(url: str) -> tuple[str, list[str]]:
    """The seller owning the most accounts, and those accounts (shuffled, seed 1)."""
    a = LEDGER_TABLES["accounts"]
    with engine_for(url).connect() as conn:
        owner = conn.execute(
            sa.select(a.c.owner_id)
            .where(a.c.owner_id.is_not(None))
            .group_by(a.c.owner_id)
            .order_by(sa.func.count().desc(), a.c.owner_id)
            .limit(1)
        ).scalar_one()
        ids = sorted(conn.execute(sa.select(a.c.account_id).where(a.c.owner_id == owner)).scalars())
    random.Random(1).shuffle(ids)
    return str(owner), [str(i) for i in ids]


def _serve(url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, url, str(port), DEFAULT_AS_OF.isoformat()], env=env
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx2.get(base + "/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx2.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def _run(
    base: str,
    headers: dict[str, str],
    cookies: dict[str, str],
    paths: Callable[[int], str],
    clients: int,
    requests: int,
) -> tuple[float, float, float, int]:
    """(p50 ms, p99 ms, requests per second, errors) of `requests` GETs over `clients`."""
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    gate = threading.Barrier(clients)
    share = requests // clients

    def one(n: int) -> None:
        with httpx2.Client(base_url=base, headers=headers, cookies=cookies, timeout=120) as http:
            mine: list[float] = []
            gate.wait()
            for i in range(share):
                path = paths(n * share + i)
                t = time.perf_counter()
                answer = http.get(path)
                mine.append(time.perf_counter() - t)
                if answer.status_code != 200:
                    with lock:
                        errors[0] += 1
            with lock:
                times.extend(mine)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    ms = sorted(x * 1000 for x in times)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return statistics.median(ms), p99, len(ms) / wall, errors[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--work", type=Path, default=Path("/tmp/accord-bench"))
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", default="1,8")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    url = build(args.work, args.accounts)
    seller, accounts = _seller(url)
    access.set_password(url=url, user_id=seller, password="bench password")  # revokes tokens
    token = access.create_token(url=url, user_id=seller, name="bench")
    session = access.sign_in(url=url, login=seller, password="bench password", client="bench")
    dispose_all()
    proc, base = _serve(url)
    try:
        t = time.perf_counter()
        first = httpx2.get(
            f"{base}/accounts/{accounts[0]}",
            cookies={"accord_session": session.token},
            timeout=600,
        )
        assert first.status_code == 200, first.text[:300]
        print(
            f"{args.accounts:,} accounts; seller {seller} with {len(accounts):,}; "
            f"first account page (whole-book diagnosis) {time.perf_counter() - t:.1f} s"
        )

        def api(i: int) -> str:
            account = accounts[i % len(accounts)]
            return (
                f"/api/v1/accounts?limit=50&offset={(i * 50) % max(1, len(accounts))}",
                f"/api/v1/accounts/{account}",
                f"/api/v1/touchpoints?account_id={account}",
                "/api/v1/me",
            )[i % 4]

        def page(i: int) -> str:
            return f"/accounts/{accounts[i % len(accounts)]}"

        print("| what | clients | p50 ms | p99 ms | requests/s | errors |")
        print("|---|---|---|---|---|---|")
        for clients in (int(c) for c in args.clients.split(",")):
            for name, paths, headers, cookies in (
                ("API reads", api, {"Authorization": f"Bearer {token}"}, {}),
                ("account page", page, {}, {"accord_session": session.token}),
            ):
                p50, p99, rate, errors = _run(base, headers, cookies, paths, clients, args.requests)
                print(
                    f"| {name} | {clients} | {p50:.0f} | {p99:.0f} | {rate:.0f} | {errors} |",
                    flush=True,
                )
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
