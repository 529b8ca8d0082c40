"""The columnar copy beside a SQLite ledger: built once, kept current by every writer,
rebuilt when it might not match, skipped when it cannot be used."""

from __future__ import annotations

import math
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pytest

from accord import services
from accord.analytics import COLUMNS, account_features, open_ledger, read_sqlite
from accord.analytics.backend import analysis_columns
from accord.analytics.features import BUNDLE_GAP, NEXT_FOLLOW, NEXT_ORDER
from accord.analytics.mirror import PAIR_SUMS, mirror_path, open_mirror
from accord.config import Settings
from accord.storage.change_log import trigger_names
from tests.conftest import SAMPLE_BOOK

NAMES = tuple(COLUMNS)
HALF_LIFE = Settings().strength.half_life_days


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "book.db"
    services.init_database(url=f"sqlite:///{path}")
    services.import_bundle(url=f"sqlite:///{path}", directory=SAMPLE_BOOK)
    return path


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


def _copy_of(db: Path) -> dict[str, pl.DataFrame]:
    """Each table as the analysis sees it through the copy (its own columns)."""
    with open_mirror(db, NAMES) as copy:
        assert copy is not None
        out = {}
        for name in NAMES:
            cols = ", ".join(f'"{c}"' for c in analysis_columns(name))
            frame = pl.from_arrow(copy.con.sql(f'SELECT {cols} FROM "{name}"').to_arrow_table())
            assert isinstance(frame, pl.DataFrame)
            out[name] = _sorted(frame)
        return out


def _kept_of(
    db: Path,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame, tuple[float, int, int]]:
    """The facts the copy keeps: touchpoints' next order days, orders' next follow-up
    days, order lines' bundle gaps, and the strength sums with their (half-life,
    reference day, newest day)."""
    with open_mirror(db, NAMES, HALF_LIFE) as copy:
        assert copy is not None
        assert copy.pair_sums is not None

        def frame(sql: str) -> pl.DataFrame:
            out = pl.from_arrow(copy.con.sql(sql).to_arrow_table())
            assert isinstance(out, pl.DataFrame)
            return _sorted(out)

        touches = frame(f"SELECT account_id, day, purpose, {NEXT_ORDER} FROM touchpoints")
        orders = frame(f"SELECT account_id, ordered_on, {NEXT_FOLLOW} FROM orders")
        gaps = frame(f"SELECT order_id, line_no, {BUNDLE_GAP} FROM order_lines")
        sums = frame(f"SELECT * FROM {PAIR_SUMS}")
        return touches, orders, gaps, sums, copy.pair_sums


def _days(col: str) -> pl.Expr:
    return (pl.col(col) - pl.date(1970, 1, 1)).dt.total_days().cast(pl.Int32)


def _plain_gaps(fresh: dict[str, pa.Table]) -> pl.DataFrame:
    """Per order line: the days to the account's nearest order billing its product in a
    bundle, for priced lines of standalone products (else null)."""
    frames = {name: pl.from_arrow(table) for name, table in fresh.items()}
    lines, orders, products = frames["order_lines"], frames["orders"], frames["products"]
    assert isinstance(lines, pl.DataFrame)
    assert isinstance(orders, pl.DataFrame)
    assert isinstance(products, pl.DataFrame)
    kinds = dict(zip(products["sku"], products["kind"], strict=True))
    parts = {
        sku: [p.strip() for p in (includes or "").split(";")]
        for sku, kind, includes in products.iter_rows()
        if kind == "bundle"
    }
    where = {
        o: (a, d) for o, a, d in orders.select("order_id", "account_id", "ordered_on").iter_rows()
    }
    bundled: dict[tuple[str, str], list[date]] = {}  # (account, part) → days billed in a bundle
    for order_id, _, sku, _, _ in lines.iter_rows():
        for part in parts.get(sku, []):
            account, day = where[order_id]
            bundled.setdefault((account, part), []).append(day)
    out = []
    for order_id, line_no, sku, _, price in lines.iter_rows():
        account, day = where[order_id]
        days = bundled.get((account, sku), []) if kinds.get(sku, "bundle") != "bundle" else []
        gap = min((abs((day - b).days) for b in days), default=None) if price > 0 else None
        out.append((order_id, line_no, gap))
    return pl.DataFrame(
        out, schema={"order_id": pl.String, "line_no": pl.Int64, BUNDLE_GAP: pl.Int32}, orient="row"
    )


