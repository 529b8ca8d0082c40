"""Sign-in, sessions, API tokens, and the scope rule every query obeys.

Users are the ledger's `users` rows; their `role` and `team` decide what they
see. The scope rule, enforced in `accord.services_ledger` for the web and the
API alike:

    rep (a seller)  the accounts they own
    manager         the accounts owned by their team (same `team`, or reporting
                    to them through `manager_id`), their own included
    admin           every account

Passwords are argon2id hashes (argon2-cffi); session and API tokens are random
256-bit values of which only SHA-256 digests are stored. API tokens expire
(`[access] token_days`, or `--expires-in`), can be listed and revoked, and are
all revoked when the user's password changes.

Failed sign-ins slow further tries down, with a back-off that doubles with each
failure past a few free ones, counted per client address, per user id, and per
browser. A browser that signed in as the user before (its device cookie) is
judged only on its own failures, so nobody who merely knows a user id can keep
the rightful user out; a fresh browser waits out the id's back-off.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from accord.domain.enums import Role
from accord.errors import AccordError, BadInputError, NotFoundError
from accord.storage.access_state import (
    api_tokens,
    credentials,
    sessions,
    sign_in_devices,
    sign_in_failures,
)
from accord.storage.engines import engine_for
from accord.storage.tables import LEDGER_TABLES

SESSION_HOURS = 12
FREE_FAILURES_PER_LOGIN = 5  # per user id (fresh browsers), and per known browser
FREE_FAILURES_PER_CLIENT = 20  # per client address
FIRST_DELAY = timedelta(seconds=2)  # the wait after the first failure past the free ones
MAX_DELAY = timedelta(minutes=15)  # the back-off never grows beyond this
FAILURE_WINDOW = timedelta(hours=1)  # failures older than this are forgotten
MIN_PASSWORD_LENGTH = 8
DEVICE_KEPT = timedelta(days=365)  # a browser unseen this long is a stranger again
TOKEN_TOUCH = timedelta(minutes=5)
"""A token's last use is written only when it moved by this much: reads stay reads."""

_hasher = PasswordHasher()
_users = LEDGER_TABLES["users"]
_accounts = LEDGER_TABLES["accounts"]


class SignInError(AccordError):
    """Unknown user, wrong password, or an expired or unknown session or token (401)."""


class TooManyAttemptsError(AccordError):
    """Too many failed sign-ins lately; `retry_after` seconds until the next try (429)."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        wait = (
            f"{retry_after} second(s)"
            if retry_after < 60
            else f"{max(1, -(-retry_after // 60))} minute(s)"
        )
        super().__init__(f"too many failed sign-ins: try again in {wait}")


class PermissionDeniedError(AccordError):
    """A signed-in user asking for something their role does not allow (403)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user, as the ledger describes them."""

    user_id: str
    name: str
    role: str
    team: str | None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    @property
    def role_label(self) -> str:
        return {"rep": "seller"}.get(self.role, self.role)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def digest(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def load_principal(conn: sa.Connection, user_id: str) -> Principal | None:
    row = conn.execute(sa.select(_users).where(_users.c.user_id == user_id)).mappings().first()
    if row is None:
        return None
    return Principal(row["user_id"], row["name"], row["role"] or Role.REP, row["team"] or None)


def scope_owners(principal: Principal) -> sa.ColumnElement[bool] | None:
    """The condition on `accounts.owner_id` for the accounts in scope; None: every account."""
    if principal.is_admin:
        return None
    if principal.is_manager:
        team_members = sa.select(_users.c.user_id).where(
            sa.or_(
                _users.c.manager_id == principal.user_id,
                sa.and_(_users.c.team.is_not(None), _users.c.team == principal.team)
                if principal.team
                else sa.false(),
            )
        )
        return sa.or_(
            _accounts.c.owner_id == principal.user_id, _accounts.c.owner_id.in_(team_members)
        )
    return _accounts.c.owner_id == principal.user_id


def scoped_account_ids(principal: Principal) -> sa.Select[tuple[str]]:
    """A subquery of the account ids the principal may see."""
    query = sa.select(_accounts.c.account_id)
    cond = scope_owners(principal)
    return query if cond is None else query.where(cond)


def users_in_scope(conn: sa.Connection, principal: Principal) -> set[str] | None:
    """The users whose accounts the principal may assign (None: anyone)."""
    if principal.is_admin:
        return None
    if principal.is_manager:
        query = sa.select(_users.c.user_id).where(
            sa.or_(
                _users.c.user_id == principal.user_id,
                _users.c.manager_id == principal.user_id,
                (_users.c.team == principal.team) if principal.team else sa.false(),
            )
        )
        return {str(r) for r in conn.execute(query).scalars()}
    return {principal.user_id}


# -- passwords and sign-in ------------------------------------------------------------------


def set_password(*, url: str | None, user_id: str, password: str) -> None:
    """Set (or replace) a user's password; ends their open sessions and revokes their API
    tokens (whoever knew the old password may have made one)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInputError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    hashed = _hasher.hash(password)
    with engine_for(url).begin() as conn:
        if load_principal(conn, user_id) is None:
            raise NotFoundError(f"there is no user {user_id!r} in the book")
        conn.execute(credentials.delete().where(credentials.c.user_id == user_id))
        conn.execute(
            credentials.insert().values(user_id=user_id, password_hash=hashed, updated_at=_now())
        )
        conn.execute(sessions.delete().where(sessions.c.user_id == user_id))
        conn.execute(api_tokens.delete().where(api_tokens.c.user_id == user_id))


