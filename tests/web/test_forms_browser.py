"""Every form of every page, in real headless Chromium: good input lands in the database,
bad input is drawn again with the message beside the field and writes nothing.

Also: at a phone's 390 × 844 no page scrolls sideways and "Sign out" is on screen; axe-core
(bundled by axe-playwright-python, injected from the local package — nothing fetched) finds
no serious or critical violation on any page, at desktop and phone widths.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from accord import access, services
from accord import services_ledger as ledger
from accord.api.app import create_app
from accord.storage.access_state import audit_log
from accord.storage.agenda_state import agenda_state
from accord.storage.engines import engine_for
from accord.storage.tables import LEDGER_TABLES
from tests.api.conftest import AS_OF, PASSWORD, SAMPLE
from tests.support.live import live_server
from tests.web.test_browser import ARGS, CHROMIUM, SHOTS, pytestmark

__all__ = ["pytestmark"]

T = LEDGER_TABLES
DAY = AS_OF.isoformat()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base address, database URL): the sample book, a password for every user, and a
    contact C9 that repeats Dana (C1) on Acme, for the duplicates page."""
    folder = tmp_path_factory.mktemp("forms")
    url = f"sqlite:///{folder / 'book.db'}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=SAMPLE)
    for user in ("U1", "U2", "U3", "U9"):
        access.set_password(url=url, user_id=user, password=PASSWORD)
    with engine_for(url).connect() as conn:
        admin = access.load_principal(conn, "U9")
    assert admin is not None
    ledger.create_row(
        url=url,
        principal=admin,
        table="contacts",
        values={"contact_id": "C9", "account_id": "A1", "name": "Dana D.",
                "email": "DANA@acme.example"},
    )  # fmt: skip
    app = create_app(url=url, as_of=AS_OF)
    with live_server(app) as base:
        yield base, url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


def _signed_in(browser: Any, base: str, login: str, width: int = 1280, height: int = 900) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=base)
    page = context.new_page()
    page.goto("/signin")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def _rows(url: str, table: str, **where: Any) -> list[dict[str, Any]]:
    t = T[table]
    query = sa.select(t).where(*(t.c[k] == v for k, v in where.items()))
    with engine_for(url).connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def _count(url: str, table: str) -> int:
    with engine_for(url).connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(T[table])).scalar_one())


def _beside(form: Any, field: str) -> str:
    """The message drawn in the same label as the field (or, for the agenda's compact
    forms, in the same form), waiting for the page to be drawn again."""
    message = form.locator(f".field-error[data-field={field}]")
    message.first.wait_for()
    return str(message.first.inner_text()).strip()


