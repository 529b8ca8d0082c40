"""The import report: what `import-crm` / `import-csv` did, whole, as JSON or HTML.

The screen shows at most 200 problems; this report never leaves one out. It
lists every skipped row with its reason and where it came from, every
problem, every warning, and per bundle table the rows the export held for it
→ skipped → rejected → landed (created, updated or unchanged).
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accord.services_intake import MappedImport


def counts(report: MappedImport) -> list[dict[str, Any]]:
    """Per table: rows in the export for it → skipped by the mapping → rejected → landed."""
    skipped: dict[str, int] = {}
    for s in report.skipped:
        if not s.reason.startswith("invalid:"):
            skipped[s.table] = skipped.get(s.table, 0) + 1
    changes = {t.table: t for t in report.tables}
    names = list(dict.fromkeys([*report.translated, *skipped, *changes]))
    out = []
    for name in names:
        change = changes.get(name)
        if change is None and not report.translated.get(name) and not skipped.get(name):
            continue
        landed = change.inserted + change.updated + change.unchanged if change else 0
        out.append(
            {
                "table": name,
                "in": report.translated.get(name, 0) + skipped.get(name, 0),
                "skipped": skipped.get(name, 0),
                "rejected": change.rejected if change else 0,
                "landed": landed,
                "created": change.inserted if change else 0,
                "updated": change.updated if change else 0,
                "unchanged": change.unchanged if change else 0,
            }
        )
    return out


def as_json(report: MappedImport, *, failed: bool) -> dict[str, Any]:
    """The stable JSON of an import (also what `--format json` prints)."""
    return {
        "ok": not failed,
        "mapping": report.mapping,
        "dry_run": report.dry_run,
        "files": report.files,
        "tables": [asdict(t) for t in report.tables],
        "counts": counts(report),
        "skipped": [asdict(s) for s in report.skipped],
        "warnings": report.warnings,
        "problems": [asdict(p) for p in report.problems],
        "problem_count": report.problem_count,
        "domains": report.domains,
        "duplicates": report.duplicates,
    }


def write(path: Path, report: MappedImport, *, failed: bool) -> None:
    """The report as FILE.json or FILE.html (by its suffix)."""
    data = as_json(report, failed=failed)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        path.write_text(_html(data), encoding="utf-8")


def _table(head: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return "<p>None.</p>"
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in r)
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _html(data: dict[str, Any]) -> str:
    title = f"Import report: {data['mapping']}"
    state = (
        "failed: nothing was written"
        if not data["ok"]
        else "dry run: nothing was written"
        if data["dry_run"]
        else "imported"
    )
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(state)}.</p>",
        "<h2>Rows per table</h2>",
        _table(
            [
                "table",
                "in the export",
                "skipped",
                "rejected",
                "landed",
                "created",
                "updated",
                "unchanged",
            ],
            [
                [
                    c["table"],
                    c["in"],
                    c["skipped"],
                    c["rejected"],
                    c["landed"],
                    c["created"],
                    c["updated"],
                    c["unchanged"],
                ]
                for c in data["counts"]
            ],
        ),
        f"<h2>Problems ({data['problem_count']:,})</h2>",
        _table(
            ["file", "line", "column", "problem"],
            [[p["file"], p["line"], p["column"], p["message"]] for p in data["problems"]],
        ),
        f"<h2>Skipped rows ({len(data['skipped']):,})</h2>",
        _table(
            ["file", "line", "table", "reason"],
            [[s["file"], s["line"], s["table"], s["reason"]] for s in data["skipped"]],
        ),
        f"<h2>Warnings ({len(data['warnings']):,})</h2>",
        "<ul>" + "".join(f"<li>{html.escape(w)}</li>" for w in data["warnings"]) + "</ul>",
        "<h2>Files read</h2>",
        _table(["file", "rows"], [[f, n] for f, n in data["files"].items()]),
    ]
    style = (
        "body{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a1a}"
        "table{border-collapse:collapse;margin:.5rem 0 1.5rem}"
        "th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}"
        "th{background:#eee}"
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
        f"</title><style>{style}</style></head><body>{''.join(parts)}</body></html>\n"
    )
