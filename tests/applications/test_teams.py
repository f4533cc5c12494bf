"""Design teams: create, invite by email, accept through the link, revoke, hand over the lead."""
import re

import pytest

from incubator.applications.models import Team, TeamInvitation
from incubator.core.audit import AuditEvent
from incubator.extensions import db
from tests.conftest import PASSWORD


def actions():
    return [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]


def test_a_registered_user_creates_a_team_and_leads_it(make_client, lead):
    client = make_client(lead)
    dashboard = client.get("/dashboard").text
    assert "Create a team" in dashboard and "You are not on a design team yet" in dashboard  # the empty state
    assert '<a href="/applications/teams">My teams</a>' in dashboard  # the nav link
    response = client.post("/applications/teams/new", data={"name": "Bayou Learning Lab"})
    assert response.status_code == 302
    team = db.session.scalar(db.select(Team))
    assert team.name == "Bayou Learning Lab" and team.lead == lead
    page = client.get(response.headers["Location"]).text
    assert "Bayou Learning Lab" in page and "Invite a teammate" in page
    assert "Bayou Learning Lab" in client.get("/applications/teams").text
    assert "team.created" in actions()


@pytest.mark.parametrize("name, message", [
    ("", "Give the team a name."), ("   ", "Give the team a name."), ("x" * 201, "at most 200 characters"),
    ("Lab\x00", "control characters"), ("Lab\nTwo", "one line"),
])
def test_a_team_name_that_is_hostile_or_empty_is_refused(make_client, lead, name, message):
    response = make_client(lead).post("/applications/teams/new", data={"name": name})
    assert response.status_code == 422 and message in response.text
    assert db.session.scalar(db.select(db.func.count(Team.id))) == 0


def invite(client, team, email):
    return client.post(f"/applications/teams/{team.id}/invitations", data={"email": email})


def test_the_lead_invites_a_member_who_accepts_through_the_link(make_client, lead, make_user, team, mailbox, run_jobs):
    newcomer = make_user("nia@example.org", name="Nia Newcomer")
    assert invite(make_client(lead), team, "Nia@Example.org ").status_code == 302
    run_jobs()
    link = mailbox.link("nia@example.org", r"https?://\S+/applications/invitations/\S+")
    path = link.removeprefix("http://localhost")

    anonymous = make_client()
    page = anonymous.get(path).text
    assert "Sign in to accept" in page and "next=" in page

    client = make_client(newcomer)
    response = client.post(path)
    assert response.status_code == 302
    db.session.expire_all()
    assert team.has_member(newcomer) and team.lead == lead
    assert "Bayou Learning Lab" in client.get("/dashboard").text
    assert "team.invitation_sent" in actions() and "team.invitation_accepted" in actions()
    # The link works once.
    assert "This invitation is accepted" in client.get(path).text


def test_an_invited_newcomer_registers_confirms_signs_in_and_accepts(make_client, lead, team, mailbox, run_jobs):
    invite(make_client(lead), team, "new@example.org")
    run_jobs()
    path = mailbox.link("new@example.org", r"https?://\S+/applications/invitations/\S+").removeprefix("http://localhost")
    client = make_client()
    page = client.get(path).text
    register = re.search(r'href="(/register\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert f"next={path}" in register
    response = client.post(register, data={"name": "Nia", "email": "new@example.org", "password": PASSWORD,
                                           "confirm": PASSWORD})
    assert response.status_code == 200
    run_jobs()
    client.get(mailbox.link("new@example.org", r"https?://\S+/confirm/\S+").removeprefix("http://localhost"))
    signed_in = client.post(f"/login?next={path}", data={"email": "new@example.org", "password": PASSWORD})
    assert signed_in.headers["Location"] == path
    client._csrf = None
    assert client.post(path).status_code == 302
    db.session.expire_all()
    assert any(m.user.email == "new@example.org" for m in team.members)


def test_a_pending_invitation_can_be_revoked_and_then_no_longer_works(make_client, lead, make_user, team, mailbox, run_jobs):
    client = make_client(lead)
    invite(client, team, "nia@example.org")
    run_jobs()
    path = mailbox.link("nia@example.org", r"https?://\S+/applications/invitations/\S+").removeprefix("http://localhost")
    invitation = db.session.scalar(db.select(TeamInvitation))
    assert client.post(f"/applications/teams/{team.id}/invitations/{invitation.id}/revoke").status_code == 302
    assert "No invitations are waiting for an answer." in client.get(f"/applications/teams/{team.id}").text

    nia = make_user("nia@example.org")
    nia_client = make_client(nia)
    assert nia_client.get(path).status_code == 410  # gone, as for an organisation's invitation
    assert nia_client.post(path).status_code == 410
    db.session.expire_all()
    assert not team.has_member(nia)
    assert "team.invitation_revoked" in actions()


@pytest.mark.parametrize("email, message", [
    ("", "Enter an email address."), ("not-an-address", "Enter an email address like"),
    ("a" * 330 + "@example.org", "at most 320"), ("x@example.org\r\nBcc: all@example.org", "one line"),
    ("lead@example.org", "already on the team"),
])
def test_hostile_or_repeated_invitations_are_refused(make_client, lead, team, email, message):
    response = invite(make_client(lead), team, email)
    assert response.status_code == 422 and message in response.text
    assert db.session.scalar(db.select(db.func.count(TeamInvitation.id))) == 0


def test_a_second_pending_invitation_to_the_same_address_is_refused(make_client, lead, team):
    client = make_client(lead)
    invite(client, team, "nia@example.org")
    response = invite(client, team, "nia@example.org")
    assert response.status_code == 422 and "already has a pending invitation" in response.text


def test_only_the_lead_invites_revokes_and_hands_over(make_client, member, team):
    client = make_client(member)
    assert invite(client, team, "nia@example.org").status_code == 403
    assert client.post(f"/applications/teams/{team.id}/lead", data={"member": member.id}).status_code == 403
    assert db.session.scalar(db.select(db.func.count(TeamInvitation.id))) == 0


def test_the_lead_hands_the_lead_to_another_member(make_client, lead, member, team):
    client = make_client(lead)
    assert client.post(f"/applications/teams/{team.id}/lead", data={"member": member.id}).status_code == 302
    db.session.expire_all()
    assert team.lead == member and team.has_member(lead)
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="team.lead_handed_over"))
    assert (event.from_state, event.to_state) == (f"lead:{lead.id}", f"lead:{member.id}")
    # The former lead can no longer invite.
    assert invite(client, team, "nia@example.org").status_code == 403


