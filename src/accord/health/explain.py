"""The facts behind each dimension, in words a seller reads at a glance.

Built as polars string expressions over the scored table (one list per
dimension per account), so explaining a million accounts costs a few
vectorised passes, not a million Python calls. A component with nothing to
measure says so instead of inventing a number.
"""

from __future__ import annotations

import polars as pl

from accord.clv.accounts import NO_ORDERS
from accord.config import Settings
from accord.health.dimensions import RHYTHM, margin_of_revenue, rhythm_days
from accord.health.penalties import PENALISED
from accord.money import grouped_expr, money_expr

C = pl.col


def _when(cond: pl.Expr, text: pl.Expr) -> pl.Expr:
    return pl.when(cond).then(text).otherwise(pl.lit(None, dtype=pl.String))


def _int(x: pl.Expr) -> pl.Expr:
    return x.round(0).cast(pl.Int64)


def _pct(x: pl.Expr) -> pl.Expr:
    return (x * 100).round(0).cast(pl.Int64)


def _trust() -> list[pl.Expr]:
    median = C("median_days_late")
    return [
        _when(
            C("ours_due") > 0,
            pl.format("{} of {} of our commitments kept on time", C("ours_kept"), C("ours_due")),
        ),
        _when(
            C("theirs_due") > 0,
            pl.format(
                "{} of {} of their commitments kept on time", C("theirs_kept"), C("theirs_due")
            ),
        ),
        _when(
            (C("n_invoices") > 0) & (median > 0),
            pl.format(
                "median invoice {} days late against {}-day terms",
                _int(median),
                C("payment_terms_days"),
            ),
        ),
        _when(
            (C("n_invoices") > 0) & (median <= 0),
            pl.format(
                "{} of {} invoices paid within terms ({}-day terms)",
                C("n_invoices_on_time"),
                C("n_invoices"),
                C("payment_terms_days"),
            ),
        ),
        _when(
            (C("ours_due") + C("theirs_due") + C("n_invoices")) == 0,
            pl.lit("unknown: no commitment or invoice fell due in the window"),
        ),
    ]


def _value_adding() -> pl.Expr:
    known = C("n_touch") - C("n_purpose_unknown")
    return (
        pl.when(known > 0)
        .then(pl.format("{}% adding value", _pct(C("n_value") / known).cast(pl.String)))
        .otherwise(pl.lit("value adding unknown"))
    )


def _purpose_source() -> pl.Expr:
    """Say when the value-adding share rests on purposes read from text, or on few."""
    inferred, unknown = C("n_purpose_inferred"), C("n_purpose_unknown")
    return pl.concat_str(
        pl.when(inferred > 0).then(
            pl.format(" (purpose inferred for {} of {})", inferred, C("n_touch"))
        ),
        pl.when(unknown > 0).then(
            pl.format(" (purpose unknown for {} of {})", unknown, C("n_touch"))
        ),
        ignore_nulls=True,
    )


def _engagement(as_of_day: int) -> list[pl.Expr]:
    since = as_of_day - C("last_two_way_day")
    return [
        _when(C("n_touch_ever") == 0, pl.lit("unknown: no touchpoint recorded")),
        _when(
            C("last_two_way_day").is_not_null(),
            pl.format("last two-way touchpoint {} days ago", grouped_expr(since)),
        ),
        _when(
            (C("n_touch_ever") > 0) & C("last_two_way_day").is_null(),
            pl.lit("never a two-way touchpoint"),
        ),
        _when(
            C("n_touch") > 0,
            pl.format(
                "{} touchpoints in the window, {} two-way, {}{}",
                grouped_expr(C("n_touch")),
                grouped_expr(C("n_two_way")),
                _value_adding(),
                _purpose_source(),
            ),
        ),
        _when(
            C("n_contacts") > 0,
            pl.format(
                "we know {} of {} people{}{}",
                C("n_known"),
                C("n_contacts"),
                pl.when(C("decision_maker_known") > 0)
                .then(pl.lit(", the decision maker among them"))
                .when(C("n_decision_makers") > 0)
                .then(pl.lit(", not the decision maker"))
                .otherwise(pl.lit("")),
                pl.when(C("champion_known") > 0)
                .then(pl.lit(", a champion among them"))
                .otherwise(pl.lit("")),
            ),
        ),
    ]


