"""The daily agenda of every seller of a book: the figures of docs/agenda.md.

    .venv/bin/python benchmarks/agenda_book.py --db sqlite:///book.db --as-of 2026-06-30

(for the generated book: `accord generate --accounts 2000 --seed 1 DIR`, `accord init`,
`accord import DIR`). For each seller it prints the open items, the account lines
(actions) shown and beyond the limit, the data-to-complete entries, the critical
patterns and where the first action that is not critical stands, and checks the
acceptance of issue 17: at most `agenda.max_actions` actions, every critical
pattern ahead of every action that is not critical (so, on the days they fill,
among the first), no two actions of one account, and no item in two places.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import date

import polars as pl

from accord.config import Settings
from accord.services_agenda import agenda_data, agenda_of
from accord.services_agenda import require_user as _require_user
from accord.storage.database import make_engine


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--as-of", required=True)
    args = parser.parse_args()
    day = date.fromisoformat(args.as_of)
    s = Settings()
    data = agenda_data(url=args.db, owners=None, as_of=day, settings=s)
    owners = data.inputs.accounts["owner_id"].drop_nulls().unique().sort().to_list()
    engine = make_engine(args.db)
    with engine.connect() as conn:
        users = {o: _require_user(conn, o) for o in owners}
    engine.dispose()
    failures = 0
    totals: Counter[str] = Counter()
    print("seller  open  actions  beyond  to_complete  critical_accounts  first_not_critical")
    for o in owners:
        a = agenda_of(data, users[o], s, max_actions=0)
        lines = a.actions
        shown = lines[: s.agenda.max_actions]
        crit = sum(1 for line in lines if line.severity == "critical")
        first_other = next(
            (n for n, line in enumerate(lines, 1) if line.severity != "critical"), None
        )
        ids = [i.id for line in lines for i in line.items()] + [
            i.id for e in a.to_complete for i in (e.item, *e.merged)
        ]
        accounts = [line.account_id for line in lines]
        ok = (
            len(shown) <= s.agenda.max_actions
            and len(set(accounts)) == len(accounts)
            and len(set(ids)) == len(ids)
            and all(line.severity == "critical" for line in lines[:crit])
        )
        critical_patterns = data.inputs.patterns.filter(
            (pl.col("severity") == "critical")
            & pl.col("account_id").is_in(
                data.inputs.accounts.filter(pl.col("owner_id") == o)["account_id"].implode()
            )
        ).height
        failures += not ok
        totals.update(
            open=a.total, lines=len(lines), shown=len(shown), critical_patterns=critical_patterns
        )
        print(
            f"{o}  {a.total:4d}  {len(shown):7d}  {len(lines) - len(shown):6d}  "
            f"{len(a.to_complete) + a.more_to_complete:11d}  {crit:17d}  "
            f"{first_other if first_other is not None else '-':>18}" + ("" if ok else "  FAIL")
        )
    print(
        f"{len(owners)} sellers; {totals['open']:,} open items on {totals['lines']:,} account "
        f"lines, {totals['shown']:,} shown; {totals['critical_patterns']:,} critical patterns; "
        f"{failures} seller(s) failing the checks"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
