"""Staff's conflicts page of a round: every conflict (active and lifted) with who and why; add
one (the pair's unsubmitted assignments go), lift it, restore it, detect now; hostile input and
people who may not."""
import pytest
import sqlalchemy as sa

from incubator.applications.models import TeamMember
from incubator.core.audit import AuditEvent
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews.models import Assignment, Conflict
from incubator.reviews.states import ConflictSource, Recommendation, ReviewStatus


def page_url(world) -> str:
    return f"/reviews/rounds/{world.round.id}/conflicts"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def staff_client(make_client, staff):
    return make_client(staff)


def test_an_empty_round_says_so_and_offers_detection(staff_client, review_world):
    page = staff_client.get(page_url(review_world))
    assert page.status_code == 200
    assert "No conflict is recorded" in page.text and "Detect conflicts now" in page.text


def test_staff_add_a_conflict_and_the_unsubmitted_assignments_go(staff_client, review_world, make_review_world):
    reviewer, application = review_world.reviewers[1], review_world.applications[0]
    draft = review_world.assign(application, reviewer, status=ReviewStatus.draft)
    submitted = review_world.assign(review_world.applications[1], reviewer)  # another application: untouched
    response = staff_client.post(page_url(review_world), data={
        "application_id": application.id, "reviewer_id": reviewer.id, "note": "Board member of the school"})
    assert response.status_code == 302
    conflict = db.session.scalar(sa.select(Conflict))
    assert (conflict.application_id, conflict.reviewer_id, conflict.source, conflict.note, conflict.created_by_id) == (
        application.id, reviewer.id, ConflictSource.staff, "Board member of the school", review_world.staff.id)
    assert db.session.get(Assignment, draft.id) is None and db.session.get(Assignment, submitted.id) is not None
    assert {"review.conflict_added", "review.assignments_released"} <= set(actions())
    page = staff_client.get(page_url(review_world)).text
    assert "Board member of the school" in page and reviewer.name in page and "Added by staff" in page
    assert "Active" in page and "Sam Staff" in page


def test_a_submitted_review_is_kept_when_a_conflict_is_added(staff_client, review_world):
    reviewer, application = review_world.reviewers[0], review_world.applications[0]
    kept = review_world.assign(application, reviewer, status=ReviewStatus.submitted, submitted_at=utcnow(),
                               recommendation=Recommendation.no)
    staff_client.post(page_url(review_world), data={"application_id": application.id, "reviewer_id": reviewer.id})
    assert db.session.get(Assignment, kept.id) is not None and count(Conflict) == 1


def test_adding_the_same_conflict_twice_says_why(staff_client, review_world):
    data = {"application_id": review_world.applications[0].id, "reviewer_id": review_world.reviewers[0].id}
    staff_client.post(page_url(review_world), data=data)
    response = staff_client.post(page_url(review_world), data=data, follow_redirects=True)
    assert "already has a conflict" in response.text and count(Conflict) == 1


def test_lift_then_restore_and_lifted_stays_lifted(staff_client, review_world):
    reviewer, application = review_world.reviewers[0], review_world.applications[0]
    db.session.add(TeamMember(team=application.team, user=reviewer))
    db.session.commit()
    staff_client.post(f"/reviews/rounds/{review_world.round.id}/conflicts/detect")
    conflict = db.session.scalar(sa.select(Conflict))
    assert conflict.source == ConflictSource.team_member and conflict.is_active
    response = staff_client.post(f"/reviews/conflicts/{conflict.id}/lift", data={"back": review_world.round.id})
    assert response.headers["Location"].endswith(page_url(review_world))
    db.session.expire_all()
    assert db.session.get(Conflict, conflict.id).lifted_by_id == review_world.staff.id
    staff_client.post(f"/reviews/rounds/{review_world.round.id}/conflicts/detect")
    assert count(Conflict) == 1 and db.session.get(Conflict, conflict.id).lifted_at is not None
    page = staff_client.get(page_url(review_world)).text
    assert "Lifted" in page and "Restore" in page
    again = staff_client.post(f"/reviews/conflicts/{conflict.id}/lift", follow_redirects=True)
    assert "lifted already" in again.text
    assignment = review_world.assign(application, reviewer)
    staff_client.post(f"/reviews/conflicts/{conflict.id}/restore")
    db.session.expire_all()
    assert db.session.get(Conflict, conflict.id).is_active and db.session.get(Assignment, assignment.id) is None
    assert {"review.conflict_lifted", "review.conflict_restored", "review.conflicts_detected"} <= set(actions())


def test_detect_now_finds_profile_ties_and_removes_their_assignments(staff_client, review_world):
    from incubator.reviews.models import ReviewerProfile

    reviewer, application = review_world.reviewers[2], review_world.applications[1]
    assignment = review_world.assign(application, reviewer)
    db.session.add(ReviewerProfile(user_id=reviewer.id, ties=application.team.members[1].user.name))
    db.session.commit()
    response = staff_client.post(f"/reviews/rounds/{review_world.round.id}/conflicts/detect", follow_redirects=True)
    assert "Found 1 new conflict" in response.text and "removed 1 assignment" in response.text
    assert db.session.get(Assignment, assignment.id) is None


def test_the_page_is_paginated(staff_client, make_review_world, org, staff, app):
    world = make_review_world(org, staff, applications=3, reviewers=20)
    for application in world.applications:
        for reviewer in world.reviewers:
            db.session.add(Conflict(application=application, reviewer=reviewer, source=ConflictSource.staff,
                                    note=f"note {application.id}-{reviewer.id}"))
    db.session.commit()
    first = staff_client.get(page_url(world)).text
    assert "Page 1 of 2" in first and first.count("note ") == 50
    second = staff_client.get(page_url(world), query_string={"page": 2}).text
    assert second.count("note ") == 10


