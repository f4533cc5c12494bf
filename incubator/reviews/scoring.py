"""The maths of review, exactly as DESIGN.md section 3 "Scoring". No Flask, no database.

A criterion score `s` on scale [lo, hi] counts as (s - lo) / (hi - lo); a review's score is
100 * sum(w * norm) / sum(w) over the criteria not marked n/a (n/a never counts as zero).
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class CriterionScore:
    weight: float
    lo: int
    hi: int
    value: int | None  # None: n/a (or not scored yet)


def review_score(scores: list[CriterionScore]) -> float | None:
    """100 * sum(w * norm) / sum(w) over the criteria not marked n/a; None if all are n/a."""
    counted = [s for s in scores if s.value is not None]
    if not counted:
        return None
    total_weight = sum(float(s.weight) for s in counted)
    return 100 * sum(float(s.weight) * (s.value - s.lo) / (s.hi - s.lo) for s in counted) / total_weight
