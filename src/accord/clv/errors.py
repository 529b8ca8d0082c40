"""Errors of the lifetime-value module, hung under accord's exception tree.

    AccordError                      (accord.errors)
    └── BadInputError                input that cannot be accepted (exit code 1)
        ├── TransactionsError        a transactions file with problems: carries every Problem
        └── ClvError                 a model cannot be fitted or used on these data
            ├── IdentificationError  the data cannot identify the model (e.g. no repeat buyers)
            └── ConvergenceError     the optimiser did not reach a maximum of the likelihood

`ClvError` is also a `ValueError`, so callers that only know the standard
library can still catch it.
"""

from __future__ import annotations

from accord.errors import BadInputError, Problem


class ClvError(BadInputError, ValueError):
    """A lifetime-value model cannot be fitted or used on these data."""


class IdentificationError(ClvError):
    """The data cannot identify the model's parameters (e.g. nobody bought twice)."""


class ConvergenceError(ClvError):
    """Maximum-likelihood estimation did not converge."""


class TransactionsError(BadInputError):
    """A transactions file that cannot be read; `problems` lists what is wrong, located."""

    def __init__(self, problems: list[Problem], *, total: int | None = None) -> None:
        self.problems = problems
        self.total = total if total is not None else len(problems)
        first = str(problems[0]) if problems else "unreadable transactions"
        more = self.total - 1
        tail = f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
        super().__init__(first + tail)


__all__ = [
    "ClvError",
    "ConvergenceError",
    "IdentificationError",
    "Problem",
    "TransactionsError",
]
