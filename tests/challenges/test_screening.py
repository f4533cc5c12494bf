"""Program staff screen a submitted application: eligible, or ineligible with a reason mailed to the team."""
from datetime import timedelta

import pytest

from incubator.applications.states import Status
from incubator.challenges import screening
from incubator.core.audit import AuditEvent
from incubator.core.errors import InvalidTransition, NotAllowed, ValidationFailed
from incubator.core.timeutil import utcnow
from incubator.extensions import db


@pytest.fixture
def team_members(make_user):
    return [make_user("lead@example.org", name="Lee Lead"), make_user("member@example.org", name="Mo Member")]


@pytest.fixture
def application(open_challenge, make_application, team_members):
    return make_application(open_challenge, school_name="Bayou Academy", team_name="River Team", members=team_members)


def url(application, suffix=""):
    return f"/challenges/{application.challenge_id}/applications/{application.id}{suffix}"


def test_staff_read_every_section_of_an_application(staff_client, application):
    application.learner_profiles = "First paragraph.\n\n<b>Second</b> paragraph."
    db.session.commit()
    page = staff_client.get(url(application))
    assert page.status_code == 200
    for text in ("Bayou Academy", "River Team", "lead@example.org", "member@example.org", "Four-year financial plan",
                 "Challenge questions", "Attachments", "Record decision"):
        assert text in page.text
    assert "<p>First paragraph.</p><p>&lt;b&gt;Second&lt;/b&gt; paragraph.</p>" in page.text


def test_staff_mark_an_application_ineligible_and_the_team_is_told_why(staff_client, staff, application, run_jobs, mailbox):
    response = staff_client.post(url(application, "/screen"), data={"decision": "ineligible",
                                                                    "reason": "The school would be outside Orleans Parish."})
    assert response.status_code == 302
    page = staff_client.get(response.location)
    assert "Marked ineligible" in page.text and "outside Orleans Parish" in page.text

    db.session.refresh(application)
    assert application.status == Status.ineligible
    assert application.screened_by_id == staff.id and application.screened_at is not None
    assert application.screening_reason == "The school would be outside Orleans Parish."
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="application.screened"))
    assert (event.actor_id, event.object_id, event.from_state, event.to_state) == (staff.id, application.id, "submitted", "ineligible")

    run_jobs()
    for address in ("lead@example.org", "member@example.org"):
        message = mailbox.last(address)
        assert "Future of School" in message["Subject"]
        assert "outside Orleans Parish" in mailbox.body(message)


def test_an_ineligible_decision_needs_a_reason(staff_client, application, run_jobs, mailbox):
    response = staff_client.post(url(application, "/screen"), data={"decision": "ineligible", "reason": "  "})
    assert response.status_code == 422
    assert "Give the reason" in response.text
    db.session.refresh(application)
    assert application.status == Status.submitted
    run_jobs()
    assert mailbox.messages == []


def test_staff_mark_an_application_eligible_without_mail(staff_client, application, run_jobs, mailbox):
    staff_client.post(url(application, "/screen"), data={"decision": "eligible"})
    db.session.refresh(application)
    assert application.status == Status.eligible and application.screening_reason is None
    run_jobs()
    assert mailbox.messages == []


def test_a_decision_can_be_corrected_and_each_change_is_audited(staff_client, application):
    staff_client.post(url(application, "/screen"), data={"decision": "ineligible", "reason": "Missing budget"})
    staff_client.post(url(application, "/screen"), data={"decision": "eligible", "reason": "Budget found in the attachment"})
    db.session.refresh(application)
    assert application.status == Status.eligible
    trail = db.session.scalars(db.select(AuditEvent).filter_by(action="application.screened").order_by(AuditEvent.id)).all()
    assert [(e.from_state, e.to_state) for e in trail] == [("submitted", "ineligible"), ("ineligible", "eligible")]
    page = staff_client.get(url(application)).text
    assert "marked it eligible (was ineligible): “Budget found in the attachment”" in page
    assert "marked it ineligible (was submitted): “Missing budget”" in page


def test_the_same_decision_twice_is_refused_with_a_message(staff_client, application):
    staff_client.post(url(application, "/screen"), data={"decision": "eligible"})
    response = staff_client.post(url(application, "/screen"), data={"decision": "eligible"}, follow_redirects=True)
    assert "cannot become eligible" in response.text


