"""Sign-in, sessions, API tokens, and the scope rule every query obeys.

Users are the ledger's `users` rows; their `role` and `team` decide what they
see. The scope rule, enforced in `accord.services_ledger` for the web and the
API alike:

    rep (a seller)  the accounts they own
    manager         the accounts owned by their team (same `team`, or reporting
                    to them through `manager_id`), their own included
    admin           every account

Passwords are argon2id hashes (argon2-cffi); session and API tokens are random
256-bit values of which only SHA-256 digests are stored. Failed sign-ins are
counted per login and per client, and refused for a while past a threshold.
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
    sign_in_failures,
)
from accord.storage.engines import engine_for
from accord.storage.tables import LEDGER_TABLES

SESSION_HOURS = 12
MAX_FAILURES_PER_LOGIN = 5
MAX_FAILURES_PER_CLIENT = 20
FAILURE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()
_users = LEDGER_TABLES["users"]
_accounts = LEDGER_TABLES["accounts"]


class SignInError(AccordError):
    """Unknown user, wrong password, or an expired or unknown session or token (401)."""


class TooManyAttemptsError(AccordError):
    """Too many failed sign-ins lately; `retry_after` seconds until the next try (429)."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"too many failed sign-ins: try again in {max(1, -(-retry_after // 60))} minute(s)"
        )


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
    """Set (or replace) a user's password; ends their open sessions."""
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


@dataclass(frozen=True, slots=True)
class Session:
    token: str  # the cookie value; only its digest is stored
    csrf_token: str
    principal: Principal
    expires_at: datetime


def _check_rate(conn: sa.Connection, login: str, client: str, now: datetime) -> None:
    since = now - FAILURE_WINDOW
    t = sign_in_failures
    recent = t.c.at > since
    by_login = conn.execute(
        sa.select(sa.func.count(), sa.func.min(t.c.at)).where(recent, t.c.login == login)
    ).one()
    by_client = conn.execute(
        sa.select(sa.func.count(), sa.func.min(t.c.at)).where(recent, t.c.client == client)
    ).one()
    for (count, first), limit in (
        (by_login, MAX_FAILURES_PER_LOGIN),
        (by_client, MAX_FAILURES_PER_CLIENT),
    ):
        if count >= limit:
            retry = int(((first + FAILURE_WINDOW) - now).total_seconds()) + 1
            raise TooManyAttemptsError(max(retry, 1))


def sign_in(*, url: str | None, login: str, password: str, client: str = "") -> Session:
    """Check a password and open a session; failures are counted and rate-limited."""
    now = _now()
    login = login.strip()
    engine = engine_for(url)
    with engine.begin() as conn:
        _check_rate(conn, login, client, now)
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
        principal = load_principal(conn, login) if ok else None
        if principal is None:
            conn.execute(sign_in_failures.insert().values(login=login, client=client, at=now))
    if principal is None:
        raise SignInError("unknown user or wrong password")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + timedelta(hours=SESSION_HOURS)
    with engine.begin() as conn:
        conn.execute(sign_in_failures.delete().where(sign_in_failures.c.login == login))
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
    return Session(token, csrf, principal, expires)


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


def create_token(*, url: str | None, user_id: str, name: str = "script") -> str:
    """A new API token for a user; printed once, stored only as a digest."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine_for(url).begin() as conn:
        if load_principal(conn, user_id) is None:
            raise NotFoundError(f"there is no user {user_id!r} in the book")
        conn.execute(
            api_tokens.insert().values(
                token_hash=digest(token), user_id=user_id, name=name, created_at=_now()
            )
        )
    return token


def token_user(*, url: str | None, token: str) -> Principal:
    """The user of an API token, or SignInError."""
    with engine_for(url).begin() as conn:
        row = conn.execute(
            sa.select(api_tokens.c.user_id).where(api_tokens.c.token_hash == digest(token))
        ).first()
        principal = load_principal(conn, row[0]) if row is not None else None
        if principal is not None:
            conn.execute(
                api_tokens.update()
                .where(api_tokens.c.token_hash == digest(token))
                .values(last_used_at=_now())
            )
    if principal is None:
        raise SignInError("unknown or revoked API token")
    return principal


__all__ = [
    "PermissionDeniedError",
    "Principal",
    "Session",
    "SignInError",
    "TooManyAttemptsError",
    "create_token",
    "load_principal",
    "scope_owners",
    "scoped_account_ids",
    "session_user",
    "set_password",
    "sign_in",
    "sign_out",
    "token_user",
    "users_in_scope",
]
