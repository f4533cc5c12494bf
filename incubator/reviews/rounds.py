"""Review rounds of a challenge (in order) and each round's pool of reviewers.

Times arrive as UTC moments (the views convert what staff type in the organization's zone). A new
round's pool is every reviewer of the organization; staff then add or remove people and set a
reviewer's own maximum load."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from incubator.accounts.models import Membership, Role, User
from incubator.challenges.models import Challenge
from incubator.core import audit, ordering
from incubator.core.errors import ValidationFailed
from incubator.core.permissions import require
from incubator.extensions import db
from incubator.reviews import removal, rubrics
from incubator.reviews.models import (Assignment, Criterion, CriterionScore, Decision, ReviewBid, ReviewRound,
                                      RoundReviewer)
from incubator.reviews.states import ReviewStatus, RoundEntry

TITLE_MAX = 200
INSTRUCTIONS_MAX = 20_000
K_MAX = 50
LOAD_MAX = 10_000
FIRST_ROUND_ENTRY = "The first round of a challenge takes every eligible application: no round comes before it."


@dataclass
class RoundData:
    title: str
    opens_at: datetime
    closes_at: datetime
    reviewers_per_application: int = 3
    max_load: int | None = None
    is_blind: bool = False
    entry: RoundEntry = RoundEntry.eligible
    has_bids: bool = False
    instructions: str = ""


def check(data: RoundData) -> list[str]:
    problems = []
    title = (data.title or "").strip()
    if not title:
        problems.append("Give the round a title.")
    elif len(title) > TITLE_MAX:
        problems.append(f"A title is at most {TITLE_MAX} characters.")
    if len(data.instructions or "") > INSTRUCTIONS_MAX:
        problems.append(f"Instructions are at most {INSTRUCTIONS_MAX:,} characters.")
    if data.opens_at is None or data.closes_at is None:
        problems.append("Enter the opening and closing times.")
    elif data.closes_at <= data.opens_at:
        problems.append("The closing time must be after the opening time.")
    k = data.reviewers_per_application
    if not isinstance(k, int) or not 1 <= k <= K_MAX:
        problems.append(f"Reviewers per application is between 1 and {K_MAX}.")
    if data.max_load is not None and (not isinstance(data.max_load, int) or not 1 <= data.max_load <= LOAD_MAX):
        problems.append(f"The maximum load is between 1 and {LOAD_MAX:,} applications, or empty for none.")
    if data.entry not in tuple(RoundEntry):
        problems.append("Choose which applications enter the round.")
    return problems


def rounds_of(challenge: Challenge) -> list[ReviewRound]:
    return list(db.session.scalars(sa.select(ReviewRound).where(ReviewRound.challenge_id == challenge.id)
                                   .order_by(ReviewRound.position, ReviewRound.id)))


def is_first(review_round: ReviewRound) -> bool:
    others = [r for r in rounds_of(review_round.challenge) if r.id != review_round.id]
    return not any((r.position, r.id) < (review_round.position, review_round.id or 2**31) for r in others)


def _valid(data: RoundData, *, first: bool) -> None:
    problems = check(data)
    if not problems and first and data.entry == RoundEntry.advanced:
        problems.append(FIRST_ROUND_ENTRY)
    if problems:
        raise ValidationFailed(" ".join(problems))


def _apply(review_round: ReviewRound, data: RoundData) -> None:
    review_round.title, review_round.instructions = data.title.strip(), (data.instructions or "").strip()
    review_round.opens_at, review_round.closes_at = data.opens_at, data.closes_at
    review_round.reviewers_per_application, review_round.max_load = data.reviewers_per_application, data.max_load
    review_round.is_blind, review_round.entry, review_round.has_bids = data.is_blind, RoundEntry(data.entry), data.has_bids


def organisation_reviewers(organisation_id: int) -> list[User]:
    """Every active user holding the reviewer role in the organization, by name."""
    users = db.session.scalars(sa.select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organisation_id == organisation_id, Membership.role == Role.reviewer).order_by(User.name, User.id))
    return [u for u in users.unique() if u.is_active]


def create_round(challenge: Challenge, data: RoundData, *, actor, rubric: str = "default",
                 copy_source: ReviewRound | None = None) -> ReviewRound:
    """A new last round of `challenge`, its pool every reviewer of the organization, its rubric the
    default one, empty, or a copy of `copy_source` (`rubric` = "default" | "empty" | "copy").

    :raises ValidationFailed: bad settings, or "advanced" entry for the first round
    :raises NotFound: `copy_source` is not a round of the organization
    """
    require(actor, "manage", challenge)
    existing = rounds_of(challenge)
    _valid(data, first=not existing)
    if rubric not in ("default", "empty", "copy"):
        raise ValidationFailed("Choose how the rubric starts: the default rubric, empty, or a copy.")
    review_round = ReviewRound(challenge=challenge, position=max((r.position for r in existing), default=0) + 1)
    _apply(review_round, data)
    for user in organisation_reviewers(challenge.organisation_id):
        review_round.reviewers.append(RoundReviewer(user=user))
    db.session.add(review_round)
    db.session.flush()
    if rubric == "default":
        rubrics.use_default(review_round, actor=actor, audited=False)
    elif rubric == "copy":
        rubrics.copy_from(review_round, rubrics.source_for(review_round, getattr(copy_source, "id", None)),
                          actor=actor, audited=False)
    audit.record(actor, "review.round_created", review_round, rubric=rubric,
                 reviewers=len(review_round.reviewers), criteria=len(review_round.criteria))
    return review_round


def has_started(review_round: ReviewRound) -> bool:
    """Whether any reviewer has opened or scored an assignment of the round."""
    return db.session.scalar(sa.select(sa.exists().where(
        Assignment.round_id == review_round.id,
        sa.or_(Assignment.declared_at.is_not(None), Assignment.status != ReviewStatus.not_started)))) or False


def _has_assignments(review_round: ReviewRound) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(Assignment.round_id == review_round.id))) or False


def update_round(review_round: ReviewRound, data: RoundData, *, actor) -> list[str]:
    """Change the round's settings; returns the names of the settings that changed.

    :raises ValidationFailed: bad settings; "advanced" entry for the first round; blind mode changed
        once reviewers have opened applications; entry changed once applications are assigned
    """
    require(actor, "manage", review_round)
    _valid(data, first=is_first(review_round))
    if data.is_blind != review_round.is_blind and has_started(review_round):
        raise ValidationFailed("Reviewers have already opened applications in this round, so blind mode "
                               "can no longer change.")
    if RoundEntry(data.entry) != review_round.entry and _has_assignments(review_round):
        raise ValidationFailed("Applications are already assigned in this round, so which applications enter "
                               "can no longer change.")
    fields = ("title", "instructions", "opens_at", "closes_at", "reviewers_per_application", "max_load",
              "is_blind", "entry", "has_bids")
    before = {name: getattr(review_round, name) for name in fields}
    _apply(review_round, data)
    changed = [name for name in fields if getattr(review_round, name) != before[name]]
    db.session.flush()
    if changed:
        audit.record(actor, "review.round_updated", review_round, changed=changed)
    return changed


def delete_problem(review_round: ReviewRound) -> str | None:
    """Why the round may not be deleted (None when it may)."""
    scored = db.session.scalar(sa.select(sa.exists().where(
        CriterionScore.criterion_id == Criterion.id, Criterion.round_id == review_round.id)))
    if scored:
        return "Reviewers have saved scores in this round, so it cannot be deleted."
    if db.session.scalar(sa.select(sa.exists().where(Decision.round_id == review_round.id))):
        return "Decisions were made in this round, so it cannot be deleted."
    rest = [r for r in rounds_of(review_round.challenge) if r.id != review_round.id]
    if rest and is_first(review_round) and rest[0].entry == RoundEntry.advanced:
        return (f"“{rest[0].title}” takes the applications advanced in this round, so this round cannot be deleted "
                "before it (change what enters it first).")
    return None


def delete_round(review_round: ReviewRound, *, actor) -> None:
    """:raises ValidationFailed: the round has a saved score or a decision"""
    require(actor, "manage", review_round)
    problem = delete_problem(review_round)
    if problem:
        raise ValidationFailed(problem)
    challenge = review_round.challenge
    audit.record(actor, "review.round_deleted", challenge, title=review_round.title)
    for model in (Assignment, ReviewBid):
        db.session.execute(sa.delete(model).where(model.round_id == review_round.id))
    db.session.delete(review_round)
    db.session.flush()
    ordering.renumber(rounds_of(challenge))
    db.session.flush()


def move_round(review_round: ReviewRound, direction: str, *, actor) -> None:
    """:raises ValidationFailed: it cannot move that way, or a round taking "advanced" would come first"""
    require(actor, "manage", review_round)
    rows = rounds_of(review_round.challenge)
    ordering.move(rows, review_round, direction, what="That round")
    first = min(rows, key=lambda r: (r.position, r.id))
    if first.entry == RoundEntry.advanced:
        raise ValidationFailed(f"“{first.title}” takes the applications advanced in the previous round, so it "
                               "cannot come first.")
    db.session.flush()
    audit.record(actor, "review.round_moved", review_round, direction=direction)


# ---- the pool ------------------------------------------------------------------------------------

def pool(review_round: ReviewRound) -> list[RoundReviewer]:
    return sorted(review_round.reviewers, key=lambda r: (r.user.name.lower(), r.user_id))


def candidates(review_round: ReviewRound) -> list[User]:
    """Reviewers of the organization not yet in the pool."""
    present = {r.user_id for r in review_round.reviewers}
    return [u for u in organisation_reviewers(review_round.organisation_id) if u.id not in present]


def member(review_round: ReviewRound, user_id: int) -> RoundReviewer | None:
    return next((r for r in review_round.reviewers if r.user_id == user_id), None)


def open_assignment_counts(review_round: ReviewRound) -> dict[int, int]:
    """Per reviewer, their assignments in the round with no submitted review."""
    rows = db.session.execute(sa.select(Assignment.reviewer_id, sa.func.count()).where(
        Assignment.round_id == review_round.id, Assignment.status != ReviewStatus.submitted)
        .group_by(Assignment.reviewer_id))
    return dict(rows.all())


def add_reviewer(review_round: ReviewRound, user: User, *, actor) -> RoundReviewer:
    """:raises ValidationFailed: not a reviewer of the organization, or already in the pool"""
    require(actor, "manage", review_round)
    if not (user.is_active and user.has_role(review_round.organisation_id, Role.reviewer)):
        raise ValidationFailed("Only reviewers of the organization can join the pool.")
    if member(review_round, user.id):
        raise ValidationFailed(f"{user.name or user.email} is already in the pool.")
    row = RoundReviewer(user=user)
    review_round.reviewers.append(row)
    db.session.flush()
    audit.record(actor, "review.reviewer_added", review_round, reviewer=user.name or user.email)
    return row


def remove_reviewer(review_round: ReviewRound, user_id: int, *, actor) -> int:
    """Take a reviewer out of the pool with their assignments that have no submitted review (drafts
    included); returns how many assignments went. Submitted reviews stay and still count.

    :raises ValidationFailed: not in the pool
    """
    require(actor, "manage", review_round)
    row = member(review_round, user_id)
    if row is None:
        raise ValidationFailed("That reviewer is not in the pool.")
    doomed = list(db.session.scalars(sa.select(Assignment).where(
        Assignment.round_id == review_round.id, Assignment.reviewer_id == user_id,
        Assignment.status != ReviewStatus.submitted)))
    doomed = removal.delete_unsubmitted(doomed)  # a review submitted meanwhile stays and counts
    name = row.user.name or row.user.email
    review_round.reviewers.remove(row)
    db.session.flush()
    audit.record(actor, "review.reviewer_removed", review_round, reviewer=name, assignments_removed=len(doomed))
    return len(doomed)


def set_own_max(review_round: ReviewRound, user_id: int, max_load: int | None, *, actor) -> None:
    """A reviewer's own maximum load in this round (None: the round's maximum applies).

    :raises ValidationFailed: not in the pool, or not a number of applications
    """
    require(actor, "manage", review_round)
    row = member(review_round, user_id)
    if row is None:
        raise ValidationFailed("That reviewer is not in the pool.")
    if max_load is not None and (not isinstance(max_load, int) or not 0 <= max_load <= LOAD_MAX):
        raise ValidationFailed(f"A reviewer's maximum is between 0 and {LOAD_MAX:,} applications, or empty.")
    if row.max_load == max_load:
        return
    row.max_load = max_load
    db.session.flush()
    audit.record(actor, "review.reviewer_max_set", review_round, reviewer=row.user.name or row.user.email,
                 max_load="none" if max_load is None else max_load)

