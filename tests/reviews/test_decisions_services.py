"""Decisions as services: each outcome moves the application's status (audited from/to), the
round keeps one decision per application, "advance" needs a next round, a rationale is
required, batches are all or nothing, top N follows the normalised score, selecting beyond
the slots needs confirming, and of two staff deciding at once exactly one wins."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.applications.models import Application
from incubator.applications.states import Status
from incubator.core.audit import AuditEvent
from incubator.core.errors import NotAllowed, ValidationFailed
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import decisions
from incubator.reviews.models import Assignment, Decision, ReviewRound
from incubator.reviews.states import Outcome, ReviewStatus


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def world(review_world):
    return review_world


@pytest.fixture
def later_round(world):
    """A second round, so the first one can advance applications."""
    now = utcnow()
    pitch = ReviewRound(challenge=world.challenge, position=2, title="Pitch night", opens_at=now + timedelta(days=8),
                        closes_at=now + timedelta(days=9))
    db.session.add(pitch)
    db.session.commit()
    return pitch


def _decide(world, application, outcome, rationale="Strong plan.", **kwargs):
    return decisions.decide(world.round, application, outcome, rationale, actor=world.staff, now=utcnow(), **kwargs)


@pytest.mark.parametrize("outcome, status", [(Outcome.advance, Status.advanced), (Outcome.select, Status.selected),
                                             (Outcome.waitlist, Status.waitlisted), (Outcome.decline, Status.declined)])
def test_each_outcome_moves_the_status_and_is_audited_from_and_to(world, later_round, outcome, status):
    application = world.applications[0]
    decision = _decide(world, application, outcome)
    db.session.commit()
    assert db.session.get(Application, application.id).status == status
    assert decision.outcome == outcome and decision.rationale == "Strong plan." and decision.decided_by_id == world.staff.id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "review.decided"))
    assert (event.from_state, event.to_state, event.object_id) == ("eligible", status.value, application.id)
    assert event.details["round"] == "Written review"


def test_advance_is_refused_in_the_last_round_with_a_reason(world):
    with pytest.raises(decisions.DecisionRefused, match="last round .* no next round"):
        _decide(world, world.applications[0], Outcome.advance)
    db.session.rollback()
    assert world.applications[0].status == Status.eligible and _count(Decision) == 0


@pytest.mark.parametrize("rationale", ["", "   \n ", "x" * 5001, "bad\x00byte", "\u202eevil"])
def test_a_rationale_is_required_and_bounded(world, rationale):
    with pytest.raises(ValidationFailed):
        _decide(world, world.applications[0], Outcome.select, rationale)
    db.session.rollback()
    assert _count(Decision) == 0 and db.session.get(Application, world.applications[0].id).status == Status.eligible


def test_an_unknown_outcome_is_refused(world):
    with pytest.raises(ValidationFailed, match="Choose a decision"):
        _decide(world, world.applications[0], "promote")


def test_a_decision_can_change_in_the_same_round_where_the_lifecycle_allows(world):
    application = world.applications[0]
    _decide(world, application, Outcome.waitlist, "Close call.")
    db.session.commit()
    _decide(world, application, Outcome.select, "A place opened.")
    db.session.commit()
    rows = db.session.scalars(sa.select(Decision)).all()
    assert len(rows) == 1 and rows[0].outcome == Outcome.select and rows[0].rationale == "A place opened."
    assert application.status == Status.selected
    with pytest.raises(decisions.DecisionRefused, match="selected already, and a selection is final"):
        _decide(world, application, Outcome.decline)


def test_the_same_outcome_again_updates_the_rationale_without_a_new_mail(world, mailbox, run_jobs):
    application = world.applications[0]
    _decide(world, application, Outcome.waitlist, "Close call.")
    db.session.commit()
    run_jobs()
    sent = len(mailbox.messages)
    _decide(world, application, Outcome.waitlist, "Close call; strong finances.", shares_comments=True)
    db.session.commit()
    run_jobs()
    decision = db.session.scalar(sa.select(Decision))
    assert decision.rationale == "Close call; strong finances." and decision.shares_comments
    assert len(mailbox.messages) == sent
    assert _count(AuditEvent, AuditEvent.action == "review.decision_updated") == 1


def test_only_staff_of_the_organisation_decide(world, reviewer, make_org, make_user, grant_role):
    other = grant_role(make_user("elsewhere@example.org"), make_org("Elsewhere"), "program_staff")
    for actor in (reviewer, other, world.reviewers[0]):
        with pytest.raises(NotAllowed):
            decisions.decide(world.round, world.applications[0], Outcome.select, "Yes", actor=actor, now=utcnow())
    assert _count(Decision) == 0


def test_an_application_of_another_challenge_is_not_in_the_round(world, make_review_world, org, staff):
    elsewhere = make_review_world(org, staff, applications=1)
    with pytest.raises(decisions.DecisionRefused, match="is not in Written review"):
        _decide(world, elsewhere.applications[0], Outcome.select)


def test_two_staff_at_once_one_wins_and_the_other_sees_why(world):
    application = world.applications[0]
    # The other staff member's decision lands after this one loaded the application.
    db.session.execute(sa.update(Application).where(Application.id == application.id)
                       .values(status=Status.selected, version=Application.version + 1)
                       .execution_options(synchronize_session=False))
    assert application.status == Status.eligible  # the stale object
    with pytest.raises(decisions.DecidedMeanwhile) as raised:
        _decide(world, application, Outcome.decline)
    assert "Someone else decided this application a moment ago: it is now Selected" in str(raised.value)
    db.session.rollback()
    assert db.session.get(Application, application.id).status == Status.eligible  # (the update above rolled back)
    assert _count(Decision) == 0 and _count(AuditEvent, AuditEvent.action == "review.decided") == 0


def test_a_page_showing_an_old_status_is_refused_with_the_status_now(world):
    application = world.applications[0]
    _decide(world, application, Outcome.select)
    db.session.commit()
    with pytest.raises(decisions.DecidedMeanwhile, match="it is now Selected"):
        _decide(world, application, Outcome.waitlist, expected_status="eligible")


def test_a_batch_is_all_or_nothing_with_every_reason(world, later_round):
    first, second, third = world.applications
    _decide(world, third, Outcome.decline)
    db.session.commit()
    with pytest.raises(decisions.BatchRefused) as raised:
        decisions.decide_batch(world.round, [first.id, second.id, third.id], Outcome.advance, "Through.",
                               actor=world.staff, now=utcnow())
    assert len(raised.value.reasons) == 1 and "declined already" in raised.value.reasons[0]
    assert third.team.name in raised.value.reasons[0]
    db.session.rollback()
    assert [db.session.get(Application, a.id).status for a in (first, second)] == [Status.eligible] * 2
    assert _count(Decision) == 1
    made = decisions.decide_batch(world.round, [first.id, second.id], Outcome.advance, "Through.",
                                  actor=world.staff, now=utcnow())
    db.session.commit()
    assert len(made) == 2 and {first.status, second.status} == {Status.advanced}


def test_a_batch_refuses_applications_of_another_organisation(world, make_review_world, make_org, make_user, grant_role):
    theirs = make_review_world(make_org("Elsewhere"), applications=1)
    with pytest.raises(decisions.BatchRefused, match=f"Application #{theirs.applications[0].id} is not in"):
        decisions.decide_batch(world.round, [world.applications[0].id, theirs.applications[0].id], Outcome.decline,
                               "No.", actor=world.staff, now=utcnow())
    db.session.rollback()
    assert _count(Decision) == 0


def test_an_empty_batch_is_refused(world):
    with pytest.raises(ValidationFailed, match="at least one application"):
        decisions.decide_batch(world.round, [], Outcome.decline, "No.", actor=world.staff, now=utcnow())


def _submit(world, application, reviewer, score):
    world.assign(application, reviewer, status=ReviewStatus.submitted, score=score, submitted_at=utcnow(),
                 recommendation="yes")


def test_top_n_picks_by_normalised_score(make_review_world, org, staff):
    world = make_review_world(org, staff, applications=4, reviewers=2)
    a, b, c, d = world.applications
    harsh, generous = world.reviewers
    # b's raw mean is highest, but it was scored by the generous reviewer only; the
    # normalised score (round baseline: fewer than 3 reviews each) ranks by the mean z.
    _submit(world, a, harsh, 60.0)
    _submit(world, a, generous, 90.0)
    _submit(world, b, generous, 95.0)
    _submit(world, c, harsh, 20.0)
    assert decisions.top_ids(world.round, 4) == [b.id, a.id, c.id, d.id]  # d: no review, last
    assert decisions.top_ids(world.round, 2) == [b.id, a.id]


def test_top_n_ties_break_by_id_and_unscored_come_last(make_review_world, org, staff):
    world = make_review_world(org, staff, applications=3, reviewers=1)
    a, b, c = world.applications
    _submit(world, c, world.reviewers[0], 50.0)
    _submit(world, b, world.reviewers[0], 50.0)
    assert decisions.top_ids(world.round, 3) == [b.id, c.id, a.id]


def test_selecting_beyond_the_slots_warns_with_the_figures_and_needs_confirming(make_review_world, org, staff):
    world = make_review_world(org, staff, applications=5)
    world.challenge.slots = 3
    first = world.applications[0]
    _decide(world, first, Outcome.select)
    db.session.commit()
    ids = [a.id for a in world.applications[1:]]
    with pytest.raises(decisions.OverSlots, match="This would select 5 teams; the challenge has 3 slots"):
        decisions.decide_batch(world.round, ids, Outcome.select, "Top four.", actor=staff, now=utcnow())
    db.session.rollback()
    assert _count(Application, Application.status == Status.selected) == 1
    decisions.decide_batch(world.round, ids, Outcome.select, "Top four.", actor=staff, now=utcnow(),
                           confirm_over_slots=True)
    db.session.commit()
    assert _count(Application, Application.status == Status.selected) == 5


def test_a_single_selection_beyond_the_slots_also_needs_confirming(make_review_world, org, staff):
    world = make_review_world(org, staff, applications=2)
    world.challenge.slots = 1
    _decide(world, world.applications[0], Outcome.select)
    with pytest.raises(decisions.OverSlots, match="This would select 2 teams; the challenge has 1 slot\\."):
        _decide(world, world.applications[1], Outcome.select)
    _decide(world, world.applications[1], Outcome.select, confirm_over_slots=True)
    assert world.applications[1].status == Status.selected


def test_a_later_round_advances_again_what_the_first_advanced(world, later_round):
    application = world.applications[0]
    _decide(world, application, Outcome.advance)
    db.session.commit()
    later_round.entry = "advanced"
    db.session.commit()
    decisions.decide(later_round, application, Outcome.select, "Great pitch.", actor=world.staff, now=utcnow())
    db.session.commit()
    assert application.status == Status.selected
    assert _count(Decision) == 2
    # an application the first round did not advance is not in the second
    with pytest.raises(decisions.DecisionRefused, match="not in Pitch night"):
        decisions.decide(later_round, world.applications[1], Outcome.select, "?", actor=world.staff, now=utcnow())


def test_assignments_are_untouched_by_deciding(world):
    world.assign(world.applications[0], world.reviewers[0])
    _decide(world, world.applications[0], Outcome.decline)
    db.session.commit()
    assert _count(Assignment) == 1
