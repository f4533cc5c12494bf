"""Staff decide on the pages: one application (with a preview of the email and the over-slots
warning), a batch through a confirmation page, two staff at once, the round's decisions list;
anyone else gets 404 and hostile input is refused with nothing saved."""
import re

import pytest
import sqlalchemy as sa
from flask import render_template_string

from incubator.applications.models import Application
from incubator.applications.states import Status
from incubator.core.audit import AuditEvent
from incubator.core.mail import OutboxMessage
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews.models import Decision
from incubator.reviews.states import ReviewStatus


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def world(review_world):
    return review_world


@pytest.fixture
def staff_client(make_client, staff):
    return make_client(staff)


def _url(world, application):
    return f"/reviews/rounds/{world.round.id}/applications/{application.id}/decide"


def _status(application) -> Status:
    return db.session.scalar(sa.select(Application.status).where(Application.id == application.id))


def test_staff_decide_one_application_and_the_team_is_emailed(world, staff_client, org, mailbox, run_jobs):
    org.contact_email, org.contact_name = "apply@nsno.org", "NSNO Program Team"
    db.session.commit()
    application = world.applications[0]
    page = staff_client.get(_url(world, application))
    assert page.status_code == 200 and "No decision yet in this round" in page.text
    assert 'name="expected_status" type="hidden" value="eligible"' in page.text
    response = staff_client.post(_url(world, application), data={
        "outcome": "select", "rationale": "The strongest plan.", "expected_status": "eligible", "action": "decide"})
    assert response.status_code == 302
    assert _status(application) == Status.selected
    run_jobs()
    members = [m.user.email for m in application.team.members]
    for email in members:
        message = mailbox.last(email)
        assert message["Subject"].strip() == f"Congratulations, {application.team.name}: you are selected for {world.challenge.title}"
        assert message["Reply-To"] == "NSNO Program Team <apply@nsno.org>"
        assert application.school_name in mailbox.body(message)
        assert f"/applications/{application.id}" in mailbox.body(message)
    decision = db.session.scalar(sa.select(Decision))
    assert decision.notified_at is not None
    listing = staff_client.get(f"/reviews/rounds/{world.round.id}/decisions")
    assert "The strongest plan." in listing.text and "Sam Staff" in listing.text and "Sent " in listing.text
    assert "Not shared" in listing.text


def test_the_preview_shows_the_email_and_saves_nothing(world, staff_client):
    application = world.applications[0]
    page = staff_client.post(_url(world, application), data={
        "outcome": "decline", "rationale": "Not this time.", "expected_status": "eligible", "action": "preview"})
    assert page.status_code == 200
    assert "Preview of the email" in page.text and f"Hello {application.team.name}" in page.text
    assert "Subject:</strong> Your application to" in page.text
    assert _count(Decision) == 0 and _count(OutboxMessage) == 0 and _status(application) == Status.eligible


def test_two_staff_at_once_the_second_sees_who_won(world, make_client, staff, make_user, grant_role, org):
    other = make_client(grant_role(make_user("kim@example.org", name="Kim Staff"), org, "program_staff"))
    mine = make_client(staff)
    application = world.applications[0]
    assert mine.get(_url(world, application)).status_code == 200  # the page shows "eligible"
    assert other.post(_url(world, application), data={"outcome": "select", "rationale": "Yes.",
                                                      "expected_status": "eligible"}).status_code == 302
    late = mine.post(_url(world, application), data={"outcome": "decline", "rationale": "No.",
                                                     "expected_status": "eligible"})
    assert late.status_code == 409
    assert "Someone else decided this application a moment ago: it is now Selected" in late.text
    assert _status(application) == Status.selected
    decision = db.session.scalar(sa.select(Decision))
    assert decision.outcome == "select" and decision.rationale == "Yes."
    assert _count(AuditEvent, AuditEvent.action == "review.decided") == 1


def test_advance_in_the_last_round_is_refused_on_the_page(world, staff_client):
    application = world.applications[0]
    page = staff_client.get(_url(world, application))
    assert "is the last round of the challenge" in page.text
    response = staff_client.post(_url(world, application), data={
        "outcome": "advance", "rationale": "Go on.", "expected_status": "eligible"})
    assert response.status_code == 409 and "no next round to advance to" in response.text
    assert _count(Decision) == 0


