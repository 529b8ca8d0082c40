"""The public surface of accord.clv is exactly its hand-picked __all__, and it stays pure."""

from __future__ import annotations

import ast
from pathlib import Path

import accord.clv

PACKAGE = Path(accord.clv.__file__).parent


def test_all_is_exactly_the_public_names() -> None:
    public = {name for name in vars(accord.clv) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(accord.clv, name)).__name__ == "module"}
    assert set(accord.clv.__all__) == public - modules
    assert sorted(accord.clv.__all__, key=str.lower) == sorted(accord.clv.__all__, key=str.lower)


def test_the_package_imports_no_adapter() -> None:
    forbidden = ("accord.storage", "accord.cli", "accord.web", "accord.api", "accord.services")
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(forbidden), (path.name, node.module)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith(forbidden), (path.name, alias.name)
