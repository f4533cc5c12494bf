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


@dataclass(frozen=True, slots=True)  # slots: a round holds thousands
class Review:
    """A submitted review as the ranking sees it; `score` None when every criterion was n/a."""

    application_id: int
    reviewer_id: int
    score: float | None


@dataclass(frozen=True, slots=True)
class Result:
    """One application's figures in a round (None where undefined: no scored review)."""

    application_id: int
    count: int                  # submitted reviews with a score
    raw: float | None           # mean of the review scores
    median: float | None
    normalised: float | None    # reviewer harshness removed (DESIGN.md section 3)
    disagreement: float | None  # population sd of the review scores; None below two reviews


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered, middle = sorted(values), len(values) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def pstdev(values: list[float]) -> float | None:
    """Population standard deviation (every review of the round is the population); None if empty."""
    if not values:
        return None
    centre = sum(values) / len(values)
    return (sum((v - centre) ** 2 for v in values) / len(values)) ** 0.5


# A reviewer's own mean and sd are used once they have this many scored reviews in the round.
OWN_BASELINE_MIN_REVIEWS = 3
# An sd below this many points is an sd of 0 blurred by floating point: three reviews of 0.1
# have a computed sd of 1.4e-17, and dividing by it made z-scores of noise.
SD_EPSILON = 1e-9


def results(reviews: list[Review]) -> dict[int, Result]:
    """Every application's raw, median, normalised score and disagreement, by application id.

    Each review becomes z = (x - mean_r) / sd_r against its reviewer's own scored reviews in
    the round when they have at least 3 and sd_r > 0, otherwise against the round's mean and
    sd; an application's mean z maps back to points as round_mean + z * round_sd. When the
    round's sd is 0 (every score equal) every z is 0 and the normalised score is the round's
    mean. Reviews without a score (all n/a) count nowhere.
    """
    scored = [r for r in reviews if r.score is not None]
    everyone = {r.application_id for r in reviews}
    if not scored:
        return {a: Result(a, 0, None, None, None, None) for a in everyone}
    round_scores = [r.score for r in scored]
    round_mean, round_sd = mean(round_scores), pstdev(round_scores)
    by_reviewer: dict[int, list[float]] = {}
    for review in scored:
        by_reviewer.setdefault(review.reviewer_id, []).append(review.score)
    baseline = {}
    for reviewer_id, own in by_reviewer.items():
        own_sd = pstdev(own)
        if len(own) >= OWN_BASELINE_MIN_REVIEWS and own_sd is not None and own_sd > SD_EPSILON:
            baseline[reviewer_id] = (mean(own), own_sd)
        else:
            baseline[reviewer_id] = (round_mean, round_sd)
    zs: dict[int, list[float]] = {}
    points: dict[int, list[float]] = {}
    for review in scored:
        centre, spread = baseline[review.reviewer_id]
        zs.setdefault(review.application_id, []).append(
            (review.score - centre) / spread if spread > SD_EPSILON else 0.0)
        points.setdefault(review.application_id, []).append(review.score)
    out = {}
    for application_id in everyone:
        values = points.get(application_id, [])
        if not values:
            out[application_id] = Result(application_id, 0, None, None, None, None)
            continue
        z = mean(zs[application_id])
        out[application_id] = Result(
            application_id, len(values), mean(values), median(values), round_mean + z * round_sd,
            pstdev(values) if len(values) >= 2 else None)
    return out
