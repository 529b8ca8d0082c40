"""The customer's decision matrix: weighted scores, an honest ranking, and its sensitivity.

Every alternative the customer has — us, competitors, doing nothing, building
it themselves — is scored 0–10 on the customer's own criteria. Weights are any
non-negative numbers, normalised to sum to 1, so the weighted score of an
alternative is Σ wᵢ·sᵢ / Σ wᵢ (0–10).

Sensitivity (docs/decision.md): for the winner W and a challenger J,
D = Σ rᵢ·(s_Wi − s_Ji) with the raw weights r. Changing one raw weight r_k by Δ
(the others unchanged, all renormalised) changes the sign of the score gap
exactly when D + Δ·d_k crosses 0, where d_k = s_Wk − s_Jk; renormalising
divides both scores by the same positive total and so does not move the
crossing. The crossing is Δ = −D / d_k, allowed when r_k + Δ ≥ 0. We report
it as the change of criterion k's normalised weight, in points
((r_k + Δ)/(R + Δ) − r_k/R), and keep the smallest over every criterion and
challenger: the smallest single change of emphasis at which the customer's
best choice ties and then changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_EPS = 1e-12


@dataclass(frozen=True, slots=True)
class Criterion:
    criterion_id: str
    name: str
    weight: float  # raw, as entered
    business_driver: str | None = None


@dataclass(frozen=True, slots=True)
class Alternative:
    alternative_id: str
    name: str
    kind: str  # us | competitor | do_nothing | build_in_house


@dataclass(frozen=True, slots=True)
class Ranked:
    """One alternative's place: its weighted score (0–10), rank (1 = best; ties share)."""

    alternative: Alternative
    score: float
    rank: int


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """The smallest change of one criterion's weight at which `challenger` ties the winner."""

    criterion_id: str
    challenger_id: str
    raw_weight: float  # the raw weight before
    raw_weight_at_tie: float  # the raw weight at which the two tie
    share: float  # normalised weight before (0–1)
    share_at_tie: float  # normalised weight at the tie (0–1)

    @property
    def points(self) -> float:
        """The change in normalised weight, in percentage points (signed)."""
        return 100.0 * (self.share_at_tie - self.share)


@dataclass(frozen=True, slots=True)
class Warning:
    code: str  # no_criteria | weights_zero | unscored | no_alternatives | no_us
    message: str


@dataclass(frozen=True)
class Matrix:
    """The whole matrix of one opportunity, ready to show or to judge."""

    criteria: tuple[Criterion, ...]
    alternatives: tuple[Alternative, ...]
    scores: dict[tuple[str, str], float]  # (alternative_id, criterion_id) → 0–10
    rationales: dict[tuple[str, str], str]
    ranking: tuple[Ranked, ...]  # ranked alternatives, best first
    unranked: tuple[Alternative, ...]  # alternatives with a missing score
    sensitivity: Sensitivity | None  # None: no single weight change changes the winner
    warnings: tuple[Warning, ...] = field(default=())

    @property
    def total_weight(self) -> float:
        return sum(c.weight for c in self.criteria)

    def share(self, criterion_id: str) -> float:
        total = self.total_weight
        weight = next(c.weight for c in self.criteria if c.criterion_id == criterion_id)
        return weight / total if total > 0 else 0.0

    @property
    def winner(self) -> Ranked | None:
        return self.ranking[0] if self.ranking else None

    @property
    def tied(self) -> bool:
        """Whether two or more alternatives share first place."""
        return len(self.ranking) > 1 and self.ranking[1].rank == 1

    @property
    def best_us(self) -> Ranked | None:
        return next((r for r in self.ranking if r.alternative.kind == "us"), None)

    @property
    def us_is_best(self) -> bool | None:
        """True when one of our alternatives is (jointly) first; None when we are not ranked."""
        us = self.best_us
        return None if us is None else us.rank == 1

    def has(self, code: str) -> bool:
        return any(w.code == code for w in self.warnings)


