"""The reviewer's pages: the queue, the scoring form (save, submit, submit and next, autosave), the
lock, staff reopening, the declaration step first, and who gets 404."""
import html
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from incubator.core.audit import AuditEvent
from incubator.core.mail import OutboxMessage
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews.models import Assignment, Conflict, CriterionScore
from incubator.reviews.states import ConflictSource, ReviewStatus
from tests.reviews.scoring_kit import declared, review_form


@pytest.fixture
def rae(review_world, make_client):
    """The first reviewer, signed in, with a declared assignment of the first application."""
    client = make_client(review_world.reviewers[0])
    client.assignment = declared(review_world, review_world.applications[0], review_world.reviewers[0])
    return client


def _url(assignment, tail=""):
    return f"/reviews/assignments/{assignment.id}{tail}"


def test_the_scoring_page_shows_the_application_beside_the_rubric(review_world, rae):
    page = rae.get(_url(rae.assignment))
    assert page.status_code == 200
    application = review_world.applications[0]
    assert application.team.name in page.text and application.school_name in page.text  # an open round names them
    for criterion in review_world.round.criteria:
        for value, descriptor in criterion.points:
            assert f'name="score-{criterion.id}" value="{value}"' in page.text and descriptor in page.text
    assert f'id="score-{review_world.round.criteria[1].id}-na"' in page.text  # n/a only where allowed
    assert f'id="score-{review_world.round.criteria[0].id}-na"' not in page.text
    for button in ("Save draft", ">Submit<", "Submit and next", "reviews.js", 'data-autosave="'):
        assert button in page.text


def test_a_draft_is_saved_and_shown_again(review_world, rae):
    response = rae.post(_url(rae.assignment), data=review_form(review_world, rae.assignment, values=("4", "", ""),
                                                                comments=("Clear <growth> targets", "", "")))
    assert response.status_code == 302
    page = rae.get(response.headers["Location"])
    assert "Draft saved at" in page.text and "Clear &lt;growth&gt; targets" in page.text
    assert f'value="4" checked' in page.text and ">75</strong>" in page.text


def test_submit_refused_says_what_is_missing_and_keeps_the_input(review_world, rae):
    data = review_form(review_world, rae.assignment, values=("4", "", ""), overall="Keep this text",
                       recommendation="", action="submit")
    page = rae.post(_url(rae.assignment), data=data)
    assert page.status_code == 422
    assert "Score Financial sustainability (or mark it n/a)." in page.text and "Score Team capacity." in page.text
    assert "Keep this text" in page.text
    assert db.session.get(Assignment, rae.assignment.id).status == ReviewStatus.not_started


def test_a_submitted_review_is_locked_and_posts_are_refused(review_world, rae):
    assert rae.post(_url(rae.assignment), data=review_form(review_world, rae.assignment, action="submit")
                    ).status_code == 302
    page = rae.get(_url(rae.assignment))
    assert "is locked" in page.text and "Save draft" not in page.text and "data-autosave" not in page.text
    again = review_form(review_world, rae.assignment, values=("1", "1", "0"), version=2)
    refused = rae.post(_url(rae.assignment), data=again)
    assert refused.status_code == 409 and "submitted and locked" in refused.text
    growth = review_world.round.criteria[0].id
    assert f'id="score-{growth}-4" name="score-{growth}" value="4" checked' in refused.text  # what was submitted
    assert rae.post(_url(rae.assignment, "/autosave"), data=again).status_code == 409
    db.session.expire_all()
    assert db.session.scalar(sa.select(CriterionScore.value).filter_by(
        assignment_id=rae.assignment.id, criterion_id=review_world.round.criteria[0].id)) == 4


def test_submitting_after_the_round_closed_is_refused(review_world, rae):
    review_world.round.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = rae.post(_url(rae.assignment), data=review_form(review_world, rae.assignment, action="submit"))
    assert page.status_code == 422 and "closed" in page.text
    assert db.session.get(Assignment, rae.assignment.id).status == ReviewStatus.not_started


