"""A feature row built by hand, for the pure scoring tests (no database)."""

from __future__ import annotations

from typing import Any

import polars as pl

AS_OF_DAY = 20_634  # 2026-06-30

BASE: dict[str, Any] = {
    "account_id": "A1",
    "owner_id": "U1",
    "segment": "smb",
    "created_day": AS_OF_DAY - 730,
    "payment_terms_days": 30,
    "n_touch": 10,
    "n_social": 1,
    "n_purpose_unknown": 0,
    "n_purpose_inferred": 0,
    "tp_tag_blind": 0,
    "tp_tag_blind_window": 0,
    "tp_tags_labelled": 1,
    "n_value": 6,
    "n_insight": 4,
    "n_two_way": 5,
    "touch_minutes": 300,
    "n_touch_ever": 20,
    "last_two_way_day": AS_OF_DAY - 10,
    "n_two_way_quiet": 3,
    "tp_abusive": 0,
    "tp_big_brother": 0,
    "n_orders": 4,
    "revenue": 40_000.0,
    "listed": 44_000.0,
    "known_revenue": 40_000.0,
    "margin": 12_000.0,
    "n_unknown_cost": 0,
    "n_quarter_end": 0,
    "qe_amount": 0.0,
    "qe_listed": 0.0,
    "other_amount": 40_000.0,
    "other_listed": 44_000.0,
    "n_pre_order": 3,
    "n_value_off_cycle": 4,
    "n_orders_judged": 3,
    "n_followed": 3,
    "n_orders_ever": 10,
    "first_order_day": AS_OF_DAY - 700,
    "last_order_day": AS_OF_DAY - 20,
    "n_invoices": 4,
    "n_invoices_on_time": 4,
    "invoice_credit": 4.0,
    "median_days_late": -2.0,
    "max_days_late": 0,
    "n_unpaid_overdue": 0,
    "late_money_days": 0.0,
    "ours_due": 5,
    "ours_kept": 4,
    "ours_late": 1,
    "ours_open": 0,
    "theirs_due": 2,
    "theirs_kept": 2,
    "theirs_late": 0,
    "theirs_open": 0,
    "service_hours": 10.0,
    "out_of_scope_hours": 0.0,
    "latest_nps": 8.0,
    "value_realised": None,
    "latest_csat": 4.0,
    "n_feedback": 3,
    "n_complaints": 0,
    "n_praise": 1,
    "fb_abusive": 0,
    "fb_big_brother": 0,
    "fb_tag_blind": 0,
    "fb_tag_blind_window": 0,
    "fb_tags_labelled": 0,
    "n_opportunities": 1,
    "n_double_lines": 0,
    "double_amount": 0.0,
    "n_contacts": 4,
    "n_known": 2,
    "n_decision_makers": 1,
    "decision_maker_known": 1,
    "n_champions": 1,
    "champion_known": 0,
    "roles_known": 1,
    "margin_pct": 0.3,
    "discount": 1 - 40_000 / 44_000,
    "segment_accounts": 10,
    "segment_median_discount": 0.1,
    "segment_median_margin": 0.3,
    "segment_margin_high": 0.35,
    "segment_margin_low": 0.25,
    "segment_touch_high": 12.0,
    "p_alive": 0.9,
    "expected_value_12m": 50_000.0,
}

_FLOATS = {k for k, v in BASE.items() if isinstance(v, float)} | {"last_two_way_day"}


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    """Feature rows: BASE overridden by each dict (floats stay floats, nulls allowed)."""
    full = [{**BASE, **r} for r in rows]
    schema = {
        k: pl.String
        if isinstance(v, str)
        else pl.Float64
        if k in _FLOATS or k in ("margin_pct", "discount", "segment_touch_high")
        else pl.Int64
        for k, v in BASE.items()
    }
    return pl.DataFrame(full, schema=schema, orient="row")