def _mutual_value(hourly_cost: float, currency: str, s: Settings) -> list[pl.Expr]:
    serve = (C("service_hours") + C("touch_minutes") / 60.0) * hourly_cost
    margin = margin_of_revenue(s)
    return [
        _when(
            C("margin_pct").is_not_null(),
            pl.format(
                "gross margin {}% on {} of revenue",
                (C("margin_pct") * 100).round(1),
                money_expr(C("revenue"), currency),
            ),
        ),
        _when(
            (margin > 0).fill_null(False),
            pl.format(
                "cost to serve {} = {}% of gross margin",
                money_expr(serve, currency),
                _pct(serve / margin),
            ),
        ),
        _when(C("latest_nps").is_not_null(), pl.format("latest NPS {}", _int(C("latest_nps")))),
        _when(C("latest_csat").is_not_null(), pl.format("latest CSAT {}", _int(C("latest_csat")))),
        _when(
            C("n_feedback") > 0,
            pl.format("{} complaints, {} praise", C("n_complaints"), C("n_praise")),
        ),
        _when(
            C("margin_pct").is_null() & (C("n_feedback") == 0),
            pl.lit("unknown: no order with a known cost and no feedback in the window"),
        ),
    ]


def _continuity(as_of_day: int, s: Settings) -> list[pl.Expr]:
    follow_up_days = s.transactional.follow_up_days
    last_active = pl.max_horizontal(C("last_order_day"), C("last_two_way_day"))
    factor = C(RHYTHM)
    return [
        _when(
            C("n_orders_ever") >= 2,
            pl.format(
                "last order {} days ago; buys about every {} days",
                as_of_day - C("last_order_day"),
                _int(rhythm_days(s)),
            ),
        ),
        _when(
            C("n_orders_ever") == 1,
            pl.format("its one order {} days ago", as_of_day - C("last_order_day")),
        ),
        _when(
            factor.is_not_null() & (factor < 0.995),
            pl.format("silence past its rhythm: continuity × {}", factor.round(2)),
        ),
        _when(
            C("n_orders_judged") > 0,
            pl.format(
                "{} of {} orders followed up within {} days",
                C("n_followed"),
                C("n_orders_judged"),
                pl.lit(follow_up_days),
            ),
        ),
        _when(
            C("created_day").is_not_null() & last_active.is_not_null(),
            pl.format(
                "customer for {} years{}",
                ((pl.min_horizontal(last_active, as_of_day) - C("created_day")) / 365.25)
                .clip(lower_bound=0)
                .round(1),
                pl.when(last_active < as_of_day - 30)
                .then(pl.lit(" until the last order or two-way touchpoint"))
                .otherwise(pl.lit("")),
            ),
        ),
        _when(
            C("p_alive").is_not_null(),
            pl.format("probability still active {}%", _pct(C("p_alive"))),
        ),
        _when(  # an account with orders whose lifetime model failed: unknown, and why
            C("p_alive").is_null()
            & C("lifetime_note").is_not_null()
            & (C("lifetime_note") != NO_ORDERS),
            pl.format("probability still active unknown: {}", C("lifetime_note")),
        ),
    ]


def facts(as_of_day: int, s: Settings) -> list[pl.Expr]:
    """One list-of-strings column per dimension: `facts_trust`, `facts_engagement`, …"""
    groups = {
        "trust": _trust(),
        "engagement": _engagement(as_of_day),
        "mutual_value": _mutual_value(s.general.hourly_cost, s.general.currency, s),
        "continuity": _continuity(as_of_day, s),
    }
    return [
        _known([*exprs, _lowered(name)]).alias(f"facts_{name}") for name, exprs in groups.items()
    ]


def _lowered(dimension: str) -> pl.Expr:
    """The patterns that lowered the dimension (see accord.health.penalties), when any."""
    which = PENALISED.format(dimension)
    return _when(C(which).is_not_null(), pl.format("lowered by {}", C(which)))


_SEP = "\x1f"  # the ASCII unit separator: no fact's text holds it


def _known(exprs: list[pl.Expr]) -> pl.Expr:
    """The non-null texts of `exprs`, in order, as a list (empty when none is known).

    Joined into one string and split again: for a table of accounts this is several
    times faster than building lists with their nulls and dropping them.
    """
    joined = pl.concat_str(exprs, separator=_SEP, ignore_nulls=True)
    empty = pl.lit([], dtype=pl.List(pl.String))
    return pl.when(joined == "").then(empty).otherwise(joined.str.split(_SEP))