def test_submit_and_next_goes_to_the_next_unfinished_review_then_to_the_queue(review_world, rae):
    reviewer = review_world.reviewers[0]
    second = declared(review_world, review_world.applications[1], reviewer)
    third = declared(review_world, review_world.applications[2], reviewer)
    data = review_form(review_world, second, action="next")
    assert rae.post(_url(second), data=data).headers["Location"].endswith(_url(third))
    assert rae.post(_url(third), data=review_form(review_world, third, action="next")
                    ).headers["Location"].endswith(_url(rae.assignment))  # wraps round to the first unfinished
    last = rae.post(_url(rae.assignment), data=review_form(review_world, rae.assignment, action="next"))
    assert last.headers["Location"].endswith("/reviews/queue")
    assert "That was your last review to do." in rae.get("/reviews/queue").text


def test_autosave_answers_json_and_refuses_a_stale_version(review_world, rae):
    data = review_form(review_world, rae.assignment, values=("5", "na", ""))
    first = rae.post(_url(rae.assignment, "/autosave"), data=data)
    assert first.status_code == 200
    assert first.json["version"] == 2 and first.json["score"] == 100.0 and first.json["status"] == "draft"
    assert len(first.json["saved_at"]) == 5 and first.json["saved_at"][2] == ":"
    stale = rae.post(_url(rae.assignment, "/autosave"), data=data)  # still version 1: another tab
    assert stale.status_code == 409 and "another tab" in stale.json["error"]
    bad = rae.post(_url(rae.assignment, "/autosave"), data=review_form(review_world, rae.assignment,
                                                                       values=("9", "", ""), version=2))
    assert bad.status_code == 422 and "from 1 to 5" in bad.json["error"]
    assert rae.post(_url(rae.assignment, "/autosave"), data=data, csrf=False).status_code == 400


def test_the_queue_shows_status_progress_and_the_deadline_in_the_organizations_timezone(review_world, rae, org):
    review_world.round.closes_at = datetime(2031, 5, 1, 22, 0, tzinfo=timezone.utc)
    db.session.commit()
    second = declared(review_world, review_world.applications[1], review_world.reviewers[0])
    rae.post(_url(second), data=review_form(review_world, second, action="submit"))
    page = rae.get("/reviews/queue")
    assert page.status_code == 200
    assert "1 May 2031, 17:00 CDT" in page.text and "days" in page.text  # America/Chicago
    assert "Not started" in page.text and "Submitted" in page.text and "1 of 2 submitted" in page.text
    assert review_world.applications[0].school_name in page.text


def test_the_queue_has_an_empty_state_and_is_404_for_someone_who_reviews_nowhere(make_client, reviewer,
                                                                                   make_user, staff):
    assert "no applications to review yet" in make_client(reviewer).get("/reviews/queue").text
    assert make_client(make_user("nobody@example.org")).get("/reviews/queue").status_code == 404
    assert make_client(staff).get("/reviews/queue").status_code == 404


def test_the_dashboard_tells_a_reviewer_what_is_to_do(review_world, rae):
    declared(review_world, review_world.applications[1], review_world.reviewers[0])
    page = rae.get("/dashboard")
    assert "Your reviews" in page.text and "2 to do" in page.text and 'href="/reviews/queue"' in page.text


def test_a_reviewer_declares_before_seeing_anything(review_world, make_client):
    reviewer = review_world.reviewers[1]
    client = make_client(reviewer)
    assignment = review_world.assign(review_world.applications[0], reviewer)
    assert client.get(_url(assignment)).headers["Location"].endswith(_url(assignment, "/declare"))
    assert client.post(_url(assignment), data=review_form(review_world, assignment)).status_code == 302
    for tail in ("/application.pdf", f"/attachments/{2**31 - 9}"):
        assert client.get(_url(assignment, tail)).status_code == 404
    assert db.session.get(Assignment, assignment.id).status == ReviewStatus.not_started
    review_world.round.is_blind = True
    assignment.declared_at = utcnow()
    db.session.commit()
    location = client.get(_url(assignment)).headers["Location"]
    assert location.endswith(f"/reviews/rounds/{review_world.round.id}/declare?next_assignment={assignment.id}")


