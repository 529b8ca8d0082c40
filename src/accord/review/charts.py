"""Inline SVG charts for the review: no scripts, no fonts or images fetched.

Each function returns an `<svg>` element as text, sized in CSS pixels, that
renders the same in a browser and in WeasyPrint.
"""

from __future__ import annotations

from datetime import date
from html import escape

GREEN, AMBER, RED, GREY, BLUE = "#2f9e44", "#f08c00", "#e03131", "#adb5bd", "#1c7ed6"
BAND_COLOURS = {"healthy": GREEN, "watch": AMBER, "at risk": RED}


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">'
        + "".join(body)
        + "</svg>"
    )


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    size: int = 11,
    fill: str = "#1f2933",
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(text)}</text>'
    )


def health_bands(bands: list[tuple[str, int, int | None]]) -> str:
    """Accounts per health band: last month (grey) beside this month (coloured)."""
    width, height, top, bottom = 460, 190, 18, 34
    if not bands:
        return _svg(width, 30, [_text(4, 18, "no accounts", fill="#7b8794")], "no accounts")
    peak = max([n for _, n, _ in bands] + [b or 0 for _, _, b in bands] + [1])
    slot = (width - 20) / len(bands)
    bar = slot / 3
    body = []
    for i, (name, now, before) in enumerate(bands):
        x0 = 10 + i * slot + bar / 2
        for j, (value, colour) in enumerate(((before, GREY), (now, BAND_COLOURS[name]))):
            if value is None:
                continue
            h = (height - top - bottom) * value / peak
            x = x0 + j * bar
            y = height - bottom - h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar - 4:.1f}" height="{h:.1f}" '
                f'fill="{colour}" rx="2"/>'
            )
            body.append(_text(x + (bar - 4) / 2, y - 4, f"{value:,}", anchor="middle", size=10))
        body.append(_text(10 + i * slot + slot / 2, height - 14, name, anchor="middle", size=12))
    body.append(
        f'<line x1="5" y1="{height - bottom}" x2="{width - 5}" y2="{height - bottom}" '
        f'stroke="#cbd2d9"/>'
    )
    return _svg(width, height, body, "accounts per health band, last month and this month")


def horizontal_bars(
    rows: list[tuple[str, float, str]], *, label: str, width: int = 460, fmt: str = "{:,.0f}"
) -> str:
    """One bar per row: (label, value, colour)."""
    line = 20
    height = max(line * len(rows) + 6, 26)
    peak = max([v for _, v, _ in rows] + [1e-9])
    left, right = 170, 60
    body = []
    for i, (name, value, colour) in enumerate(rows):
        y = 4 + i * line
        w = max((width - left - right) * max(value, 0.0) / peak, 1.0)
        body.append(_text(left - 6, y + 13, name, anchor="end"))
        body.append(
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{line - 7}" '
            f'fill="{colour}" rx="2"/>'
        )
        body.append(_text(left + w + 4, y + 13, fmt.format(value), size=10))
    return _svg(width, height, body, label)


def sparkline(points: list[tuple[date, float]], *, width: int = 150, height: int = 34) -> str:
    """A health trend on a 0–100 scale, the last point marked; a dash when there is none."""
    if not points:
        return _svg(
            width,
            height,
            [_text(4, height / 2 + 4, "no trend yet", fill="#7b8794")],
            "no health trend",
        )
    pad = 4
    if len(points) == 1:
        xs = [width / 2]
    else:
        first, last = points[0][0].toordinal(), points[-1][0].toordinal()
        span = max(last - first, 1)
        xs = [pad + (width - 2 * pad) * (d.toordinal() - first) / span for d, _ in points]
    ys = [height - pad - (height - 2 * pad) * max(0.0, min(s, 100.0)) / 100 for _, s in points]
    colour = GREEN if points[-1][1] >= 70 else AMBER if points[-1][1] >= 50 else RED
    body = [
        f'<line x1="0" y1="{height - pad - (height - 2 * pad) * 0.7:.1f}" x2="{width}" '
        f'y2="{height - pad - (height - 2 * pad) * 0.7:.1f}" stroke="#e4e7eb" '
        f'stroke-dasharray="3 3"/>'
    ]
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        body.append(f'<polyline points="{path}" fill="none" stroke="{BLUE}" stroke-width="1.5"/>')
    body.append(f'<circle cx="{xs[-1]:.1f}" cy="{ys[-1]:.1f}" r="3" fill="{colour}"/>')
    return _svg(width, height, body, "health trend")


