"""`accord agenda …` and `accord review`: the seller's morning list and the monthly review.

Mounted on the main app by `register(app)` (cli.py). Errors from the tree in
`accord.errors` become a plain message and exit 1, as everywhere in the CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from accord import services, services_agenda
from accord.agenda.daily import Entry
from accord.cli_common import (
    AsOfOption,
    ConfigOption,
    DbOption,
    Format,
    FormatOption,
    guarded,
)
from accord.cli_common import emit_json as _json
from accord.cli_common import out as _out
from accord.cli_common import parse_day as _date

UserOption = Annotated[
    str | None, typer.Option("--user", help="The seller (a user id).", show_default=False)
]


def _need_user(user: str | None) -> str:
    if not user:
        raise typer.BadParameter("which seller? give --user ID", param_hint="--user")
    return user


agenda_app = typer.Typer(
    name="agenda",
    help="The seller's prioritised next actions, each with its reason.",
    invoke_without_command=True,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)

_LEVEL = {"red": "bold red", "amber": "yellow"}
_SEVERITY = {"critical": "bold red", "warning": "yellow"}


@agenda_app.callback()
@guarded
def agenda(
    ctx: typer.Context,
    user: UserOption = None,
    as_of: AsOfOption = None,
    actions: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Most account lines to show (default: the setting agenda.max_actions, 12; "
            "0: all).",
            show_default=False,
        ),
    ] = None,
    items: Annotated[
        bool, typer.Option("--items", help="List every open item, ranked, one row each.")
    ] = False,
    limit: Annotated[
        int, typer.Option(min=0, help="With --items (and in JSON `items`): the first N (0: all).")
    ] = 0,
    all_: Annotated[
        bool, typer.Option("--all", help="With --items: also snoozed, done and dismissed items.")
    ] = False,
    team: Annotated[
        str | None,
        typer.Option(help="A manager's view: every seller of this team.", show_default=False),
    ] = None,
    manager: Annotated[
        str | None,
        typer.Option(
            help="A manager's view: every seller reporting to this user.", show_default=False
        ),
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """The seller's daily agenda: at most 12 actions, one line per account, the most
    important reason leading and the others folded under it; then the data to complete.

    Critical comes before warning before routine, then value at stake × urgency
    (docs/agenda.md). Act on an item with `accord agenda complete|snooze|dismiss
    ITEM --user ID`. A manager sees each seller's agenda, completion rate and
    overdue promises with `--team` or `--manager`.

    Examples:

    * `accord agenda --user U0001 --as-of 2026-06-30`
    * `accord agenda --user U0001 --format json`
    * `accord agenda --team "North 1"` · `accord agenda --manager U0002`
    """
    if ctx.invoked_subcommand is not None:
        return
    settings = services.load_config(path=config)
    day = _date(as_of, "--as-of")
    if team is not None or manager is not None:
        if user is not None:
            raise typer.BadParameter("give --user, or --team/--manager, not both")
        _team(
            services_agenda.team_agenda(
                url=db, team=team, manager_id=manager, as_of=day, settings=settings
            ),
            format,
        )
        return
    seller = _need_user(user)
    result = services_agenda.agenda(
        url=db,
        user_id=seller,
        as_of=day,
        settings=settings,
        limit=limit or None,
        include_hidden=all_,
        max_actions=actions,
    )
    if format is Format.JSON:
        _json(result.records())
        return
    if items:
        _items_table(result)
        return
    _daily(result)


def _what(entry: Entry) -> str:
    item = entry.item
    text = f"[bold]{escape(item.title)}[/]\n{escape(item.reason)}"
    if entry.merged:
        covered = "; ".join(f"{m.title} ({m.when})" for m in entry.merged)
        text += f"\n[dim]covers: {escape(covered)}[/]"
    return text


def _daily(result: services_agenda.Agenda) -> None:
    title = f"Agenda of {result.user_name} ({result.user_id}) for {result.as_of.isoformat()}"
    if not result.actions and not result.to_complete:
        n_hidden = sum(result.hidden.values())
        _out.print(
            escape(f"{title}: nothing to do") + (f" ({n_hidden} hidden)." if n_hidden else ".")
        )
        return
    if result.actions:
        table = Table(title=escape(title), expand=True, show_lines=True)
        table.add_column("#", justify="right")
        table.add_column("priority")
        table.add_column("account · contact", ratio=1)
        table.add_column("what and why", ratio=3)
        table.add_column("id", no_wrap=True)
        for n, action in enumerate(result.actions, start=1):
            lead = action.lead.item
            style = _SEVERITY.get(action.severity, "")
            what = _what(action.lead)
            for other in action.folded:
                what += (
                    f"\n[dim]· also: {escape(other.item.title)} ({other.item.when}) "
                    f"{other.item.id}[/]"
                )
            table.add_row(
                str(n),
                f"[{style}]{escape(action.priority_words)}[/]" if style else action.priority_words,
                f"{escape(action.account_name)} [dim]{escape(action.account_id)}[/]\n"
                + escape(lead.contact_name or ""),
                what,
                lead.id,
            )
        _out.print(table)
    else:
        _out.print(escape(f"{title}: no action today."))
    if result.to_complete:
        todo = Table(title="To complete (missing data, not actions)", expand=True)
        todo.add_column("account", ratio=1)
        todo.add_column("what", ratio=3)
        todo.add_column("when", no_wrap=True)
        todo.add_column("id", no_wrap=True)
        for entry in result.to_complete:
            i = entry.item
            also = "".join(f"\n[dim]and: {escape(m.title)}[/]" for m in entry.merged)
            todo.add_row(escape(i.account_name), escape(i.title) + also, i.when, i.id)
        _out.print(todo)
    hidden = ", ".join(f"{n} {state}" for state, n in sorted(result.hidden.items()))
    more = []
    if result.more_actions:
        more.append(f"{result.more_actions} more account(s) with actions after these")
    if result.more_to_complete:
        more.append(f"{result.more_to_complete} more to complete")
    if hidden:
        more.append(f"hidden: {hidden}")
    _out.print(
        f"{len(result.actions)} action(s), {result.total} open item(s) in all"
        + ("; " + "; ".join(more) if more else "")
        + ". Every item: --items."
    )


def _items_table(result: services_agenda.Agenda) -> None:
    title = f"Every item of {result.user_name} ({result.user_id}) as of {result.as_of.isoformat()}"
    table = Table(title=escape(title), expand=True)
    table.add_column("#", justify="right")
    table.add_column("priority")
    table.add_column("account · contact", ratio=1)
    table.add_column("what and why", ratio=3)
    table.add_column("id", no_wrap=True)
    for n, item in enumerate(result.items, start=1):
        state = "" if item.state == "open" else f" [dim]({item.state})[/]"
        style = _LEVEL.get(item.level or "", "")
        table.add_row(
            str(n),
            escape(item.priority_words),
            f"{escape(item.account_name)} [dim]{escape(item.account_id)}[/]\n"
            + escape(item.contact_name or ""),
            f"[bold {style}]{escape(item.title)}[/]{state}\n{escape(item.reason)}",
            item.id,
        )
    _out.print(table)
    _out.print(f"{len(result.items)} of {result.total} open item(s) shown.")


def _team(view: services_agenda.TeamAgenda, format: Format) -> None:
    if format is Format.JSON:
        _json(view.records())
        return
    table = Table(
        title=escape(f"Agendas of {view.scope} for {view.as_of.isoformat()}"), expand=True
    )
    table.add_column("seller", ratio=1)
    table.add_column("completed (30 d)", justify="right")
    table.add_column("completion rate", justify="right")
    table.add_column("overdue promises", justify="right")
    table.add_column("open items", justify="right")
    table.add_column("first actions", ratio=3)
    for s in view.sellers:
        a = s.agenda
        rate = "—" if s.completion_rate is None else f"{s.completion_rate:.0%}"
        first = "\n".join(
            f"{escape(x.priority_words)}: {escape(x.lead.item.title)} ({escape(x.account_name)})"
            for x in a.actions[:3]
        )
        if len(a.actions) > 3 or a.more_actions:
            first += f"\n[dim]… {len(a.actions) - 3 + a.more_actions} more line(s)[/]"
        table.add_row(
            f"{escape(a.user_name)} [dim]{escape(a.user_id)}[/]",
            str(s.completed),
            rate,
            str(s.overdue_promises),
            str(a.total),
            first or "[dim]nothing to do[/]",
        )
    _out.print(table)
    _out.print(
        "Completion rate: items completed in the last 30 days ÷ (those + open items past due). "
        "One seller's agenda: accord agenda --user ID."
    )


def _decided(decision: services_agenda.Decision, format: Format) -> None:
    if format is Format.JSON:
        _json(
            {
                "item": decision.item.record(),
                "state": decision.state,
                "until": None if decision.until is None else decision.until.isoformat(),
                "note": decision.note,
                "touchpoint_id": decision.touchpoint_id,
            }
        )
        return
    what = {"done": "Completed", "snoozed": "Snoozed", "dismissed": "Dismissed"}[decision.state]
    extra = f" until {decision.until.isoformat()}" if decision.until else ""
    item = decision.item
    _out.print(escape(f"{what}{extra}: {item.title} ({item.account_name})."))
    if decision.touchpoint_id:
        _out.print(f"Logged touchpoint {decision.touchpoint_id}.")


ItemArg = Annotated[str, typer.Argument(help="The item id (last column of `accord agenda`).")]


@agenda_app.command("complete")
@guarded
def complete(
    item: ItemArg,
    user: UserOption = None,
    as_of: AsOfOption = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the item.")] = None,
    log: Annotated[
        str | None,
        typer.Option(
            help="Also log the touchpoint that did it, as CHANNEL:PURPOSE "
            "(e.g. call:support, meeting:insight), on the item's account and contact.",
            show_default=False,
        ),
    ] = None,
    minutes: Annotated[int | None, typer.Option(min=0, help="Minutes of that touchpoint.")] = None,
    summary: Annotated[str | None, typer.Option(help="Summary of that touchpoint.")] = None,
    value: Annotated[
        list[str] | None,
        typer.Option(
            help="A value review: what the customer measured, METRIC=NUMBER (repeat per plan).",
            show_default=False,
        ),
    ] = None,
    differently: Annotated[
        str | None,
        typer.Option(
            help="A retrospective: what we would do differently (the note is what we learned).",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Mark an item done and do what it says in the ledger, in one step: a promise is marked
    kept, a value review records its value checks, a retrospective is written.

    Examples:

    * `accord agenda complete 3f2a9c1b7d40 --user U0001 --log call:support --minutes 20`
    * `accord agenda complete 9b1c0e2a4f77 --user U0001 --value uptime=99.2`
    * `accord agenda complete 5d0e8a1b2c33 --user U0001 --note "we priced too late"
      --differently "price in week one"`
    """
    values: dict[str, float] = {}
    for pair in value or []:
        metric, sep, number = pair.partition("=")
        try:
            values[metric.strip()] = float(number)
        except ValueError:
            raise typer.BadParameter(
                f"{pair!r} is not METRIC=NUMBER (e.g. uptime=99.2)", param_hint="--value"
            ) from None
        if not sep or not metric.strip():
            raise typer.BadParameter(f"{pair!r} is not METRIC=NUMBER", param_hint="--value")
    touchpoint = None
    if log is not None:
        channel, _, purpose = log.partition(":")
        touchpoint = services_agenda.NewTouchpoint(
            channel=channel.strip(),
            purpose=purpose.strip() or None,  # unlabelled: inferred from the summary
            minutes=minutes,
            summary=summary,
        )
    decision = services_agenda.complete_item(
        url=db,
        user_id=_need_user(user),
        item_id=item,
        as_of=_date(as_of, "--as-of"),
        note=note,
        touchpoint=touchpoint,
        settings=services.load_config(path=config),
        completion=services_agenda.Completion(values=values, do_differently=differently),
    )
    _decided(decision, format)


