"""Sign-in, sessions, CSRF, rate limiting and API tokens."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from accord import access
from accord.storage.access_state import api_tokens, credentials, sessions
from accord.storage.engines import engine_for
from tests.api.conftest import PASSWORD, csrf_of, signed_in


def _pre(client: TestClient) -> str:
    return client.get("/signin").text.split('name="pre" value="', 1)[1].split('"', 1)[0]


def test_pages_need_a_session(client: TestClient) -> None:
    answer = client.get("/accounts/A1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=/accounts/A1"


def test_the_session_cookie_is_secure_httponly_samesite(client: TestClient) -> None:
    answer = client.post(
        "/signin",
        data={"login": "U2", "password": PASSWORD, "pre": _pre(client), "next": "/accounts/A1"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/accounts/A1"
    cookie = next(
        v
        for k, v in answer.headers.multi_items()
        if k == "set-cookie" and v.startswith("accord_session=")
    )
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "SameSite=lax" in cookie


def test_secrets_are_stored_hashed(book: str) -> None:
    token = access.create_token(url=book, user_id="U2")
    session = access.sign_in(url=book, login="U2", password=PASSWORD)
    with engine_for(book).connect() as conn:
        stored_tokens = list(conn.execute(sa.select(api_tokens.c.token_hash)).scalars())
        stored_sessions = list(conn.execute(sa.select(sessions.c.token_hash)).scalars())
        hashes = list(conn.execute(sa.select(credentials.c.password_hash)).scalars())
    assert token not in stored_tokens
    assert access.digest(token) in stored_tokens
    assert session.token not in stored_sessions
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert PASSWORD not in "".join(hashes)


def test_a_wrong_password_and_an_unknown_user_read_the_same(client: TestClient) -> None:
    wrong = client.post("/signin", data={"login": "U2", "password": "nope", "pre": _pre(client)})
    unknown = client.post(
        "/signin", data={"login": "U404", "password": "nope", "pre": _pre(client)}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "unknown user or wrong password" in wrong.text
    assert "unknown user or wrong password" in unknown.text


def test_the_sign_in_form_needs_its_pre_session_token(client: TestClient) -> None:
    client.get("/signin")
    answer = client.post("/signin", data={"login": "U2", "password": PASSWORD, "pre": "forged"})
    assert answer.status_code == 403
    assert "the sign-in form expired" in answer.text


def test_forms_without_the_csrf_token_are_refused_and_write_nothing(
    client: TestClient, book: str
) -> None:
    from accord import services

    signed_in(client, "U2")
    data = {
        "occurred_at": "2026-04-01T10:00",
        "channel": "call",
        "direction": "inbound",
        "purpose": "insight",
    }
    missing = client.post("/accounts/A1/touchpoints", data=data)
    forged = client.post("/accounts/A1/touchpoints", data=data | {"csrf": "forged"})
    assert missing.status_code == forged.status_code == 403
    assert "CSRF check failed" in forged.text
    assert services.read_ledger_table(url=book, table="touchpoints").height == 4


def test_sign_out_ends_the_session(client: TestClient) -> None:
    signed_in(client, "U2")
    csrf = csrf_of(client.get("/accounts/A1").text)
    assert client.post("/signout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_new_password_ends_open_sessions(client: TestClient, book: str) -> None:
    signed_in(client, "U2")
    access.set_password(url=book, user_id="U2", password="another secret")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_open_redirects_are_refused(client: TestClient) -> None:
    answer = client.post(
        "/signin",
        data={"login": "U2", "password": PASSWORD, "pre": _pre(client), "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_security_headers(client: TestClient) -> None:
    page = client.get("/signin")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "cdn" not in page.text.lower()
    assert client.get("/static/app.css").status_code == 200
