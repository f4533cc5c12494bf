"""The "Incubation" link and the dashboard panels: a team member's next milestone and what is
overdue, a coach's cohorts."""
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import lifecycle
from incubator.incubation.states import MilestoneStatus

NAV_LINK = '<a href="/incubation/"'


def test_the_incubation_link_is_there_for_staff_coaches_and_team_members_only(make_client, make_user, incubation):
    for person in (incubation.staff, incubation.coach, incubation.member(0), incubation.lead(1)):
        assert NAV_LINK in make_client(person).get("/dashboard").text, person.email
    outsider = make_user("outsider@example.org")
    assert NAV_LINK not in make_client(outsider).get("/dashboard").text
    # The third selected team is in no cohort yet: nothing to link to.
    assert NAV_LINK not in make_client(incubation.lead(2)).get("/dashboard").text


def test_a_team_member_sees_the_next_milestone_and_how_many_are_overdue(make_client, incubation):
    # Started 30 days ago: design-thinking training (due on day 21) is overdue, community input (day 60) is next.
    team = incubation.teams[0]
    text = make_client(incubation.member(0)).get("/dashboard").text
    community = incubation.milestone(0, "Community")
    assert "Your incubation" in text and f"/incubation/teams/{team.id}" in text
    assert f"next milestone <strong>{community.title}</strong> due {community.due_on:%-d %B %Y}" in text
    assert "1 overdue" in text
    # Handed in: no longer overdue.
    training = incubation.milestone(0, "Design")
    now = utcnow()
    lifecycle.move_milestone(training, MilestoneStatus.submitted, actor=incubation.lead(0), now=now,
                             activity="Submitted", submitted_at=now)
    db.session.commit()
    assert "overdue" not in make_client(incubation.member(0)).get("/dashboard").text


def test_a_team_that_left_has_no_panel(make_client, incubation):
    team = incubation.teams[0]
    from incubator.incubation import cohorts

    cohorts.leave(team, "Paused", actor=incubation.staff, now=utcnow())
    db.session.commit()
    text = make_client(incubation.member(0)).get("/dashboard").text
    assert "Your incubation" not in text and NAV_LINK in text  # still reads its team's page


def test_a_coach_sees_their_cohorts_with_what_awaits_review(make_client, incubation, make_incubation_world, org):
    other = make_incubation_world(org)
    milestone = incubation.milestone(1, "Design")
    now = utcnow()
    lifecycle.move_milestone(milestone, MilestoneStatus.submitted, actor=incubation.lead(1), now=now,
                             activity="Submitted", submitted_at=now)
    db.session.commit()
    text = make_client(incubation.coach).get("/dashboard").text
    assert "Your cohorts" in text and incubation.cohort.name in text and other.cohort.name not in text
    assert "2 teams, 1 awaiting review" in text and "1 overdue" in text


def test_the_coach_panel_needs_the_same_statements_for_one_cohort_or_three(make_client, incubation, org,
                                                                           make_incubation_world, count_statements):
    from incubator.incubation.models import CohortCoach

    client = make_client(incubation.coach)
    client.get("/dashboard")
    few = count_statements(lambda: client.get("/dashboard"))
    for _ in range(2):
        cohort = make_incubation_world(org, incubation.staff, coach=False).cohort
        db.session.add(CohortCoach(cohort=cohort, user_id=incubation.coach.id))
    db.session.commit()
    text = client.get("/dashboard").text
    assert text.count("/incubation/cohorts/") >= 3
    assert count_statements(lambda: client.get("/dashboard")) == few
