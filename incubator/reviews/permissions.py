"""Who may see and do what in review (registered with core.permissions).

- Program staff of the challenge's organisation (and admins) manage rounds, rubrics,
  conflicts, assignments and decisions, and see every review with the reviewer's name.
- A reviewer sees only their own assignments, while they hold the reviewer role in the
  organisation and have no active conflict with the application: a conflicted reviewer
  gets 404 on every URL of that application. A reviewer never sees another's scores.
- Anyone else gets 404.
"""
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.core.permissions import rule
from incubator.extensions import db
from incubator.reviews.models import Assignment, Conflict, Criterion, Decision, ReviewRound, RoundReviewer


def staff_of(user, organisation_id: int) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and (user.is_admin or user.has_role(organisation_id, Role.program_staff)))


def reviewer_of(user, organisation_id: int) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and user.has_role(organisation_id, Role.reviewer))


def has_active_conflict(reviewer_id: int, application_id: int) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Conflict).where(
        Conflict.reviewer_id == reviewer_id, Conflict.application_id == application_id,
        Conflict.lifted_at.is_(None))) > 0


def in_pool(user, review_round: ReviewRound) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RoundReviewer).where(
        RoundReviewer.round_id == review_round.id, RoundReviewer.user_id == user.id)) > 0


def reviewer_may_see_team(user, application_id: int) -> bool:
    """Whether a reviewer may see pages outside review that name an application's team (its
    readiness composite): only while assigned to it in a round that is not blind, without an
    active conflict. Otherwise a blind round's reviewer could read the team off those pages, and a
    conflicted reviewer would still reach a URL of the application."""
    if not getattr(user, "is_authenticated", False) or has_active_conflict(user.id, application_id):
        return False
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Assignment.application_id == application_id, Assignment.reviewer_id == user.id,
        Assignment.round_id == ReviewRound.id, ReviewRound.is_blind.is_(False)))))


@rule(ReviewRound)
def round_rule(user, action: str, review_round: ReviewRound) -> bool:
    organisation_id = review_round.organisation_id
    if action in ("view", "manage"):
        if staff_of(user, organisation_id):
            return True
    if action == "take_part":  # the reviewer's own pages of a round: queue, bids, blind declaration
        return reviewer_of(user, organisation_id) and in_pool(user, review_round)
    return False


@rule(Criterion)
def criterion_rule(user, action: str, criterion: Criterion) -> bool:
    return round_rule(user, action, criterion.round)


@rule(Assignment)
def assignment_rule(user, action: str, assignment: Assignment) -> bool:
    organisation_id = assignment.round.organisation_id
    if action in ("manage", "reopen", "see_review"):
        return staff_of(user, organisation_id)
    if action in ("view", "score"):
        if staff_of(user, organisation_id) and action == "view":
            return True
        return (assignment.reviewer_id == getattr(user, "id", None) and reviewer_of(user, organisation_id)
                and not has_active_conflict(user.id, assignment.application_id))
    return False


@rule(Conflict)
def conflict_rule(user, action: str, conflict: Conflict) -> bool:
    return action in ("view", "manage") and staff_of(user, conflict.application.challenge.organisation_id)


@rule(Decision)
def decision_rule(user, action: str, decision: Decision) -> bool:
    return action in ("view", "manage") and staff_of(user, decision.round.organisation_id)
