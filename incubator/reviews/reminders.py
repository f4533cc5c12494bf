"""Staff's "Remind" buttons on the round dashboard: one email per reviewer with unfinished
reviews, at most once a day per round (core.notices remembers what went out).

The assignment area's `incubator.reviews.jobs.remind_now(review_round, reviewer_ids, actor=, now=)`
does this when it is there; until then `remind` below sends the mail itself.
"""
import importlib.util
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, url_for

from incubator.accounts.models import User
from incubator.core import audit, notices
from incubator.core.mail import queue_mail
from incubator.core.timeutil import local
from incubator.extensions import db
from incubator.reviews.models import Assignment, ReviewRound
from incubator.reviews.states import ReviewStatus

KIND = "review.manual_reminder"


def unfinished_by_reviewer(review_round: ReviewRound, reviewer_ids=None) -> dict[int, int]:
    """{reviewer id: unfinished reviews} of the round (limited to `reviewer_ids` when given)."""
    query = (sa.select(Assignment.reviewer_id, sa.func.count())
             .where(Assignment.round_id == review_round.id, Assignment.status != ReviewStatus.submitted)
             .group_by(Assignment.reviewer_id))
    if reviewer_ids is not None:
        query = query.where(Assignment.reviewer_id.in_(list(reviewer_ids)))
    return dict(db.session.execute(query).all())


def remind(review_round: ReviewRound, reviewer_ids, *, actor, now: datetime) -> int:
    """Queue a reminder to each of `reviewer_ids` (None: everyone) with unfinished reviews in the
    round, unless they were reminded of this round today; how many were queued. Flushes."""
    jobs = importlib.util.find_spec("incubator.reviews.jobs")
    if jobs is not None:
        module = importlib.import_module("incubator.reviews.jobs")
        if hasattr(module, "remind_now"):
            return module.remind_now(review_round, reviewer_ids, actor=actor, now=now)
    unfinished = unfinished_by_reviewer(review_round, reviewer_ids)
    if not unfinished:
        return 0
    tz = review_round.timezone
    day = local(now, tz).date().isoformat()
    people = db.session.scalars(sa.select(User).where(User.id.in_(list(unfinished)), User.is_deactivated.is_(False))
                                .order_by(User.id)).all()
    sent = []
    for person in people:
        if notices.claim(KIND, f"round:{review_round.id}:{day}", person.email, now=now):
            queue_mail(person.email, f"Reminder: {unfinished[person.id]} review(s) to finish for "
                                     f"{review_round.challenge.title}", "review_manual_reminder",
                       reply_to=review_round.challenge.organisation.reply_to, reviewer=person,
                       review_round=review_round, unfinished=unfinished[person.id],
                       closes_at=local(review_round.closes_at, tz), queue_url=_queue_url())
            sent.append(person.id)
    if sent:
        audit.record(actor, "review.reminders_sent", review_round, count=len(sent), reviewer_ids=sent)
    db.session.flush()
    return len(sent)


def _queue_url() -> str:
    """The reviewer's queue if the reviewer area has one, else their dashboard."""
    for endpoint in ("reviews.queue", "reviews.my_queue", "core.dashboard"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, _external=True)
    return ""
