"""An organization's program-team contact: Reply-To of the mail sent for it, and named where
people are told to contact the program team."""
from datetime import timedelta

import pytest

from incubator.accounts.models import Organisation
from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Question, QuestionKind, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.mail import OutboxMessage
from incubator.core.timeutil import utcnow
from incubator.extensions import db


@pytest.fixture
def admin_client(make_client, admin):
    return make_client(admin)


def org_form(org, **overrides):
    data = {"name": org.name, "slug": org.slug, "timezone": org.timezone,
            "contact_name": "NSNO Program Team", "contact_email": "Apply@NSNO.org"}
    data.update(overrides)
    return data


@pytest.fixture
def with_contact(admin_client, org):
    response = admin_client.post(f"/admin/organisations/{org.id}/edit", data=org_form(org))
    assert response.status_code == 302
    db.session.refresh(org)
    return org


@pytest.fixture
def submitted(org, make_user):
    now = utcnow()
    challenge = Challenge(organisation=org, title="Future of School", slug="future", track=Track.new_school,
                          status=ChallengeStatus.published, summary_md="Hi",
                          opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9))
    challenge.questions.append(Question(position=1, kind=QuestionKind.yes_no, label="Ready?"))
    team = Team(name="Bayou Lab")
    team.members.append(TeamMember(user=make_user("lead@example.org"), is_lead=True))
    application = Application(team=team, challenge=challenge, status=Status.submitted, submitted_at=now,
                              school_name="Bayou Academy")
    db.session.add(application)
    db.session.commit()
    return application


def test_an_admin_sets_the_contact_and_the_organisation_page_shows_it(admin_client, with_contact):
    assert (with_contact.contact_name, with_contact.contact_email) == ("NSNO Program Team", "apply@nsno.org")
    page = admin_client.get(f"/admin/organisations/{with_contact.id}").text
    assert "NSNO Program Team (apply@nsno.org)" in page
    assert 'value="apply@nsno.org"' in admin_client.get(f"/admin/organisations/{with_contact.id}/edit").text


@pytest.mark.parametrize("overrides, message", [
    ({"contact_email": "not an address"}, "Enter an email address"),
    ({"contact_email": "a@b.org\r\nBcc: victim@example.org"}, "Enter an email address"),
    ({"contact_name": "Team\r\nBcc: victim@example.org"}, ""),
    ({"contact_name": "x" * 121}, "at most 120 characters"),
])
def test_a_bad_contact_is_refused_and_nothing_is_saved(admin_client, org, overrides, message):
    response = admin_client.post(f"/admin/organisations/{org.id}/edit", data=org_form(org, **overrides))
    assert response.status_code == 422 and message in response.text
    db.session.refresh(org)
    assert org.contact_email is None and org.contact_name == ""


def test_invitations_from_the_organisation_reply_to_its_program_team(admin_client, with_contact, run_jobs, mailbox):
    admin_client.post(f"/admin/organisations/{with_contact.id}/invitations",
                      data={"email": "newcomer@example.org", "role": "reviewer"})
    run_jobs()
    message = mailbox.last("newcomer@example.org")
    assert message["Reply-To"] == "NSNO Program Team <apply@nsno.org>"
    assert "write to NSNO Program Team (apply@nsno.org)" in mailbox.body(message)


def test_an_ineligible_team_is_told_to_write_to_the_contact_and_replies_reach_it(
        make_client, staff, with_contact, submitted, run_jobs, mailbox):
    response = make_client(staff).post(f"/challenges/{submitted.challenge_id}/applications/{submitted.id}/screen",
                                       data={"decision": "ineligible", "reason": "Outside the parish."})
    assert response.status_code == 302
    run_jobs()
    message = mailbox.last("lead@example.org")
    assert message["Reply-To"] == "NSNO Program Team <apply@nsno.org>"
    assert "reply to this email or write to NSNO Program Team (apply@nsno.org)" in mailbox.body(message)


def test_without_a_contact_no_reply_to_is_promised(make_client, staff, submitted, run_jobs, mailbox):
    make_client(staff).post(f"/challenges/{submitted.challenge_id}/applications/{submitted.id}/screen",
                            data={"decision": "ineligible", "reason": "Outside the parish."})
    run_jobs()
    message = mailbox.last("lead@example.org")
    assert message["Reply-To"] is None
    body = mailbox.body(message)
    assert "reply to" not in body.lower() and "contact the program team at New Schools" in body


def test_a_name_without_a_contact_name_still_reads_well(org):
    org.name, org.contact_email = "LEAP Innovations", "hello@leap.org"
    assert org.reply_to == "LEAP Innovations program team <hello@leap.org>"
    assert org.contact_label == "the program team at LEAP Innovations (hello@leap.org)"


def test_the_public_challenge_page_names_the_contact(client, with_contact, submitted):
    page = client.get("/challenges/future").text
    assert 'href="mailto:apply@nsno.org"' in page and "NSNO Program Team" in page


def test_the_outbox_keeps_the_reply_to_on_one_line(app, org):
    from incubator.core.mail import queue_mail

    message = queue_mail("a@example.org", "Hi", "account_exists", reply_to="Team\n<x@example.org>",
                         user=org, login_url="http://x", reset_url="http://x")
    assert message.reply_to == "Team <x@example.org>"
    db.session.rollback()
    assert db.session.get(Organisation, org.id).reply_to is None
    assert db.session.query(OutboxMessage).count() == 0
