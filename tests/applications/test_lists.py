"""A person's teams, on their page and their dashboard, cost the same number of SQL
statements whether they are on one team or many."""
from datetime import timedelta

from incubator.applications.models import Application, TeamInvitation
from incubator.core import tokens
from incubator.core.timeutil import utcnow
from incubator.extensions import db


def test_my_teams_and_my_dashboard_do_not_grow_with_the_teams(make_client, make_user, make_team, make_challenge,
                                                             member, count_statements):
    def join_another_team():
        team = make_team(f"Team {make_user().id}", lead=make_user(), members=[member])
        db.session.add(Application(team=team, challenge=make_challenge()))
        other = make_team(f"Inviting {make_user().id}", lead=make_user())
        db.session.add(TeamInvitation(team=other, email=member.email, invited_by=other.lead,
                                      token_hash=tokens.hash_token(tokens.random_token()),
                                      expires_at=utcnow() + timedelta(days=7)))
        db.session.commit()

    client = make_client(member)
    join_another_team()

    def pages():
        assert client.get("/applications/teams").status_code == 200
        assert client.get("/dashboard").status_code == 200

    few = count_statements(pages)
    for _ in range(5):
        join_another_team()
    many = count_statements(pages)
    assert many == few
    assert "Team" in client.get("/applications/teams").text


def test_a_teams_page_does_not_grow_with_its_members(make_client, make_user, lead, team, count_statements):
    from incubator.applications.models import TeamMember

    client = make_client(lead)
    db.session.expire_all()  # both counts start from the same place: nothing of the test's loaded
    few = count_statements(lambda: client.get(f"/applications/teams/{team.id}"))
    for _ in range(6):
        db.session.add(TeamMember(team=team, user=make_user()))
    db.session.commit()
    assert count_statements(lambda: client.get(f"/applications/teams/{team.id}")) == few