def test_selecting_beyond_the_slots_on_the_page_needs_the_box_ticked(make_review_world, org, staff, make_client):
    world = make_review_world(org, staff, applications=2)
    world.challenge.slots = 1
    world.applications[0].status = Status.selected
    db.session.commit()
    client = make_client(staff)
    target = world.applications[1]
    data = {"outcome": "select", "rationale": "Both.", "expected_status": "eligible"}
    warned = client.post(_url(world, target), data=data)
    assert warned.status_code == 409
    assert "This would select 2 teams; the challenge has 1 slot." in warned.text and "Select anyway" in warned.text
    assert _status(target) == Status.eligible
    assert client.post(_url(world, target), data={**data, "confirm_over_slots": "y"}).status_code == 302
    assert _status(target) == Status.selected


def _batch(client, world, **data):
    return client.post(f"/reviews/rounds/{world.round.id}/decisions/batch", data=data)


def test_a_batch_is_confirmed_with_a_preview_before_anything_is_saved(world, staff_client, mailbox, run_jobs):
    first, second, _ = world.applications
    ids = [str(first.id), str(second.id)]
    page = _batch(staff_client, world, application_ids=ids, outcome="waitlist", rationale="Close.")
    assert page.status_code == 200
    assert first.school_name in page.text and second.school_name in page.text
    assert f"Preview of the email (for {first.team.name})" in page.text
    assert "on the waitlist" in page.text
    assert "Decide 2 applications and email the teams" in page.text
    assert _count(Decision) == 0 and _count(OutboxMessage) == 0 and _count(AuditEvent, AuditEvent.action.like("review.%")) == 0
    for value in ids:
        assert f'name="application_ids" value="{value}"' in page.text
    done = _batch(staff_client, world, application_ids=ids, outcome="waitlist", rationale="Close.", confirmed="1",
                  shares_comments="y")
    assert done.status_code == 302
    assert {_status(first), _status(second)} == {Status.waitlisted}
    assert all(d.shares_comments for d in db.session.scalars(sa.select(Decision)))
    run_jobs()
    assert mailbox.last(first.team.members[0].user.email)["Subject"].endswith("is on the waitlist")


def test_top_n_by_normalised_score_in_a_batch(world, staff_client):
    a, b, c = world.applications
    for application, score in ((a, 40.0), (b, 90.0), (c, 70.0)):
        world.assign(application, world.reviewers[0], status=ReviewStatus.submitted, score=score,
                     submitted_at=utcnow(), recommendation="yes")
    page = _batch(staff_client, world, top="2", outcome="decline", rationale="Below the line.")
    assert page.status_code == 200
    assert re.findall(r'name="application_ids" value="(\d+)"', page.text) == [str(b.id), str(c.id)]
    done = _batch(staff_client, world, application_ids=[str(b.id), str(c.id)], outcome="decline",
                  rationale="Below the line.", confirmed="1")
    assert done.status_code == 302
    assert [_status(x) for x in (a, b, c)] == [Status.eligible, Status.declined, Status.declined]


def test_a_batch_over_the_slots_warns_then_needs_confirming(make_review_world, org, staff, make_client):
    world = make_review_world(org, staff, applications=4)
    world.challenge.slots = 3
    db.session.commit()
    client = make_client(staff)
    ids = [str(a.id) for a in world.applications]
    page = _batch(client, world, application_ids=ids, outcome="select", rationale="All four.")
    assert "This would select 4 teams; the challenge has 3 slots." in page.text
    refused = _batch(client, world, application_ids=ids, outcome="select", rationale="All four.", confirmed="1")
    assert refused.status_code == 409 and "This would select 4 teams" in refused.text
    assert _count(Application, Application.status == Status.selected) == 0
    done = _batch(client, world, application_ids=ids, outcome="select", rationale="All four.", confirmed="1",
                  confirm_over_slots="y")
    assert done.status_code == 302
    assert _count(Application, Application.status == Status.selected) == 4


def test_a_batch_with_one_that_cannot_move_saves_nothing_and_says_why(world, staff_client):
    first, second, third = world.applications
    third.status = Status.declined
    db.session.commit()
    ids = [str(first.id), str(second.id), str(third.id)]
    page = _batch(staff_client, world, application_ids=ids, outcome="waitlist", rationale="Wait.")
    assert "nothing will be saved" in page.text and "declined already" in page.text
    assert "and email the teams</button>" not in page.text
    refused = _batch(staff_client, world, application_ids=ids, outcome="waitlist", rationale="Wait.", confirmed="1")
    assert refused.status_code == 409 and "declined already" in refused.text
    assert [_status(a) for a in (first, second)] == [Status.eligible] * 2
    assert _count(Decision) == 0 and _count(OutboxMessage) == 0


