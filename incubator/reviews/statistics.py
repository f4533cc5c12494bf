"""A round's statistics for staff: reliability (Krippendorff's alpha over the review scores and
per criterion), the distribution of review scores, and one application's per-criterion means.
Each reads the round in a fixed number of statements."""
from dataclasses import dataclass

import sqlalchemy as sa

from incubator.extensions import db
from incubator.reviews import reliability
from incubator.reviews.models import Assignment, Criterion, CriterionScore, ReviewRound
from incubator.reviews.states import ReviewStatus

BINS = 10  # score distribution: 0-10, 10-20, ..., 90-100


@dataclass(frozen=True)
class Agreement:
    title: str
    alpha: float | None

    @property
    def reading(self) -> str:
        return reliability.reading(self.alpha)


def criteria(review_round: ReviewRound) -> list[Criterion]:
    return list(db.session.scalars(sa.select(Criterion).where(Criterion.round_id == review_round.id)
                                   .order_by(Criterion.position, Criterion.id)))


def round_agreement(reviews: list[tuple]) -> Agreement:
    """Alpha over the review scores; `reviews` as ranking.submitted_reviews gives them."""
    return Agreement("Review score", reliability.interval_alpha((review[0], review[2]) for review in reviews))


def criterion_agreement(review_round: ReviewRound, rubric: list[Criterion]) -> list[Agreement]:
    """Alpha per criterion over its normalised scores (n/a missing). One statement, counted in
    the database: per criterion and application, how many reviews gave each point."""
    counts: dict[int, dict[int, dict[float, int]]] = {c.id: {} for c in rubric}
    for criterion_id, application_id, value, number in db.session.execute(
            sa.select(CriterionScore.criterion_id, Assignment.application_id, CriterionScore.value, sa.func.count())
            .join(Assignment, Assignment.id == CriterionScore.assignment_id)
            .where(Assignment.round_id == review_round.id, Assignment.status == ReviewStatus.submitted,
                   CriterionScore.value.is_not(None), CriterionScore.is_na.is_(False))
            .group_by(CriterionScore.criterion_id, Assignment.application_id, CriterionScore.value)):
        if criterion_id in counts:
            counts[criterion_id].setdefault(application_id, {})[value] = number
    # The points are normalised, (s - lo) / (hi - lo): interval alpha does not change under a
    # linear map, so alpha on the points is alpha on the normalised scores.
    return [Agreement(c.title, reliability.alpha_of_counts(counts[c.id])) for c in rubric]


def distribution(scores: list[float | None]) -> list[int]:
    """How many review scores fall in each tenth of 0..100 (100 counts in the last)."""
    counts = [0] * BINS
    for score in scores:
        if score is not None:
            counts[min(int(score // (100 / BINS)), BINS - 1)] += 1
    return counts


BIN_LABELS = [f"{i * 10}–{i * 10 + 10}" for i in range(BINS)]


@dataclass
class CriterionLine:
    criterion: Criterion
    mean: float | None     # mean of the points given (n/a left out)
    na: int


def criterion_means(rubric: list[Criterion], assignments: list[Assignment]) -> list[CriterionLine]:
    """Per criterion, the mean point over the submitted reviews given (scores loaded with them)."""
    lines = []
    for criterion in rubric:
        values, na = [], 0
        for assignment in assignments:
            if assignment.status != ReviewStatus.submitted:
                continue
            for score in assignment.scores:
                if score.criterion_id == criterion.id:
                    if score.is_na or score.value is None:
                        na += 1
                    else:
                        values.append(score.value)
        lines.append(CriterionLine(criterion, sum(values) / len(values) if values else None, na))
    return lines
