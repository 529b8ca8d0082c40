"""Scoring the detectors against a book's planted truth, honestly.

Two things decide whether a precision or recall means anything:

* **not judged** — a detector that lacks an input for an account (no cost, no
  list price, no purpose) says so (`not_judged` in `accord diagnose --format
  json`) instead of firing or staying silent. Such accounts are left out of
  that pattern's planted, detected and true-positive counts and reported as a
  count apart: a detector is not scored on accounts the book cannot judge.
* **inputs the book holds** — `book_inputs` reads the bundle's files and
  measures, per input a rule reads, how much of it the book gives (order cost
  on 70 % of orders, purpose labelled on none but told in summaries on 95 %).
  A pattern whose input is missing altogether cannot be found by any detector;
  the report names it, so a 0.000 is read as "not in this book", not "broken".

Pure over frames and sets (the orchestration is `services.evaluate`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from accord.domain.enums import PATTERN_IDS

SCORED = (*PATTERN_IDS, "healthy")

BEHAVIOUR_TAGS = frozenset(
    {"aggressive", "threat", "bullying", "ultimatum", "unilateral_change", "complaint", "praise"}
)

# What each rule of SPEC section 4 reads, by the names of `INPUTS`.
NEEDS: dict[str, tuple[str, ...]] = {
    "transactional": ("orders", "touchpoints", "touchpoint purpose"),
    "terms_dictated": ("invoices",),
    "over_servicing": ("orders", "order cost", "service hours"),
    "professional_visitor": ("touchpoints", "touchpoint purpose"),
    "broken_promises_ours": ("our commitments",),
    "broken_promises_theirs": ("their commitments",),
    "margin_giveaway": ("orders", "list price"),
    "quota_pressure": ("orders", "list price"),
    "win_lose": ("orders", "order cost", "satisfaction"),
    "friendship_over_profit": ("touchpoints", "touchpoint purpose", "orders", "order cost"),
    "hostage": ("orders", "satisfaction", "touchpoint purpose"),
    "double_billing": ("order lines", "bundles"),
    "fading": ("orders", "touchpoints"),
    "abusive": ("behaviour tags",),
    "big_brother": ("behaviour tags",),
    "healthy": (),
}


@dataclass(frozen=True, slots=True)
class InputCoverage:
    """How much of one input the book gives.

    `rows` is how many rows could hold it; `given` the share that do (1.0 for
    an input that is a whole table, when it has rows); `from_text` the share
    of rows whose free text could tell it instead (purpose and behaviour tags
    only: summaries, feedback text), else None.
    """

    name: str
    rows: int
    given: float
    from_text: float | None = None
    whole: bool = False  # a table of its own: present when it has rows

    @property
    def exists(self) -> bool:
        return self.rows > 0 and (self.given > 0 or bool(self.from_text))

    def describe(self) -> str:
        if self.rows == 0:
            return "absent"
        if self.whole:
            return f"{self.rows:,} rows"
        given = f"{self.given:.0%} given"
        if self.from_text is None:
            return given
        return f"{given}, {self.from_text:.0%} told in text"


def _read(directory: Path, name: str, columns: Iterable[str]) -> pl.DataFrame:
    """The named columns of a bundle file as text (missing file or column: null)."""
    wanted = list(columns)
    path = directory / name
    if not path.is_file():
        return pl.DataFrame(schema=dict.fromkeys(wanted, pl.String))
    frame = pl.read_csv(path, infer_schema=False, columns=None)
    return frame.select(
        pl.col(c) if c in frame.columns else pl.lit(None, pl.String).alias(c) for c in wanted
    )


def _given(frame: pl.DataFrame, column: str) -> float:
    if frame.height == 0:
        return 0.0
    filled = frame[column].str.strip_chars().replace("", None).is_not_null().sum()
    return float(filled) / frame.height


def _whole(name: str, rows: int) -> InputCoverage:
    return InputCoverage(name, rows, 1.0 if rows else 0.0, whole=True)


def book_inputs(directory: Path) -> dict[str, InputCoverage]:
    """Every input a rule reads, with how much of it the bundle in `directory` gives."""
    orders = _read(directory, "orders.csv", ("cost", "list_amount"))
    touches = _read(directory, "touchpoints.csv", ("purpose", "summary", "tags"))
    feedback = _read(directory, "feedback.csv", ("kind", "score", "text", "tags"))
    service = _read(directory, "service_log.csv", ("hours", "in_scope"))
    commitments = _read(directory, "commitments.csv", ("side",))
    lines = _read(directory, "order_lines.csv", ("sku",))
    products = _read(directory, "products.csv", ("kind",))
    invoices = _read(directory, "invoices.csv", ("issued_on",))

    rated = feedback.filter(
        pl.col("kind").is_in(["complaint"]) | pl.col("score").str.strip_chars().ne("")
    )
    texts = pl.concat([touches.select(text="summary"), feedback.select(text="text")])
    tags = pl.concat([touches.select("tags"), feedback.select("tags")])
    tagged = tags["tags"].fill_null("").str.strip_chars().ne("")
    found = {
        _whole("orders", orders.height),
        InputCoverage("order cost", orders.height, _given(orders, "cost")),
        InputCoverage("list price", orders.height, _given(orders, "list_amount")),
        _whole("touchpoints", touches.height),
        InputCoverage(
            "touchpoint purpose",
            touches.height,
            _given(touches, "purpose"),
            _given(touches, "summary"),
        ),
        InputCoverage(
            "behaviour tags",
            tags.height,
            float(tagged.sum()) / tags.height if tags.height else 0.0,
            _given(texts, "text"),
        ),
        _whole("invoices", invoices.height),
        _whole("service hours", service.height),
        InputCoverage("in-scope flags", service.height, _given(service, "in_scope")),
        _whole("our commitments", commitments.filter(pl.col("side") == "us").height),
        _whole("their commitments", commitments.filter(pl.col("side") == "them").height),
        _whole("satisfaction", rated.height),
        _whole("order lines", lines.height),
        _whole("bundles", products.filter(pl.col("kind") == "bundle").height),
    }
    return {c.name: c for c in sorted(found, key=lambda c: c.name)}


def missing_inputs(pattern: str, inputs: Mapping[str, InputCoverage]) -> list[str]:
    """The inputs `pattern`'s rule reads that the book does not hold at all."""
    return [name for name in NEEDS[pattern] if not inputs[name].exists]


