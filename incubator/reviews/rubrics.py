"""A round's rubric: add, edit, remove and reorder criteria, use the default rubric, or copy the rubric
of another round of the organization. Once any reviewer has saved a score with the rubric it is locked,
so every review of the round is scored against the same criteria."""
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from incubator.challenges.models import Challenge
from incubator.core import audit, ordering
from incubator.core.errors import NotFound, ValidationFailed
from incubator.core.permissions import require
from incubator.extensions import db
from incubator.reviews.default_rubric import DEFAULT_RUBRIC
from incubator.reviews.models import MAX_SCALE_POINTS, Criterion, CriterionScore, ReviewRound

TITLE_MAX = 200
GUIDANCE_MAX = 5000
DESCRIPTOR_MAX = 500
WEIGHT_MAX = Decimal(1000)
SCALE_BOUND = 100  # lo and hi stay within -100..100
LOCKED = "Reviewers have already scored with this rubric; copy it into a new round instead."


class RubricLocked(ValidationFailed):
    def __init__(self):
        super().__init__(LOCKED)


@dataclass
class CriterionData:
    title: str
    guidance: str = ""
    weight: Decimal = Decimal(1)
    scale_lo: int = 1
    scale_hi: int = 5
    descriptors: list[str] = field(default_factory=list)
    allows_na: bool = False


def check(data: CriterionData) -> list[str]:
    """What is wrong with `data`, in words a person understands (empty when it is fine)."""
    problems = []
    title = (data.title or "").strip()
    if not title:
        problems.append("Give the criterion a title.")
    elif len(title) > TITLE_MAX:
        problems.append(f"A title is at most {TITLE_MAX} characters.")
    if len(data.guidance or "") > GUIDANCE_MAX:
        problems.append(f"Guidance is at most {GUIDANCE_MAX:,} characters.")
    try:
        weight = Decimal(data.weight)
        if not weight.is_finite() or weight <= 0 or weight > WEIGHT_MAX:
            problems.append("The weight is a positive number, at most 1,000.")
        elif weight != weight.quantize(Decimal("0.001")):
            problems.append("The weight has at most three decimal places.")
    except (InvalidOperation, TypeError, ValueError):
        problems.append("The weight is a positive number, at most 1,000.")
    lo, hi = data.scale_lo, data.scale_hi
    if not all(isinstance(v, int) and -SCALE_BOUND <= v <= SCALE_BOUND for v in (lo, hi)):
        problems.append(f"The scale's ends are whole numbers between -{SCALE_BOUND} and {SCALE_BOUND}.")
    elif hi <= lo:
        problems.append("The top of the scale must be above its bottom.")
    elif hi - lo + 1 > MAX_SCALE_POINTS:
        problems.append(f"A scale has at most {MAX_SCALE_POINTS} points.")
    elif len(data.descriptors) != hi - lo + 1:
        problems.append(f"Write one descriptor per point: {hi - lo + 1} for a scale of {lo} to {hi} "
                        f"(you wrote {len(data.descriptors)}).")
    if any(not d.strip() for d in data.descriptors) and not problems:
        problems.append("Every point needs a descriptor.")
    if any(len(d) > DESCRIPTOR_MAX for d in data.descriptors):
        problems.append(f"A descriptor is at most {DESCRIPTOR_MAX} characters.")
    return problems


def is_locked(review_round: ReviewRound) -> bool:
    """Whether any reviewer saved a score (even in a draft) against this round's criteria."""
    return db.session.scalar(sa.select(sa.exists().where(
        CriterionScore.criterion_id == Criterion.id, Criterion.round_id == review_round.id))) or False


def _require_editable(review_round: ReviewRound, actor) -> None:
    require(actor, "manage", review_round)
    if is_locked(review_round):
        raise RubricLocked()


def _apply(criterion: Criterion, data: CriterionData) -> None:
    criterion.title, criterion.guidance = data.title.strip(), (data.guidance or "").strip()
    criterion.weight = Decimal(data.weight)
    criterion.scale_lo, criterion.scale_hi = data.scale_lo, data.scale_hi
    criterion.descriptors = [d.strip() for d in data.descriptors]
    criterion.allows_na = bool(data.allows_na)


def _valid(data: CriterionData) -> None:
    problems = check(data)
    if problems:
        raise ValidationFailed(" ".join(problems))


def add_criterion(review_round: ReviewRound, data: CriterionData, *, actor) -> Criterion:
    """:raises RubricLocked: a score exists  :raises ValidationFailed: `data` is not a criterion"""
    _require_editable(review_round, actor)
    _valid(data)
    criterion = Criterion(position=len(review_round.criteria) + 1)
    _apply(criterion, data)
    review_round.criteria.append(criterion)
    db.session.flush()
    audit.record(actor, "review.criterion_added", review_round, title=criterion.title)
    return criterion


