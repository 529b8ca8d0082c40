"""`accord user set-password`, `accord token create`, and `accord demo --no-serve`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from accord import access
from accord.cli import app
from accord.storage.engines import dispose_all
from tests.api.conftest import PASSWORD


def test_set_password_and_token(cli: CliRunner, book: str) -> None:
    done = cli.invoke(
        app,
        ["user", "set-password", "U2", "--db", book, "--password-stdin"],
        input="a new secret\n",
    )
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "Password set for U2."
    assert access.sign_in(url=book, login="U2", password="a new secret").principal.user_id == "U2"
    made = cli.invoke(app, ["token", "create", "U2", "--db", book, "--name", "crm"])
    assert made.exit_code == 0
    token = made.output.strip()
    assert token.startswith("acc_")
    assert access.token_user(url=book, token=token).user_id == "U2"


def test_unknown_users_and_short_passwords_exit_1(cli: CliRunner, book: str) -> None:
    unknown = cli.invoke(app, ["token", "create", "U404", "--db", book])
    assert unknown.exit_code == 1
    assert "there is no user 'U404' in the book" in unknown.output
    short = cli.invoke(
        app, ["user", "set-password", "U2", "--db", book, "--password-stdin"], input="short\n"
    )
    assert short.exit_code == 1
    assert "the password must have at least 8 characters" in short.output
    assert access.sign_in(url=book, login="U2", password=PASSWORD).principal.user_id == "U2"


def test_demo_prints_a_user_per_role(cli: CliRunner, tmp_path: Path) -> None:
    home = tmp_path / "demo"
    result = cli.invoke(app, ["demo", "--directory", str(home), "--accounts", "40", "--no-serve"])
    dispose_all()
    assert result.exit_code == 0, result.output
    assert "Sign in as (user id / password):" in result.output
    lines = [line.split() for line in result.output.splitlines() if line.startswith("  ")]
    roles = {
        parts[0]: (parts[1], parts[2])
        for parts in lines
        if parts and parts[0] in ("seller", "manager", "admin")
    }
    assert set(roles) == {"seller", "manager", "admin"}
    url = f"sqlite:///{(home / 'accord.db').resolve()}"
    user, password = roles["seller"]
    assert access.sign_in(url=url, login=user, password=password).principal.role == "rep"
    assert f"Serve it with:  accord serve --db {url}" in result.output
    dispose_all()
