"""Submitting: the deadline on the server in the organisation's timezone, the freeze,
the receipt to every member, the PDF copy made by a job, and withdrawing."""
from datetime import datetime, timedelta

import pytest

from incubator.applications.jobs import render_application_pdf
from incubator.applications.states import Status
from incubator.core.audit import AuditEvent
from incubator.core.timeutil import from_local, utcnow
from incubator.extensions import db
from tests.applications.conftest import fill_completely


def submit(client, application):
    return client.post(f"/applications/{application.id}/submit")


@pytest.mark.parametrize("wall_clock, zone_name, shown", [
    (datetime(2026, 11, 1, 17, 0), "America/Chicago", "closed at 17:00 CST on Sunday 1 November 2026"),  # clocks fell back that morning
    (datetime(2027, 3, 14, 17, 0), "America/Chicago", "closed at 17:00 CDT on Sunday 14 March 2027"),  # clocks sprang forward
    (datetime(2026, 12, 4, 17, 0), "America/New_York", "closed at 17:00 EST on Friday 4 December 2026"),
])
def test_the_deadline_is_a_moment_in_the_organisations_timezone(make_org, make_challenge, make_team, make_user,
                                                                make_client, freeze, wall_clock, zone_name, shown):
    organisation = make_org(timezone=zone_name)
    closes_at = from_local(wall_clock, zone_name)
    challenge = make_challenge(organisation=organisation, opens_at=closes_at - timedelta(days=30), closes_at=closes_at)
    lead = make_user()
    late = fill_completely(_application(make_team(lead=lead), challenge))
    on_time = fill_completely(_application(make_team(name="Second Line", lead=lead), challenge))
    client = make_client(lead)

    freeze(closes_at - timedelta(seconds=1))
    assert submit(client, on_time).status_code == 302

    freeze(closes_at + timedelta(seconds=1))
    response = submit(client, late)
    assert response.status_code == 409
    assert shown in response.text

    freeze(closes_at)  # the closing moment itself is too late
    assert submit(client, late).status_code == 409
    db.session.expire_all()
    assert on_time.status == Status.submitted and on_time.submitted_at == closes_at - timedelta(seconds=1)
    assert late.status == Status.draft and late.submitted_at is None


def _application(team, challenge):
    from incubator.applications.models import Application

    application = Application(team=team, challenge=challenge)
    db.session.add(application)
    db.session.commit()
    return application


def test_the_chicago_deadlines_on_clock_change_days_are_the_right_utc_moments():
    assert from_local(datetime(2026, 11, 1, 17, 0), "America/Chicago").isoformat() == "2026-11-01T23:00:00+00:00"
    assert from_local(datetime(2027, 3, 14, 17, 0), "America/Chicago").isoformat() == "2027-03-14T22:00:00+00:00"


def test_an_incomplete_application_cannot_be_submitted(make_client, lead, application):
    response = submit(make_client(lead), application)
    assert response.status_code == 422
    assert "Still missing" in response.text and "Budget workbook (upload a file)" in response.text
    db.session.expire_all()
    assert application.status == Status.draft


