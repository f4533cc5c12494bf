"""Reminders to reviewers with unfinished reviews: a scheduled sweep before a round closes
(each reminder sent once, whoever runs the sweep and however often) and staff's "remind" button
(one a reviewer a day)."""
import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from incubator.accounts.models import User
from incubator.core import audit, notices
from incubator.core.jobs import periodic
from incubator.core.mail import queue_mail
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.reviews.models import Assignment, Conflict, ReviewRound
from incubator.reviews.notify import mail_context
from incubator.reviews.states import ReviewStatus

log = logging.getLogger(__name__)

# A round closing within this long reminds its reviewers with unfinished reviews (once).
REMIND_BEFORE_CLOSING = timedelta(hours=48)
SWEEP_EVERY = timedelta(hours=1)
CLOSING_KIND = "review.round_closing"
MANUAL_KIND = "review.manual_reminder"


def unfinished_counts(review_round: ReviewRound, reviewer_ids=None) -> dict[int, int]:
    """Reviewer id -> their assignments in the round not submitted (conflicted ones left out)."""
    conflicted = sa.select(Conflict.id).where(
        Conflict.application_id == Assignment.application_id, Conflict.reviewer_id == Assignment.reviewer_id,
        Conflict.lifted_at.is_(None)).exists()
    query = (sa.select(Assignment.reviewer_id, sa.func.count())
             .where(Assignment.round_id == review_round.id, Assignment.status != ReviewStatus.submitted, ~conflicted)
             .group_by(Assignment.reviewer_id))
    if reviewer_ids is not None:
        query = query.where(Assignment.reviewer_id.in_(list(reviewer_ids)))
    return dict(db.session.execute(query).all())


def _remind(review_round: ReviewRound, counts: dict[int, int], kind: str, subject: str, *, now: datetime) -> int:
    if not counts:
        return 0
    sent = 0
    organisation = review_round.challenge.organisation
    for reviewer in db.session.scalars(sa.select(User).where(User.id.in_(counts)).order_by(User.id)):
        if notices.claim(kind, subject, reviewer.email, now=now):
            unfinished = counts[reviewer.id]
            queue_mail(reviewer.email, f"Reminder: {unfinished} review{'s' if unfinished != 1 else ''} due by "
                       f"{mail_context(review_round, reviewer)['closes']} ({review_round.title})", "review_reminder",
                       reply_to=organisation.reply_to, **mail_context(review_round, reviewer, unfinished=unfinished))
            sent += 1
    return sent


def send_round_reminders(now: datetime | None = None) -> int:
    """Job: remind, once, every reviewer with unfinished reviews in an open round closing within
    REMIND_BEFORE_CLOSING. Safe to run any number of times. Returns the reminders queued."""
    now = now or utcnow()
    rounds = db.session.scalars(sa.select(ReviewRound).where(
        ReviewRound.opens_at <= now, ReviewRound.closes_at > now,
        ReviewRound.closes_at <= now + REMIND_BEFORE_CLOSING).order_by(ReviewRound.id)).all()
    sent = sum(_remind(r, unfinished_counts(r), CLOSING_KIND, f"round:{r.id}", now=now) for r in rounds)
    db.session.commit()
    return sent


def remind_now(review_round: ReviewRound, reviewer_ids, actor, now: datetime) -> int:
    """Staff's "remind" button: each named reviewer with unfinished reviews gets one reminder,
    at most one a day (in the organisation's timezone). Flushes; the caller commits.
    Returns how many reminders were queued (0 for a reviewer already reminded today)."""
    day = local(now, review_round.timezone).date().isoformat()
    sent = _remind(review_round, unfinished_counts(review_round, reviewer_ids), MANUAL_KIND,
                   f"round:{review_round.id}:{day}", now=now)
    if sent:
        audit.record(actor, "review.reminded", review_round, reminded=sent)
    db.session.flush()
    return sent


def _job_id() -> str:
    prefix = "".join(c if c.isalnum() or c in "-_" else "-" for c in current_app.config["RQ_QUEUE_PREFIX"])
    return f"{prefix}review-reminders"


@periodic("default")
def start_reminders() -> None:
    """A worker serving `default` starts the hourly reminder sweep (half a minute after it starts)."""
    schedule_reminders(timedelta(seconds=30))


def schedule_reminders(delay: timedelta = SWEEP_EVERY) -> None:
    """Schedule the reminder sweep; scheduling it again only moves the one sweep."""
    from incubator.core.jobs import queue

    queue("default").enqueue_in(delay, sweep_reminders, job_id=_job_id())


def sweep_reminders() -> int:
    """Job: send the due reminders, then schedule the next sweep."""
    try:
        count = send_round_reminders()
    finally:
        schedule_reminders()
    if count:
        log.info("Review reminder sweep queued %d reminder(s)", count)
    return count