def _submit(page: Any, form: Any) -> None:
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_every_account_page_form_writes_its_row_or_says_what_is_wrong(
    served: tuple[str, str], browser: Any
) -> None:
    base, url = served
    page = _signed_in(browser, base, "U2")
    page.goto("/accounts/A1")

    # Log a touchpoint: no date is refused beside "When", nothing written.
    before = _count(url, "touchpoints")
    form = page.locator("[data-testid=touchpoint-form]")
    form.locator("input[name=occurred_at]").fill("")
    form.locator("input[name=summary]").fill("Reviewed the rollout plan")
    _submit(page, form)
    form = page.locator("[data-testid=touchpoint-form]")
    label = form.locator("label:has(input[name=occurred_at])")
    assert "required" in _beside(label, "occurred_at")
    assert form.locator("input[name=summary]").input_value() == "Reviewed the rollout plan"
    assert _count(url, "touchpoints") == before
    form.locator("input[name=occurred_at]").fill("2026-04-14T09:15")
    form.locator("select[name=purpose]").select_option("guidance")
    form.locator("select[name=contact_ids]").select_option(["C2"])
    form.locator("input[name=minutes]").fill("30")
    _submit(page, form)
    [row] = _rows(url, "touchpoints", summary="Reviewed the rollout plan")
    assert (row["account_id"], row["user_id"], row["purpose"], row["minutes"]) == (
        "A1",
        "U2",
        "guidance",
        30,
    )
    assert row["contact_ids"] == "C2"

    # Add a commitment: no due date is refused beside "Due on".
    form = page.locator("[data-testid=commitment-form]")
    form.locator("input[name=description]").fill("Send the rollout checklist")
    _submit(page, form)
    form = page.locator("[data-testid=commitment-form]")
    assert "required" in _beside(form.locator("label:has(input[name=due_on])"), "due_on")
    assert _rows(url, "commitments", description="Send the rollout checklist") == []
    form.locator("input[name=due_on]").fill("2026-04-30")
    form.locator("select[name=contact_id]").select_option("C1")
    _submit(page, form)
    [made] = _rows(url, "commitments", description="Send the rollout checklist")
    assert (made["side"], str(made["due_on"]), made["contact_id"], made["user_id"]) == (
        "us",
        "2026-04-30",
        "C1",
        "U2",
    )

    # Record feedback (it always failed: the form sent a user_id the table has no column for).
    form = page.locator("[data-testid=feedback-form]")
    form.locator("select[name=kind]").select_option("nps")
    form.locator("input[name=score]").fill("42")
    _submit(page, form)
    form = page.locator("[data-testid=feedback-form]")
    assert _beside(form.locator("label:has(input[name=score])"), "score") == "must be at most 10"
    assert _rows(url, "feedback", account_id="A1", score=42.0) == []
    form.locator("input[name=score]").fill("9")
    form.locator("input[name=text]").fill("Happy with the rollout")
    form.locator("select[name=contact_id]").select_option("C1")
    _submit(page, form)
    [said] = _rows(url, "feedback", text="Happy with the rollout")
    assert (said["account_id"], said["kind"], said["score"], said["contact_id"]) == (
        "A1",
        "nps",
        9.0,
        "C1",
    )
    assert "nps 9" in page.locator("[data-testid=timeline]").inner_text()

    # Mark the new commitment done: done on the page's date.
    item = page.locator("[data-testid=open-commitments] li", has_text="Send the rollout checklist")
    with page.expect_navigation():
        item.locator("button[type=submit]").click()
    [done] = _rows(url, "commitments", commitment_id=made["commitment_id"])
    assert str(done["done_on"]) == DAY
    audit = page.locator("[data-testid=audit]").inner_text()
    assert "Happy with the rollout" in audit
    assert "Send the rollout checklist" in audit
    page.context.close()


def test_the_plan_forms_write_their_rows_or_say_what_is_wrong(
    served: tuple[str, str], browser: Any
) -> None:
    base, url = served
    page = _signed_in(browser, base, "U2")
    page.goto(f"/accounts/A1/plan?as_of={DAY}")

    # The plan: an intent that is not reason/season/lifetime is refused beside the field.
    form = page.locator("[data-testid=plan-form]")
    form.locator("select[name=intent]").evaluate(
        "s => s.add(new Option('forever', 'forever', true, true))"
    )
    form.locator("textarea[name=objectives]").fill("Win the line 2 retrofit\nTrain the shift leads")
    _submit(page, form)
    form = page.locator("[data-testid=plan-form]")
    assert "reason" in _beside(form.locator("label:has(select[name=intent])"), "intent")
    assert _rows(url, "account_plans", account_id="A1") == []
    form.locator("select[name=intent]").select_option("lifetime")
    _submit(page, form)
    [plan] = _rows(url, "account_plans", account_id="A1")
    assert (plan["intent"], plan["objectives"], plan["user_id"]) == (
        "lifetime",
        "Win the line 2 retrofit;Train the shift leads",
        "U2",
    )

    # Add a person: a contact of another account is refused beside "Who".
    form = page.locator("[data-testid=person-form]")
    form.locator("select[name=contact_id]").evaluate(
        "s => s.add(new Option('Cy Cedar', 'C4', true, true))"
    )
    _submit(page, form)
    form = page.locator("[data-testid=person-form]")
    assert _beside(form.locator("label:has(select[name=contact_id])"), "contact_id")
    assert _rows(url, "plan_people", account_id="A1") == []
    form.locator("select[name=contact_id]").select_option("C1")
    form.locator("input[name=gap]").fill("meet her every month")
    _submit(page, form)
    [person] = _rows(url, "plan_people", account_id="A1")
    assert (person["contact_id"], person["gap"]) == ("C1", "meet her every month")

    # Change the person: a decision role that does not exist is refused beside the field.
    card = page.locator("#person-C1")
    card.locator("select[name=decision_role]").evaluate(
        "s => s.add(new Option('boss', 'boss', true, true))"
    )
    card.locator("input[name=notes]").fill("prefers mornings")
    _submit(page, card.locator("form").first)
    card = page.locator("#person-C1")
    assert _beside(card.locator("label:has(select[name=decision_role])"), "decision_role")
    assert _rows(url, "plan_people", account_id="A1")[0]["notes"] is None
    card.locator("select[name=decision_role]").select_option("champion")
    _submit(page, card.locator("form").first)
    [person] = _rows(url, "plan_people", account_id="A1")
    assert (person["decision_role"], person["notes"]) == ("champion", "prefers mornings")

    # Remove the person from the plan.
    with page.expect_navigation():
        page.locator("#person-C1 form.inline button[type=submit]").click()
    assert _rows(url, "plan_people", account_id="A1") == []
    page.context.close()


