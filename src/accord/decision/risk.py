"""The risk register of a change, ordered by exposure = likelihood × impact (each 1–5).

Levels, for the reader: high from 15, medium from 8, low below. Active risks
(open, mitigated, occurred) come first, by exposure, then impact, then
likelihood, then id; closed ones last, in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

HIGH_FROM = 15
MEDIUM_FROM = 8


@dataclass(frozen=True, slots=True)
class Risk:
    risk_id: str
    description: str
    likelihood: int
    impact: int
    mitigation: str | None = None
    owner_side: str | None = None  # us | them | both
    status: str = "open"  # open | mitigated | occurred | closed

    @property
    def exposure(self) -> int:
        return self.likelihood * self.impact

    @property
    def level(self) -> str:
        if self.exposure >= HIGH_FROM:
            return "high"
        return "medium" if self.exposure >= MEDIUM_FROM else "low"

    @property
    def active(self) -> bool:
        return self.status != "closed"


def register(risks: list[Risk]) -> list[Risk]:
    """The risks in the order to discuss them (see the module docstring)."""
    return sorted(
        risks,
        key=lambda r: (not r.active, -r.exposure, -r.impact, -r.likelihood, r.risk_id),
    )


def unmitigated(risks: list[Risk]) -> list[Risk]:
    """Active risks of medium or high exposure with no mitigation written down."""
    return [
        r for r in register(risks) if r.active and r.exposure >= MEDIUM_FROM and not r.mitigation
    ]
