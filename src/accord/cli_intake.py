"""`accord import-crm`, `import-csv`, `capture`, `duplicates`, `merge`, `person` (issue 9).

Parse → service → print, like cli.py; `register(app)` mounts everything on the
main command. Exit codes: 0 success, 1 bad input (a message naming the file
and place; nothing written), 2 usage.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from accord import services_capture as capture
from accord import services_intake as intake
from accord import services_people as people
from accord.cli_common import (
    DbOption,
    Format,
    FormatOption,
    emit_json,
    err,
    guarded,
    out,
    parse_day,
)
from accord.errors import BundleError
from accord.intake import report as import_report
from accord.intake.csvmap import ReadOptions


class Crm(StrEnum):
    HUBSPOT = "hubspot"
    SALESFORCE = "salesforce"


DryRunOption = Annotated[
    bool,
    typer.Option("--dry-run", help="Do all the work and show what would change; write nothing."),
]
SkipInvalidOption = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Write the valid part and report the rest; without it any problem writes nothing.",
    ),
]


# -- CRM and CSV imports ---------------------------------------------------------------------

EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="The files' text encoding when not UTF-8, e.g. cp1252 (Excel on Windows), latin-1.",
        show_default=False,
    ),
]
DelimiterOption = Annotated[
    str | None,
    typer.Option(
        "--delimiter",
        help="The field separator: ',' ';' 'tab' or '|'; default: found from each header "
        "line (with a warning when not a comma).",
        show_default=False,
    ),
]
DecimalOption = Annotated[
    str,
    typer.Option("--decimal", help="The decimal mark of amounts: '.' or ','."),
]
ThousandsOption = Annotated[
    str | None,
    typer.Option(
        "--thousands",
        help="The thousands separator of amounts to leave out (',' '.' ' ' or \"'\"); "
        "default none, except in the unmistakable 12,000.00. Currency signs ($ € £ USD) are "
        "always left out.",
        show_default=False,
    ),
]
ReportOption = Annotated[
    Path | None,
    typer.Option(
        "--report",
        help="Also write the whole report to FILE.html or FILE.json: every skipped row "
        "with its reason, every problem (none left out), rows per table in and landed.",
        show_default=False,
    ),
]
SCREEN_PROBLEMS = 200  # the screen shows this many; --report and --format json show all


def _options(
    encoding: str | None, delimiter: str | None, decimal: str, thousands: str | None
) -> ReadOptions:
    if decimal not in (".", ","):
        raise typer.BadParameter(f"{decimal!r}: use '.' or ','", param_hint="--decimal")
    named = {"tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "\\t": "\t"}
    sep = named.get(delimiter.lower(), delimiter) if delimiter else None
    if sep is not None and len(sep) != 1:
        raise typer.BadParameter(
            f"{delimiter!r}: give one character or 'tab'", param_hint="--delimiter"
        )
    if thousands is not None and (len(thousands) != 1 or thousands == decimal):
        raise typer.BadParameter(
            f"{thousands!r}: one character, not the decimal mark", param_hint="--thousands"
        )
    return ReadOptions(encoding=encoding, delimiter=sep, decimal=decimal, thousands=thousands)


def _run_import(
    run: Callable[[intake.MappedImport], intake.MappedImport],
    format: Format,
    report_file: Path | None,
) -> None:
    """Run an import; print it (or, when it fails, its problems: on the screen up to
    200, in --format json and --report every one) and write the report file."""
    if report_file is not None and report_file.suffix.lower() not in (".html", ".htm", ".json"):
        raise typer.BadParameter("name a .html or .json file", param_hint="--report")
    partial = intake.MappedImport("", dry_run=False)
    try:
        report = run(partial)
    except BundleError as exc:
        partial.problems = partial.problems or list(exc.problems)
        partial.problem_count = partial.problem_count or exc.total
        if report_file is not None:
            import_report.write(report_file, partial, failed=True)
        if format is Format.JSON:
            emit_json(import_report.as_json(partial, failed=True))
        else:
            err.print(f"[bold red]error:[/] {str(exc).splitlines()[0]}", markup=True)
            for problem in partial.problems[:SCREEN_PROBLEMS]:
                err.print(f"  {problem}", markup=False)
            more = partial.problem_count - min(len(partial.problems), SCREEN_PROBLEMS)
            if more > 0:
                where = f"in {report_file}" if report_file else "with --report FILE.html"
                err.print(f"  … and {more:,} more (every one {where} or --format json)")
        raise typer.Exit(1) from None
    if report_file is not None:
        import_report.write(report_file, report, failed=False)
    _print_import(report, format)
    if report_file is not None and format is not Format.JSON:
        out.print(f"The whole report: {report_file}")


def _print_import(report: intake.MappedImport, format: Format) -> None:
    if format is Format.JSON:
        emit_json(import_report.as_json(report, failed=False))
        return
    verb = "would" if report.dry_run else ""
    title = f"{report.mapping}: " + (
        "dry run — nothing was written" if report.dry_run else "imported"
    )
    table = Table(
        "table",
        "rows",
        f"{verb} create".strip(),
        f"{verb} update".strip(),
        "unchanged",
        "rejected",
        title=title,
    )
    for t in report.tables:
        table.add_row(
            t.table,
            f"{t.read:,}",
            f"{t.inserted:,}",
            f"{t.updated:,}",
            f"{t.unchanged:,}",
            f"{t.rejected:,}",
        )
    out.print(table)
    if report.skipped:
        out.print(f"Skipped {len(report.skipped):,} row{'s' if len(report.skipped) != 1 else ''}:")
        for s in report.skipped:
            out.print(f"  {s.file}, line {s.line} ({s.table}): {s.reason}", markup=False)
    for w in report.warnings:
        err.print(f"[yellow]warning:[/] {w}", markup=True)
    if report.duplicates:
        out.print(
            f"{report.duplicates} possible duplicate group{'s' if report.duplicates > 1 else ''} "
            "in the book: see `accord duplicates`."
        )


@guarded
def import_crm(
    crm: Annotated[Crm, typer.Argument(help="Which CRM wrote the export.")],
    directory: Annotated[Path, typer.Argument(help="The folder of exported CSV files.")],
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            help="A TOML file laid over the shipped mapping: custom fields, pick-list values.",
            show_default=False,
        ),
    ] = None,
    dry_run: DryRunOption = False,
    skip_invalid: SkipInvalidOption = False,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal: DecimalOption = ".",
    thousands: ThousandsOption = None,
    report: ReportOption = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Import a HubSpot or Salesforce export folder into the book, in one transaction.

    HubSpot: companies, contacts, deals, calls, meetings, emails, notes, tasks, under
    HubSpot's own file names (hubspot-crm-exports-all-deals-2025-08-11-1.csv) or short
    ones; users are made from the owner columns. Salesforce (Data Export): User,
    Account, Contact, Opportunity, Task, Event, and UserRole and Profile when there.
    Re-importing the same export changes nothing. See docs/intake.md.

    Examples:

    * `accord import-crm hubspot ./export --dry-run`
    * `accord import-crm salesforce ./export --mapping ours.toml`

    * `accord import-crm hubspot ./export --encoding cp1252 --delimiter ';' --decimal ,
      --thousands . --report import.html`
    """
    options = _options(encoding, delimiter, decimal, thousands)
    _run_import(
        lambda partial: intake.import_crm(
            url=db,
            crm=crm.value,
            directory=directory,
            mapping=mapping,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            options=options,
            report=partial,
        ),
        format,
        report,
    )