def test_the_agenda_forms_write_their_decision_or_say_what_is_wrong(
    served: tuple[str, str], browser: Any
) -> None:
    base, url = served
    page = _signed_in(browser, base, "U3")  # Ria: her agenda is untouched by the other tests
    page.goto("/agenda")
    _unfold(page)
    # every item with its own forms: a line's lead, the items folded or merged under it
    items = page.locator("[data-key]:has(> .actions)")
    kinds = items.evaluate_all("items => items.map(i => [i.dataset.key, i.dataset.kind])")
    assert len(kinds) >= 3, kinds
    # completing logs a touchpoint (which may end others); a retrospective or a value review
    # asks for more on completion, so the completed one is a plain action
    plain = [k for k, kind in kinds if kind not in ("retrospective", "value_review")]
    complete = plain[-1]
    snooze, dismiss = [k for k, _ in kinds if k != complete][:2]

    snoozer = page.locator(f'[data-key="{snooze}"] > .actions > form[action$="/snooze"]')
    snoozer.locator("input[name=until]").fill(DAY)
    _agenda_submit(page, snoozer)
    snoozer = page.locator(f'[data-key="{snooze}"] > .actions > form[action$="/snooze"]')
    assert _beside(snoozer, "until") == f"must be after {DAY}"
    assert _agenda_rows(url, snooze) == []
    snoozer.locator("input[name=until]").fill("2026-05-01")
    _agenda_submit(page, snoozer)
    [snoozed] = _agenda_rows(url, snooze)
    assert (snoozed["state"], str(snoozed["until"])) == ("snoozed", "2026-05-01")

    dismisser = page.locator(f'[data-key="{dismiss}"] > .actions > form[action$="/dismiss"]')
    dismisser.locator("input[name=reason]").fill("   ")
    _agenda_submit(page, dismisser)
    dismisser = page.locator(f'[data-key="{dismiss}"] > .actions > form[action$="/dismiss"]')
    assert "say why" in _beside(dismisser, "reason")
    assert _agenda_rows(url, dismiss) == []
    dismisser.locator("input[name=reason]").fill("they buy once a year")
    _agenda_submit(page, dismisser)
    [dismissed] = _agenda_rows(url, dismiss)
    assert (dismissed["state"], dismissed["note"]) == ("dismissed", "they buy once a year")
    form = page.locator(f'[data-key="{complete}"] > .actions > [data-testid=complete-form]')
    form.locator("input[name=summary]").evaluate("i => { i.value = 'x'.repeat(2001) }")
    _agenda_submit(page, form)
    form = page.locator(f'[data-key="{complete}"] > .actions > [data-testid=complete-form]')
    assert "at most 2000" in _beside(form, "summary")
    assert _agenda_rows(url, complete) == []
    form.locator("input[name=summary]").fill("Called about the pilot's results")
    _agenda_submit(page, form)
    assert [r["state"] for r in _agenda_rows(url, complete)] == ["done"]
    assert _rows(url, "touchpoints", summary="Called about the pilot's results")

    page.context.close()


def _unfold(page: Any) -> None:
    """Open every account's folded items, so that their forms can be used."""
    page.locator("details").evaluate_all("ds => ds.forEach(d => { d.open = true })")


def _agenda_submit(page: Any, form: Any) -> None:
    _submit(page, form)
    _unfold(page)


def _agenda_rows(url: str, item: str) -> list[dict[str, Any]]:
    t = agenda_state
    with engine_for(url).connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(t).where(t.c.item_id == item)).mappings()]


