"""Mail to reviewers: "you have new reviews" once per batch of new assignments, and reminders.

Mail names no team, member or school (in any round, so a blind round can never leak through
it): only the round, the challenge, how many reviews and the link to the reviewer's queue.
"""
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from werkzeug.routing import BuildError

from incubator.accounts.models import User
from incubator.core.mail import queue_mail
from incubator.core.timeutil import format_local
from incubator.extensions import db
from incubator.reviews.models import Assignment, ReviewRound

QUEUE_PATH = "/reviews/queue"


def queue_url() -> str:
    """The reviewer's queue (the scoring pages' endpoint when it exists, else its path)."""
    path = QUEUE_PATH
    if "reviews.reviewer_queue" in current_app.view_functions:
        try:  # a job has no request to build from: bind the map ourselves
            path = current_app.url_map.bind("localhost").build("reviews.reviewer_queue")
        except BuildError:
            pass
    return current_app.config.get("PUBLIC_URL", "").rstrip("/") + path


def mail_context(review_round: ReviewRound, reviewer: User, **extra) -> dict:
    organisation = review_round.challenge.organisation
    return {"reviewer": reviewer, "round": review_round, "challenge": review_round.challenge,
            "organisation": organisation, "queue_url": queue_url(),
            "closes": format_local(review_round.closes_at, organisation.timezone), **extra}


def new_assignments(review_round: ReviewRound, *, now: datetime) -> int:
    """One mail per reviewer who has assignments in the round not named in a mail yet; marks
    them notified, so nobody is mailed twice for the same assignment. Returns mails queued."""
    rows = db.session.execute(
        sa.select(Assignment.reviewer_id, sa.func.count()).where(
            Assignment.round_id == review_round.id, Assignment.notified_at.is_(None))
        .group_by(Assignment.reviewer_id).order_by(Assignment.reviewer_id)).all()
    if not rows:
        return 0
    counts = dict(rows)
    reviewers = db.session.scalars(sa.select(User).where(User.id.in_(counts)).order_by(User.id)).all()
    total = db.session.execute(sa.select(Assignment.reviewer_id, sa.func.count()).where(
        Assignment.round_id == review_round.id, Assignment.reviewer_id.in_(counts))
        .group_by(Assignment.reviewer_id)).all()
    totals = dict(total)
    organisation = review_round.challenge.organisation
    for reviewer in reviewers:
        count = counts[reviewer.id]
        subject = (f"{count} new review{'s' if count != 1 else ''} for you: "
                   f"{review_round.title}, {review_round.challenge.title}")
        queue_mail(reviewer.email, subject, "review_assigned", reply_to=organisation.reply_to,
                   **mail_context(review_round, reviewer, count=count, total=totals.get(reviewer.id, count)))
    db.session.execute(sa.update(Assignment).where(
        Assignment.round_id == review_round.id, Assignment.notified_at.is_(None),
        Assignment.reviewer_id.in_(counts)).values(notified_at=now))
    return len(reviewers)
