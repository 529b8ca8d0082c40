"""The customer-facing one-pager: HTML (Jinja2, inline CSS and SVG) and PDF (WeasyPrint).

Written for the customer, not for us: it shows their criteria, their
alternatives side by side, the ranking and how firm it is, the risks of the
change and their return — never our amount, costs or margin. Nothing is
fetched: styles and charts are inline, and WeasyPrint is given no base URL.
"""

from __future__ import annotations

from html import escape
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from accord.decision.book import OpportunityDecision
from accord.decision.present import record
from accord.money import money

_BAR_W = 360.0


def _env(currency: str | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda x: "—" if x is None else f"{100 * x:.1f}%"
    env.filters["num"] = lambda x: "—" if x is None else f"{x:,.1f}"
    env.filters["money"] = lambda x: "—" if x is None else money(x, currency)
    return env


def _ranking_svg(rows: list[dict[str, Any]]) -> str:
    """Horizontal bars of the weighted scores (0–10), ours in a darker tone."""
    ranked = [r for r in rows if r["score"] is not None]
    ranked.sort(key=lambda r: r["rank"])
    height = 26 * len(ranked) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="560" height="{height}" '
        f'viewBox="0 0 560 {height}" role="img" aria-label="weighted scores">'
    ]
    for i, r in enumerate(ranked):
        y = 5 + 26 * i
        width = _BAR_W * max(0.0, min(10.0, r["score"])) / 10.0
        fill = "#1f5f8b" if r["kind"] == "us" else "#9bb7cc"
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="11">{escape(r["name"][:24])}</text>'
            f'<rect x="160" y="{y}" width="{width:.1f}" height="18" fill="{fill}"/>'
            f'<text x="{165 + width:.1f}" y="{y + 14}" font-size="11">{r["score"]:.2f}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _cash_svg(periods: list[dict[str, Any]]) -> str:
    """Bars of the cumulative net flow per period, below the line while not yet paid back."""
    if not periods:
        return ""
    top = max(max(abs(p["cumulative"]) for p in periods), 1.0)
    step = min(60.0, 520.0 / len(periods))
    mid = 45.0
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="560" height="105" '
        'viewBox="0 0 560 105" role="img" aria-label="cumulative net flow">',
        f'<line x1="0" y1="{mid}" x2="560" y2="{mid}" stroke="#555" stroke-width="0.5"/>',
    ]
    for i, p in enumerate(periods):
        h = 40.0 * abs(p["cumulative"]) / top
        y = mid - h if p["cumulative"] >= 0 else mid
        fill = "#3a8f5c" if p["cumulative"] >= 0 else "#c0504d"
        x = 10 + i * step
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.6:.1f}" height="{h:.1f}" '
            f'fill="{fill}"/><text x="{x:.1f}" y="100" font-size="10">{p["period"]}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(d: OpportunityDecision, currency: str | None = None) -> str:
    """The one-pager as a self-contained HTML document (amounts in `currency`)."""
    data = record(d)
    names = {a["alternative_id"]: a["name"] for a in data["alternatives"]}
    crit_names = {c["criterion_id"]: c["name"] for c in data["criteria"]}
    template = _env(currency).from_string(
        resources.files("accord.decision").joinpath("templates/onepager.html.j2").read_text("utf-8")
    )
    return template.render(
        d=data,
        account_name=d.account_name,
        names=names,
        crit_names=crit_names,
        rationales={f"{a}|{c}": text for (a, c), text in d.matrix.rationales.items()},
        ranking_svg=Markup(_ranking_svg(data["alternatives"])),
        cash_svg=Markup(_cash_svg(data["roi"]["periods"] if data["roi"] else [])),
    )


def render_pdf(html: str) -> bytes:
    """The one-pager as PDF (WeasyPrint; no base URL, so nothing can be fetched)."""
    from weasyprint import HTML

    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return bytes(pdf)