def test_the_remaining_forms_sign_in_out_filter_review_search_and_merge(
    served: tuple[str, str], browser: Any
) -> None:
    base, url = served
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base)
    page = context.new_page()
    page.goto("/signin")
    page.fill("input[name=login]", "U1")
    page.fill("input[name=password]", "not the password")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.locator("p.problem[role=alert]").inner_text().strip()
    assert page.locator("input[name=login]").input_value() == "U1"
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == base + "/"

    # The portfolio's filter (a GET form): one seller's accounts only.
    page.locator("form.filters select[name=seller]").select_option("U3")
    _submit(page, page.locator("form.filters"))
    names = page.locator("[data-testid=portfolio] tbody tr td:first-child").all_inner_texts()
    assert names == ["Cedar, Inc."]

    # The review's month: a month that does not exist is refused beside the field.
    page.goto("/review")
    review = page.locator("form.filters")
    review.locator("input[name=month]").fill("2026-13")
    _submit(page, review)
    assert _beside(page.locator("form.filters"), "month") == "must be a month (YYYY-MM)"
    page.locator("form.filters input[name=month]").fill("2026-03")
    _submit(page, page.locator("form.filters"))
    assert page.locator("iframe.report").count() == 1

    # The header's search box, reached with "/".
    page.keyboard.press("/")
    box = page.locator("[data-testid=search-box]")
    assert box.evaluate("b => b === document.activeElement")
    box.fill("dana")
    with page.expect_navigation():
        box.press("Enter")
    ids = page.locator("[data-testid=search-results] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.id)"
    )
    assert ids == ["C9", "C1"] or ids == ["C1", "C9"]

    # Duplicates: merge C9 into C1, then undo it.
    page.goto("/duplicates")
    merge = page.locator('form[action="/duplicates/merge"]', has=page.locator('[value="C9"]'))
    with page.expect_navigation():
        merge.locator("button[type=submit]").click()
    assert _rows(url, "contacts", contact_id="C9") == []
    with engine_for(url).connect() as conn:
        merges = conn.execute(
            sa.select(audit_log.c.row_key).where(audit_log.c.action == "merge")
        ).scalars()
        assert "C1" in set(merges)
    with page.expect_navigation():
        page.locator("[data-testid=merges] button[type=submit]").first.click()
    assert [r["name"] for r in _rows(url, "contacts", contact_id="C9")] == ["Dana D."]

    # Sign out: the session ends, the pages ask to sign in again.
    with page.expect_navigation():
        page.locator("form.who button[type=submit]").click()
    page.goto("/")
    assert page.url.startswith(base + "/signin")
    context.close()


PAGES = (
    "/",
    "/accounts/A1",
    "/accounts/A2",
    "/accounts/A1/plan",
    "/agenda",
    "/agenda/team",
    "/review?month=2026-03",
    "/review/report.html?month=2026-03",
    "/opportunities/OP1/decision",
    "/opportunities/OP1/decision.html",
    "/duplicates",
    "/search?q=a",
    "/tokens",
    "/accounts/NOPE",
)
"""Every page an admin can open (the report and one-pager documents that the review and
decision pages frame included), and the 404 page."""


def _serious(page: Any) -> list[str]:
    """axe-core's serious and critical violations of the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:5]]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_finds_no_serious_violation_on_any_page(served: tuple[str, str], browser: Any) -> None:
    base, _ = served
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base)
    page = context.new_page()
    page.goto("/signin")
    problems = {"/signin": _serious(page)}
    context.close()
    page = _signed_in(browser, base, "U9")
    for path in PAGES:
        page.goto(path)
        problems[path] = _serious(page)
    page.context.close()
    assert {p: v for p, v in problems.items() if v} == {}


def test_at_390_px_no_page_scrolls_sideways_and_sign_out_is_on_screen(
    served: tuple[str, str], browser: Any
) -> None:
    base, _ = served
    page = _signed_in(browser, base, "U9", width=390, height=844)
    wide: dict[str, tuple[int, int]] = {}
    problems: dict[str, list[str]] = {}
    for path in (p for p in PAGES if ".html" not in p):  # framed documents scroll inside
        page.goto(path)
        scroll, client = page.evaluate(
            "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
        )
        if scroll > client:
            wide[path] = (scroll, client)
        sign_out = page.locator("form.who button[type=submit]")
        assert sign_out.count() == 1, path
        assert sign_out.is_visible(), path
        box = sign_out.bounding_box()
        assert box is not None, path
        assert 0 <= box["x"] <= box["x"] + box["width"] <= 390, (path, box)
        assert page.locator("[data-testid=search-box]").is_visible(), path
        problems[path] = _serious(page)  # scrolling tables must be reachable by keyboard here
    # the timeline's list scrolls on its own: it takes the keyboard focus
    page.goto("/accounts/A1")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "phone-account.png"))  # the first screen, as a phone shows it
    page.locator("[data-testid=timeline]").focus()
    assert page.evaluate("document.activeElement.dataset.testid") == "timeline"
    page.context.close()
    assert wide == {}
    assert {p: v for p, v in problems.items() if v} == {}
