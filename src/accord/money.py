"""Money and counts as people read them: thousands separators and the book's currency.

The one place that turns an amount into text, for the pages (the `money` and `fmt`
Jinja filters of `accord.web.render`), for Python code (`money`, `amount`) and for
the sentences built as polars expressions over a whole book (`money_expr`,
`grouped_expr`: the facts of health and the actions of the patterns). The currency
is the setting `general.currency` (ISO 4217 code, default EUR): a book holds amounts
in one currency (SPEC section 2). A figure that is not known is written "unknown",
never 0 and never "None".
"""

from __future__ import annotations

import math

import polars as pl

UNKNOWN = "unknown"
DEFAULT_CURRENCY = "EUR"


def amount(value: float | None, digits: int = 0) -> str:
    """`31316.4` → "31,316"; `None` (or not a number) → "unknown"."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return UNKNOWN
    rounded = round(float(value), digits) + 0.0  # + 0.0: no "-0"
    return f"{(0.0 if rounded == 0 else rounded):,.{digits}f}"


def money(value: float | None, currency: str | None = DEFAULT_CURRENCY, digits: int = 0) -> str:
    """`31316.4` → "EUR 31,316"; `None` → "unknown"; no currency (blank) → "31,316"."""
    text = amount(value, digits)
    if text == UNKNOWN or not currency:
        return text
    return f"{currency} {text}"


def grouped_expr(x: pl.Expr) -> pl.Expr:
    """A whole number as text with thousands separators (null stays null), vectorised."""
    whole = x.round(0).cast(pl.Int64)
    digits = whole.abs().cast(pl.String)
    grouped = digits.str.reverse().str.replace_all(r"(\d{3})", "${1},").str.reverse()
    grouped = grouped.str.strip_prefix(",")
    return pl.when(whole < 0).then(pl.lit("-") + grouped).otherwise(grouped)


def money_expr(x: pl.Expr, currency: str | None = DEFAULT_CURRENCY) -> pl.Expr:
    """`money` as a polars expression: "EUR 31,316" per row; null → "unknown"."""
    text = grouped_expr(x)
    if currency:
        text = pl.lit(f"{currency} ") + text
    return text.fill_null(UNKNOWN)
