"""The package's public surface is exactly what `__all__` says."""

from __future__ import annotations

import pytest

import accord
import accord.bundle
import accord.domain
import accord.errors


@pytest.mark.parametrize("module", [accord, accord.bundle, accord.domain, accord.errors])
def test_all_names_exist(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert sorted(names) == sorted(set(names))
    for name in names:
        assert hasattr(module, name), name


def test_domain_exports_every_public_entity_and_enum() -> None:
    public = {
        name
        for name, value in vars(accord.domain).items()
        if not name.startswith("_")
        and isinstance(value, type)
        and value.__module__.startswith("accord.domain")
    }
    assert public == set(accord.domain.__all__) - {
        "DEFAULT_PAYMENT_TERMS_DAYS",
        "FOLLOW_UP_PURPOSES",
        "PATTERN_IDS",
        "VALUE_ADDING_PURPOSES",
    }


def test_error_tree() -> None:
    from accord.errors import AccordError, BadInputError, BundleError, ConfigError, NotFoundError

    assert issubclass(BundleError, BadInputError)
    assert issubclass(ConfigError, BadInputError)
    assert issubclass(NotFoundError, BadInputError)
    assert issubclass(BadInputError, AccordError)
