"""The round dashboard's figures: progress per reviewer and per application, in a fixed
number of statements (grouped counts, not one query per row)."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.applications.models import Team
from incubator.extensions import db
from incubator.reviews.entry import entrants_query
from incubator.reviews.models import Assignment, ReviewRound, RoundReviewer
from incubator.reviews.states import ReviewStatus


@dataclass
class ReviewerProgress:
    reviewer_id: int
    name: str
    email: str
    in_pool: bool
    assigned: int = 0
    submitted: int = 0
    drafts: int = 0
    overdue: int = 0   # unfinished after the round closed

    @property
    def unfinished(self) -> int:
        return self.assigned - self.submitted


@dataclass
class ApplicationProgress:
    application_id: int
    school_name: str
    team_name: str
    assigned: int = 0
    submitted: int = 0


def _counts(review_round: ReviewRound, column) -> dict[int, dict[ReviewStatus, int]]:
    out: dict[int, dict] = {}
    for key, status, number in db.session.execute(
            sa.select(column, Assignment.status, sa.func.count()).where(Assignment.round_id == review_round.id)
            .group_by(column, Assignment.status)):
        out.setdefault(key, {})[ReviewStatus(status)] = number
    return out


def by_reviewer(review_round: ReviewRound, now: datetime) -> list[ReviewerProgress]:
    """Everyone in the pool, and anyone else holding an assignment of the round, by name."""
    counts = _counts(review_round, Assignment.reviewer_id)
    pool = set(db.session.scalars(sa.select(RoundReviewer.user_id).where(RoundReviewer.round_id == review_round.id)))
    people = db.session.execute(sa.select(User.id, User.name, User.email)
                                .where(User.id.in_(sorted(pool | set(counts))))).all()
    closed = now >= review_round.closes_at
    out = []
    for user_id, name, email in people:
        by_status = counts.get(user_id, {})
        line = ReviewerProgress(user_id, name or email, email, user_id in pool, sum(by_status.values()),
                                by_status.get(ReviewStatus.submitted, 0), by_status.get(ReviewStatus.draft, 0))
        line.overdue = line.unfinished if closed else 0
        out.append(line)
    return sorted(out, key=lambda line: (line.name.casefold(), line.reviewer_id))


def by_application(review_round: ReviewRound) -> list[ApplicationProgress]:
    counts = _counts(review_round, Assignment.application_id)
    entrants = entrants_query(review_round).subquery()
    out = []
    for application_id, school, team in db.session.execute(
            sa.select(entrants.c.id, entrants.c.school_name, Team.name).join(Team, Team.id == entrants.c.team_id)
            .order_by(entrants.c.id)):
        by_status = counts.get(application_id, {})
        out.append(ApplicationProgress(application_id, school or "", team or "", sum(by_status.values()),
                                       by_status.get(ReviewStatus.submitted, 0)))
    return out
