"""What the review of the reviews package fixed: a review submitted while staff unassign (or a
conflict or leaving the pool takes the assignment away) is never deleted; assigning by hand names
no application or person of another organization in its refusal."""
import pytest
import sqlalchemy as sa

from incubator.core.audit import AuditEvent
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import assignment as services
from incubator.reviews import conflict_services, removal, rounds
from incubator.reviews.models import Assignment
from incubator.reviews.states import Recommendation, ReviewStatus


def _submitted_elsewhere(assignment: Assignment) -> None:
    """The reviewer submits in another request after this one loaded the assignment."""
    db.session.execute(sa.update(Assignment).where(Assignment.id == assignment.id)
                       .values(status=ReviewStatus.submitted, version=Assignment.version + 1, submitted_at=utcnow(),
                               recommendation=Recommendation.yes)
                       .execution_options(synchronize_session=False))


def _status(assignment_id: int):
    return db.session.scalar(sa.select(Assignment.status).where(Assignment.id == assignment_id))


def test_unassigning_a_review_submitted_meanwhile_is_refused_and_keeps_it(review_world, staff):
    assignment = review_world.assign(review_world.applications[0], review_world.reviewers[0],
                                     status=ReviewStatus.draft)
    _submitted_elsewhere(assignment)
    assert assignment.status == ReviewStatus.draft  # what staff's page was built from
    with pytest.raises(services.AssignmentRefused, match="changed this review a moment ago"):
        services.unassign(assignment, actor=staff, discard_draft=True)
    assert _status(assignment.id) == ReviewStatus.submitted
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "review.unassigned")) == 0


def test_unassigning_a_review_started_meanwhile_needs_the_draft_confirmed(review_world, staff):
    assignment = review_world.assign(review_world.applications[0], review_world.reviewers[0])
    db.session.execute(sa.update(Assignment).where(Assignment.id == assignment.id)
                       .values(status=ReviewStatus.draft).execution_options(synchronize_session=False))
    with pytest.raises(services.AssignmentRefused):
        services.unassign(assignment, actor=staff)  # staff saw "not started": no draft was confirmed
    assert _status(assignment.id) == ReviewStatus.draft


def test_an_unchanged_assignment_is_still_unassigned(review_world, staff):
    assignment = review_world.assign(review_world.applications[0], review_world.reviewers[0])
    services.unassign(assignment, actor=staff)
    db.session.commit()
    assert db.session.get(Assignment, assignment.id) is None


def test_taking_assignments_away_keeps_those_submitted_since_they_were_loaded(review_world, staff):
    first = review_world.assign(review_world.applications[0], review_world.reviewers[0], status=ReviewStatus.draft)
    second = review_world.assign(review_world.applications[1], review_world.reviewers[0])
    _submitted_elsewhere(first)
    gone = removal.delete_unsubmitted([first, second])
    assert gone == [second]
    assert _status(first.id) == ReviewStatus.submitted and _status(second.id) is None


def test_a_conflict_and_leaving_the_pool_still_take_unsubmitted_assignments(review_world, staff):
    application, reviewer = review_world.applications[0], review_world.reviewers[0]
    conflicted = review_world.assign(application, reviewer, status=ReviewStatus.draft)
    kept = review_world.assign(review_world.applications[1], review_world.reviewers[1], status=ReviewStatus.submitted,
                               submitted_at=utcnow(), recommendation=Recommendation.yes)
    other = review_world.assign(review_world.applications[2], review_world.reviewers[1])
    conflict_services.add(review_world.round, application.id, reviewer.id, "Cousin", actor=staff, now=utcnow())
    assert rounds.remove_reviewer(review_world.round, review_world.reviewers[1].id, actor=staff) == 1
    db.session.commit()
    assert _status(conflicted.id) is None and _status(other.id) is None
    assert _status(kept.id) == ReviewStatus.submitted


def test_assigning_by_hand_names_nothing_of_another_organization(make_review_world, org, staff, make_org,
                                                                   make_user, make_client):
    world = make_review_world(org, staff)
    other_org = make_org()
    theirs = make_review_world(other_org, None)
    foreign_school = theirs.applications[0].school_name
    stranger = make_user("somebody@elsewhere.org", name="Ignatius Farflung")
    client = make_client(staff)
    round_url = f"/reviews/rounds/{world.round.id}"
    page = client.post(f"{round_url}/reviewers/{world.reviewers[0].id}/assign",
                       data={"application": str(theirs.applications[0].id)})
    assert page.status_code == 422 and "not in this round" in page.text and foreign_school not in page.text
    page = client.post(f"{round_url}/applications/{world.applications[0].id}/assign",
                       data={"reviewer": str(stranger.id)})
    assert page.status_code == 422 and "not a reviewer of this round" in page.text
    assert "Ignatius" not in page.text and "somebody@elsewhere" not in page.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)
                             .where(Assignment.round_id == world.round.id)) == 0


def test_readiness_pages_name_the_team_only_to_an_assigned_reviewer_of_an_open_round(
        make_review_world, org, staff, reviewer, make_client):
    """/readiness/applications/<id> is headed with the team's name: a reviewer of the organization
    reached it for any application, so a blind round's reviewer read the team off it, and a
    conflicted reviewer still had a URL of the application."""
    from incubator.reviews.models import Conflict
    from incubator.reviews.states import ConflictSource
    from tests.reviews.leak_kit import assign_in_round

    world = make_review_world(org, staff, applications=3)
    open_one, blind_one, conflicted_one = world.applications
    assign_in_round(reviewer, open_one)
    assign_in_round(reviewer, blind_one, blind=True)
    assign_in_round(reviewer, conflicted_one)
    db.session.add(Conflict(application=conflicted_one, reviewer=reviewer, source=ConflictSource.staff, note="Cousin",
                            created_at=utcnow()))
    db.session.commit()
    client = make_client(reviewer)
    page = client.get(f"/readiness/applications/{open_one.id}")
    assert page.status_code == 200 and open_one.team.name in page.text
    for hidden in (blind_one, conflicted_one):
        page = client.get(f"/readiness/applications/{hidden.id}")
        assert page.status_code == 404 and hidden.team.name not in page.text
    unassigned = make_review_world(org, staff, applications=1).applications[0]
    assert client.get(f"/readiness/applications/{unassigned.id}").status_code == 404


def test_two_staff_restoring_a_conflict_at_once_restore_it_once(review_world, staff):
    from incubator.reviews.models import Conflict

    application, reviewer = review_world.applications[0], review_world.reviewers[0]
    conflict = conflict_services.add(review_world.round, application.id, reviewer.id, "Cousin", actor=staff,
                                     now=utcnow())
    conflict_services.lift(conflict, actor=staff, now=utcnow())
    db.session.commit()
    # The other staff member's restore lands after this one loaded the (lifted) conflict.
    db.session.execute(sa.update(Conflict).where(Conflict.id == conflict.id).values(lifted_at=None, lifted_by_id=None)
                       .execution_options(synchronize_session=False))
    with pytest.raises(conflict_services.AlreadyConflicted, match="a moment ago"):
        conflict_services.restore(conflict, actor=staff, now=utcnow())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "review.conflict_restored")) == 0
