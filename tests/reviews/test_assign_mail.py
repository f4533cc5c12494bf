"""Reviewers hear about new assignments once per batch, and are reminded once before a round
closes; staff's "remind" button reminds at most once a day."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.core.mail import OutboxMessage
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import assignment as services
from incubator.reviews import jobs
from incubator.reviews.models import Assignment
from incubator.reviews.states import ReviewStatus


def outbox(to=None):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if to:
        query = query.where(OutboxMessage.recipient == to)
    return db.session.scalars(query).all()


def team_words(world):
    """Everything that would identify a team of the world."""
    words = []
    for application in world.applications:
        words += [application.team.name, application.school_name]
        for member in application.team.members:
            words += [member.user.name, member.user.email]
    return words


@pytest.fixture
def world(make_review_world, org, staff):
    return make_review_world(org, staff, applications=4, reviewers=2, k=2, blind=True)


def test_each_reviewer_gets_one_mail_for_a_batch_and_none_for_the_same_assignments_again(world, staff):
    services.apply(world.round, actor=staff, now=utcnow())
    db.session.commit()
    messages = outbox()
    assert sorted(m.recipient for m in messages) == sorted(r.email for r in world.reviewers)
    assert all(m.subject.startswith("4 new reviews for you: Written review") for m in messages)
    assert "/reviews/queue" in messages[0].body_text
    assert all(a.notified_at is not None for a in db.session.scalars(sa.select(Assignment)))
    # Running again adds nothing and mails no one.
    services.apply(world.round, actor=staff, now=utcnow())
    db.session.commit()
    assert len(outbox()) == 2


def test_a_later_manual_assignment_mails_only_its_reviewer_about_it(make_review_world, org, staff, make_user):
    world = make_review_world(org, staff, applications=2, reviewers=2, k=1)
    services.apply(world.round, actor=staff, now=utcnow())
    db.session.commit()
    first = outbox()
    target = world.reviewers[0]
    free = next(a for a in world.applications if not db.session.scalar(sa.select(Assignment).filter_by(
        application_id=a.id, reviewer_id=target.id)))
    services.assign(world.round, free, target, actor=staff, now=utcnow())
    db.session.commit()
    new = outbox()[len(first):]
    assert [m.recipient for m in new] == [target.email]
    assert new[0].subject.startswith("1 new review for you") and "(2 in all)" in new[0].body_text


def test_mail_of_a_blind_round_names_no_team_member_or_school(world, staff):
    services.apply(world.round, actor=staff, now=utcnow())
    db.session.commit()
    for message in outbox():
        for word in team_words(world):
            assert word not in message.body_text and word not in message.subject


def test_the_mail_is_delivered_by_the_mail_queue_after_commit(world, staff, run_jobs, mailbox):
    services.apply(world.round, actor=staff, now=utcnow())
    assert mailbox.messages == []
    db.session.commit()
    run_jobs(["mail"])
    assert sorted(m["To"] for m in mailbox.messages) == sorted(r.email for r in world.reviewers)


# ---- reminders ----------------------------------------------------------------------------------

@pytest.fixture
def closing(make_review_world, org, staff):
    world = make_review_world(org, staff, applications=2, reviewers=2, k=1, closes_in=timedelta(hours=30))
    world.assign(world.applications[0], world.reviewers[0], notified_at=utcnow())
    world.assign(world.applications[1], world.reviewers[1], notified_at=utcnow(), status=ReviewStatus.submitted,
                 submitted_at=utcnow(), recommendation="yes", score=70.0)
    return world


def test_a_reviewer_with_unfinished_reviews_is_reminded_once_even_when_the_job_runs_twice(closing):
    assert jobs.send_round_reminders() == 1
    assert jobs.send_round_reminders() == 0
    messages = outbox()
    assert [m.recipient for m in messages] == [closing.reviewers[0].email]
    assert "1 review not submitted yet" in messages[0].body_text
    assert messages[0].subject.startswith("Reminder: 1 review due by")


def test_no_reminder_for_a_round_closing_later_or_already_closed(make_review_world, org, staff):
    later = make_review_world(org, staff, applications=1, reviewers=1, k=1, closes_in=timedelta(days=5))
    later.assign(later.applications[0], later.reviewers[0])
    closed = make_review_world(org, staff, applications=1, reviewers=1, k=1, opens_in=timedelta(days=-9),
                               closes_in=timedelta(hours=-1))
    closed.assign(closed.applications[0], closed.reviewers[0])
    assert jobs.send_round_reminders() == 0
    # Three days on, the first round is within 48 hours of closing.
    assert jobs.send_round_reminders(now=utcnow() + timedelta(days=3, hours=12)) == 1


def test_the_job_reminders_run_under_the_worker_and_reschedule_themselves(closing, app, run_jobs):
    from incubator.core.jobs import queue

    jobs.schedule_reminders(timedelta(0))
    jobs.schedule_reminders(timedelta(0))  # scheduling twice still means one sweep
    assert len(queue("default").scheduled_job_registry.get_job_ids()) == 1
    run_jobs(["default"])
    assert [m.recipient for m in outbox()] == [closing.reviewers[0].email]
    assert len(queue("default").scheduled_job_registry.get_job_ids()) == 1  # the next sweep


def test_staff_remind_now_once_a_day(closing, staff):
    now = utcnow()
    assert jobs.remind_now(closing.round, [r.id for r in closing.reviewers], staff, now) == 1
    db.session.commit()
    assert jobs.remind_now(closing.round, [r.id for r in closing.reviewers], staff, now + timedelta(minutes=5)) == 0
    db.session.commit()
    assert jobs.remind_now(closing.round, [closing.reviewers[0].id], staff, now + timedelta(days=1)) == 1
    db.session.commit()
    assert [m.recipient for m in outbox()] == [closing.reviewers[0].email] * 2


def test_a_conflicted_assignment_is_not_counted_as_unfinished(closing):
    from incubator.reviews.models import Conflict
    from incubator.reviews.states import ConflictSource

    db.session.add(Conflict(application=closing.applications[0], reviewer=closing.reviewers[0],
                            source=ConflictSource.declared))
    db.session.commit()
    assert jobs.send_round_reminders() == 0


def test_a_worker_serving_default_starts_the_reminder_sweep_and_a_mail_only_worker_does_not(app):
    from incubator.core.jobs import queue, start_periodic

    assert start_periodic(["mail"]) == []
    assert queue("default").scheduled_job_registry.get_job_ids() == []
    assert "incubator.reviews.jobs.start_reminders" in start_periodic(["mail", "default"])
    # (Other domains start their own sweeps on `default` too: one job here is the reviews' one.)
    assert len([i for i in queue("default").scheduled_job_registry.get_job_ids()
                if i.endswith("review-reminders")]) == 1
