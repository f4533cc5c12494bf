"""Team invitations: only the invited address accepts through the link; only a confirmed account
invites; invitation mail is limited per sender and per recipient; the subject holds no typed text."""
import sqlalchemy as sa

from incubator.applications.models import TeamInvitation
from incubator.core.mail import OutboxMessage
from incubator.extensions import db


def invite(client, team, email):
    return client.post(f"/applications/teams/{team.id}/invitations", data={"email": email})


def revoke_all(client, team):
    for invitation in db.session.scalars(sa.select(TeamInvitation).where(TeamInvitation.revoked_at.is_(None),
                                                                         TeamInvitation.accepted_at.is_(None))):
        client.post(f"/applications/teams/{team.id}/invitations/{invitation.id}/revoke")


def mails_to(address):
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).filter_by(recipient=address))


def test_someone_signed_in_with_another_address_cannot_join_through_the_link(
        make_client, lead, team, applicant, make_user, mailbox, run_jobs):
    invite(make_client(lead), team, "nia@example.org")
    run_jobs()
    path = mailbox.link("nia@example.org", r"https?://\S+/applications/invitations/\S+").removeprefix("http://localhost")
    intruder = make_client(applicant)

    page = intruder.get(path)
    assert page.status_code == 403 and "This invitation is for another address" in page.text
    assert "Join Bayou Learning Lab" not in page.text
    response = intruder.post(path)
    assert response.status_code == 403 and "This invitation is for another address" in response.text
    db.session.expire_all()
    assert not team.has_member(applicant)
    assert db.session.scalar(sa.select(TeamInvitation)).accepted_at is None

    nia = make_user("nia@example.org")
    assert make_client(nia).post(path).status_code == 302
    db.session.expire_all()
    assert team.has_member(nia)


def test_an_unconfirmed_lead_cannot_send_invitations(make_client, make_user, make_team, mailbox, run_jobs):
    unconfirmed = make_user("fresh@example.org", confirmed=False)
    team = make_team(lead=unconfirmed)
    response = invite(make_client(unconfirmed), team, "stranger@example.org")
    assert response.status_code == 422 and "Confirm your email address before inviting people" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TeamInvitation)) == 0
    run_jobs()
    assert mailbox.to("stranger@example.org") == []


def test_the_subject_holds_no_team_name_and_the_body_quotes_it(make_client, lead, make_team, mailbox, run_jobs):
    team = make_team(name="URGENT: your bank account is locked, call 555-0100", lead=lead)
    assert invite(make_client(lead), team, "stranger@example.org").status_code == 302
    run_jobs()
    message = mailbox.last("stranger@example.org")
    assert message["Subject"] == "You are invited to join a design team on Incubator"
    assert '"URGENT: your bank account is locked, call 555-0100"' in mailbox.body(message)


def test_inviting_revoking_and_reinviting_one_stranger_is_limited(make_client, lead, team, mailbox, run_jobs):
    client = make_client(lead)
    for _ in range(3):
        assert invite(client, team, "stranger@example.org").status_code == 302
        revoke_all(client, team)
    refused = invite(client, team, "Stranger@Example.org ")
    assert refused.status_code == 429
    assert "Too many invitations to this address in a short time. Try again in" in refused.text
    assert 'value="Stranger@Example.org"' in refused.text  # the form is kept, with the address typed
    run_jobs()
    assert len(mailbox.to("stranger@example.org")) == 3
    # Another address is not affected.
    assert invite(client, team, "someone.else@example.org").status_code == 302


def test_the_recipient_limit_counts_every_team_inviting_that_address(make_client, make_user, make_team):
    for n in range(3):
        lead = make_user(f"lead{n}@example.org")
        assert invite(make_client(lead), make_team(lead=lead), "stranger@example.org").status_code == 302
    lead = make_user("lead9@example.org")
    assert invite(make_client(lead), make_team(lead=lead), "stranger@example.org").status_code == 429
    assert mails_to("stranger@example.org") == 3


def test_one_sender_is_limited_across_addresses(app, make_client, lead, team, monkeypatch):
    monkeypatch.setitem(app.config, "INVITATION_LIMIT_PER_SENDER", "4 per day")
    client = make_client(lead)
    for n in range(4):
        assert invite(client, team, f"person{n}@example.org").status_code == 302
    refused = invite(client, team, "person9@example.org")
    assert refused.status_code == 429 and "Too many invitations from your account" in refused.text
    assert mails_to("person9@example.org") == 0


def test_refused_invitations_do_not_use_up_the_limits(make_client, lead, team, member):
    client = make_client(lead)
    for _ in range(5):
        assert invite(client, team, member.email).status_code == 422  # already on the team: nothing sent
    assert invite(client, team, "stranger@example.org").status_code == 302
