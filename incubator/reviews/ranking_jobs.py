"""The summary PDF of a round's ranking, made by a job on the `pdf` queue.

No column records it: the file is named after a fingerprint of what it shows (the round's
reviews and decisions), so a PDF for the current data either exists or is being prepared,
and a change to a review or a decision makes a new one needed. Running the job twice for the
same fingerprint makes the file once."""
import hashlib

import sqlalchemy as sa
from flask import current_app

from incubator.core.pdf import store, stored_path
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import ranking, statistics
from incubator.reviews.models import Assignment, Decision, ReviewRound
from incubator.reviews.ranking_pdf import render_summary


def fingerprint(review_round: ReviewRound) -> str:
    """A short digest of what the summary shows; two statements."""
    reviews = db.session.execute(sa.select(
        sa.func.count(), sa.func.max(Assignment.updated_at), sa.func.max(Assignment.submitted_at),
        sa.func.sum(Assignment.version), sa.func.sum(Assignment.application_id * Assignment.version))
        .where(Assignment.round_id == review_round.id)).one()
    decisions = db.session.execute(sa.select(
        sa.func.count(), sa.func.max(Decision.decided_at), sa.func.max(Decision.id))
        .where(Decision.round_id == review_round.id)).one()
    text = repr((review_round.id, review_round.updated_at, tuple(reviews), tuple(decisions)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def file_name(review_round: ReviewRound, digest: str) -> str:
    return f"review-ranking-{review_round.id}-{digest}.pdf"


def render_summary_pdf(round_id: int, digest: str) -> str:
    """Job (`pdf` queue): make the summary PDF of the round for `digest`, once."""
    review_round = db.session.get(ReviewRound, round_id)
    if review_round is None:
        return "nothing to do"
    if stored_path(file_name(review_round, digest)):
        return "already made"
    current = fingerprint(review_round)
    if current != digest:  # the data moved on since it was asked for: make the current one instead
        digest = current
        if stored_path(file_name(review_round, digest)):
            return "already made"
    store(file_name(review_round, digest), summary_bytes(review_round))
    return "made"


def summary_bytes(review_round: ReviewRound) -> bytes:
    reviews = ranking.submitted_reviews(review_round)
    every, kept = ranking.ranking(review_round, ranking.Filters(), reviews)
    rubric = statistics.criteria(review_round)
    agreements = [statistics.round_agreement(reviews), *statistics.criterion_agreement(review_round, rubric)]
    distribution = statistics.distribution([score for _, _, score, _ in reviews])
    return render_summary(review_round, kept, ranking.counts(every), agreements, distribution, statistics.BIN_LABELS,
                          now=utcnow(), compress=current_app.config.get("PDF_COMPRESSION", True))