def test_a_withdrawn_application_cannot_be_screened(staff, open_challenge, make_application, staff_client):
    withdrawn = make_application(open_challenge, status=Status.withdrawn)
    with pytest.raises(InvalidTransition):
        screening.screen(withdrawn, eligible=True, reason="", actor=staff, now=utcnow())
    db.session.rollback()
    response = staff_client.post(url(withdrawn, "/screen"), data={"decision": "eligible"}, follow_redirects=True)
    assert "cannot become eligible" in response.text
    db.session.refresh(withdrawn)
    assert withdrawn.status == Status.withdrawn


def test_a_draft_is_not_visible_to_staff(staff_client, open_challenge, make_application):
    draft = make_application(open_challenge, status=Status.draft)
    assert staff_client.get(url(draft)).status_code == 404
    assert staff_client.post(url(draft, "/screen"), data={"decision": "eligible"}).status_code == 404


def test_the_service_checks_the_actor_and_the_reason(application, reviewer, staff):
    with pytest.raises(NotAllowed):
        screening.screen(application, eligible=True, reason="", actor=reviewer, now=utcnow())
    with pytest.raises(ValidationFailed, match="Give the reason"):
        screening.screen(application, eligible=False, reason="", actor=staff, now=utcnow())
    with pytest.raises(ValidationFailed, match="at most 5,000"):
        screening.screen(application, eligible=False, reason="x" * 5001, actor=staff, now=utcnow())
    assert application.status == Status.submitted


def test_hostile_reasons_are_refused(staff_client, application):
    response = staff_client.post(url(application, "/screen"), data={"decision": "ineligible", "reason": "bad\x00"})
    assert response.status_code == 422 and "control characters" in response.text
    response = staff_client.post(url(application, "/screen"), data={"decision": "maybe"})
    assert response.status_code == 422 and "Not a valid choice" in response.text
    db.session.refresh(application)
    assert application.status == Status.submitted


def test_staff_see_answers_the_plan_and_links_to_the_pdf_and_files(staff_client, make_challenge, make_application):
    from decimal import Decimal

    from incubator.applications.models import Answer, Attachment, FinancialYear
    from incubator.challenges.models import QuestionKind

    challenge = make_challenge(slug="full", opens_in=-timedelta(days=1), questions=[
        (QuestionKind.multiple_choice, "Groups engaged"), (QuestionKind.number, "Founding staff"),
        (QuestionKind.file, "Model diagram")])
    groups, founders, diagram = challenge.questions
    application = make_application(challenge, school_name="Bayou Academy", pdf_path="1.pdf")
    attachment = Attachment(application=application, question_id=diagram.id, original_filename="model.pdf",
                            stored_name="abc123", content_type="application/pdf", size_bytes=2048, sha256="0" * 64)
    db.session.add_all([
        Answer(application=application, question=groups, choices_value=["Parents", "Teachers"]),
        Answer(application=application, question=founders, number_value=Decimal("12.0000")),
        FinancialYear(application=application, year_number=1, enrollment=100, per_pupil_revenue_cents=1_000_000,
                      other_revenue_cents=0, operating_expenses_cents=125_000_000),
        attachment,
    ])
    db.session.commit()

    page = staff_client.get(url(application)).text

    assert "Parents, Teachers" in page and ">12<" in page.replace("\n", "").replace(" ", "")
    assert "$1,000,000" in page and "80%" in page  # public revenue and coverage of year one
    assert f'href="/applications/{application.id}/pdf"' in page
    assert f'href="/applications/{application.id}/attachments/{attachment.id}">model.pdf</a>' in page


def test_two_staff_screening_at_once_cannot_both_win(application, staff, run_jobs, mailbox):
    import sqlalchemy as sa

    from incubator.applications.models import Application

    # Another request marks it eligible after this one loaded it as submitted.
    db.session.execute(sa.update(Application).where(Application.id == application.id)
                       .values(status=Status.eligible, screened_at=utcnow())
                       .execution_options(synchronize_session=False))
    assert application.status == Status.submitted
    with pytest.raises(screening.ScreeningConflict, match="Someone else changed this application"):
        screening.screen(application, eligible=False, reason="Late", actor=staff, now=utcnow())
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == Status.eligible
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="application.screened")) is None
    run_jobs()
    assert mailbox.messages == []
