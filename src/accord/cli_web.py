"""`accord serve`, `accord user set-password`, `accord token create|list|revoke`, the demo.

Parse → service → print, like the rest of the CLI; the web application itself
is `accord.api.app.create_app`.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from typing import Annotated

import typer
from rich.table import Table

from accord import access, services, services_web
from accord.cli_common import ConfigOption, DbOption, Format, FormatOption, emit_json, guarded, out
from accord.errors import BadInputError

HostOption = Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")]
PortOption = Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")]
InsecureOption = Annotated[
    bool,
    typer.Option(
        "--insecure-cookies",
        help=(
            "Send the session cookie without the Secure flag: only for plain HTTP "
            "on a trusted network."
        ),
    ),
]

user_app = typer.Typer(help="Users of the web application.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for scripts.", no_args_is_help=True)


def run_server(
    *,
    url: str | None,
    host: str,
    port: int,
    secure_cookies: bool = True,
    as_of: date | None = None,
) -> None:
    """Serve the web application and the API until interrupted (the pages look from
    `as_of`, else from today)."""
    import uvicorn

    from accord.api.app import create_app

    app = create_app(url=url, as_of=as_of, secure_cookies=secure_cookies)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    out.print(f"accord is serving at [bold]http://{shown}:{port}/[/]  (API: /api/v1, Ctrl-C stops)")
    if as_of is not None:
        out.print(f"Pages look at the book as of {as_of.isoformat()} (?as_of= changes it).")
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)


def serve(
    db: DbOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    insecure_cookies: InsecureOption = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The date the pages look from (YYYY-MM-DD; default: today), e.g. the "
            "last day of an exported book.",
        ),
    ] = None,
) -> None:
    """Serve the web application and the REST API (/api/v1) over the book.

    Example: `accord serve --db sqlite:///book.db --port 8000 --as-of 2026-04-15`
    """
    day = None
    if as_of:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise BadInputError(f"--as-of must be a date (YYYY-MM-DD), not {as_of!r}") from None
    run_server(url=db, host=host, port=port, secure_cookies=not insecure_cookies, as_of=day)


@user_app.command("set-password")
@guarded
def set_password(
    user_id: Annotated[str, typer.Argument(help="The user's id in the book (users.csv).")],
    db: DbOption = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a user's password for the web application (ends their open sessions).

    Example: `accord user set-password U2`
    """
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    access.set_password(url=db, user_id=user_id, password=password)
    out.print(f"Password set for {user_id}.")


@token_app.command("create")
@guarded
def create_token(
    user_id: Annotated[str, typer.Argument(help="The user the token acts as.")],
    db: DbOption = None,
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "script",
    expires_in: Annotated[
        str | None,
        typer.Option(
            "--expires-in",
            help="How long the token is valid: 12h, 30d, 8w or 'never' "
            "(default: the setting access.token_days, 90 days).",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Create an API token (printed once; only its digest is stored).

    Example: `accord token create U2 --name crm-sync --expires-in 30d`
    """
    lifetime: timedelta | None
    if expires_in is None:
        days = services.load_config(path=config).access.token_days
        lifetime = timedelta(days=days) if days > 0 else None
    else:
        lifetime = access.parse_duration(expires_in)
    token = access.create_token(url=db, user_id=user_id, name=name, expires_in=lifetime)
    out.print(token, highlight=False)


@token_app.command("list")
@guarded
def list_tokens(
    user_id: Annotated[
        str | None, typer.Argument(help="Only this user's tokens (default: everyone's).")
    ] = None,
    db: DbOption = None,
    fmt: FormatOption = Format.TABLE,
) -> None:
    """List API tokens: id, user, name, created, last used (to 5 minutes), expires.

    Example: `accord token list U2`  (then `accord token revoke ID`)
    """
    found = access.list_tokens(url=db, user_id=user_id)
    if fmt is Format.JSON:
        emit_json([t.record() for t in found])
        return
    if not found:
        out.print("No API tokens.")
        return
    table = Table("id", "user", "name", "created", "last used", "expires")
    for t in found:
        r = t.record()
        table.add_row(
            t.token_id,
            t.user_id,
            t.name,
            r["created_at"] or "",
            r["last_used_at"] or "never",
            r["expires_at"] or "never",
        )
    out.print(table)


@token_app.command("revoke")
@guarded
def revoke_token(
    token_id: Annotated[str, typer.Argument(help="The token's id, as `accord token list` shows.")],
    db: DbOption = None,
) -> None:
    """Revoke an API token: requests with it get 401 from now on.

    Example: `accord token revoke 3f2a9c0d1b7e`
    """
    gone = access.revoke_token(url=db, token_id=token_id)
    out.print(f"Revoked token {gone.token_id} ({gone.name}) of {gone.user_id}.")


def demo_users_and_serve(*, url: str, as_of: date, serve_it: bool, host: str, port: int) -> None:
    """The end of `accord demo`: passwords for one user per role, then the server."""
    users = services_web.prepare_demo(url=url, as_of=as_of)
    out.print("\nSign in as (user id / password):")
    for u in users:
        label = {"rep": "seller"}.get(u.role, u.role)
        out.print(f"  {label:8} {u.user_id:10} {u.password}   ({u.name})", highlight=False)
    if serve_it:  # as of the book's own date, so the first agenda is today's, not months late
        run_server(url=url, host=host, port=port, as_of=as_of)
    else:
        out.print(f"\nServe it with:  accord serve --db {url} --as-of {as_of.isoformat()}")


def register(app: typer.Typer) -> None:
    """Add the web commands to the `accord` app."""
    app.command("serve")(guarded(serve))
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
