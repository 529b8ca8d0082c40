"""The review as a self-contained HTML page (inline CSS and SVG) or a PDF (WeasyPrint)."""

from __future__ import annotations

import calendar
from importlib import resources
from pathlib import Path

import jinja2

from accord.money import money
from accord.review import charts
from accord.review.costs import CostAccount, CostLine
from accord.review.model import ReviewModel

_PATTERN_COLOUR = "#1c7ed6"


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.0f}"


def _money(x: float | None, currency: str | None = None) -> str:
    """`31316.4` → "EUR 31,316" with the book's currency; None → "unknown" (accord.money)."""
    return money(x, currency)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"


def _points(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:+.1f} pts"


def _figure(x: float | None, applies: bool = True, currency: str | None = None) -> str:
    """A money figure of the cost section: '—' where the line carries none by definition."""
    return "—" if not applies else _money(x, currency)


def _behind(a: CostAccount, currency: str | None = None) -> str:
    """'Acme (cost EUR 150; at risk unknown)': an account behind a cost line."""
    parts = []
    if a.cost is not None:
        parts.append(f"cost {_money(a.cost, currency)}")
    if a.at_risk is not None:
        parts.append(f"at risk {_money(a.at_risk, currency)}")
    return f"{a.name} ({'; '.join(parts) or 'unknown'})"


def _cost_svg(lines: list[CostLine], label: str) -> str:
    return charts.cost_bars(
        [(x.label, x.cost, x.at_risk, x.has_cost, x.has_risk) for x in lines], label=label
    )


def _change(x: float, digits: int = 0) -> str:
    """A signed change, with ±0 for what rounds to nothing."""
    text = f"{x:+.{digits}f}"
    return "±0" if float(text) == 0 else text


def render_html(
    model: ReviewModel,
    *,
    pressure_penalty: float,
    giveaway_points: float = 0.02,
    pressure_points: float = 0.02,
    kept_points: float = 0.05,
    follow_up_points: float = 0.05,
    currency: str | None = None,
) -> str:
    """The whole report as one HTML document that fetches nothing (amounts in `currency`)."""
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: (
                resources.files("accord.review")
                .joinpath("templates", name)
                .read_text(encoding="utf-8")
            )
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    template = env.get_template("review.html.j2")
    year, month = (int(p) for p in model.month.split("-"))
    sparks = {a.account_id: charts.sparkline(a.trend) for a in model.key_accounts}
    return template.render(
        m=model,
        month_name=f"{calendar.month_name[month]} {year}",
        fmt=_fmt,
        money=lambda x: _money(x, currency),
        pct=_pct,
        points=_points,
        change=_change,
        figure=lambda x, applies=True: _figure(x, applies, currency),
        behind=lambda a: _behind(a, currency),
        gaps=sum(1 for a in model.key_accounts if a.gap),
        no_plans=sum(1 for a in model.key_accounts if a.no_plan),
        cost_patterns_svg=_cost_svg(
            model.costs.by_pattern if model.costs else [], "cost and value at risk per pattern"
        ),
        cost_sellers_svg=_cost_svg(
            model.costs.by_seller if model.costs else [], "cost and value at risk per seller"
        ),
        bands_svg=charts.health_bands([(b.name, b.now, b.before) for b in model.bands]),
        patterns_svg=charts.horizontal_bars(
            [(p.id.replace("_", " "), float(p.count), _PATTERN_COLOUR) for p in model.patterns],
            label="accounts per pattern",
        ),
        sparks=sparks,
        sellers_svg=charts.revenue_vs_adjusted(
            [(s.name, s.revenue, s.adjusted) for s in model.sellers]
        ),
        pressure_penalty=pressure_penalty,
        giveaway_points=giveaway_points,
        pressure_points=pressure_points,
        kept_points=kept_points,
        follow_up_points=follow_up_points,
    )


def write_pdf(html: str, path: Path) -> None:
    """Print the HTML to PDF with WeasyPrint (no network: the page references nothing)."""
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    HTML(string=html, base_url=None).write_pdf(str(path))
