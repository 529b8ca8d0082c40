"""Importing the same export any number of times changes nothing (issue 19, property).

Generated HubSpot-shaped exports: companies whose web domains may be missing,
shared between companies, a mailbox provider's or a placeholder's, with or
without an owner; contacts with or without a company, writing from any of
those domains or their own; won deals with or without a company, some linked
only through a contact (history loaded late: created after they closed).
Whatever the export, the second and third imports change no row of the book
and skip exactly the rows the first one skipped.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord import services, services_intake
from tests.intake.test_people import _snapshot

DOMAINS = ["acme.example", "birch.example", "cedar.example", "gmail.com", "example.com", ""]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised empty book, copied for every generated export (faster than migrating)."""
    path = tmp_path_factory.mktemp("template") / "book.db"
    services.init_database(url=f"sqlite:///{path}")
    return path


OWNERS = ["", "Sam Seller", "Ria Rep"]
companies = st.lists(
    st.tuples(
        st.sampled_from(["Acme", "Birch", "Cedar", "Acme Inc."]),
        st.sampled_from(DOMAINS),
        st.sampled_from(OWNERS),
    ),
    min_size=1,
    max_size=5,
)
contacts = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(min_value=0, max_value=4)),  # company, or none
        st.sampled_from([*DOMAINS[:-1], "own.example"]),  # the mail domain they write from
    ),
    max_size=8,
)
deals = st.lists(  # (company or none, contact or none, owner): some reach a company by contact
    st.tuples(
        st.one_of(st.none(), st.integers(min_value=0, max_value=4)),
        st.one_of(st.none(), st.integers(min_value=0, max_value=7)),
        st.sampled_from(OWNERS),
    ),
    max_size=5,
)


Firm = tuple[str, str, str]
Person = tuple[int | None, str]
Deal = tuple[int | None, int | None, str]


def _write(folder: Path, firms: list[Firm], people: list[Person], sales: list[Deal]) -> None:
    folder.mkdir()
    lines = [
        "Record ID,Company name,Company owner,Industry,Create Date,Company Domain Name,Website URL"
    ]
    for i, (name, domain, owner) in enumerate(firms):
        lines.append(f"{100 + i},{name},{owner},,2024-01-0{1 + i},{domain},")
    (folder / "companies.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = ["Record ID,First Name,Last Name,Email,Job Title,Buying Role,Associated Company IDs"]
    for i, (company, domain) in enumerate(people):
        at = "" if company is None or company >= len(firms) else str(100 + company)
        lines.append(f"{200 + i},P{i},Q,p{i}@{domain},,,{at}")
    (folder / "contacts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = [
        "Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Deal owner,"
        "Associated Company IDs,Associated Contact IDs"
    ]
    for i, (company, person, owner) in enumerate(sales):
        at = "" if company is None or company >= len(firms) else str(100 + company)
        who = "" if person is None or person >= len(people) else str(200 + person)
        lines.append(f"{300 + i},D{i},Closed Won,100,2025-03-31,2025-04-02,{owner},{at},{who}")
    (folder / "deals.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(firms=companies, people=contacts, sales=deals)
def test_importing_any_export_again_changes_nothing(
    template: Path, firms: list[Firm], people: list[Person], sales: list[Deal]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copy(template, folder / "book.db")
        url = f"sqlite:///{folder / 'book.db'}"
        _write(folder / "export", firms, people, sales)
        first = services_intake.import_crm(url=url, crm="hubspot", directory=folder / "export")
        book = _snapshot(url)
        skipped = [(s.file, s.line, s.reason) for s in first.skipped]
        for _ in range(2):
            again = services_intake.import_crm(url=url, crm="hubspot", directory=folder / "export")
            assert again.changed == 0
            assert [(s.file, s.line, s.reason) for s in again.skipped] == skipped
            assert _snapshot(url) == book