def test_a_reviewer_never_sees_another_reviewers_review(review_world, rae, make_client):
    other = review_world.reviewers[1]
    theirs = declared(review_world, review_world.applications[0], other)
    rae.post(_url(rae.assignment), data=review_form(review_world, rae.assignment, overall="RAE-SECRET-WORDS",
                                                      comments=("RAE-CRITERION-NOTE", "", ""), action="submit"))
    page = make_client(other).get(_url(theirs))
    assert page.status_code == 200
    assert "RAE-SECRET-WORDS" not in page.text and "RAE-CRITERION-NOTE" not in page.text
    assert make_client(other).get(_url(rae.assignment)).status_code == 404
    assert "RAE-SECRET-WORDS" not in make_client(other).get("/reviews/queue").text


def test_staff_see_the_review_reopen_it_and_mark_the_school_identifying(review_world, rae, make_client, staff):
    rae.post(_url(rae.assignment), data=review_form(review_world, rae.assignment, overall="Solid plan",
                                                      action="submit"))
    office = make_client(staff)
    page = office.get(_url(rae.assignment))
    assert "Solid plan" in page.text and "Reopen the review" in page.text and "Rae Reviewer" in page.text
    assert office.post(_url(rae.assignment, "/reopen"), data={"reason": ""}).status_code == 302
    assert db.session.get(Assignment, rae.assignment.id).status == ReviewStatus.submitted
    office.post(_url(rae.assignment, "/reopen"), data={"reason": "Score capacity again"})
    db.session.expire_all()
    assert db.session.get(Assignment, rae.assignment.id).status == ReviewStatus.draft
    mail = db.session.scalar(sa.select(OutboxMessage).filter_by(recipient=review_world.reviewers[0].email))
    assert "Score capacity again" in mail.body_text
    application = review_world.applications[0]
    response = office.post(f"/reviews/applications/{application.id}/identifying",
                           data={"identifying": "y", "assignment_id": str(rae.assignment.id)})
    assert response.headers["Location"].endswith(_url(rae.assignment))
    db.session.expire_all()
    assert db.session.get(type(application), application.id).school_name_identifies_team is True
    assert db.session.scalar(sa.select(AuditEvent).filter_by(action="review.school_name_identifying"))
    assert rae.post(f"/reviews/applications/{application.id}/identifying", data={}).status_code == 404
    assert rae.post(_url(rae.assignment, "/reopen"), data={"reason": "x"}).status_code == 404


def _every_url(assignment, attachment_id=1):
    return [("GET", _url(assignment)), ("POST", _url(assignment)), ("POST", _url(assignment, "/autosave")),
            ("POST", _url(assignment, "/reopen")), ("GET", _url(assignment, "/application.pdf")),
            ("GET", _url(assignment, f"/attachments/{attachment_id}")),
            ("POST", f"/reviews/applications/{assignment.application_id}/identifying")]


def test_outsiders_get_404_on_every_scoring_url(review_world, rae, make_client, make_review_world, make_org,
                                                make_user, grant_role):
    from incubator.accounts.models import Role

    assignment = rae.assignment
    conflicted = review_world.reviewers[2]
    theirs = declared(review_world, review_world.applications[0], conflicted)
    db.session.add(Conflict(application=review_world.applications[0], reviewer=conflicted,
                            source=ConflictSource.declared, note="My cousin"))
    elsewhere = make_review_world(review_world.challenge.organisation, applications=1, reviewers=1)
    other_org = make_org("Elsewhere")
    other_staff = grant_role(make_user("staff@elsewhere.org"), other_org, Role.program_staff)
    db.session.commit()
    data = review_form(review_world, assignment, overall="INTRUDER")
    for person, target in ((conflicted, theirs), (elsewhere.reviewers[0], assignment), (other_staff, assignment)):
        client = make_client(person)
        for method, url in _every_url(target):
            response = client.open(url, method=method, data=data if method == "POST" else None)
            assert response.status_code == 404, f"{person.email} {method} {url}: {response.status_code}"
    visitor = make_client()
    for method, url in _every_url(assignment) + [("GET", "/reviews/queue")]:
        response = visitor.open(url, method=method, data=data if method == "POST" else None)
        assert response.status_code == 404 or "/login" in response.headers["Location"], url
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).status == ReviewStatus.not_started
    assert db.session.get(Assignment, theirs.id).status == ReviewStatus.not_started