def test_submitting_freezes_sends_a_receipt_to_every_member_and_makes_a_pdf(
        app, make_client, lead, member, complete_application, mailbox, run_jobs, monkeypatch):
    monkeypatch.setitem(app.config, "PDF_COMPRESSION", False)
    client = make_client(member)
    assert "Submit the application" in client.get(f"/applications/{complete_application.id}/submit").text
    assert submit(client, complete_application).status_code == 302
    db.session.expire_all()
    assert complete_application.status == Status.submitted
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="application.submitted"))
    assert (event.from_state, event.to_state, event.actor_id) == ("draft", "submitted", member.id)
    assert "being prepared" in client.get(f"/applications/{complete_application.id}").text

    run_jobs()
    for person in (lead, member):
        body = mailbox.body(mailbox.last(person.email))
        assert "Bayou Community School" in body
        assert f"http://localhost/applications/{complete_application.id}" in body
    assert complete_application.pdf_sha256
    page = client.get(f"/applications/{complete_application.id}").text
    assert "Download the PDF" in page and "being prepared" not in page

    response = client.get(f"/applications/{complete_application.id}/pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert b"Bayou Community School" in response.data and b"Lab school" in response.data
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"

    # Frozen: no more edits, uploads or deletes.
    assert client.post(f"/applications/{complete_application.id}/edit", data={"school_name": "x"}).status_code == 409
    again = submit(client, complete_application)  # a repeated submit is not an error: it is already done
    assert again.status_code == 302 and "Already submitted at" in client.get(again.location).text


def test_the_pdf_job_is_idempotent(app, complete_application, run_jobs, lead, make_client):
    submit(make_client(lead), complete_application)
    run_jobs()
    db.session.expire_all()
    first = complete_application.pdf_sha256
    assert first
    assert render_application_pdf(complete_application.id) == "already made"
    db.session.expire_all()
    assert complete_application.pdf_sha256 == first
    assert render_application_pdf(10**6) == "nothing to do"


def test_the_pdf_of_a_draft_is_not_made(application):
    assert render_application_pdf(application.id) == "nothing to do"
    assert application.pdf_path is None


@pytest.mark.parametrize("start", [Status.draft, Status.submitted, Status.eligible])
def test_a_team_can_withdraw_until_a_decision_after_confirming(make_client, member, complete_application, start):
    created_at = complete_application.created_at
    complete_application.status = start
    complete_application.submitted_at = None if start == Status.draft else created_at
    complete_application.screened_at = created_at if start == Status.eligible else None
    db.session.commit()
    client = make_client(member)
    url = f"/applications/{complete_application.id}/withdraw"
    unconfirmed = client.post(url)
    assert unconfirmed.status_code == 422 and "Check the box" in unconfirmed.text
    db.session.expire_all()
    assert complete_application.status == start

    assert client.post(url, data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert complete_application.status == Status.withdrawn and complete_application.withdrawn_at
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="application.withdrawn"))
    assert (event.from_state, event.to_state) == (start.value, "withdrawn")


def test_an_ineligible_application_cannot_be_withdrawn(make_client, member, complete_application):
    complete_application.status, complete_application.submitted_at = Status.ineligible, complete_application.created_at
    complete_application.screening_reason, complete_application.screened_at = "Outside the city", utcnow()
    db.session.commit()
    response = make_client(member).post(f"/applications/{complete_application.id}/withdraw", data={"confirm": "y"})
    assert response.status_code == 409
    db.session.expire_all()
    assert complete_application.status == Status.ineligible


def test_a_submission_racing_a_teammates_save_is_refused_so_what_was_checked_is_what_is_frozen(
        lead, complete_application, run_jobs, mailbox):
    """Both loaded version 1; the teammate's save (which empties the school name) commits first."""
    import sqlalchemy as sa

    from incubator.applications import submission
    from incubator.applications.lifecycle import ChangedMeanwhile
    from incubator.core.timeutil import utcnow

    application = complete_application
    with db.engine.begin() as other:
        other.execute(sa.text("UPDATE applications SET version = version + 1, school_name = '' WHERE id = :id"),
                      {"id": application.id})
    with pytest.raises(ChangedMeanwhile, match="Someone else changed this application"):
        submission.submit(application, actor=lead, now=utcnow())
    db.session.rollback()
    db.session.expire_all()
    assert application.status == Status.draft and application.submitted_at is None
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="application.submitted")) is None
    run_jobs()
    assert mailbox.messages == []  # no receipt for a submission that did not happen


def test_a_withdrawal_racing_a_screening_is_refused_and_the_trail_stays_true(lead, complete_application):
    import sqlalchemy as sa

    from incubator.applications import submission
    from incubator.applications.lifecycle import ChangedMeanwhile
    from incubator.core.timeutil import utcnow

    application = complete_application
    application.status, application.submitted_at = Status.submitted, utcnow()
    db.session.commit()
    with db.engine.begin() as other:  # staff mark it eligible after the team loaded it as submitted
        other.execute(sa.text("UPDATE applications SET status = 'eligible', screened_at = submitted_at WHERE id = :id"),
                      {"id": application.id})
    with pytest.raises(ChangedMeanwhile):
        submission.withdraw(application, actor=lead, now=utcnow())
    db.session.rollback()
    db.session.expire_all()
    assert application.status == Status.eligible
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="application.withdrawn")) is None


@pytest.mark.parametrize("status", [Status.eligible, Status.ineligible])
def test_the_database_refuses_a_screened_application_without_a_screening_time(complete_application, status):
    import sqlalchemy as sa

    complete_application.status, complete_application.submitted_at = status, utcnow()
    complete_application.screening_reason = "Outside the city"
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