@dataclass(frozen=True, slots=True)
class Session:
    token: str  # the cookie value; only its digest is stored
    csrf_token: str
    principal: Principal
    expires_at: datetime
    device: str | None = None  # the device cookie to keep (set at sign-in only)


def backoff(failures: int, free: int) -> timedelta:
    """The wait after the last of `failures` recent failures: none for the first `free`,
    then FIRST_DELAY doubling with each one more, at most MAX_DELAY."""
    if failures < free:
        return timedelta(0)
    steps = min(failures - free, 20)
    delay: timedelta = FIRST_DELAY * (2**steps)
    return min(delay, MAX_DELAY)


def _wait(conn: sa.Connection, where: sa.ColumnElement[bool], free: int, now: datetime) -> int:
    t = sign_in_failures
    count, last = conn.execute(
        sa.select(sa.func.count(), sa.func.max(t.c.at)).where(t.c.at > now - FAILURE_WINDOW, where)
    ).one()
    if last is None:
        return 0
    left = (last + backoff(int(count), free) - now).total_seconds()
    return max(0, -int(-left // 1))  # whole seconds, rounded up


def _known_device(conn: sa.Connection, login: str, device: str | None) -> bool:
    if not device:
        return False
    d = sign_in_devices
    found = conn.execute(
        sa.select(sa.literal(1)).where(d.c.user_id == login, d.c.device_hash == digest(device))
    ).first()
    return found is not None


def _check_rate(
    conn: sa.Connection, login: str, client: str, device: str | None, now: datetime
) -> None:
    """Refuse (TooManyAttemptsError) while a back-off that applies to this try runs."""
    t = sign_in_failures
    if _known_device(conn, login, device):
        # The user's own browser: only its own failures count, never anyone else's.
        assert device is not None
        waits = [
            _wait(
                conn,
                sa.and_(t.c.login == login, t.c.device == digest(device)),
                FREE_FAILURES_PER_LOGIN,
                now,
            )
        ]
    else:
        waits = [
            _wait(conn, t.c.client == client, FREE_FAILURES_PER_CLIENT, now),
            _wait(
                conn,
                sa.and_(
                    t.c.login == login,
                    sa.or_(t.c.device.is_(None), ~t.c.device.in_(_devices_of(login))),
                ),
                FREE_FAILURES_PER_LOGIN,
                now,
            ),
        ]
    if max(waits) > 0:
        raise TooManyAttemptsError(max(waits))


def _devices_of(login: str) -> sa.Select[tuple[str]]:
    d = sign_in_devices
    return sa.select(d.c.device_hash).where(d.c.user_id == login)


def sign_in(
    *, url: str | None, login: str, password: str, client: str = "", device: str | None = None
) -> Session:
    """Check a password and open a session; failures slow further tries down (`backoff`).

    `device` is the browser's device cookie, if it sent one; the session names the
    cookie to keep (the same, or a new one on a browser not seen before)."""
    now = _now()
    login = login.strip()
    engine = engine_for(url)
    with engine.connect() as conn:
        _check_rate(conn, login, client, device, now)
        row = conn.execute(
            sa.select(credentials.c.password_hash).where(credentials.c.user_id == login)
        ).first()
    ok = False
    if row is not None:
        try:
            ok = _hasher.verify(row[0], password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
    else:
        _hasher.hash(password)  # the same work either way: timing says nothing about ids
    if not ok:
        with engine.begin() as conn:
            conn.execute(
                sign_in_failures.insert().values(
                    login=login, client=client, at=now, device=digest(device) if device else None
                )
            )
        raise SignInError("unknown user or wrong password")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + timedelta(hours=SESSION_HOURS)
    with engine.begin() as conn:
        principal = load_principal(conn, login)
        if principal is None:
            raise SignInError("unknown user or wrong password")
        d = sign_in_devices
        if _known_device(conn, login, device):
            assert device is not None
            conn.execute(
                d.update()
                .where(d.c.user_id == login, d.c.device_hash == digest(device))
                .values(last_seen_at=now)
            )
        else:
            device = secrets.token_urlsafe(32)
            conn.execute(
                d.insert().values(
                    device_hash=digest(device), user_id=login, created_at=now, last_seen_at=now
                )
            )
        conn.execute(d.delete().where(d.c.last_seen_at < now - DEVICE_KEPT))
        f = sign_in_failures
        conn.execute(
            f.delete().where(
                f.c.login == login, sa.or_(f.c.client == client, f.c.device == digest(device))
            )
        )
        conn.execute(f.delete().where(f.c.at < now - FAILURE_WINDOW))
        conn.execute(sessions.delete().where(sessions.c.expires_at < now))
        conn.execute(
            sessions.insert().values(
                token_hash=digest(token),
                user_id=principal.user_id,
                csrf_token=csrf,
                created_at=now,
                expires_at=expires,
            )
        )
    return Session(token, csrf, principal, expires, device)


def session_user(*, url: str | None, token: str) -> Session:
    """The open session of a cookie value, or SignInError."""
    now = _now()
    with engine_for(url).connect() as conn:
        row = (
            conn.execute(sa.select(sessions).where(sessions.c.token_hash == digest(token)))
            .mappings()
            .first()
        )
        if row is None or row["expires_at"] < now:
            raise SignInError("your session has ended: sign in again")
        principal = load_principal(conn, row["user_id"])
    if principal is None:
        raise SignInError("your session has ended: sign in again")
    return Session(token, row["csrf_token"], principal, row["expires_at"])


def sign_out(*, url: str | None, token: str) -> None:
    with engine_for(url).begin() as conn:
        conn.execute(sessions.delete().where(sessions.c.token_hash == digest(token)))


# -- API tokens -----------------------------------------------------------------------------

TOKEN_PREFIX = "acc_"
TOKEN_ID_LENGTH = 12
"""A token is named by the first characters of its digest (safe to show: not the secret)."""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """An API token as `accord token list` shows it (never the secret)."""

    token_id: str
    user_id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None  # to within TOKEN_TOUCH
    expires_at: datetime | None  # None: never

    def record(self) -> dict[str, str | None]:
        def iso(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat(timespec="seconds") + "Z"

        return {
            "token_id": self.token_id,
            "user_id": self.user_id,
            "name": self.name,
            "created_at": iso(self.created_at),
            "last_used_at": iso(self.last_used_at),
            "expires_at": iso(self.expires_at),
        }


_DURATION_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_duration(text: str) -> timedelta | None:
    """'12h', '30d', '8w' → a timedelta; 'never' → None. BadInputError otherwise."""
    cleaned = text.strip().lower()
    if cleaned == "never":
        return None
    number, unit = cleaned[:-1], cleaned[-1:]
    if unit not in _DURATION_UNITS or not number.isdigit() or int(number) == 0:
        raise BadInputError(
            f"{text!r} is not a duration: write a whole number of hours, days or weeks "
            "(12h, 30d, 8w) or 'never'"
        )
    if int(number) > 36500:
        raise BadInputError(f"{text!r} is too long: at most 36500 days, or 'never'")
    return int(number) * _DURATION_UNITS[unit]


def create_token(
    *,
    url: str | None,
    user_id: str,
    name: str = "script",
    expires_in: timedelta | None = None,
) -> str:
    """A new API token for a user, valid for `expires_in` (None: never); printed once,
    stored only as a digest."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = _now()
    with engine_for(url).begin() as conn:
        if load_principal(conn, user_id) is None:
            raise NotFoundError(f"there is no user {user_id!r} in the book")
        conn.execute(
            api_tokens.insert().values(
                token_hash=digest(token),
                user_id=user_id,
                name=name,
                created_at=now,
                expires_at=None if expires_in is None else now + expires_in,
            )
        )
    return token


def token_user(*, url: str | None, token: str) -> Principal:
    """The user of an API token, or SignInError (unknown, revoked or expired).

    A read: the token's last use is written only when it is TOKEN_TOUCH out of
    date, in a short transaction of its own that is skipped if the book is busy."""
    now = _now()
    hashed = digest(token)
    t = api_tokens
    with engine_for(url).connect() as conn:
        row = conn.execute(
            sa.select(t.c.user_id, t.c.expires_at, t.c.last_used_at).where(t.c.token_hash == hashed)
        ).first()
        principal = load_principal(conn, row[0]) if row is not None else None
    if row is None or principal is None:
        raise SignInError("unknown or revoked API token")
    if row[1] is not None and row[1] <= now:
        raise SignInError("this API token has expired: create a new one (accord token create)")
    if row[2] is None or now - row[2] >= TOKEN_TOUCH:
        try:
            with engine_for(url).begin() as conn:
                conn.execute(
                    t.update()
                    .where(
                        t.c.token_hash == hashed,
                        sa.or_(t.c.last_used_at.is_(None), t.c.last_used_at <= now - TOKEN_TOUCH),
                    )
                    .values(last_used_at=now)
                )
        except sa.exc.OperationalError:
            pass  # bookkeeping only: never fail a request because the book is busy
    return principal


def list_tokens(*, url: str | None, user_id: str | None = None) -> list[TokenInfo]:
    """The API tokens of one user (None: everyone's), newest first; expired ones included."""
    t = api_tokens
    query = sa.select(t).order_by(t.c.created_at.desc(), t.c.token_hash)
    if user_id is not None:
        query = query.where(t.c.user_id == user_id)
    with engine_for(url).connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        TokenInfo(
            r["token_hash"][:TOKEN_ID_LENGTH],
            r["user_id"],
            r["name"],
            r["created_at"],
            r["last_used_at"],
            r["expires_at"],
        )
        for r in rows
    ]


def revoke_token(*, url: str | None, token_id: str, user_id: str | None = None) -> TokenInfo:
    """Revoke (delete) the token named `token_id`; only among `user_id`'s when given."""
    cleaned = token_id.strip().lower()
    if len(cleaned) != TOKEN_ID_LENGTH or any(c not in "0123456789abcdef" for c in cleaned):
        raise BadInputError(
            f"{token_id!r} is not a token id: use the {TOKEN_ID_LENGTH}-character id "
            "`accord token list` shows"
        )
    found = [i for i in list_tokens(url=url, user_id=user_id) if i.token_id == cleaned]
    if len(found) != 1:
        raise NotFoundError(f"there is no API token {cleaned!r}")
    t = api_tokens
    with engine_for(url).begin() as conn:
        conn.execute(
            t.delete().where(t.c.token_hash.startswith(cleaned), t.c.user_id == found[0].user_id)
        )
    return found[0]


__all__ = [
    "PermissionDeniedError",
    "Principal",
    "Session",
    "SignInError",
    "TokenInfo",
    "TooManyAttemptsError",
    "backoff",
    "create_token",
    "list_tokens",
    "load_principal",
    "parse_duration",
    "revoke_token",
    "scope_owners",
    "scoped_account_ids",
    "session_user",
    "set_password",
    "sign_in",
    "sign_out",
    "token_user",
    "users_in_scope",
]
