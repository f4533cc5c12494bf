"""A reviewer's review: drafts with whatever is filled in, submission needing every criterion and a
recommendation, the lock after submission, staff reopening it, and the round's opening hours."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.core.audit import AuditEvent
from incubator.core.errors import InvalidTransition, NotAllowed
from incubator.core.mail import OutboxMessage
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import reviewing
from incubator.reviews.models import Assignment, CriterionScore
from incubator.reviews.states import Recommendation, ReviewStatus
from tests.reviews.scoring_kit import declared, review_form


@pytest.fixture
def mine(review_world):
    return declared(review_world, review_world.applications[0], review_world.reviewers[0])


def _scores(assignment) -> dict:
    return {s.criterion.title: (s.value, s.is_na, s.comment) for s in db.session.scalars(
        sa.select(CriterionScore).filter_by(assignment_id=assignment.id))}


def test_a_partial_draft_is_kept_with_its_score_so_far(review_world, mine):
    reviewer = review_world.reviewers[0]
    data = review_form(review_world, mine, values=("4", "", ""), comments=("Strong math plan", "", ""),
                       recommendation="")
    reviewing.save_draft(mine, data, actor=reviewer, now=utcnow(), version=mine.version)
    db.session.commit()
    db.session.expire_all()
    assert (mine.status, mine.version, mine.recommendation) == (ReviewStatus.draft, 2, None)
    assert _scores(mine) == {"Learning growth": (4, False, "Strong math plan")}
    assert mine.score == pytest.approx(75.0)  # (4-1)/(5-1), only the scored criterion counts
    started = db.session.scalar(sa.select(AuditEvent).filter_by(action="review.started"))
    assert (started.from_state, started.to_state, started.object_id) == ("not_started", "draft", mine.id)


def test_the_score_follows_every_save_with_weights_and_na(review_world, mine):
    reviewer = review_world.reviewers[0]
    reviewing.save_draft(mine, review_form(review_world, mine, values=("5", "na", "0")), actor=reviewer,
                         now=utcnow(), version=1)
    assert mine.score == pytest.approx(100 * (2 * 1 + 1 * 0) / 3)  # n/a is not zero, it is left out
    reviewing.save_draft(mine, review_form(review_world, mine, values=("1", "5", "3")), actor=reviewer,
                         now=utcnow(), version=2)
    assert mine.score == pytest.approx(100 * (2 * 0 + 1 * 1 + 1 * 1) / 4)
    reviewing.save_draft(mine, review_form(review_world, mine, values=("", "", "")), actor=reviewer,
                         now=utcnow(), version=3)
    assert mine.score is None and _scores(mine) == {}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .filter_by(action="review.started")) == 1  # draft over draft: no new event


def test_submitting_says_what_is_missing_and_saves_nothing(review_world, mine):
    data = review_form(review_world, mine, values=("4", "", "2"), recommendation="", action="submit")
    with pytest.raises(reviewing.InvalidReview) as refused:
        reviewing.submit(mine, data, actor=review_world.reviewers[0], now=utcnow(), version=1)
    assert "Score Financial sustainability (or mark it n/a)." in refused.value.errors
    assert "Choose a recommendation: yes, maybe or no." in refused.value.errors
    assert "Learning growth" not in str(refused.value)
    db.session.rollback()
    assert (db.session.get(Assignment, mine.id).status, _scores(mine)) == (ReviewStatus.not_started, {})


def test_a_complete_review_is_submitted_and_locked(review_world, mine):
    reviewer = review_world.reviewers[0]
    now = utcnow()
    reviewing.submit(mine, review_form(review_world, mine, values=("3", "na", "3"), recommendation="maybe"),
                     actor=reviewer, now=now, version=1)
    db.session.commit()
    assert (mine.status, mine.submitted_at, mine.recommendation) == (ReviewStatus.submitted, now, Recommendation.maybe)
    assert mine.score == pytest.approx(100 * (2 * 0.5 + 1) / 3)
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="review.submitted"))
    assert (event.from_state, event.to_state) == ("not_started", "submitted")
    for service in (reviewing.save_draft, reviewing.submit):
        with pytest.raises(reviewing.ReviewLocked):
            service(mine, review_form(review_world, mine, values=("1", "1", "0")), actor=reviewer, now=utcnow(),
                    version=mine.version)
        db.session.rollback()
    assert _scores(mine)["Learning growth"] == (3, False, "")


@pytest.mark.parametrize("values, message", [
    (("6", "", ""), "from 1 to 5"),
    (("0", "", ""), "from 1 to 5"),
    (("", "", "4"), "from 0 to 3"),
    (("na", "", ""), "cannot be marked n/a"),
    (("-1", "", ""), "whole number"),
    (("3.5", "", ""), "whole number"),
    (("\u00b2", "", ""), "whole number"),
    (("99999999999999999999", "", ""), "whole number"),
    (("4\x00", "", ""), "whole number"),
    (("<script>", "", ""), "whole number"),
])
def test_values_outside_the_scale_are_refused_and_nothing_is_saved(review_world, mine, values, message):
    data = review_form(review_world, mine, values=values)
    data[f"score-{review_world.round.criteria[1].id}"] = "2"  # a good value next to the bad one
    with pytest.raises(reviewing.InvalidReview) as refused:
        reviewing.save_draft(mine, data, actor=review_world.reviewers[0], now=utcnow(), version=1)
    assert message in str(refused.value)
    db.session.rollback()
    assert _scores(mine) == {} and db.session.get(Assignment, mine.id).version == 1


@pytest.mark.parametrize("field, value, message", [
    ("comment", "x" * (reviewing.COMMENT_MAX + 1), "at most 4,000 characters"),
    ("comment", "evil\x00", "not allowed"),
    ("comment", "\u202eevil", "not allowed"),
    ("overall_comment", "y" * (reviewing.OVERALL_COMMENT_MAX + 1), "at most 10,000 characters"),
    ("recommendation", "definitely", "Choose a recommendation"),
    ("version", "1; DROP TABLE", "Reload the page"),
    ("version", "", "Reload the page"),
])
def test_hostile_comments_and_fields_are_refused_and_nothing_is_saved(review_world, mine, field, value, message):
    data = review_form(review_world, mine, values=("4", "", ""))
    if field == "comment":
        data[f"comment-{review_world.round.criteria[0].id}"] = value
    else:
        data[field] = value
    with pytest.raises(reviewing.InvalidReview) as refused:
        reviewing.save_draft(mine, data, actor=review_world.reviewers[0], now=utcnow(), version=data["version"])
    assert message in str(refused.value)
    db.session.rollback()
    assert _scores(mine) == {} and db.session.get(Assignment, mine.id).status == ReviewStatus.not_started


def test_a_save_based_on_an_older_version_is_refused(review_world, mine):
    reviewer = review_world.reviewers[0]
    reviewing.save_draft(mine, review_form(review_world, mine, values=("5", "", "")), actor=reviewer, now=utcnow(),
                         version=1)
    db.session.commit()
    with pytest.raises(reviewing.StaleReview, match="another tab or on another device"):
        reviewing.save_draft(mine, review_form(review_world, mine, values=("1", "", "")), actor=reviewer,
                             now=utcnow(), version=1)
    db.session.rollback()
    assert _scores(mine)["Learning growth"][0] == 5


def test_nothing_can_be_saved_or_submitted_outside_the_round(review_world, mine):
    reviewer, review_round = review_world.reviewers[0], review_world.round
    data = review_form(review_world, mine, values=("4", "na", "2"))
    with pytest.raises(reviewing.RoundNotOpen, match="closed"):
        reviewing.submit(mine, data, actor=reviewer, now=review_round.closes_at, version=1)
    with pytest.raises(reviewing.RoundNotOpen, match="opens"):
        reviewing.save_draft(mine, data, actor=reviewer, now=review_round.opens_at - timedelta(seconds=1), version=1)
    db.session.rollback()
    reviewing.submit(mine, data, actor=reviewer, now=review_round.closes_at - timedelta(seconds=1), version=1)
    assert mine.status == ReviewStatus.submitted


def test_only_the_assigned_reviewer_may_score(review_world, mine, staff):
    for someone in (review_world.reviewers[1], staff):
        with pytest.raises(NotAllowed):
            reviewing.save_draft(mine, review_form(review_world, mine), actor=someone, now=utcnow(), version=1)


@pytest.fixture
def in_request(app):
    with app.test_request_context():  # the mail links to the review
        yield


def test_staff_reopen_a_submitted_review_with_a_reason_and_the_reviewer_is_told(in_request, review_world, mine, staff):
    reviewer = review_world.reviewers[0]
    reviewing.submit(mine, review_form(review_world, mine), actor=reviewer, now=utcnow(), version=1)
    db.session.commit()
    with pytest.raises(reviewing.InvalidReview, match="Say why"):
        reviewing.reopen(mine, actor=staff, reason="  ", now=utcnow())
    with pytest.raises(NotAllowed):
        reviewing.reopen(mine, actor=reviewer, reason="I changed my mind", now=utcnow())
    reviewing.reopen(mine, actor=staff, reason="Please score team capacity again", now=utcnow())
    db.session.commit()
    assert (mine.status, mine.submitted_at) == (ReviewStatus.draft, None)
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="review.reopened"))
    assert (event.from_state, event.to_state, event.details["reason"]) == (
        "submitted", "draft", "Please score team capacity again")
    mail = db.session.scalar(sa.select(OutboxMessage).filter_by(recipient=reviewer.email))
    assert "Please score team capacity again" in mail.body_text and f"/reviews/assignments/{mine.id}" in mail.body_text
    reviewing.save_draft(mine, review_form(review_world, mine, values=("2", "na", "1")), actor=reviewer,
                         now=utcnow(), version=mine.version)  # the reviewer can change it again
    with pytest.raises(InvalidTransition):
        reviewing.reopen(mine, actor=staff, reason="Again", now=utcnow())


def test_a_review_of_a_closed_round_is_not_reopened(review_world, mine, staff):
    reviewing.submit(mine, review_form(review_world, mine), actor=review_world.reviewers[0], now=utcnow(), version=1)
    with pytest.raises(reviewing.RoundNotOpen, match="closing time later"):
        reviewing.reopen(mine, actor=staff, reason="Look again", now=review_world.round.closes_at)
    assert mine.status == ReviewStatus.submitted