@pytest.mark.parametrize("value", ["\x00", "7", "na", "\u00b2", "x" * 5000, "<script>alert(1)</script>"])
def test_a_hostile_form_gets_a_clear_message_and_nothing_is_saved(review_world, rae, value):
    data = review_form(review_world, rae.assignment, values=(value, "3", "1"), comments=("", value, ""))
    page = rae.post(_url(rae.assignment), data=data)
    assert page.status_code == 422 and "Your review was not saved." in page.text
    assert "<script>alert(1)</script>" not in page.text
    db.session.expire_all()
    assert db.session.get(Assignment, rae.assignment.id).version == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CriterionScore)) == 0


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001, "why\x00", "\u202eevil"])
def test_a_hostile_reopen_reason_is_refused_and_the_review_stays_locked(review_world, rae, make_client, staff, reason):
    rae.post(_url(rae.assignment), data=review_form(review_world, rae.assignment, action="submit"))
    office = make_client(staff)
    response = office.post(_url(rae.assignment, "/reopen"), data={"reason": reason})
    assert response.status_code == 302 and response.headers["Location"].endswith("#reopen")
    assert "flash-error" in office.get(response.headers["Location"]).text
    db.session.expire_all()
    assert db.session.get(Assignment, rae.assignment.id).status == ReviewStatus.submitted
    assert db.session.scalar(sa.select(AuditEvent).filter_by(action="review.reopened")) is None


def test_the_audit_trail_reads_who_submitted_and_reopened_which_review(review_world, rae, make_client, staff, admin):
    rae.post(_url(rae.assignment), data=review_form(review_world, rae.assignment, values=("5", "na", "3"),
                                                      action="submit"))
    make_client(staff).post(_url(rae.assignment, "/reopen"), data={"reason": "Check the budget"})
    raw = make_client(admin).get("/admin/audit").text
    page = html.unescape(re.sub(r"<[^>]+>", "", raw))
    reviewer, school = review_world.reviewers[0].display_name, review_world.applications[0].school_name
    assert f"submitted {reviewer}'s review of {school} (score 100.0, recommendation yes)" in page
    assert f"reopened {reviewer}'s review of {school}: \u201cCheck the budget\u201d" in page
    assert f'href="/reviews/assignments/{rae.assignment.id}"' in raw


@pytest.mark.parametrize("back", ["1; DROP TABLE", "\x00", "99999999999", "-1", ""])
def test_marking_a_school_identifying_with_a_hostile_return_address_lands_on_the_application(
        review_world, make_client, staff, back):
    application = review_world.applications[0]
    response = make_client(staff).post(f"/reviews/applications/{application.id}/identifying",
                                       data={"identifying": "y", "assignment_id": back})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/applications/{application.id}")
    db.session.expire_all()
    assert db.session.get(type(application), application.id).school_name_identifies_team is True
    make_client(staff).post(f"/reviews/applications/{application.id}/identifying", data={"identifying": "\x00"})
    db.session.expire_all()
    assert db.session.get(type(application), application.id).school_name_identifies_team is False
    assert [e.action for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action.like("review.school_name%")).order_by(AuditEvent.id))] == [
        "review.school_name_identifying", "review.school_name_not_identifying"]


def test_the_dashboard_says_when_nothing_is_assigned_yet_and_nobody_else_sees_the_panel(make_client, reviewer, staff):
    page = make_client(reviewer).get("/dashboard").text
    assert "Your reviews" in page and "No reviews assigned to you yet" in page
    assert "Your reviews" not in make_client(staff).get("/dashboard").text
