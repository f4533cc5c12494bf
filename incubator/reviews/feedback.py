"""The reviewers' comments a team may read: only where staff chose to share them with a
decision, only the team's own application, and never who wrote what (no names, and an order
that follows the text, not the reviewers)."""
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from incubator.applications.models import Application
from incubator.extensions import db
from incubator.reviews.models import Assignment, CriterionScore, Decision
from incubator.reviews.states import ReviewStatus


@dataclass
class RoundFeedback:
    round_title: str
    overall: list[str] = field(default_factory=list)
    # (criterion title, its comments), in the rubric's order
    criteria: list[tuple[str, list[str]]] = field(default_factory=list)


def shared_feedback(application: Application, user) -> list[RoundFeedback]:
    """The shared comments of every round that decided `application`, for a member of its team."""
    if application is None or not getattr(user, "is_authenticated", False) or not application.team.has_member(user):
        return []
    decisions = db.session.scalars(sa.select(Decision).where(
        Decision.application_id == application.id, Decision.shares_comments.is_(True))
        .order_by(Decision.round_id)).all()
    found = []
    for decision in decisions:
        reviews = db.session.scalars(
            sa.select(Assignment).where(Assignment.round_id == decision.round_id,
                                        Assignment.application_id == application.id,
                                        Assignment.status == ReviewStatus.submitted)
            .options(selectinload(Assignment.scores).selectinload(CriterionScore.criterion))).all()
        feedback = RoundFeedback(decision.round.title)
        feedback.overall = sorted(r.overall_comment.strip() for r in reviews if r.overall_comment.strip())
        by_criterion: dict = {}
        for review in reviews:
            for score in review.scores:
                if score.comment.strip():
                    by_criterion.setdefault(score.criterion, []).append(score.comment.strip())
        feedback.criteria = [(criterion.title, sorted(comments)) for criterion, comments in
                             sorted(by_criterion.items(), key=lambda item: (item[0].position, item[0].id))]
        if feedback.overall or feedback.criteria:
            found.append(feedback)
    return found