def update_criterion(criterion: Criterion, data: CriterionData, *, actor) -> Criterion:
    """:raises RubricLocked: a score exists  :raises ValidationFailed: `data` is not a criterion"""
    _require_editable(criterion.round, actor)
    _valid(data)
    _apply(criterion, data)
    db.session.flush()
    audit.record(actor, "review.criterion_updated", criterion.round, title=criterion.title)
    return criterion


def remove_criterion(criterion: Criterion, *, actor) -> None:
    """:raises RubricLocked: a score exists"""
    review_round = criterion.round
    _require_editable(review_round, actor)
    title = criterion.title
    review_round.criteria.remove(criterion)
    ordering.renumber(review_round.criteria)
    db.session.flush()
    audit.record(actor, "review.criterion_removed", review_round, title=title)


def move_criterion(criterion: Criterion, direction: str, *, actor) -> None:
    """:raises RubricLocked: a score exists  :raises ValidationFailed: it cannot move that way"""
    review_round = criterion.round
    _require_editable(review_round, actor)
    ordering.move(review_round.criteria, criterion, direction, what="That criterion")
    db.session.flush()
    audit.record(actor, "review.criterion_moved", review_round, title=criterion.title, direction=direction)


def _replace(review_round: ReviewRound, rows: list[CriterionData]) -> None:
    review_round.criteria.clear()
    db.session.flush()
    for position, data in enumerate(rows, start=1):
        criterion = Criterion(position=position)
        _apply(criterion, data)
        review_round.criteria.append(criterion)
    db.session.flush()


def default_data() -> list[CriterionData]:
    return [CriterionData(c.title, c.guidance, c.weight, c.scale_lo, c.scale_hi, list(c.descriptors), c.allows_na)
            for c in DEFAULT_RUBRIC]


def use_default(review_round: ReviewRound, *, actor, audited: bool = True) -> None:
    """Give an empty rubric the default criteria.

    :raises ValidationFailed: the rubric already has criteria (remove them first)
    """
    require(actor, "manage", review_round)
    if review_round.criteria:
        raise ValidationFailed("This rubric already has criteria; the default rubric fills only an empty one.")
    _replace(review_round, default_data())
    if audited:
        audit.record(actor, "review.rubric_defaulted", review_round, criteria=len(review_round.criteria))


def copy_sources(organisation_id: int, exclude_round_id: int | None = None) -> list[ReviewRound]:
    """The rounds of the organization whose rubric has criteria (newest challenge first)."""
    query = (sa.select(ReviewRound).join(Challenge, Challenge.id == ReviewRound.challenge_id)
             .where(Challenge.organisation_id == organisation_id, sa.exists().where(Criterion.round_id == ReviewRound.id))
             .order_by(Challenge.id.desc(), ReviewRound.position, ReviewRound.id))
    if exclude_round_id is not None:
        query = query.where(ReviewRound.id != exclude_round_id)
    return list(db.session.scalars(query))


def source_for(review_round: ReviewRound, source_id: int | None) -> ReviewRound:
    """The round `source_id` if its rubric may be copied into `review_round`.

    :raises NotFound: no such round in the organization (another organization's round is never named)
    """
    source = db.session.get(ReviewRound, source_id) if source_id and 0 < source_id < 2**31 else None
    if source is None or source.id == review_round.id or source.organisation_id != review_round.organisation_id:
        raise NotFound("Choose a round of your organization to copy the rubric from.")
    return source


def copy_from(review_round: ReviewRound, source: ReviewRound, *, actor, audited: bool = True) -> None:
    """Replace this round's rubric (not yet scored) with a copy of `source`'s criteria.

    :raises RubricLocked: this rubric has scores  :raises NotFound: `source` is of another organization
    :raises ValidationFailed: `source` has no criteria
    """
    _require_editable(review_round, actor)
    if source.organisation_id != review_round.organisation_id or source.id == review_round.id:
        raise NotFound("Choose a round of your organization to copy the rubric from.")
    if not source.criteria:
        raise ValidationFailed(f"“{source.title}” has no criteria to copy.")
    _replace(review_round, [CriterionData(c.title, c.guidance, c.weight, c.scale_lo, c.scale_hi,
                                          list(c.descriptors or []), c.allows_na) for c in source.criteria])
    if audited:
        audit.record(actor, "review.rubric_copied", review_round, source=f"{source.title} ({source.challenge.title})",
                     criteria=len(review_round.criteria))
