"""CRM import speed: rows per second through the shipped HubSpot mapping (issue 19).

    .venv/bin/python benchmarks/bench_import_crm.py [--companies 10000] [--runs 3]

Builds a HubSpot-shaped export (HubSpot's file names and headers): N companies,
3N contacts (one in ten without a company, placed by its company's web domain),
2N deals (one in ten linked only through a contact), 3N calls (one in ten the
same), owners named in every file (made into users). Prints, per run, the
seconds of a first import into a fresh SQLite book and of a second one (which
must change nothing), and export rows per second of each; with several runs,
the medians. A 2-core machine's timings swing with whatever else runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from accord import services, services_intake

OWNERS = [f"Seller {i:02d}" for i in range(40)]


def build_export(folder: Path, companies: int) -> int:
    """The export files; returns the number of data rows written."""
    stamp = "2025-08-11-1"
    rows = 0

    def write(kind: str, header: str, lines: list[str]) -> None:
        nonlocal rows
        path = folder / f"hubspot-crm-exports-all-{kind}-{stamp}.csv"
        path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
        rows += len(lines)

    write(
        "companies",
        "Record ID,Company name,Company owner,Create Date,Industry,Company Domain Name,"
        "Website URL,HubSpot team",
        [
            f"{c},Company {c},{OWNERS[c % 40]},2024-01-0{1 + c % 9} 09:00,RETAIL,"
            f"c{c}.example,,Team {c % 4}"
            for c in range(companies)
        ],
    )
    write(
        "contacts",
        "Record ID,First Name,Last Name,Email,Job Title,Buying Role,Contact owner,"
        "Associated Company IDs",
        [
            f"{p},P{p},Q,p{p}@c{p % companies}.example,Buyer,Champion,{OWNERS[p % 40]},"
            + ("" if p % 10 == 0 else str(p % companies))
            for p in range(3 * companies)
        ],
    )
    write(
        "deals",
        "Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Deal owner,"
        "Associated Company IDs,Associated Contact IDs",
        [
            f"{d},Deal {d},{'Closed Won' if d % 3 == 0 else 'Appointment Scheduled'},"
            f"{1000 + d % 500},2025-0{1 + d % 9}-15 00:00,2025-01-0{1 + d % 9} 10:00,"
            f"{OWNERS[d % 40]},{'' if d % 10 == 0 else d % companies},{d % (3 * companies)}"
            for d in range(2 * companies)
        ],
    )
    write(
        "calls",
        "Record ID,Call Title,Activity date,Call notes,Call direction,Call duration,"
        "Activity assigned to,Associated Company IDs,Associated Contact IDs",
        [
            f"{k},Call {k},2026-0{1 + k % 3}-1{k % 9} 09:30,,OUTBOUND,600000,"
            f"{OWNERS[k % 40]},{'' if k % 10 == 0 else k % companies},{k % (3 * companies)}"
            for k in range(3 * companies)
        ],
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    first: list[float] = []
    second: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export"
        export.mkdir()
        rows = build_export(export, args.companies)
        print(f"{rows:,} export rows ({args.companies:,} companies)")
        for run in range(args.runs):
            url = f"sqlite:///{Path(tmp) / f'book{run}.db'}"
            services.init_database(url=url)
            for times in (first, second):
                start = time.perf_counter()
                report = services_intake.import_crm(url=url, crm="hubspot", directory=export)
                times.append(time.perf_counter() - start)
            assert report.changed == 0, "the second import changed the book"
            print(
                f"run {run + 1}: first {first[-1]:.2f} s ({rows / first[-1]:,.0f} rows/s), "
                f"again {second[-1]:.2f} s ({rows / second[-1]:,.0f} rows/s)"
            )
    if args.runs > 1:
        print(
            f"median: first {statistics.median(first):.2f} s, "
            f"again {statistics.median(second):.2f} s"
        )


if __name__ == "__main__":
    main()