@dataclass(frozen=True, slots=True)
class PatternScore:
    """How one pattern's detector did, over the accounts it judged.

    `planted`, `detected` and `true_positives` count judged accounts only;
    `not_judged` is how many accounts the detector could not judge (of them,
    `planted_not_judged` were planted with the pattern).
    """

    pattern: str
    planted: int
    detected: int
    true_positives: int
    not_judged: int = 0
    planted_not_judged: int = 0
    missing_inputs: tuple[str, ...] = ()

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.detected if self.detected else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.planted if self.planted else None

    @property
    def inputs_exist(self) -> bool:
        return not self.missing_inputs


@dataclass(frozen=True, slots=True)
class Scored:
    scores: list[PatternScore]
    mistakes: dict[str, dict[str, list[str]]]  # pattern → {"missed": [...], "false": [...]}


def score_patterns(
    planted: Mapping[str, Iterable[str]],
    fired: Mapping[str, Iterable[str]],
    not_judged: Mapping[str, Iterable[str]],
    inputs: Mapping[str, InputCoverage] | None = None,
) -> Scored:
    """Precision and recall per pattern over the accounts each detector judged.

    `planted`: account → its planted pattern ids (`healthy` for model
    accounts); `fired`: account → the ids diagnose reported; `not_judged`:
    account → the ids diagnose could not judge for it. Accounts of the truth
    only are scored (a diagnosed account missing from the truth counts as
    planted with nothing).
    """
    accounts = set(planted)
    want_of = {a: set(ps) for a, ps in planted.items()}
    got_of = {a: set(fired.get(a, ())) for a in accounts}
    skip_of = {a: set(not_judged.get(a, ())) for a in accounts}
    scores: list[PatternScore] = []
    mistakes: dict[str, dict[str, list[str]]] = {}
    for pattern in SCORED:
        skipped = {a for a in accounts if pattern in skip_of[a]}
        judged = accounts - skipped
        want = {a for a in judged if pattern in want_of[a]}
        got = {a for a in judged if pattern in got_of[a]}
        missing = tuple(missing_inputs(pattern, inputs)) if inputs is not None else ()
        scores.append(
            PatternScore(
                pattern,
                planted=len(want),
                detected=len(got),
                true_positives=len(want & got),
                not_judged=len(skipped),
                planted_not_judged=sum(1 for a in skipped if pattern in want_of[a]),
                missing_inputs=missing,
            )
        )
        mistakes[pattern] = {"missed": sorted(want - got), "false": sorted(got - want)}
    return Scored(scores, mistakes)


def not_judged_of(diagnosis: object) -> dict[str, list[str]]:
    """account → the pattern ids its diagnosis could not judge.

    Read, cheapest first, from a `not_judged` frame (account_id, id), a
    `not_judged` column of its accounts frame (a list of ids or of {id,
    reason}), else its JSON records' `not_judged` lists (the contract of
    `accord diagnose --format json`); a diagnosis with none of them judged
    everything.
    """
    frame = getattr(diagnosis, "not_judged", None)
    out: dict[str, list[str]] = {}
    if isinstance(frame, pl.DataFrame) and {"account_id", "id"} <= set(frame.columns):
        for account, pattern in frame.select("account_id", "id").iter_rows():
            out.setdefault(str(account), []).append(str(pattern))
        return out
    accounts = getattr(diagnosis, "accounts", None)
    if isinstance(accounts, pl.DataFrame) and "not_judged" in accounts.columns:
        for account, items in accounts.select("account_id", "not_judged").iter_rows():
            ids = [str(i["id"]) if isinstance(i, dict) else str(i) for i in items or []]
            if ids:
                out[str(account)] = ids
        return out
    records = getattr(diagnosis, "records", None)
    if not callable(records):
        return out
    for record in records():
        skipped = record.get("not_judged") or []
        if skipped:
            out[record["account_id"]] = [str(s["id"]) for s in skipped]
    return out