@pytest.mark.parametrize("data", [
    {},
    {"application_id": "abc", "reviewer_id": "1"},
    {"application_id": "99999999999999999999", "reviewer_id": "1"},
    {"application_id": "²", "reviewer_id": "1"},
    {"application_id": "{app}", "reviewer_id": "{reviewer}", "note": "x" * 20_000},
    {"application_id": "{app}", "reviewer_id": "{reviewer}", "note": "cousin\x00"},
    {"application_id": "{app}", "reviewer_id": "{stranger}"},
    {"application_id": "{foreign_app}", "reviewer_id": "{reviewer}"},
    {"application_id": "{app}", "reviewer_id": "{foreign_reviewer}"},
], ids=range(9))
def test_hostile_additions_are_refused_and_nothing_is_saved(staff_client, review_world, make_review_world,
                                                            make_org, make_user, grant_role, org, data):
    other = make_review_world(make_org("Elsewhere"), applications=1, reviewers=1)
    stranger = grant_role(make_user("not-in-pool@reviewers.org"), org, "reviewer")
    values = {"app": review_world.applications[0].id, "reviewer": review_world.reviewers[0].id,
              "stranger": stranger.id, "foreign_app": other.applications[0].id,
              "foreign_reviewer": other.reviewers[0].id}
    assignment = review_world.assign(review_world.applications[0], review_world.reviewers[0])
    filled = {key: value.format(**values) for key, value in data.items()}
    response = staff_client.post(page_url(review_world), data=filled)
    assert response.status_code in (404, 422)
    assert count(Conflict) == 0 and db.session.get(Assignment, assignment.id) is not None
    assert "review.conflict_added" not in actions()


def test_another_organizations_staff_and_reviewers_get_404(make_client, make_org, make_user, grant_role,
                                                           review_world):
    conflict = Conflict(application=review_world.applications[0], reviewer=review_world.reviewers[0],
                        source=ConflictSource.staff)
    db.session.add(conflict)
    db.session.commit()
    other_staff = grant_role(make_user("boss@elsewhere.org"), make_org("Elsewhere"), "program_staff")
    urls = [("GET", page_url(review_world)), ("POST", page_url(review_world)),
            ("POST", f"/reviews/rounds/{review_world.round.id}/conflicts/detect"),
            ("POST", f"/reviews/conflicts/{conflict.id}/lift"), ("POST", f"/reviews/conflicts/{conflict.id}/restore")]
    data = {"application_id": review_world.applications[1].id, "reviewer_id": review_world.reviewers[1].id}
    for person in (other_staff, review_world.reviewers[0], review_world.reviewers[1], None):
        client = make_client(person)
        for method, url in urls:
            assert client.open(url, method=method, data=data).status_code == 404, (person, url)
    db.session.expire_all()
    assert count(Conflict) == 1 and db.session.get(Conflict, conflict.id).is_active
    assert not [a for a in actions() if a.startswith("review.")]


def test_the_audit_trail_reads_in_words(make_client, admin, staff_client, review_world):
    from tests.core.test_audit_words import events

    reviewer, application = review_world.reviewers[0], review_world.applications[0]
    review_world.assign(application, reviewer)
    staff_client.post(page_url(review_world), data={"application_id": application.id, "reviewer_id": reviewer.id})
    conflict = db.session.scalar(sa.select(Conflict))
    staff_client.post(f"/reviews/conflicts/{conflict.id}/lift")
    page = make_client(admin).get("/admin/audit", query_string={"action": "review."})
    sentences = [sentence for _, _, sentence in events(page)]
    named = f"of {reviewer.name} with {application.school_name}"
    assert f"Sam Staff lifted the conflict of interest {named}" in sentences
    assert f"Sam Staff recorded the conflict of interest {named}" in sentences
    assert (f"Sam Staff removed 1 assignment(s) without a submitted review because of the conflict of interest "
            f"{named}") in sentences
    assert f'href="/reviews/rounds/{review_world.round.id}/conflicts"' in page.text


def test_unknown_conflict_ids_answer_404(staff_client):
    for conflict_id in ("2147483647", "99999999999", "0"):
        for action in ("lift", "restore"):
            assert staff_client.post(f"/reviews/conflicts/{conflict_id}/{action}").status_code == 404
    assert staff_client.get("/reviews/rounds/99999999999/conflicts").status_code == 404


def test_a_note_is_shown_as_text(staff_client, review_world):
    staff_client.post(page_url(review_world), data={
        "application_id": review_world.applications[0].id, "reviewer_id": review_world.reviewers[0].id,
        "note": "<script>alert(1)</script>"})
    page = staff_client.get(page_url(review_world)).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_staff_filter_active_and_lifted_conflicts(staff_client, review_world):
    first, second = review_world.reviewers[:2]
    db.session.add_all([
        Conflict(application=review_world.applications[0], reviewer=first, source=ConflictSource.staff, note="kept on"),
        Conflict(application=review_world.applications[0], reviewer=second, source=ConflictSource.staff,
                 note="taken off", lifted_at=utcnow(), lifted_by_id=review_world.staff.id)])
    db.session.commit()
    every = staff_client.get(page_url(review_world)).text
    assert "kept on" in every and "taken off" in every
    active = staff_client.get(page_url(review_world), query_string={"status": "active"}).text
    assert "kept on" in active and "taken off" not in active
    lifted = staff_client.get(page_url(review_world), query_string={"status": "lifted"}).text
    assert "kept on" not in lifted and "taken off" in lifted
    hostile = staff_client.get(page_url(review_world), query_string={"status": "\x00' OR 1=1"})
    assert hostile.status_code == 200 and "kept on" in hostile.text