@guarded
def import_csv(
    paths: Annotated[list[Path], typer.Argument(help="CSV files, or folders holding them.")],
    mapping: Annotated[
        Path, typer.Option("--mapping", help="The TOML mapping file (see docs/intake.md).")
    ],
    dry_run: DryRunOption = False,
    skip_invalid: SkipInvalidOption = False,
    encoding: EncodingOption = None,
    delimiter: DelimiterOption = None,
    decimal: DecimalOption = ".",
    thousands: ThousandsOption = None,
    report: ReportOption = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Import any CSV files through a mapping file of your own, in one transaction.

    Example: `accord import-csv --mapping pipedrive.toml ./export --dry-run --report r.html`
    """
    options = _options(encoding, delimiter, decimal, thousands)
    _run_import(
        lambda partial: intake.import_csv(
            url=db,
            mapping=mapping,
            paths=paths,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            options=options,
            report=partial,
        ),
        format,
        report,
    )


# -- mail and calendar capture -----------------------------------------------------------------

capture_app = typer.Typer(
    help="Turn mail and meetings into touchpoints; see and change the rules that leave "
    "personal mail and newsletters out.",
    no_args_is_help=True,
)
AddContactsOption = Annotated[
    bool,
    typer.Option(
        "--add-contacts",
        help="Add the proposed new people (found at an account's domain) as contacts.",
    ),
]


def _print_capture(report: capture.CaptureReport, format: Format) -> None:
    if format is Format.JSON:
        data = asdict(report)
        data["left_out"] = [asdict(x) for x in report.left_out]
        data["problems"] = [asdict(x) for x in report.problems]
        data["proposed"] = [{"name": n, "email": e, "account_id": a} for n, e, a in report.proposed]
        emit_json(data)
        return
    head = "Dry run — nothing was written. " if report.dry_run else ""
    out.print(
        f"{head}Read {report.read:,}; captured {report.captured:,} "
        f"({report.already:,} already captured) into {report.touchpoints_created:,} new and "
        f"{report.touchpoints_updated:,} updated touchpoints; left out {len(report.left_out):,}."
    )
    for left in report.left_out:
        out.print(f"  left out {left.file}, line {left.line}: {left.reason}", markup=False)
    if report.proposed:
        verb = (
            "Added as contacts"
            if report.contacts_added
            else "Proposed new contacts (add them with --add-contacts)"
        )
        out.print(f"{verb}:")
        for name, email, account in report.proposed:
            out.print(f"  {name} <{email}> at {account}", markup=False)
    for p in report.problems:
        err.print(f"[yellow]skipped:[/] {p.file}, line {p.line}: {p.message}")


@capture_app.command("mail")
@guarded
def capture_mail(
    path: Annotated[Path, typer.Argument(help="An mbox file, or a folder of .eml files.")],
    add_contacts: AddContactsOption = False,
    dry_run: DryRunOption = False,
    skip_invalid: SkipInvalidOption = False,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Capture mail as touchpoints: one per conversation, each message counted once.

    Example: `accord capture mail ~/Mail/acme.mbox --dry-run`
    """
    _print_capture(
        capture.capture_mail(
            url=db, path=path, add_contacts=add_contacts, dry_run=dry_run, skip_invalid=skip_invalid
        ),
        format,
    )


@capture_app.command("calendar")
@guarded
def capture_calendar(
    path: Annotated[Path, typer.Argument(help="An .ics file.")],
    until: Annotated[
        str | None,
        typer.Option(
            help="Expand recurring meetings up to this date (default today).", show_default=False
        ),
    ] = None,
    add_contacts: AddContactsOption = False,
    dry_run: DryRunOption = False,
    skip_invalid: SkipInvalidOption = False,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Capture the meetings of a calendar as `meeting` touchpoints, each occurrence once.

    Example: `accord capture calendar team.ics --until 2026-03-31`
    """
    _print_capture(
        capture.capture_calendar(
            url=db,
            path=path,
            until=parse_day(until, "--until"),
            add_contacts=add_contacts,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
        ),
        format,
    )


@capture_app.command("rules")
@guarded
def capture_rules(
    action: Annotated[str, typer.Argument(help="list, add, disable, enable or remove.")] = "list",
    args: Annotated[
        list[str] | None,
        typer.Argument(
            help="add: KIND FIELD PATTERN; disable/enable/remove: RULE_ID.", show_default=False
        ),
    ] = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """See and change the rules that leave mail out of capture.

    Examples:

    * `accord capture rules`
    * `accord capture rules add personal domain family.example`
    * `accord capture rules disable personal-gmail.com`
    """
    rest = args or []
    if action == "add":
        if len(rest) != 3:
            raise typer.BadParameter("add needs KIND FIELD PATTERN", param_hint="ARGS")
        rule = capture.add_capture_rule(url=db, kind=rest[0], field=rest[1], pattern=rest[2])
        out.print(f"Added {rule.rule_id}: {rule.kind} when {rule.field} ~ {rule.pattern!r}")
        return
    if action in ("disable", "enable", "remove"):
        if len(rest) != 1:
            raise typer.BadParameter(f"{action} needs a RULE_ID", param_hint="ARGS")
        enabled = {"disable": False, "enable": True, "remove": None}[action]
        capture.set_capture_rule(url=db, rule_id=rest[0], enabled=enabled)
        out.print(
            f"{action.capitalize()}d {rest[0]}." if action != "remove" else f"Removed {rest[0]}."
        )
        return
    if action != "list":
        raise typer.BadParameter(f"unknown action {action!r}", param_hint="ACTION")
    rules = capture.capture_rules(url=db)
    if format is Format.JSON:
        emit_json([asdict(r) for r in rules])
        return
    table = Table("rule", "leaves out", "when", "matches", "on", title="Capture rules")
    for r in rules:
        table.add_row(r.rule_id, r.kind, r.field, r.pattern, "yes" if r.enabled else "[dim]no[/]")
    out.print(table)


# -- duplicates, merge and undo ----------------------------------------------------------------


@guarded
def duplicates(db: DbOption = None, format: FormatOption = Format.TABLE) -> None:
    """List contacts and accounts that look the same (same e-mail; same name and domain).

    Example: `accord duplicates` then `accord merge contact KEEP DROP`
    """
    groups = people.find_duplicates(url=db)
    if format is Format.JSON:
        emit_json([asdict(g) for g in groups])
        return
    if not groups:
        out.print("No duplicates found.")
        return
    table = Table("kind", "ids (first: suggested to keep)", "why", title="Possible duplicates")
    for g in groups:
        table.add_row(g.kind, ", ".join(g.ids), g.reason)
    out.print(table)


merge_app = typer.Typer(
    help="Merge duplicate contacts or accounts (keeping every touchpoint and commitment); undo.",
    no_args_is_help=True,
)


def _merge(kind: str, keep: str, drop: str, db: str | None, format: Format) -> None:
    result = people.merge(url=db, kind=kind, keep=keep, drop=drop)
    if format is Format.JSON:
        emit_json(asdict(result))
        return
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {kind}s {keep} and {drop}: ", end="", markup=True)
        err.print(f"{warning}; merged as asked (undo below if they differ)", markup=False)
    moved = ", ".join(f"{n} {t}" for t, n in sorted(result.moved.items())) or "no rows"
    out.print(
        f"Merged {kind} {drop} into {keep} (journal entry {result.entry_id}): moved {moved}"
        + (f"; filled {', '.join(result.filled)}" if result.filled else "")
        + f". Undo with `accord merge undo {result.entry_id}`."
    )


@merge_app.command("contact")
@guarded
def merge_contact(
    keep: Annotated[str, typer.Argument(help="The contact id to keep.")],
    drop: Annotated[str, typer.Argument(help="The contact id merged into it and removed.")],
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Merge one contact into another. Example: `accord merge contact C1 hs-7001`"""
    _merge("contact", keep, drop, db, format)


@merge_app.command("account")
@guarded
def merge_account(
    keep: Annotated[str, typer.Argument(help="The account id to keep.")],
    drop: Annotated[str, typer.Argument(help="The account id merged into it and removed.")],
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Merge one account into another. Example: `accord merge account A1 hs-5001`"""
    _merge("account", keep, drop, db, format)


@merge_app.command("undo")
@guarded
def merge_undo(
    entry: Annotated[int, typer.Argument(help="The journal entry of the merge.")],
    db: DbOption = None,
) -> None:
    """Undo a merge. Example: `accord merge undo 1`"""
    result = people.undo_merge(url=db, entry_id=entry)
    out.print(
        f"Undid merge {entry}: {result.kind} {result.dropped_id} is back beside {result.kept_id}."
    )


@merge_app.command("journal")
@guarded
def merge_journal(db: DbOption = None) -> None:
    """Merges and erasures, newest first, as JSON. Example: `accord merge journal`"""
    emit_json(people.merge_journal(url=db))


# -- privacy -----------------------------------------------------------------------------------

person_app = typer.Typer(
    help="A person's privacy rights: export or erase their data.", no_args_is_help=True
)


@person_app.command("export")
@guarded
def person_export(
    email: Annotated[str, typer.Argument(help="The person's e-mail address.")],
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Write the JSON here instead of stdout.", show_default=False),
    ] = None,
    db: DbOption = None,
) -> None:
    """Write everything held about a person as JSON.

    Example: `accord person export dana@acme.example --out dana.json`
    """
    data = people.person_export(url=db, email=email)
    if out_file is None:
        emit_json(data)
        return
    out_file.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    out.print(f"Wrote {out_file}.")


@person_app.command("erase")
@guarded
def person_erase(
    email: Annotated[str, typer.Argument(help="The person's e-mail address.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
) -> None:
    """Anonymise a person everywhere; account-level facts stay. Cannot be undone.

    Example: `accord person erase dana@acme.example --yes`
    """
    if not yes and not typer.confirm(f"Erase {email} everywhere? This cannot be undone"):
        raise typer.Exit(1)
    result = people.person_erase(url=db, email=email)
    changed = ", ".join(f"{n} {t}" for t, n in sorted(result.rows_changed.items()))
    out.print(f"Erased (journal entry {result.entry_id}): {changed}.")


def register(app: typer.Typer) -> None:
    """Mount the intake commands on the main `accord` command."""
    app.command("import-crm")(import_crm)
    app.command("import-csv")(import_csv)
    app.add_typer(capture_app, name="capture")
    app.command("duplicates")(duplicates)
    app.add_typer(merge_app, name="merge")
    app.add_typer(person_app, name="person")
