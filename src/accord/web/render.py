"""Templates and the small inline-SVG charts of the pages.

Jinja2 with autoescaping on for every template, so text from the book (a
touchpoint summary holding `<script>`) is shown, never run. Charts are drawn
here as SVG strings from numbers only (no user text inside), so no script, no
CDN, nothing fetched.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from accord import services
from accord.errors import ConfigError
from accord.health.bands import health_bands
from accord.money import DEFAULT_CURRENCY, amount, money

HERE = Path(__file__).parent
env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _score_class(score: float | None) -> str:
    """The CSS class of a score: its health band (accord.health.bands), or unknown."""
    if score is None:
        return "unknown"
    band = next(b for b in health_bands() if b.low <= score < b.high)
    return band.name.replace(" ", "-")


def _fmt(value: float | None, digits: int = 0) -> str:
    """A number with thousands separators; "unknown" when there is none."""
    return amount(value, digits)


@pass_context
def _money_filter(context: Context, value: float | None, digits: int = 0) -> str:
    """`{{ x|money }}`: "EUR 31,316" in the book's currency (`general.currency`)."""
    return money(value, context.get("currency"), digits)


SHARES = ("share", "rate", "discount", "margin_pct", "margin_high", "margin_low", "p_alive")
MONEY_KEYS = ("amount", "cost", "revenue", "margin", "value_ahead", "at_risk")
EVIDENCE_LABELS = {
    "p_alive": "probability still active",
    "margin_pct": "gross margin",
    "value_realised": "value realised",
    "median_days_late": "median days late",
}
RULE_WORDS = {">=": "at least", ">": "above", "<=": "at most", "<": "below", "==": "exactly"}


def _evidence_value(key: str, value: Any, currency: str | None) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, int | float):
        return str(value)
    if key == "points_above_segment":
        return f"{amount(value * 100)} points"
    if key.endswith(SHARES) or key in ("value_realised", "cost_to_serve_share_of_margin"):
        return f"{amount(value * 100)}%"
    if key.endswith(MONEY_KEYS) or "amount" in key:
        return money(value, currency)
    return amount(value, 0 if float(value).is_integer() else 1)


@pass_context
def _evidence_filter(context: Context, evidence: dict[str, Any] | None) -> list[str]:
    """A pattern's evidence in words: "probability still active unknown (below 50%)",
    never an internal value such as `p_alive None`."""
    currency = context.get("currency")
    out = []
    for key, item in (evidence or {}).items():
        label = EVIDENCE_LABELS.get(key, key.replace("_", " "))
        if isinstance(item, dict):
            text = f"{label} {_evidence_value(key, item.get('value'), currency)}"
            rule, threshold = item.get("rule"), item.get("threshold")
            if rule == "percentile" and isinstance(threshold, int | float):
                text += f" (the segment's {amount(threshold * 100)}th percentile)"
            elif rule and rule != "info" and threshold is not None:
                words = RULE_WORDS.get(str(rule), str(rule))
                text += f" (fires {words} {_evidence_value(key, threshold, currency)})"
        else:
            text = f"{label} {_evidence_value(key, item, currency)}"
        out.append(text)
    return out


env.filters["score_class"] = _score_class
env.filters["fmt"] = _fmt
env.filters["evidence"] = _evidence_filter


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A page: the template with the request, the user and the CSRF token at hand."""
    session = getattr(request.state, "session", None)
    base = {
        "request": request,
        "session": session,
        "user": session.principal if session is not None else None,
        "csrf": session.csrf_token if session is not None else "",
        "path": request.url.path,
        "currency": _currency(),
        "page_as_of": page_date(request) if session is not None else None,
    }
    html = env.get_template(name).render(**base, **context)
    return HTMLResponse(html, status_code=status)


def _currency() -> str:
    """The book's currency; the default when the settings file is broken, so that the
    page telling about it can still be drawn."""
    try:
        return services.load_config().general.currency
    except ConfigError:
        return DEFAULT_CURRENCY


def page_date(request: Request) -> date:
    """The date the pages look from: ?as_of=, else the server's (`accord serve --as-of`,
    the demo book's own date), else today."""
    try:
        return date.fromisoformat(request.query_params.get("as_of", ""))
    except ValueError:
        fixed: date | None = getattr(request.app.state, "as_of", None)
        return fixed or date.today()


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    """The HTML answer to an error; an expired or missing session goes to the sign-in page."""
    if status == 401:
        target = request.url.path
        return RedirectResponse(f"/signin?next={target}", status_code=303)
    return render(
        request, "error.html", {"status": status, "title": title, "detail": detail}, status
    )


