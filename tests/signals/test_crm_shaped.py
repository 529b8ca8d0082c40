"""Issue 16, case 6: the generated book as a CRM exports it — no purpose, no tags, no
order cost or list price.

Before signals, 7 of 15 detectors never fired there, `hostage` fired on 151 of
2,000 accounts at precision 0.54 ("no insight or guidance touchpoint" is trivially
true when nobody labels purpose) and mean health fell from 76.0 to 61.8. Now the
purposes are read from the summaries, a detector whose input is missing says
`not_judged` with the reason, and nothing fires on a label that is absent.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from accord import services
from accord.health import Diagnosis

ACCOUNTS = 300


def _crm_shaped(src: Path, dst: Path) -> Path:
    dst.mkdir()
    blank: dict[str, tuple[str, ...]] = {
        "touchpoints.csv": ("purpose", "tags"),
        "feedback.csv": ("tags",),
        "orders.csv": ("cost", "list_amount"),
    }
    for f in src.iterdir():
        if f.name in blank:
            frame = pl.read_csv(f, infer_schema=False)
            frame = frame.with_columns(
                pl.lit(None, dtype=pl.String).alias(c) for c in blank[f.name]
            )
            frame.write_csv(dst / f.name)
        else:
            (dst / f.name).write_bytes(f.read_bytes())
    return dst


def _diagnose(bundle: Path, db: Path) -> Diagnosis:
    url = f"sqlite:///{db}"
    services.init_database(url=url)
    services.import_bundle(url=url, directory=bundle)
    day = date.fromisoformat((bundle / "as_of.txt").read_text().strip())
    return services.diagnose(url=url, as_of=day)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("crm-shaped")
    labelled = tmp / "labelled"
    services.generate_bundle(directory=labelled, accounts=ACCOUNTS, seed=1, as_of=None)
    crm = _crm_shaped(labelled, tmp / "crm")
    truth = pl.read_csv(labelled / "truth.csv", infer_schema=False)
    planted = {
        a: set((p or "").split(";")) - {""}
        for a, p in zip(truth["account_id"], truth["patterns"], strict=True)
    }
    return {
        "labelled": _diagnose(labelled, tmp / "labelled.db"),
        "crm": _diagnose(crm, tmp / "crm.db"),
        "planted": planted,
    }


def _fired(d: Diagnosis, pattern: str) -> set[str]:
    return {a for a, ids in d.pattern_ids().items() if pattern in ids}


def _unjudged(d: Diagnosis, pattern: str) -> set[str]:
    return set(d.not_judged.filter(pl.col("id") == pattern)["account_id"].to_list())


def test_hostage_and_visitor_never_fire_on_missing_labels(books: dict[str, Any]) -> None:
    crm, planted = books["crm"], books["planted"]
    for pattern in ("hostage", "professional_visitor", "transactional"):
        want = {a for a, ps in planted.items() if pattern in ps}
        got = _fired(crm, pattern)
        assert got <= want, pattern  # precision 1.0: nothing fires on an absent label
        # every planted case is found, or said to be undecidable
        assert want <= got | _unjudged(crm, pattern), pattern
        assert len(got) >= 0.6 * len(want), pattern  # the summaries tell most of them


def test_rules_without_their_inputs_say_why(books: dict[str, Any]) -> None:
    crm, planted = books["crm"], books["planted"]
    records = {r["account_id"]: r for r in crm.records()}
    for pattern, says in (
        ("margin_giveaway", "no order in the book has a list price"),
        ("quota_pressure", "no order in the book has a list price"),
        ("win_lose", "has a cost, so the gross margin is unknown"),
    ):
        want = {a for a, ps in planted.items() if pattern in ps}
        assert want, pattern
        assert not _fired(crm, pattern), pattern
        for account in want:
            reasons = {n["id"]: n["reason"] for n in records[account]["not_judged"]}
            assert says in reasons[pattern], (pattern, account)


def test_the_detectors_whose_inputs_are_there_still_fire(books: dict[str, Any]) -> None:
    crm, labelled = books["crm"], books["labelled"]
    for pattern in (
        "terms_dictated",
        "broken_promises_ours",
        "broken_promises_theirs",
        "double_billing",
        "fading",
        "hostage",
        "transactional",
    ):
        assert _fired(crm, pattern), pattern
        assert _fired(crm, pattern) <= _fired(labelled, pattern) | _unjudged(crm, pattern)


def test_mean_health_holds_without_labels(books: dict[str, Any]) -> None:
    labelled = books["labelled"].accounts["score"].mean()
    crm = books["crm"].accounts["score"].mean()
    assert isinstance(labelled, float)
    assert isinstance(crm, float)
    # 76.0 → 61.8 before; the unlabelled book now stays within 4 points
    assert abs(labelled - crm) < 4.0