HOSTILE_IDS = [["x"], ["1 OR 1=1"], ["²"], ["99999999999999"], ["-1"], [""]]


@pytest.mark.parametrize("ids", HOSTILE_IDS, ids=range(len(HOSTILE_IDS)))
def test_hostile_batch_ids_are_refused(world, staff_client, ids):
    page = _batch(staff_client, world, application_ids=ids, outcome="decline", rationale="No.", confirmed="1")
    assert page.status_code == 422
    assert _count(Decision) == 0 and _count(AuditEvent, AuditEvent.action.like("review.%")) == 0


HOSTILE_FIELDS = [{"outcome": "promote"}, {"outcome": ""}, {"rationale": ""}, {"rationale": "x" * 5001},
                  {"rationale": "bad\x00"}, {"rationale": "\u202eevil"}, {"top": "-3"}, {"top": "abc"},
                  {"top": "99999999999999999999"}]


@pytest.mark.parametrize("bad", HOSTILE_FIELDS, ids=range(len(HOSTILE_FIELDS)))
def test_hostile_batch_fields_are_refused_with_nothing_saved(world, staff_client, bad):
    data = {"application_ids": [str(world.applications[0].id)], "outcome": "decline", "rationale": "No.",
            "confirmed": "1", **bad}
    page = _batch(staff_client, world, **data)
    assert page.status_code == 422
    assert _count(Decision) == 0 and _status(world.applications[0]) == Status.eligible


@pytest.mark.parametrize("bad", [{"outcome": "promote"}, {"rationale": ""}, {"rationale": "x" * 5001},
                                 {"rationale": "nul\x00"}, {"expected_status": "hacked"},
                                 {"expected_status": ""}, {"rationale": "\u202e"}], ids=range(7))
def test_hostile_decision_fields_are_refused_with_nothing_saved(world, staff_client, bad):
    data = {"outcome": "select", "rationale": "Yes.", "expected_status": "eligible", **bad}
    page = staff_client.post(_url(world, world.applications[0]), data=data)
    assert page.status_code in (409, 422)
    assert _count(Decision) == 0 and _status(world.applications[0]) == Status.eligible


def test_markup_in_a_rationale_is_shown_as_text(world, staff_client):
    staff_client.post(_url(world, world.applications[0]), data={
        "outcome": "decline", "rationale": "<script>alert(1)</script>", "expected_status": "eligible"})
    page = staff_client.get(f"/reviews/rounds/{world.round.id}/decisions")
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


def test_the_decision_pages_are_staff_only(world, make_client, reviewer, make_user, make_org, grant_role, client):
    other_staff = grant_role(make_user("else@example.org"), make_org("Elsewhere"), "program_staff")
    urls = [_url(world, world.applications[0]), f"/reviews/rounds/{world.round.id}/decisions"]
    for person in (reviewer, world.reviewers[0], other_staff, world.applications[0].team.members[0].user):
        c = make_client(person)
        for url in urls:
            assert c.get(url).status_code == 404
        assert c.post(urls[0], data={"outcome": "select", "rationale": "x", "expected_status": "eligible"}
                      ).status_code == 404
        assert _batch(c, world, application_ids=[str(world.applications[0].id)], outcome="select", rationale="x",
                      confirmed="1").status_code == 404
    assert client.get(urls[0]).status_code == 404  # signed out: a page about an object answers 404
    assert _count(Decision) == 0


def test_an_application_of_another_round_answers_404(world, staff_client, make_review_world, org, staff):
    elsewhere = make_review_world(org, staff, applications=1)
    assert staff_client.get(_url(world, elsewhere.applications[0])).status_code == 404
    assert staff_client.get(f"/reviews/rounds/{world.round.id}/applications/{2**31 - 7}/decide").status_code == 404


def test_the_decision_controls_fit_in_the_rankings_batch_form(app, world):
    with app.test_request_context():
        html = render_template_string(
            '<form id="batch-decisions" method="post">{% include "reviews/_decision_controls.html" %}</form>',
            review_round=world.round)
    for expected in ('name="outcome"', 'name="rationale"', 'name="shares_comments"', 'name="top"',
                     f'formaction="/reviews/rounds/{world.round.id}/decisions/batch"', 'name="csrf_token"'):
        assert expected in html
    for input_id in re.findall(r'<(?:input|select|textarea)[^>]* id="(batch-[a-z-]+)"', html):
        assert f'for="{input_id}"' in html  # every input has its label