def _assert_kept_current(db: Path) -> None:
    """Every kept fact equals the same fact worked out here, plainly, from SQLite's rows."""
    touches, orders, gaps, sums, (half_life, ref_day, newest) = _kept_of(db)
    fresh = read_sqlite(db, ("touchpoints", "orders", "order_lines", "products"))
    assert gaps.equals(_sorted(_plain_gaps(fresh)))
    tp = pl.from_arrow(fresh["touchpoints"])
    od = pl.from_arrow(fresh["orders"])
    assert isinstance(tp, pl.DataFrame)
    assert isinstance(od, pl.DataFrame)
    tp, od = tp.with_columns(d=_days("day")), od.with_columns(d=_days("ordered_on"))
    ahead = tp.join(od.select("account_id", o="d"), on="account_id", how="left")
    next_order = ahead.group_by("account_id", "day", "purpose", "d", maintain_order=True).agg(
        pl.col("o").filter(pl.col("o") >= pl.col("d")).min().alias(NEXT_ORDER)
    )
    follow = tp.filter(pl.col("purpose").is_in(["insight", "guidance", "support", "social"]))
    after = od.join(follow.select("account_id", t="d"), on="account_id", how="left")
    next_follow = after.group_by("account_id", "ordered_on", "d", maintain_order=True).agg(
        pl.col("t").filter(pl.col("t") > pl.col("d")).min().alias(NEXT_FOLLOW)
    )
    assert touches.equals(_sorted(next_order.drop("d")))
    assert orders.equals(_sorted(next_follow.drop("d")))
    assert newest == tp["d"].max()
    rows: dict[tuple[str, str], list[int]] = {}
    for user, contacts, day, direction in tp.select(
        "user_id", "contact_ids", "d", "direction"
    ).iter_rows():
        if contacts is None:
            continue
        units = round(math.exp((day - ref_day) * math.log(2) / half_life) * 1e12)
        two_way = direction != "outbound"
        for contact in contacts.split(";"):
            got = rows.setdefault((user, contact.strip()), [0, 0, 0, 0])
            got[0] += 1
            got[1] += two_way
            got[2] += units
            got[3] += units if two_way else 0
    assert sums.height == len(rows)
    for user, contact, n, n_two_way, weight, two_way_weight in sums.iter_rows():
        want = rows[(user, contact)]
        assert [n, n_two_way] == want[:2]
        assert weight == pytest.approx(want[2], abs=n)
        assert two_way_weight == pytest.approx(want[3], abs=n)


def _ledger_of(db: Path) -> dict[str, pl.DataFrame]:
    """Each table read afresh from SQLite."""
    out = {}
    for name, table in read_sqlite(db, NAMES).items():
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        out[name] = _sorted(frame)
    return out


def _assert_current(db: Path) -> None:
    copy, ledger = _copy_of(db), _ledger_of(db)
    for name in NAMES:
        assert copy[name].equals(ledger[name]), name
    _assert_kept_current(db)


def _sql(db: Path, *statements: str) -> None:
    con = sqlite3.connect(db)
    with con:
        for statement in statements:
            con.execute(statement)
    con.close()


def _log_size(db: Path) -> int:
    con = sqlite3.connect(db)
    (n,) = con.execute("SELECT count(*) FROM ledger_changes").fetchone()
    con.close()
    return int(n)


def test_every_mirrored_table_logs_its_updates_and_deletes(db: Path) -> None:
    con = sqlite3.connect(db)
    triggers = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    con.close()
    assert triggers == {name for table in NAMES for name in trigger_names(table)}


def test_the_first_analysis_builds_the_copy(db: Path) -> None:
    assert not mirror_path(db).exists()
    _assert_current(db)
    assert mirror_path(db).exists()
    assert _copy_of(db)["touchpoints"].height == 4


def test_updates_deletes_and_inserts_by_any_writer_reach_the_copy(db: Path) -> None:
    _copy_of(db)  # built
    _sql(
        db,
        "UPDATE touchpoints SET direction = 'outbound' WHERE touchpoint_id = 'T1'",
        "DELETE FROM invoices WHERE invoice_id = (SELECT min(invoice_id) FROM invoices)",
        "INSERT INTO feedback (feedback_id, account_id, received_on, kind, score) "
        "VALUES ('F99', 'A2', '2026-03-01', 'nps', 3)",
    )
    assert _log_size(db) == 2  # the update and the delete; the insert needs no entry
    _assert_current(db)
    copy = _copy_of(db)
    assert copy["feedback"].filter(pl.col("feedback_id") == "F99")["score"].to_list() == [3.0]
    assert _log_size(db) == 0  # pruned once the copy has seen it


