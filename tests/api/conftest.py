"""An app over the sample book, API tokens for each role, and signed-in page clients.

The sample book (tests/data/book): U1 Maria (manager, team North), U2 Sam and
U3 Ria (sellers in North, reporting to U1), U9 Ada (admin). Sam owns A1 and
A2, Ria owns A3.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord import access, services
from accord.api.app import create_app
from accord.storage.engines import dispose_all

SAMPLE = Path(__file__).parents[1] / "data" / "book"
AS_OF = date(2026, 4, 15)
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def template_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample book with a password for every user, built once per session."""
    path = tmp_path_factory.mktemp("template") / "book.db"
    url = f"sqlite:///{path}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=SAMPLE)
    for user in ("U1", "U2", "U3", "U9"):
        access.set_password(url=url, user_id=user, password=PASSWORD)
    dispose_all()
    return path


@pytest.fixture
def book(template_book: Path, tmp_path: Path) -> Iterator[str]:
    """A private copy of the template book."""
    target = tmp_path / "book.db"
    shutil.copyfile(template_book, target)
    yield f"sqlite:///{target}"
    dispose_all()


@pytest.fixture
def app(book: str) -> FastAPI:
    return create_app(url=book, as_of=AS_OF)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


def bearer(url: str, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access.create_token(url=url, user_id=user)}"}


@pytest.fixture
def sam(book: str) -> dict[str, str]:
    return bearer(book, "U2")


@pytest.fixture
def ria(book: str) -> dict[str, str]:
    return bearer(book, "U3")


@pytest.fixture
def maria(book: str) -> dict[str, str]:
    return bearer(book, "U1")


@pytest.fixture
def ada(book: str) -> dict[str, str]:
    return bearer(book, "U9")


def signed_in(client: TestClient, login: str, password: str = PASSWORD) -> TestClient:
    """Sign `client` in through the sign-in form (pre-session cookie included)."""
    page = client.get("/signin")
    pre = page.text.split('name="pre" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/signin",
        data={"login": login, "password": password, "pre": pre, "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]
