"""The exception tree of accord: every error a user can cause or meet.

    AccordError                  base of everything accord raises on purpose
    ├── BadInputError            input that cannot be accepted (exit code 1)
    │   ├── BundleError          a bundle with problems: carries every Problem found
    │   ├── ConfigError          a settings file with an unknown key or bad value
    │   └── NotFoundError        an id that is not in the book
    └── StorageError             the database cannot be opened, created or migrated

Adapters (CLI, API) turn these into exit codes and messages in one place;
the core raises them and never prints.
"""

from __future__ import annotations

from dataclasses import dataclass


class AccordError(Exception):
    """Base of every error accord raises on purpose."""


class BadInputError(AccordError):
    """Input that cannot be accepted; the CLI exits with code 1."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a bundle, located as precisely as we can."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class BundleError(BadInputError):
    """A bundle that cannot be imported; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem], *, total: int | None = None) -> None:
        self.problems = problems
        self.total = total if total is not None else len(problems)
        shown = "\n".join(f"  {p}" for p in problems)
        more = self.total - len(problems)
        tail = f"\n  … and {more} more" if more > 0 else ""
        super().__init__(
            f"the bundle has {self.total} problem{'s' if self.total != 1 else ''}; "
            f"nothing was imported:\n{shown}{tail}"
        )


class ConfigError(BadInputError):
    """A settings file with an unknown key or a value out of range."""


class NotFoundError(BadInputError):
    """An id that is not in the book (or not visible to the caller)."""


class StorageError(AccordError):
    """The database cannot be opened, created or migrated."""


__all__ = [
    "AccordError",
    "BadInputError",
    "BundleError",
    "ConfigError",
    "NotFoundError",
    "Problem",
    "StorageError",
]