def test_a_log_pruned_empty_does_not_make_every_later_analysis_rebuild_the_copy(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accord.analytics import mirror

    _copy_of(db)
    _sql(db, "UPDATE touchpoints SET direction = 'outbound' WHERE touchpoint_id = 'T1'")
    _copy_of(db)  # catches up, then prunes the log empty
    assert _log_size(db) == 0
    rebuilt: list[str] = []
    read_delta = mirror._read_delta

    def watched(path: Path, name: str, since: object) -> object:
        if since is None:
            rebuilt.append(name)
        return read_delta(path, name, since)  # type: ignore[arg-type]

    monkeypatch.setattr(mirror, "_read_delta", watched)
    for _ in range(3):
        _copy_of(db)
    _sql(db, "DELETE FROM feedback WHERE rowid = (SELECT min(rowid) FROM feedback)")
    _assert_current(db)
    assert rebuilt == []


def test_a_reused_rowid_is_not_mistaken_for_a_known_row(db: Path) -> None:
    """Deleting the newest row lets SQLite give its rowid to the next insert."""
    _copy_of(db)
    _sql(
        db,
        "DELETE FROM touchpoints WHERE rowid = (SELECT max(rowid) FROM touchpoints)",
        "INSERT INTO touchpoints (touchpoint_id, account_id, occurred_at, channel, direction, "
        "purpose) VALUES ('T99', 'A3', '2026-04-01 09:00:00.000000', 'call', 'inbound', 'support')",
    )
    _assert_current(db)
    assert _copy_of(db)["touchpoints"].height == 4


def test_a_reimport_with_changed_rows_reaches_the_copy(db: Path, bundle: Path) -> None:
    _copy_of(db)
    path = bundle / "touchpoints.csv"
    path.write_text(
        path.read_text().replace(
            "T1,A1,2026-01-05T10:00:00,meeting,mutual", "T1,A1,2026-01-05T10:00:00,meeting,inbound"
        )
    )
    report = services.import_bundle(url=f"sqlite:///{db}", directory=bundle)
    assert report.changed == 1
    _assert_current(db)
    directions = _copy_of(db)["touchpoints"].filter(pl.col("day") == date(2026, 1, 5))
    assert directions["direction"].to_list() == ["inbound"]


def test_a_replaced_database_file_is_copied_afresh(db: Path, tmp_path: Path) -> None:
    before = tmp_path / "before.db"
    shutil.copy(db, before)
    _copy_of(db)
    _sql(db, "UPDATE touchpoints SET direction = 'outbound' WHERE touchpoint_id = 'T1'")
    _copy_of(db)  # has seen the update (and pruned its log entry)
    # Restore the old file under the same name: a new file, whose changes were never logged.
    shutil.copy(before, tmp_path / "restored.db")
    (tmp_path / "restored.db").replace(db)
    _assert_current(db)
    t1 = _copy_of(db)["touchpoints"].filter(pl.col("day") == date(2026, 1, 5))
    assert t1["direction"].to_list() == ["mutual"]


def test_a_log_pruned_past_the_copy_rebuilds_it(db: Path) -> None:
    _copy_of(db)
    _sql(db, "UPDATE orders SET amount = amount + 1")
    _sql(db, "DELETE FROM ledger_changes")  # as if another copy had pruned it
    _assert_current(db)


def test_a_copy_that_disagrees_with_sqlite_is_rebuilt(db: Path) -> None:
    _copy_of(db)
    con = duckdb.connect(str(mirror_path(db)))
    con.execute('UPDATE ledger."orders" SET _rowid = _rowid + 1000')  # damaged behind our back
    con.close()
    _assert_current(db)


def test_a_damaged_copy_file_is_started_afresh(db: Path) -> None:
    mirror_path(db).write_bytes(b"not a duckdb file" * 100)
    _assert_current(db)


def test_a_copy_held_by_another_process_is_skipped(db: Path) -> None:
    _copy_of(db)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(mirror_path(db))!r}); "
            "print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with open_mirror(db, NAMES) as copy:
            assert copy is None
        url = f"sqlite:///{db}"
        day = date(2026, 6, 30)
        with open_ledger(url) as ledger:  # falls back to reading SQLite
            held = pl.from_arrow(ledger.to_arrow(account_features(ledger, day, Settings())))
    finally:
        holder.communicate("")
    with open_ledger(url) as ledger:
        free = pl.from_arrow(ledger.to_arrow(account_features(ledger, day, Settings())))
    assert isinstance(held, pl.DataFrame)
    assert isinstance(free, pl.DataFrame)
    assert held.sort("account_id").equals(free.sort("account_id"))


