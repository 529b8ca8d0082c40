"""Docs that cannot drift: the bundle reference lists exactly the schema's columns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from accord.domain.schema import LEDGER, Table

ROOT = Path(__file__).resolve().parents[1]


def _documented_columns(table: Table) -> list[str]:
    text = (ROOT / "docs" / "bundle.md").read_text()
    section = text.split(f"### {table.file}\n", 1)[1].split("\n### ", 1)[0]
    return re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE)


@pytest.mark.parametrize("table", LEDGER, ids=lambda t: t.name)
def test_bundle_reference_lists_every_column_in_order(table: Table) -> None:
    assert _documented_columns(table) == list(table.column_names)


def test_readme_starts_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    commands = [line.split("#")[0].strip() for line in lines[2:6] if line.startswith("./dev")]
    assert commands == ["./dev demo", "./dev test"]
    assert "exec ./dev test" in (ROOT / ".ci" / "run").read_text()
