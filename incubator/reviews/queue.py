"""A reviewer's queue: their assignments across rounds and organizations, soonest deadline
first, without those they may no longer open (a conflict, or no longer a reviewer there)."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from incubator.accounts.models import Role
from incubator.applications.models import Application
from incubator.challenges.models import Challenge
from incubator.extensions import db
from incubator.reviews import blind
from incubator.reviews.models import Assignment, Conflict, ReviewRound
from incubator.reviews.states import ReviewStatus


@dataclass
class QueueRow:
    assignment: Assignment
    label: str

    @property
    def round(self) -> ReviewRound:
        return self.assignment.round

    @property
    def is_finished(self) -> bool:
        return self.assignment.status == ReviewStatus.submitted


@dataclass
class RoundGroup:
    round: ReviewRound
    rows: list[QueueRow]

    @property
    def submitted(self) -> int:
        return sum(1 for r in self.rows if r.is_finished)


def _assignments(user) -> list[Assignment]:
    conflicted = sa.select(Conflict.id).where(
        Conflict.reviewer_id == Assignment.reviewer_id, Conflict.application_id == Assignment.application_id,
        Conflict.lifted_at.is_(None)).exists()
    organisations = user.organisations_with(Role.reviewer)
    if not organisations:
        return []
    return list(db.session.scalars(
        sa.select(Assignment).join(Assignment.round).join(ReviewRound.challenge)
        .where(Assignment.reviewer_id == user.id, ~conflicted, Challenge.organisation_id.in_(organisations))
        .options(contains_eager(Assignment.round).contains_eager(ReviewRound.challenge)
                 .joinedload(Challenge.organisation),
                 joinedload(Assignment.application).joinedload(Application.team))
        .order_by(ReviewRound.closes_at, ReviewRound.id, Assignment.id)).unique())


def queue(user) -> list[RoundGroup]:
    """The reviewer's assignments grouped by round, in queue order."""
    groups: dict[int, RoundGroup] = {}
    for assignment in _assignments(user):
        group = groups.setdefault(assignment.round_id, RoundGroup(assignment.round, []))
        group.rows.append(QueueRow(assignment, blind.label_for(assignment)))
    for group in groups.values():
        if group.round.is_blind:  # the neutral order, not the order staff assigned in
            group.rows.sort(key=lambda r: blind.numbers(group.round).get(r.assignment.application_id, 0))
    return list(groups.values())


def next_unfinished(user, current: Assignment, now: datetime) -> Assignment | None:
    """The next assignment to score after `current`, in queue order (wrapping round), in open rounds."""
    rows = [row.assignment for group in queue(user) if group.round.is_open(now) for row in group.rows]
    if current in rows:
        at = rows.index(current)
        rows = rows[at + 1:] + rows[:at]
    return next((a for a in rows if a.status != ReviewStatus.submitted and a.id != current.id), None)



def rounds_taking_bids(user, now: datetime) -> list[ReviewRound]:
    """Open rounds that take bids and have the reviewer in their pool (before any assignment)."""
    from incubator.reviews.models import RoundReviewer

    organisations = user.organisations_with(Role.reviewer)
    if not organisations:
        return []
    return list(db.session.scalars(
        sa.select(ReviewRound).join(ReviewRound.challenge)
        .join(RoundReviewer, sa.and_(RoundReviewer.round_id == ReviewRound.id, RoundReviewer.user_id == user.id))
        .where(ReviewRound.has_bids.is_(True), ReviewRound.closes_at > now,
               Challenge.organisation_id.in_(organisations))
        .options(contains_eager(ReviewRound.challenge)).order_by(ReviewRound.closes_at, ReviewRound.id)))
