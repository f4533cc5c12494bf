"""Which applications enter a round: every eligible application of the challenge, or those
advanced in the previous round (by position). Withdrawn applications never do."""
import sqlalchemy as sa

from incubator.applications.models import Application
from incubator.applications.states import REVIEWABLE, Status
from incubator.extensions import db
from incubator.reviews.models import Decision, ReviewRound
from incubator.reviews.states import Outcome, RoundEntry


def previous_round(review_round: ReviewRound) -> ReviewRound | None:
    return db.session.scalar(sa.select(ReviewRound).where(
        ReviewRound.challenge_id == review_round.challenge_id, ReviewRound.position < review_round.position,
        ReviewRound.id != review_round.id).order_by(ReviewRound.position.desc(), ReviewRound.id.desc()).limit(1))


def entrants_query(review_round: ReviewRound) -> sa.Select:
    """SELECT of the round's applications (ordered by id), for callers that add columns or joins."""
    query = sa.select(Application).where(Application.challenge_id == review_round.challenge_id)
    if review_round.entry == RoundEntry.advanced:
        before = previous_round(review_round)
        if before is None:
            return query.where(sa.false())
        advanced = sa.select(Decision.application_id).where(Decision.round_id == before.id,
                                                            Decision.outcome == Outcome.advance)
        query = query.where(Application.id.in_(advanced), Application.status != Status.withdrawn)
    else:
        query = query.where(Application.status.in_(sorted(REVIEWABLE)))
    return query.order_by(Application.id)


def entrants(review_round: ReviewRound) -> list[Application]:
    return list(db.session.scalars(entrants_query(review_round)))