def test_features_from_the_copy_equal_features_read_afresh(tmp_path: Path) -> None:
    bundle, path = tmp_path / "gen", tmp_path / "gen.db"
    services.generate_bundle(directory=bundle, accounts=300, seed=4)
    url = f"sqlite:///{path}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=bundle)
    day = date(2026, 6, 30)  # the book's newest touchpoint: the kept sums' reference day
    results = []
    for mirror in (True, False, True):  # build, afresh, then current
        with open_ledger(url, mirror=mirror, half_life_days=HALF_LIFE) as ledger:
            assert (ledger.pair_sums is not None) == mirror
            frame = pl.from_arrow(ledger.to_arrow(account_features(ledger, day, Settings())))
        assert isinstance(frame, pl.DataFrame)
        results.append(frame.sort("account_id"))
    assert results[0].height == 300
    for kept_fact in ("n_pre_order", "n_followed", "n_double_lines", "n_known"):
        assert results[1][kept_fact].sum() > 0, kept_fact  # the book exercises each
    assert results[0].equals(results[1])
    assert results[2].equals(results[1])


def test_kept_strength_sums_serve_later_dates_and_earlier_ones_read_the_rows(
    tmp_path: Path,
) -> None:
    bundle, path = tmp_path / "gen", tmp_path / "gen.db"
    services.generate_bundle(directory=bundle, accounts=200, seed=7)
    url = f"sqlite:///{path}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=bundle)
    for day in (date(2026, 9, 30), date(2026, 3, 31)):  # after the newest touchpoint; before
        frames = []
        for mirror in (True, False):
            with open_ledger(url, mirror=mirror, half_life_days=HALF_LIFE) as ledger:
                got = pl.from_arrow(ledger.to_arrow(account_features(ledger, day, Settings())))
            assert isinstance(got, pl.DataFrame)
            frames.append(got.sort("account_id"))
        kept, afresh = frames
        # Later dates scale the kept sums down: equal to the last few binary digits.
        strength = "decision_maker_strength"
        assert kept[strength].fill_null(-1).to_list() == pytest.approx(
            afresh[strength].fill_null(-1).to_list(), rel=1e-12
        )
        assert kept.drop(strength).equals(afresh.drop(strength))
        assert afresh["n_known"].sum() > 0


def test_a_copy_that_cannot_be_written_is_done_without(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accord.analytics import mirror

    def full_disk(*_args: object) -> bool:
        raise duckdb.IOException("No space left on device")

    monkeypatch.setattr(mirror, "_apply", full_disk)
    with open_mirror(db, NAMES) as copy:
        assert copy is None
    day = date(2026, 6, 30)
    with open_ledger(f"sqlite:///{db}") as ledger:  # reads SQLite directly
        frame = pl.from_arrow(ledger.to_arrow(account_features(ledger, day, Settings())))
    assert isinstance(frame, pl.DataFrame)
    assert frame.height == 3


def _gap(db: Path, order_id: str) -> int | None:
    gaps = _kept_of(db)[2].filter(pl.col("order_id") == order_id)
    return gaps[BUNDLE_GAP].to_list()[0]  # type: ignore[no-any-return]


def test_changed_bundles_and_order_lines_reach_the_kept_gaps(db: Path) -> None:
    _assert_current(db)
    assert _gap(db, "O2") == 68  # A1's anvils, 68 days after its starter bundle
    _sql(db, "UPDATE products SET includes = 'SKU-S' WHERE sku = 'SKU-B'")
    _assert_current(db)
    assert _gap(db, "O2") is None  # the bundle no longer holds an anvil
    _sql(
        db,
        "UPDATE products SET includes = 'SKU-A; SKU-S' WHERE sku = 'SKU-B'",
        "INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price) "
        "VALUES ('O3', 2, 'SKU-B', 1, 500)",
    )
    _assert_current(db)
    assert _gap(db, "O3") == 0  # A2's setup service, billed beside a bundle holding it
    assert _gap(db, "O2") == 68
    _sql(db, "DELETE FROM order_lines WHERE order_id = 'O1'")
    _assert_current(db)
    assert _gap(db, "O2") is None
