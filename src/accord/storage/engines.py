"""One engine per database URL for long-lived adapters (the web server, the API).

The batch use cases in `accord.services` open and dispose an engine per call;
a server answering many small requests keeps one per URL instead, checked once
against the newest migration (SQLite connections are still opened per use; see
below). `dispose_all` closes them (server shutdown, tests).
"""

from __future__ import annotations

import threading

import sqlalchemy as sa

from accord.storage.database import make_engine, require_current, resolve_url, sqlite_events

_engines: dict[str, sa.Engine] = {}
_lock = threading.Lock()


def engine_for(url: str | None) -> sa.Engine:
    """The shared engine of `url` (default: $ACCORD_DATABASE_URL, else ./accord.db)."""
    key = resolve_url(url)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = make_engine(url)
            if engine.dialect.name == "sqlite":
                engine.dispose()
                # No SQLite connection stays open between uses: the analytics read the
                # same file through ADBC's own copy of SQLite, and when that copy closes
                # the file POSIX drops every lock this process holds on it, which a
                # pooled connection would meet as "disk I/O error".
                engine = sqlite_events(sa.create_engine(key, poolclass=sa.pool.NullPool))
            try:
                require_current(engine)
            except Exception:
                engine.dispose()
                raise
            _engines[key] = engine
        return engine


def dispose_all() -> None:
    """Close every shared engine (they are reopened on the next use)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
