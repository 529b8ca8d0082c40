"""Sign-in throttling slows guessing down and never locks the rightful user out.

Failures past a few free ones make the next try wait, the wait doubling with
each failure (2 s, 4 s, 8 s, … at most 15 minutes), per client address and
per user id; a browser that signed in as the user before is judged only on its
own failures. The clock is moved by the test, never waited for.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from accord import access
from tests.api.conftest import PASSWORD

ATTACKER = "203.0.113.9"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 4, 15, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(access, "_now", c)
    return c


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch, book: str) -> None:
    """Argon2 with its cheapest settings: these tests make hundreds of tries."""
    monkeypatch.setattr(
        access, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )
    for user in ("U2", "U3"):
        access.set_password(url=book, user_id=user, password=PASSWORD)


def _pre(client: TestClient) -> str:
    return client.get("/signin").text.split('name="pre" value="', 1)[1].split('"', 1)[0]


def _try(client: TestClient, login: str, password: str) -> int:
    answer = client.post(
        "/signin",
        data={"login": login, "password": password, "pre": _pre(client)},
        follow_redirects=False,
    )
    return answer.status_code


def _guess(book: str, login: str, times: int, client: str = ATTACKER) -> None:
    for _ in range(times):
        with pytest.raises(access.SignInError):
            access.sign_in(url=book, login=login, password="guess", client=client)


def test_the_back_off_doubles_past_the_free_tries_up_to_fifteen_minutes() -> None:
    waits = [access.backoff(n, free=5).total_seconds() for n in range(4, 11)]
    assert waits == [0, 2, 4, 8, 16, 32, 64]
    assert access.backoff(40, free=5) == timedelta(minutes=15)


def test_five_wrong_passwords_make_the_sixth_try_wait_and_then_it_works(
    client: TestClient, clock: Clock
) -> None:
    for _ in range(5):
        assert _try(client, "U2", "guess") == 401
    blocked = client.post(
        "/signin", data={"login": "U2", "password": PASSWORD, "pre": _pre(client)}
    )
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "2"
    assert "too many failed sign-ins: try again in 2 second(s)" in blocked.text
    clock.now += timedelta(seconds=2)
    assert _try(client, "U2", PASSWORD) == 303


def test_each_further_failure_doubles_the_wait(book: str, clock: Clock) -> None:
    _guess(book, "U2", 5)
    waits = []
    for _ in range(3):
        with pytest.raises(access.TooManyAttemptsError) as refused:
            access.sign_in(url=book, login="U2", password="guess", client=ATTACKER)
        waits.append(refused.value.retry_after)
        clock.now += timedelta(seconds=refused.value.retry_after)
        _guess(book, "U2", 1)  # the try after the wait fails again
    assert waits == [2, 4, 8]


def test_guessing_from_elsewhere_never_slows_the_users_own_browser(
    client: TestClient, book: str, clock: Clock
) -> None:
    # Sam signed in from this browser before: it keeps a device cookie
    assert _try(client, "U2", PASSWORD) == 303
    assert client.cookies.get("accord_device")
    # someone who knows his id guesses from another address as fast as allowed, for hours
    start = clock.now
    guesses = 0
    last_failed = False
    while clock.now - start < timedelta(hours=3) or not last_failed:
        try:
            access.sign_in(url=book, login="U2", password="guess", client=ATTACKER)
        except access.TooManyAttemptsError as refused:
            clock.now += timedelta(seconds=refused.retry_after)
            last_failed = False
        except access.SignInError:
            guesses += 1
            last_failed = True
    assert 20 < guesses < 60  # slowed down to a trickle: 15 minutes apart at the end
    # a browser that never signed in as Sam waits out the id's back-off
    with pytest.raises(access.TooManyAttemptsError):
        access.sign_in(url=book, login="U2", password=PASSWORD, client="198.51.100.7")
    # Sam's own browser signs in at once, on the first try
    assert _try(client, "U2", PASSWORD) == 303


def test_the_users_own_browser_is_still_slowed_by_its_own_failures(
    client: TestClient, clock: Clock
) -> None:
    assert _try(client, "U2", PASSWORD) == 303
    for _ in range(5):
        assert _try(client, "U2", "typo") == 401
    assert _try(client, "U2", PASSWORD) == 429
    clock.now += timedelta(seconds=2)
    assert _try(client, "U2", PASSWORD) == 303


def test_one_client_guessing_many_ids_is_slowed_for_all_of_them(book: str, clock: Clock) -> None:
    for n in range(20):
        _guess(book, f"X{n}", 1)
    with pytest.raises(access.TooManyAttemptsError) as refused:
        access.sign_in(url=book, login="U3", password=PASSWORD, client=ATTACKER)
    assert refused.value.retry_after == 2
    # another client is not affected, nor is U3 from elsewhere
    assert access.sign_in(url=book, login="U3", password=PASSWORD, client="10.0.0.2").principal
    clock.now += timedelta(seconds=2)
    assert access.sign_in(url=book, login="U3", password=PASSWORD, client=ATTACKER).principal


def test_failures_are_forgotten_after_an_hour(book: str, clock: Clock) -> None:
    _guess(book, "U2", 5)
    clock.now += access.FAILURE_WINDOW + timedelta(seconds=1)
    _guess(book, "U2", 4)  # four fresh failures: still free
    assert access.sign_in(url=book, login="U2", password=PASSWORD, client=ATTACKER).principal