@agenda_app.command("snooze")
@guarded
def snooze(
    item: ItemArg,
    until: Annotated[str, typer.Option(help="Hide it until this date (YYYY-MM-DD).")],
    user: UserOption = None,
    as_of: AsOfOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Hide an item until a date; it comes back then if it is still due.

    Example: `accord agenda snooze 3f2a9c1b7d40 --user U0001 --until 2026-07-15`
    """
    day = _date(until, "--until")
    assert day is not None
    decision = services_agenda.snooze_item(
        url=db,
        user_id=_need_user(user),
        item_id=item,
        until=day,
        as_of=_date(as_of, "--as-of"),
        settings=services.load_config(path=config),
    )
    _decided(decision, format)


@agenda_app.command("dismiss")
@guarded
def dismiss(
    item: ItemArg,
    reason: Annotated[str, typer.Option(help="Why it does not apply (kept with it).")],
    user: UserOption = None,
    as_of: AsOfOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Dismiss an item for good, with a reason; a regenerated agenda keeps it hidden.

    Example: `accord agenda dismiss 3f2a9c1b7d40 --user U0001 --reason "they asked for a pause"`
    """
    decision = services_agenda.dismiss_item(
        url=db,
        user_id=_need_user(user),
        item_id=item,
        reason=reason,
        as_of=_date(as_of, "--as-of"),
        settings=services.load_config(path=config),
    )
    _decided(decision, format)


@agenda_app.command("cadence")
@guarded
def cadence(
    account: Annotated[str, typer.Argument(help="The account id.")],
    ideal: Annotated[
        int | None, typer.Option(min=1, help="Ideal days between touchpoints (amber past it).")
    ] = None,
    maximum: Annotated[
        int | None, typer.Option("--max", min=1, help="Most days between them (red past it).")
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Back to the default cadence.")] = False,
    config: ConfigOption = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Set how often an account should hear from us (stay-in-touch items).

    Example: `accord agenda cadence A0000042 --ideal 14 --max 30`
    """
    result = services_agenda.set_cadence(
        url=db,
        account_id=account,
        ideal_days=ideal,
        max_days=maximum,
        reset=reset,
        settings=services.load_config(path=config),
    )
    if format is Format.JSON:
        _json(
            {
                "account_id": result.account_id,
                "ideal_days": result.ideal_days,
                "max_days": result.max_days,
                "own": result.own,
            }
        )
        return
    whose = "its own" if result.own else "the default"
    _out.print(
        f"{result.account_id}: {whose} cadence, ideal every {result.ideal_days} days, "
        f"at most {result.max_days}."
    )


@guarded
def review(
    month: Annotated[str, typer.Option(help="The month to review (YYYY-MM).")],
    out: Annotated[
        Path, typer.Option(help="Where to write it: FILE.html (self-contained) or FILE.pdf.")
    ],
    team: Annotated[
        str | None, typer.Option(help="Only this team's accounts and sellers.", show_default=False)
    ] = None,
    user: Annotated[
        str | None,
        typer.Option("--user", help="Only this seller's accounts.", show_default=False),
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Write the monthly relationship review: health and its change, movers, patterns,
    key accounts with their planned actions, and seller alignment.

    Examples:

    * `accord review --month 2026-06 --out review.html`
    * `accord review --month 2026-06 --team North --out north.pdf`
    """
    written = services_agenda.write_review(
        url=db,
        month=month,
        out=out,
        team=team,
        user_id=user,
        settings=services.load_config(path=config),
    )
    m = written.model
    if format is Format.JSON:
        _json(
            {
                "path": str(written.path),
                "format": written.format,
                "month": m.month,
                "scope": m.scope,
                "note": m.note,
                "accounts": m.accounts,
                "mean_health": m.mean_now,
                "mean_health_before": m.mean_before,
                "key_accounts_without_planned_action": [
                    a.account_id for a in m.key_accounts if a.gap
                ],
                "key_accounts_without_account_plan": [
                    a.account_id for a in m.key_accounts if a.no_plan
                ],
                "flagged_sellers": {s.user_id: s.flags for s in m.sellers if s.flags},
            }
        )
        return
    if m.note:
        _out.print(m.note)
    else:
        gaps = sum(1 for a in m.key_accounts if a.gap)
        _out.print(
            f"Reviewed {m.accounts:,} accounts of {m.scope} for {m.month}: mean health "
            f"{m.mean_now if m.mean_now is not None else 'unknown'}; {gaps} key account(s) "
            "without a planned action."
        )
    _out.print(f"Wrote {written.path} ({written.format.upper()}).")


@guarded
def digest(
    out: Annotated[
        Path,
        typer.Option(
            help="FILE.eml (an e-mail, for a relay) or FILE.html; with --all, a folder "
            "(one USER_ID.eml per seller)."
        ),
    ],
    user: UserOption = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every seller who owns accounts and has an e-mail.")
    ] = False,
    as_of: AsOfOption = None,
    sender: Annotated[
        str | None,
        typer.Option("--from", help="The From address.", show_default=False),
    ] = None,
    config: ConfigOption = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Write the morning agenda as an e-mail (multipart text + HTML) that cron or a mail
    relay sends; no mail server needed here.

    Examples:

    * `accord digest --user U0001 --out U0001.eml`
    * `accord digest --all --out digests/ --from "accord <agenda@example.com>"`
    * cron, every weekday at 06:30: `30 6 * * 1-5 accord digest --all --out /var/spool/accord
      && for f in /var/spool/accord/*.eml; do sendmail -t < "$f"; done`
    """
    written = services_agenda.write_digests(
        url=db,
        out=out,
        user_id=user,
        all_sellers=all_,
        as_of=_date(as_of, "--as-of"),
        sender=sender,
        settings=services.load_config(path=config),
    )
    if format is Format.JSON:
        _json(
            [
                {"user_id": w.user_id, "path": str(w.path), "to": w.to, "actions": w.actions}
                for w in written
            ]
        )
        return
    for w in written:
        _out.print(escape(f"Wrote {w.path} for {w.user_id} ({w.actions} action(s))."))
    if not written:
        _out.print("No seller with an e-mail address owns accounts: nothing written.")


@guarded
def review_answer(
    account: Annotated[str, typer.Argument(help="The key account (an account id).")],
    month: Annotated[str, typer.Option(help="The month under review (YYYY-MM).")],
    answer: Annotated[
        str,
        typer.Option(help="What are you doing to perpetuate the relationship? In your words."),
    ],
    user: UserOption = None,
    commitment: Annotated[
        str | None,
        typer.Option(help="What you commit to do this month.", show_default=False),
    ] = None,
    db: DbOption = None,
    format: FormatOption = Format.TABLE,
) -> None:
    """Answer the monthly review's question for one key account: what you are doing to
    perpetuate the relationship, and your commitment for the month. Stored and audited;
    the review shows it, and next month's review shows it beside what happened.

    Example: `accord review-answer A0000042 --month 2026-06 --user U0001 --answer "Quarterly
    value review with their COO" --commitment "Send the usage report by the 15th"`
    """
    saved = services_agenda.answer_review(
        url=db,
        month=month,
        account_id=account,
        user_id=_need_user(user),
        answer=answer,
        commitment=commitment,
    )
    if format is Format.JSON:
        _json(
            {
                "account_id": account,
                "month": saved.month,
                "answer": saved.answer,
                "commitment": saved.commitment,
                "user_id": saved.user_id,
                "written_at": saved.written_at.isoformat(),
            }
        )
        return
    _out.print(escape(f"Saved the answer for {account} in {saved.month}."))


def register(app: typer.Typer) -> None:
    """Mount `accord agenda …`, `accord review` and `accord digest` on the main app."""
    app.add_typer(agenda_app, name="agenda")
    app.command("review")(review)
    app.command("digest")(digest)
    app.command("review-answer")(review_answer)