def sparkline(points: list[tuple[date, float]], width: int = 160, height: int = 36) -> Markup:
    """A score trend (0–100) as a small SVG polyline, dated left to right."""
    if not points:
        return Markup('<span class="muted">no trend yet</span>')
    first, last = points[0][0].toordinal(), points[-1][0].toordinal()
    span = max(1, last - first)
    coords = []
    for day, score in points:
        x = 2 + (day.toordinal() - first) / span * (width - 4) if len(points) > 1 else width / 2
        y = 2 + (100 - max(0.0, min(100.0, score))) / 100 * (height - 4)
        coords.append(f"{x:.1f},{y:.1f}")
    end_x, end_y = coords[-1].split(",")
    ref = 2 + 0.3 * (height - 4)  # the line of a score of 70, "healthy"
    return Markup(
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="health trend, {len(points)} points">'
        f'<line x1="0" x2="{width}" y1="{ref:.1f}" y2="{ref:.1f}" class="ref"/>'
        f'<polyline points="{" ".join(coords)}"/>'
        f'<circle cx="{end_x}" cy="{end_y}" r="2.5"/></svg>'
    )


LANES = ("touchpoint", "order", "invoice_late", "kept", "broken", "feedback")
LANE_LABELS = {
    "touchpoint": "touchpoints",
    "order": "orders",
    "invoice_late": "paid late",
    "kept": "kept",
    "broken": "broken",
    "feedback": "feedback",
}


def timeline_svg(events: list[Any], start: date, end: date, width: int = 760) -> Markup:
    """Every event of the window on one time axis, one lane per kind."""
    lane_h, left, top = 18, 84, 6
    height = top + lane_h * len(LANES) + 22
    span = max(1, end.toordinal() - start.toordinal())
    parts = [
        f'<svg class="timeline" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="relationship timeline, {len(events)} events">'
    ]
    for i, lane in enumerate(LANES):
        y = top + i * lane_h + lane_h / 2
        parts.append(f'<text x="0" y="{y + 4:.0f}" class="lane">{LANE_LABELS[lane]}</text>')
        parts.append(f'<line x1="{left}" x2="{width - 4}" y1="{y:.0f}" y2="{y:.0f}" class="axis"/>')
    for e in events:
        x = left + (e.day.toordinal() - start.toordinal()) / span * (width - left - 8)
        y = top + LANES.index(e.kind) * lane_h + lane_h / 2
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.0f}" r="4" class="ev {e.kind}">'
            f"<title>{e.day.isoformat()}</title></circle>"
        )
    base = top + lane_h * len(LANES) + 14
    for frac in (0.0, 0.25, 0.5, 0.75, 1.0):
        day = date.fromordinal(start.toordinal() + round(frac * span))
        x = left + frac * (width - left - 8)
        anchor = "start" if frac == 0 else ("end" if frac == 1 else "middle")
        parts.append(
            f'<text x="{x:.0f}" y="{base}" text-anchor="{anchor}" class="tick">'
            f"{day.isoformat()}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def distribution_svg(bands: list[tuple[str, int]], width: int = 420) -> Markup:
    """Accounts per health band as horizontal bars."""
    most = max([n for _, n in bands] + [1])
    bar_h, left = 20, 160
    parts = [
        f'<svg class="dist" viewBox="0 0 {width} {bar_h * len(bands) + 4}" width="{width}" '
        'role="img" aria-label="health distribution">'
    ]
    for i, (band, n) in enumerate(bands):
        y = 2 + i * bar_h
        w = (width - left - 40) * n / most
        cls = band.split(" (")[0].replace(" ", "-")
        parts.append(f'<text x="0" y="{y + 14}" class="lane">{Markup.escape(band)}</text>')
        parts.append(
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" class="bar {cls}"/>'
        )
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 14}" class="tick">{n}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def costs_svg(
    lines: list[dict[str, Any]], width: int = 460, currency: str | None = DEFAULT_CURRENCY
) -> Markup:
    """Money lost (cost) and value ahead at risk per pattern, as paired horizontal bars;
    an unknown figure is written "unknown", never drawn as a bar of 0."""
    known = [x[k] for x in lines for k in ("cost", "at_risk") if x[k] is not None]
    most = max([*known, 1.0])
    bar_h, left, right = 12, 150, 110
    row_h = 2 * bar_h + 8
    height = row_h * len(lines) + 4
    parts = [
        f'<svg class="costs" viewBox="0 0 {width} {height}" width="{width}" role="img" '
        f'aria-label="cost and value at risk per pattern, {len(lines)} patterns">'
    ]
    for i, line in enumerate(lines):
        y = 2 + i * row_h
        label = Markup.escape(str(line["key"]).replace("_", " "))
        parts.append(f'<text x="0" y="{y + bar_h + 4}" class="lane">{label}</text>')
        for j, name in enumerate(("cost", "at_risk")):
            value = line[name]
            top = y + j * (bar_h + 2)
            w = 0.0 if value is None else (width - left - right) * value / most
            if value is not None:
                parts.append(
                    f'<rect x="{left}" y="{top}" width="{w:.1f}" height="{bar_h}" '
                    f'class="bar {name}"><title>{name.replace("_", " ")}</title></rect>'
                )
            parts.append(
                f'<text x="{left + w + 4:.1f}" y="{top + bar_h - 2}" class="tick">'
                f"{'lost' if name == 'cost' else 'at risk'} {money(value, currency)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))


env.filters["money"] = _money_filter
env.globals.update(
    sparkline=sparkline,
    timeline_svg=timeline_svg,
    distribution_svg=distribution_svg,
    costs_svg=costs_svg,
)
