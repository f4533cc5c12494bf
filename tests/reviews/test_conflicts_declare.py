"""The declaration a reviewer makes on first opening an assignment: an open round names the team,
its members and the school; a blind round names nothing and needs the round's list first;
declaring a conflict removes the assignment and every review URL of it answers 404."""
import re

import pytest
import sqlalchemy as sa

from incubator.core.audit import AuditEvent
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import declarations
from incubator.reviews.models import Assignment, Conflict
from incubator.reviews.states import ConflictSource, Recommendation, ReviewStatus


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def declare_url(assignment) -> str:
    return f"/reviews/assignments/{assignment.id}/declare"


@pytest.fixture
def assigned(review_world):
    return review_world.assign(review_world.applications[0], review_world.reviewers[0])


def test_an_open_round_names_the_team_its_members_and_the_school(make_client, review_world, assigned):
    page = make_client(review_world.reviewers[0]).get(declare_url(assigned))
    assert page.status_code == 200
    application = review_world.applications[0]
    assert application.team.name in page.text and application.school_name in page.text
    for member in application.team.members:
        assert member.user.name in page.text and member.user.email in page.text
    assert "I have no conflict" in page.text and "I have a conflict" in page.text


def test_no_conflict_is_recorded_once_and_leads_to_scoring(make_client, review_world, assigned):
    client = make_client(review_world.reviewers[0])
    response = client.post(declare_url(assigned), data={"choice": "none"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assignment, assigned.id).declared_at is not None
    assert actions().count("review.no_conflict_declared") == 1
    page = client.get(declare_url(assigned))
    assert "You confirmed you have no conflict" in page.text and "Found a conflict after all?" in page.text
    assert client.post(declare_url(assigned), data={"choice": "none"}).status_code == 302
    assert actions().count("review.no_conflict_declared") == 1
    assert declarations.next_step_url(db.session.get(Assignment, assigned.id), review_world.reviewers[0]) is None


def test_a_conflict_found_while_reading_can_still_be_declared(make_client, review_world, assigned):
    """In a blind round above all, a reviewer may recognise the team only once they read the application."""
    client = make_client(review_world.reviewers[0])
    client.post(declare_url(assigned), data={"choice": "none"})
    response = client.post(declare_url(assigned), data={"choice": "conflict", "note": "I coached this team"})
    assert response.status_code == 302
    conflict = db.session.scalar(sa.select(Conflict))
    assert conflict.source == ConflictSource.declared and conflict.note == "I coached this team"
    assert db.session.get(Assignment, assigned.id) is None
    assert client.get(declare_url(assigned)).status_code == 404


def test_declaring_a_conflict_removes_the_assignment_and_access(app, make_client, review_world, assigned):
    client = make_client(review_world.reviewers[0])
    response = client.post(declare_url(assigned), data={"choice": "conflict", "note": "She is my cousin"})
    assert response.status_code == 302
    conflict = db.session.scalar(sa.select(Conflict))
    assert (conflict.application_id, conflict.reviewer_id, conflict.source, conflict.note) == (
        review_world.applications[0].id, review_world.reviewers[0].id, ConflictSource.declared, "She is my cousin")
    assert db.session.get(Assignment, assigned.id) is None
    assert {"review.conflict_declared", "review.assignments_released"} <= set(actions())
    assert client.get(declare_url(assigned)).status_code == 404


def every_review_url_of(app, assignment, application) -> list[tuple[str, str]]:
    """Every route of the review blueprint about this assignment or application, filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/reviews/") or not ("<int:assignment_id>" in rule.rule
                                                         or "<int:application_id>" in rule.rule):
            continue
        url = rule.rule.replace("<int:assignment_id>", str(assignment.id))
        url = url.replace("<int:application_id>", str(application.id))
        url = re.sub(r"<int:round_id>", str(assignment.round_id), url)
        if "<" in url:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def test_a_conflicted_reviewer_gets_404_on_every_url_even_of_a_kept_review(app, make_client, review_world):
    """A submitted review stays for the record, but its reviewer, once conflicted, sees none of it."""
    reviewer, application = review_world.reviewers[0], review_world.applications[0]
    kept = review_world.assign(application, reviewer, declared_at=utcnow(), status=ReviewStatus.submitted,
                               submitted_at=utcnow(), recommendation=Recommendation.yes)
    db.session.add(Conflict(application=application, reviewer=reviewer, source=ConflictSource.staff))
    db.session.commit()
    client = make_client(reviewer)
    urls = every_review_url_of(app, kept, application)
    assert ("GET", declare_url(kept)) in urls
    for method, url in urls:
        assert client.open(url, method=method, data={"choice": "none"}).status_code == 404, f"{method} {url}"
    assert db.session.get(Assignment, kept.id).declared_at is not None  # nothing changed


def test_a_lifted_declared_conflict_comes_back_when_declared_again(make_client, review_world, assigned, staff):
    reviewer = review_world.reviewers[0]
    db.session.add(Conflict(application=review_world.applications[0], reviewer=reviewer, source=ConflictSource.staff,
                            lifted_at=utcnow(), lifted_by_id=staff.id, note="Old"))
    db.session.commit()
    make_client(reviewer).post(declare_url(assigned), data={"choice": "conflict", "note": "We work together now"})
    conflict = db.session.scalar(sa.select(Conflict))
    assert conflict.is_active and conflict.source == ConflictSource.declared and conflict.note == "We work together now"


@pytest.mark.parametrize("data", [
    {},
    {"choice": "maybe"},
    {"choice": "conflict"},
    {"choice": "conflict", "note": "   "},
    {"choice": "conflict", "note": "x" * 20_000},
    {"choice": "conflict", "note": "cousin\x00"},
    {"choice": "conflict", "note": "\u202ecousin"},
    {"choice": ["none", "conflict"], "note": "x" * 3000},
], ids=range(8))
def test_hostile_declarations_are_refused_and_nothing_is_saved(make_client, review_world, assigned, data):
    response = make_client(review_world.reviewers[0]).post(declare_url(assigned), data=data)
    assert response.status_code == 422
    assert "error" in response.text
    db.session.expire_all()
    assert db.session.get(Assignment, assigned.id).declared_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Conflict)) == 0
    assert "review.no_conflict_declared" not in actions()


def test_only_the_assigned_reviewer_reaches_the_declaration(make_client, make_review_world, make_org, make_user,
                                                            grant_role, review_world, assigned, staff):
    url = declare_url(assigned)
    other_reviewer = make_client(review_world.reviewers[1])
    assert other_reviewer.get(url).status_code == 404
    assert other_reviewer.post(url, data={"choice": "none"}).status_code == 404
    assert make_client(staff).get(url).status_code == 404  # the reviewer's own step, not staff's
    elsewhere = make_org("Elsewhere")
    assert make_client(grant_role(make_user("boss@elsewhere.org"), elsewhere, "program_staff")).get(url).status_code == 404
    assert make_client().get(url).status_code == 404  # a signed-out visitor: as for a missing id
    assert make_client(review_world.reviewers[0]).get("/reviews/assignments/2147483647/declare").status_code == 404
    assert make_client(review_world.reviewers[0]).get("/reviews/assignments/99999999999/declare").status_code == 404
    db.session.expire_all()
    assert db.session.get(Assignment, assigned.id).declared_at is None


def test_a_reviewer_who_lost_the_role_gets_404(make_client, review_world, assigned):
    reviewer = review_world.reviewers[0]
    for membership in list(reviewer.memberships):
        db.session.delete(membership)
    db.session.commit()
    assert make_client(reviewer).get(declare_url(assigned)).status_code == 404


# ---- blind rounds --------------------------------------------------------------------------


@pytest.fixture
def blind(make_review_world, org, staff):
    return make_review_world(org, staff, blind=True, applications=4, members=2)


def identifying(world, application) -> list[str]:
    found = [application.team.name, application.school_name]
    for member in application.team.members:
        found += [member.user.name, member.user.email, member.user.email.split("@")[1]]
    return found


def test_a_blind_round_asks_for_the_round_list_first(app, make_client, blind):
    assignment = blind.assign(blind.applications[0], blind.reviewers[0])
    client = make_client(blind.reviewers[0])
    response = client.get(declare_url(assignment))
    assert response.status_code == 302
    assert f"/reviews/rounds/{blind.round.id}/declare" in response.headers["Location"]
    assert client.post(declare_url(assignment), data={"choice": "none"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).declared_at is None
    with app.test_request_context():
        assert declarations.next_step_url(assignment, blind.reviewers[0]).startswith(
            f"/reviews/rounds/{blind.round.id}/declare")


def test_the_blind_declaration_shows_nothing_that_identifies_the_team(make_client, blind):
    application = blind.applications[0]
    application.school_name_identifies_team = True
    application.grades = "K-5"
    db.session.commit()
    assignment = blind.assign(application, blind.reviewers[0])
    client = make_client(blind.reviewers[0])
    listed = client.post(f"/reviews/rounds/{blind.round.id}/declare", data={"next_assignment": assignment.id})
    assert listed.headers["Location"].endswith(declare_url(assignment))
    page = client.get(declare_url(assignment))
    assert page.status_code == 200
    assert f"Application #{assignment.id}" in page.text and "K-5" in page.text and "New school" in page.text
    for text in identifying(blind, application):
        assert text.lower() not in page.text.lower(), text
    assert client.post(declare_url(assignment), data={"choice": "none"}).status_code == 302
    for text in identifying(blind, application):
        assert text.lower() not in client.get(declare_url(assignment)).text.lower(), text
