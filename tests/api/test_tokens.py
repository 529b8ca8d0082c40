"""The life of an API token: expiry, list, revoke (command line and web), password change,
and reads that do not write (last use recorded every few minutes only)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from accord import access
from accord.cli import app
from accord.storage.access_state import api_tokens
from accord.storage.engines import engine_for
from tests.api.conftest import csrf_of, signed_in


class Clock:
    """A stand-in for access._now that the test moves forward."""

    def __init__(self) -> None:
        self.now = datetime(2026, 4, 15, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(access, "_now", c)
    return c


def _last_used(book: str) -> datetime | None:
    with engine_for(book).connect() as conn:
        value: datetime | None = conn.execute(sa.select(api_tokens.c.last_used_at)).scalar_one()
    return value


def test_a_token_expires_and_then_gets_401_saying_so(
    client: TestClient, book: str, clock: Clock
) -> None:
    token = access.create_token(url=book, user_id="U2", expires_in=timedelta(hours=12))
    headers = {"Authorization": f"Bearer {token}"}
    clock.now += timedelta(hours=11, minutes=59)
    assert client.get("/api/v1/me", headers=headers).json()["user_id"] == "U2"
    clock.now += timedelta(minutes=1)
    expired = client.get("/api/v1/me", headers=headers)
    assert expired.status_code == 401
    assert expired.json()["detail"] == (
        "this API token has expired: create a new one (accord token create)"
    )


def test_reads_write_the_last_use_only_every_five_minutes(book: str, clock: Clock) -> None:
    token = access.create_token(url=book, user_id="U2")
    assert _last_used(book) is None
    access.token_user(url=book, token=token)
    first = clock.now
    assert _last_used(book) == first
    clock.now += timedelta(minutes=4, seconds=59)
    access.token_user(url=book, token=token)
    assert _last_used(book) == first  # a read stayed a read
    clock.now += timedelta(seconds=1)
    access.token_user(url=book, token=token)
    assert _last_used(book) == first + timedelta(minutes=5)


def test_create_list_and_revoke_from_the_command_line(
    cli: CliRunner, book: str, client: TestClient, tmp_path: Path
) -> None:
    config = tmp_path / "team.toml"
    config.write_text("[access]\ntoken_days = 7\n")
    default = cli.invoke(app, ["token", "create", "U2", "--db", book, "--config", str(config)])
    month = cli.invoke(
        app, ["token", "create", "U3", "--db", book, "--name", "crm", "--expires-in", "30d"]
    )
    forever = cli.invoke(app, ["token", "create", "U3", "--db", book, "--expires-in", "never"])
    assert default.exit_code == month.exit_code == forever.exit_code == 0, default.output
    listed = cli.invoke(app, ["token", "list", "--db", book, "--format", "json"])
    assert listed.exit_code == 0, listed.output
    records = json.loads(listed.output)
    assert sorted((r["user_id"], r["name"]) for r in records) == [
        ("U2", "script"),
        ("U3", "crm"),
        ("U3", "script"),
    ]
    by_name = {(r["user_id"], r["name"]): r for r in records}

    def days(record: dict[str, str]) -> float:
        made = datetime.fromisoformat(record["created_at"].rstrip("Z"))
        return (datetime.fromisoformat(record["expires_at"].rstrip("Z")) - made) / timedelta(days=1)

    assert days(by_name[("U2", "script")]) == 7
    assert days(by_name[("U3", "crm")]) == 30
    assert by_name[("U3", "script")]["expires_at"] is None
    only_ria = json.loads(
        cli.invoke(app, ["token", "list", "U3", "--db", book, "--format", "json"]).output
    )
    assert {r["user_id"] for r in only_ria} == {"U3"}

    token = month.output.strip()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    crm = by_name[("U3", "crm")]["token_id"]
    revoked = cli.invoke(app, ["token", "revoke", crm, "--db", book])
    assert revoked.exit_code == 0, revoked.output
    assert revoked.output.strip() == f"Revoked token {crm} (crm) of U3."
    gone = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401
    assert gone.json()["detail"] == "unknown or revoked API token"
    assert len(access.list_tokens(url=book)) == 2
    again = cli.invoke(app, ["token", "revoke", crm, "--db", book])
    assert again.exit_code == 1
    assert f"there is no API token '{crm}'" in again.output


def test_bad_lifetimes_and_token_ids_are_refused_in_plain_words(cli: CliRunner, book: str) -> None:
    bad = cli.invoke(app, ["token", "create", "U2", "--db", book, "--expires-in", "soon"])
    assert bad.exit_code == 1
    assert "'soon' is not a duration" in bad.output
    assert access.list_tokens(url=book) == []
    wrong = cli.invoke(app, ["token", "revoke", "acc_secret", "--db", book])
    assert wrong.exit_code == 1
    assert "is not a token id" in wrong.output


def test_a_new_password_revokes_every_token_of_the_user(
    client: TestClient, book: str, sam: dict[str, str], ria: dict[str, str]
) -> None:
    assert client.get("/api/v1/me", headers=sam).status_code == 200
    access.set_password(url=book, user_id="U2", password="a brand new secret")
    assert client.get("/api/v1/me", headers=sam).status_code == 401
    assert [t.user_id for t in access.list_tokens(url=book)] == ["U3"]
    assert client.get("/api/v1/me", headers=ria).status_code == 200


def test_the_web_page_lists_creates_and_revokes_ones_own_tokens_only(
    client: TestClient, book: str
) -> None:
    ria_token = access.create_token(url=book, user_id="U3", name="ria's")
    signed_in(client, "U2")
    page = client.get("/tokens")
    assert page.status_code == 200
    assert "No tokens." in page.text
    made = client.post(
        "/tokens", data={"csrf": csrf_of(page.text), "name": "laptop", "expires_in": "30d"}
    )
    assert made.status_code == 201
    token = made.text.split('data-testid="token-value">', 1)[1].split("<", 1)[0]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    mine = access.list_tokens(url=book, user_id="U2")
    assert [t.name for t in mine] == ["laptop"]
    assert mine[0].expires_at is not None
    assert mine[0].expires_at - mine[0].created_at == timedelta(days=30)
    listed = client.get("/tokens").text
    assert f'data-token="{mine[0].token_id}"' in listed
    assert "ria&#39;s" not in listed
    assert "ria's" not in listed
    # another user's token is not Sam's to revoke: 404, and it keeps working
    ria_id = access.digest(ria_token)[: access.TOKEN_ID_LENGTH]
    other = client.post(f"/tokens/{ria_id}/revoke", data={"csrf": csrf_of(listed)})
    assert other.status_code == 404
    assert access.token_user(url=book, token=ria_token).user_id == "U3"
    done = client.post(
        f"/tokens/{mine[0].token_id}/revoke",
        data={"csrf": csrf_of(listed)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    # without the CSRF token nothing is created
    assert client.post("/tokens", data={"name": "x", "expires_in": "30d"}).status_code == 403
    assert access.list_tokens(url=book, user_id="U2") == []
