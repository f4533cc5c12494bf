"""The summary PDF of a round's ranking, made by a job on the `pdf` queue (core.pdf_jobs:
the file is named after a fingerprint of the round's reviews and decisions, so a PDF for the
current data either exists or is being prepared; running the job twice makes it once)."""
import sqlalchemy as sa
from flask import current_app

from incubator.core import pdf_jobs
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
    return pdf_jobs.digest(review_round.id, review_round.updated_at, tuple(reviews), tuple(decisions))


def summary_bytes(review_round: ReviewRound) -> bytes:
    reviews = ranking.submitted_reviews(review_round)
    every, kept = ranking.ranking(review_round, ranking.Filters(), reviews)
    rubric = statistics.criteria(review_round)
    agreements = [statistics.round_agreement(reviews), *statistics.criterion_agreement(review_round, rubric)]
    distribution = statistics.distribution([score for _, _, score, _ in reviews])
    return render_summary(review_round, kept, ranking.counts(every), agreements, distribution, statistics.BIN_LABELS,
                          now=utcnow(), compress=current_app.config.get("PDF_COMPRESSION", True))


SUMMARY = pdf_jobs.Document("review-ranking", load=lambda round_id: db.session.get(ReviewRound, round_id),
                            fingerprint=fingerprint, render=lambda review_round: summary_bytes(review_round))


def render_summary_pdf(round_id: int, digest: str) -> str:
    """Job (`pdf` queue): make the summary PDF of the round for `digest`, once."""
    return pdf_jobs.make(SUMMARY, round_id, digest)
