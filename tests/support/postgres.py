"""A throwaway PostgreSQL server on loopback, for tests and benchmarks.

Uses Debian's `postgresql` binaries (initdb, pg_ctl) on a free port, fsync off,
in a temporary folder. PostgreSQL refuses to run as root, so when we are root
the cluster belongs to the `postgres` system user the package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.net import free_port


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        on_path = shutil.which("initdb")
        if on_path:
            return Path(on_path).parent
        raise PostgresUnavailableError(
            "PostgreSQL server binaries not found: install them with "
            "`apt-get install -y postgresql` (./dev test does this)"
        )
    return Path(found[-1]).parent


def _runner() -> tuple[list[str], str | None]:
    """The prefix that runs a command as a non-root user, and that user's name."""
    if os.geteuid() != 0:
        return [], None
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise PostgresUnavailableError("running as root and there is no `postgres` user") from exc
    return ["runuser", "-u", "postgres", "--"], "postgres"


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a fresh cluster; yield a URL of an empty database `accord` on it."""
    bindir = _bin_dir()
    prefix, user = _runner()
    root = Path(tempfile.mkdtemp(prefix="accord-pg-"))
    data = root / "data"
    if user:
        shutil.chown(root, user=user)
    port = free_port()
    log = root / "server.log"

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, cwd=root)

    try:
        run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "accord",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        )
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-o",
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off",
            "start",
        )
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "accord", "accord")
        yield f"postgresql://accord@127.0.0.1:{port}/accord"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            cwd=root,
        )
        shutil.rmtree(root, ignore_errors=True)


def create_database(admin_url: str, name: str) -> str:
    """Create an empty database beside `admin_url`'s; return its URL."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name
