"""An organisation invitation link is accepted only by the account of the invited address:
anyone else who opens it (signed in with another address) is told so, and nothing changes."""
import pytest
import sqlalchemy as sa

from incubator.accounts import organisations
from incubator.accounts.models import Invitation, Membership, Role, User
from incubator.core.audit import AuditEvent
from incubator.core.errors import NotAllowed
from incubator.extensions import db


def invite(make_client, admin, org, email, role="program_staff"):
    make_client(admin).post(f"/admin/organisations/{org.id}/invitations", data={"email": email, "role": role})


def link_for(mailbox, run_jobs, address):
    run_jobs()
    return mailbox.link(address).removeprefix("http://localhost")


def test_a_signed_in_applicant_cannot_accept_a_staff_invitation_sent_to_someone_else(
        make_client, make_user, admin, applicant, org, mailbox, run_jobs):
    invite(make_client, admin, org, "new.staff@example.org")
    link = link_for(mailbox, run_jobs, "new.staff@example.org")
    intruder = make_client(applicant)
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))

    page = intruder.get(link)
    assert page.status_code == 403
    assert "This invitation is for another address" in page.text
    assert "new.staff@example.org" in page.text and "applicant@example.org" in page.text
    assert "Accept the invitation" not in page.text  # no button to press

    response = intruder.post(link)
    assert response.status_code == 403 and "This invitation is for another address" in response.text
    db.session.expire_all()
    assert applicant.roles_in(org.id) == set()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 0
    invitation = db.session.scalar(sa.select(Invitation))
    assert invitation.accepted_at is None and invitation.accepted_by_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events

    # The person it was sent to still can.
    owner = make_user("new.staff@example.org")
    assert make_client(owner).post(link).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, owner.id).roles_in(org.id) == {Role.program_staff}


def test_the_address_must_match_exactly_not_just_look_alike(make_client, admin, make_user, org, mailbox, run_jobs):
    invite(make_client, admin, org, "rev@example.org", "reviewer")
    link = link_for(mailbox, run_jobs, "rev@example.org")
    lookalike = make_user("rev@example.org.example.com")
    assert make_client(lookalike).post(link).status_code == 403
    db.session.expire_all()
    assert lookalike.roles_in(org.id) == set()


def test_the_invited_address_accepts_through_the_link_even_before_confirming(
        make_client, admin, make_user, org, mailbox, run_jobs):
    """The link reached that mailbox, so following it confirms the address too."""
    person = make_user("late@example.org", confirmed=False)
    invite(make_client, admin, org, "late@example.org", "reviewer")
    link = link_for(mailbox, run_jobs, "late@example.org")
    assert make_client(person).post(link).status_code == 302
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.roles_in(org.id) == {Role.reviewer} and person.is_confirmed


def test_the_service_refuses_another_account_whatever_the_view_does(app, admin, applicant, org):
    with app.test_request_context():
        invitation = organisations.invite(org, email="someone.else@example.org", role=Role.finance, actor=admin)
    with pytest.raises(NotAllowed, match="sent to someone.else@example.org"):
        organisations.accept_invitation(invitation, user=applicant)
    assert invitation.accepted_at is None and applicant.roles_in(org.id) == set()