def test_the_lead_cannot_be_handed_to_an_outsider(make_client, lead, make_user, team):
    outsider = make_user()
    response = make_client(lead).post(f"/applications/teams/{team.id}/lead", data={"member": outsider.id})
    assert response.status_code == 422
    db.session.expire_all()
    assert team.lead == lead


def test_a_person_can_be_on_several_teams(make_client, make_team, lead, member, team):
    make_team("Second Line School", lead=member, members=[lead])
    page = make_client(lead).get("/applications/teams").text
    assert "Bayou Learning Lab" in page and "Second Line School" in page


def test_people_outside_the_team_do_not_see_it(make_client, make_user, team, reviewer):
    for client in (make_client(make_user()), make_client(reviewer), make_client()):
        response = client.get(f"/applications/teams/{team.id}")
        assert response.status_code in (404, 302)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
    assert make_client(make_user()).get(f"/applications/teams/{team.id}").status_code == 404


def test_an_unknown_invitation_link_answers_404(client):
    assert client.get("/applications/invitations/not-a-real-token").status_code == 404
    assert client.get("/applications/invitations/" + "x" * 5000).status_code == 404


@pytest.mark.parametrize("value", ["abc", "", "1 OR 1=1", "9" * 40, "-1"])
def test_a_hostile_lead_choice_is_refused(make_client, lead, team, value):
    response = make_client(lead).post(f"/applications/teams/{team.id}/lead", data={"member": value})
    assert response.status_code == 422 and "Choose a member of the team." in response.text
    db.session.expire_all()
    assert team.lead == lead


def test_an_invitation_of_another_team_cannot_be_revoked_through_this_team(make_client, make_team, lead, team):
    other = make_team("Other Team", lead=lead)
    invite(make_client(lead), other, "nia@example.org")
    invitation = db.session.scalar(db.select(TeamInvitation))
    response = make_client(lead).post(f"/applications/teams/{team.id}/invitations/{invitation.id}/revoke")
    assert response.status_code == 404
    db.session.expire_all()
    assert invitation.revoked_at is None


def test_after_confirming_the_invited_person_can_accept_from_the_dashboard(make_client, make_user, lead, team):
    invite(make_client(lead), team, "nia@example.org")
    nia = make_user("nia@example.org", name="Nia")
    client = make_client(nia)
    dashboard = client.get("/dashboard").text
    assert "You are invited to join <strong>Bayou Learning Lab</strong>" in dashboard
    invitation = db.session.scalar(db.select(TeamInvitation))
    assert client.post(f"/applications/invitations/mine/{invitation.id}/accept").status_code == 302
    db.session.expire_all()
    assert team.has_member(nia)
    assert "You are invited" not in client.get("/dashboard").text


def test_nobody_else_can_accept_an_invitation_by_its_number(make_client, make_user, lead, team):
    invite(make_client(lead), team, "nia@example.org")
    invitation = db.session.scalar(db.select(TeamInvitation))
    unconfirmed_nia = make_user("nia@example.org", confirmed=False)
    for person in (make_user("mallory@example.org"), unconfirmed_nia):
        assert make_client(person).post(f"/applications/invitations/mine/{invitation.id}/accept").status_code == 404
    assert make_client(unconfirmed_nia).post("/applications/invitations/mine/99999999999999999999/accept").status_code == 404
    db.session.expire_all()
    assert invitation.accepted_at is None and len(team.members) == 2


def test_an_expired_invitation_cannot_be_accepted(make_client, make_user, lead, team, mailbox, run_jobs):
    from datetime import timedelta
    from incubator.core.timeutil import utcnow

    invite(make_client(lead), team, "nia@example.org")
    run_jobs()
    path = mailbox.link("nia@example.org", r"https?://\S+/applications/invitations/\S+").removeprefix("http://localhost")
    invitation = db.session.scalar(db.select(TeamInvitation))
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    client = make_client(make_user("nia@example.org"))
    assert "This invitation is expired" in client.get(path).text
    client.post(path)
    db.session.expire_all()
    assert len(team.members) == 2