def build_matrix(
    criteria: list[Criterion],
    alternatives: list[Alternative],
    scores: dict[tuple[str, str], float],
    rationales: dict[tuple[str, str], str] | None = None,
) -> Matrix:
    """Score, rank and test the sensitivity of one opportunity's alternatives.

    Problems the customer should fix are warnings, never silent zeros: no
    criteria, weights that are all 0 (then nothing is ranked), an alternative
    missing a score (it is left out of the ranking and named), no "us" among
    the alternatives.
    """
    crit = tuple(sorted(criteria, key=lambda c: c.criterion_id))
    alts = tuple(sorted(alternatives, key=lambda a: a.alternative_id))
    warnings: list[Warning] = []
    if not crit:
        warnings.append(
            Warning("no_criteria", "no decision criteria yet: agree them with the customer")
        )
    if not alts:
        warnings.append(Warning("no_alternatives", "no alternatives yet: list what they compare"))
    total = sum(c.weight for c in crit)
    if crit and total <= 0:
        warnings.append(
            Warning(
                "weights_zero",
                "the criteria weights are all 0: give at least one criterion a positive weight",
            )
        )
    complete: list[Alternative] = []
    unranked: list[Alternative] = []
    for alt in alts:
        missing = [
            c.criterion_id for c in crit if (alt.alternative_id, c.criterion_id) not in scores
        ]
        if missing and crit:
            unranked.append(alt)
            warnings.append(
                Warning(
                    "unscored",
                    f"alternative {alt.alternative_id!r} ({alt.name}) has no score on "
                    f"{', '.join(repr(m) for m in missing)}: it is left out of the ranking",
                )
            )
        else:
            complete.append(alt)
    if alts and not any(a.kind == "us" for a in alts):
        warnings.append(Warning("no_us", "none of the alternatives is ours"))
    ranking: tuple[Ranked, ...] = ()
    sensitivity = None
    if crit and total > 0 and complete:
        weighted = {
            a.alternative_id: sum(
                c.weight * scores[(a.alternative_id, c.criterion_id)] for c in crit
            )
            / total
            for a in complete
        }
        ranking = _rank(complete, weighted)
        sensitivity = _sensitivity(crit, ranking, scores)
    return Matrix(
        crit,
        alts,
        dict(scores),
        dict(rationales or {}),
        ranking,
        tuple(unranked),
        sensitivity,
        tuple(warnings),
    )


def _rank(alts: list[Alternative], weighted: dict[str, float]) -> tuple[Ranked, ...]:
    """Best first; equal scores (to 1e-9) share a rank; ties listed by id."""
    order = sorted(alts, key=lambda a: (-round(weighted[a.alternative_id], 9), a.alternative_id))
    out: list[Ranked] = []
    for i, alt in enumerate(order):
        score = weighted[alt.alternative_id]
        tie = out and abs(out[-1].score - score) <= 1e-9
        out.append(Ranked(alt, score, out[-1].rank if tie else i + 1))
    return tuple(out)


def _sensitivity(
    crit: tuple[Criterion, ...],
    ranking: tuple[Ranked, ...],
    scores: dict[tuple[str, str], float],
) -> Sensitivity | None:
    """The smallest single-weight change (in normalised points) at which a challenger ties
    the winner (closed form, see the module docstring); None when there is none."""
    if len(ranking) < 2:
        return None
    winner = ranking[0].alternative.alternative_id
    total = sum(c.weight for c in crit)
    best: Sensitivity | None = None
    for challenger in ranking[1:]:
        cid = challenger.alternative.alternative_id
        d = {
            c.criterion_id: scores[(winner, c.criterion_id)] - scores[(cid, c.criterion_id)]
            for c in crit
        }
        gap = sum(c.weight * d[c.criterion_id] for c in crit)  # = total × score gap ≥ 0
        for c in crit:
            dk = d[c.criterion_id]
            if abs(dk) < _EPS:
                continue
            delta = -gap / dk
            new_raw = c.weight + delta
            if new_raw < -_EPS or total + delta <= _EPS:
                continue  # the weight would have to go below 0
            new_raw = max(new_raw, 0.0)
            found = Sensitivity(
                c.criterion_id,
                cid,
                c.weight,
                new_raw,
                c.weight / total,
                new_raw / (total + delta),
            )
            if best is None or (abs(found.points), found.criterion_id, cid) < (
                abs(best.points),
                best.criterion_id,
                best.challenger_id,
            ):
                best = found
    return best