def revenue_vs_adjusted(rows: list[tuple[str, float, float]], width: int = 560) -> str:
    """Per seller: raw revenue (grey) and relationship-adjusted performance (blue)."""
    line = 30
    height = max(line * len(rows) + 20, 40)
    peak = max([max(r, a, 0.0) for _, r, a in rows] + [1e-9])
    left, right = 150, 80
    body = []
    for i, (name, revenue, adjusted) in enumerate(rows):
        y = 4 + i * line
        body.append(_text(left - 6, y + 16, name, anchor="end"))
        for j, (value, colour) in enumerate(((revenue, GREY), (adjusted, BLUE))):
            w = max((width - left - right) * max(value, 0.0) / peak, 1.0)
            yy = y + 3 + j * 12
            body.append(f'<rect x="{left}" y="{yy}" width="{w:.1f}" height="10" fill="{colour}"/>')
            body.append(_text(left + w + 4, yy + 9, f"{value:,.0f}", size=9))
    y = height - 8
    body.append(f'<rect x="{left}" y="{y - 8}" width="10" height="8" fill="{GREY}"/>')
    body.append(_text(left + 14, y, "revenue", size=10))
    body.append(f'<rect x="{left + 80}" y="{y - 8}" width="10" height="8" fill="{BLUE}"/>')
    body.append(_text(left + 94, y, "relationship-adjusted", size=10))
    return _svg(width, height, body, "revenue and relationship-adjusted performance per seller")


def cost_bars(
    rows: list[tuple[str, float | None, float | None, bool, bool]],
    *,
    label: str,
    width: int = 560,
) -> str:
    """Per line: money lost (red) and value ahead at risk (amber), on one scale.

    A row is (label, cost, at_risk, has_cost, has_risk). An unknown figure is
    written "unknown" where its bar would be (never drawn as 0); a figure the
    line does not carry by definition is left out.
    """
    if not rows:
        return _svg(width, 30, [_text(4, 18, "nothing to show", fill="#7b8794")], label)
    line = 30
    height = line * len(rows) + 22
    known = [v for _, c, r, _, _ in rows for v in (c, r) if v is not None]
    peak = max([*known, 1e-9])
    left, right = 170, 90
    body = []
    for i, (name, cost, at_risk, has_cost, has_risk) in enumerate(rows):
        y = 4 + i * line
        body.append(_text(left - 6, y + 16, name, anchor="end"))
        for j, (value, applies, colour) in enumerate(
            ((cost, has_cost, RED), (at_risk, has_risk, AMBER))
        ):
            yy = y + 3 + j * 12
            if not applies:
                continue
            if value is None:
                body.append(_text(left + 2, yy + 9, "unknown", size=9, fill="#7b8794"))
                continue
            w = max((width - left - right) * max(value, 0.0) / peak, 1.0)
            body.append(
                f'<rect x="{left}" y="{yy}" width="{w:.1f}" height="10" fill="{colour}" rx="1"/>'
            )
            body.append(_text(left + w + 4, yy + 9, f"{value:,.0f}", size=9))
    y = height - 6
    body.append(f'<rect x="{left}" y="{y - 8}" width="10" height="8" fill="{RED}"/>')
    body.append(_text(left + 14, y, "cost (money lost)", size=10))
    body.append(f'<rect x="{left + 130}" y="{y - 8}" width="10" height="8" fill="{AMBER}"/>')
    body.append(_text(left + 144, y, "value ahead at risk", size=10))
    return _svg(width, height, body, label)
