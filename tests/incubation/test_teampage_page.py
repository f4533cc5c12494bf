"""The team's incubation page: the timeline in due order with today's place, stakeholder
coverage (chart and table), coaching hours, readiness growth across the checkpoints, the
outcome; who may see it; statements independent of the number of milestones and entries."""
import html
import re
from datetime import date, timedelta

import pytest

from incubator.accounts.models import Role
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import team_page
from incubator.incubation.models import CoachingSession, Milestone, StakeholderEntry
from incubator.incubation.states import IncubationOutcome, MilestoneStatus
from tests.incubation.teampage_helpers import assessment, summary, use_readiness


def _entry(cohort_team, group, participants, held_on=None):
    db.session.add(StakeholderEntry(cohort_team_id=cohort_team.id, group=group, held_on=held_on or date(2026, 9, 1),
                                    method="focus_group", participants=participants, takeaways="Heard it"))


def _session(cohort_team, coach, minutes, held_on):
    db.session.add(CoachingSession(cohort_team_id=cohort_team.id, coach_id=coach.id, held_on=held_on,
                                   duration_minutes=minutes, topics="Budget"))


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_team_sees_its_timeline_in_due_order_with_today_marked(incubation, make_client):
    team = incubation.teams[0]
    milestones = sorted(team.milestones, key=lambda m: (m.due_on, m.position))
    assert milestones[0].due_on < utcnow().date() < milestones[-1].due_on  # the cohort started 30 days ago
    response = make_client(incubation.member(0)).get(f"/incubation/teams/{team.id}")
    assert response.status_code == 200
    page = response.text
    positions = [page.index(f'/incubation/milestones/{m.id}"') for m in milestones]
    assert positions == sorted(positions)
    today = page.index('class="tp-today"')
    past = [m for m in milestones if m.due_on < utcnow().date()]
    future = [m for m in milestones if m.due_on > utcnow().date()]
    assert past and future
    assert all(page.index(f'/incubation/milestones/{m.id}"') < today for m in past)
    assert all(page.index(f'/incubation/milestones/{m.id}"') > today for m in future)
    # A past milestone not handed in reads as overdue, in words.
    item = page[page.index(f'/incubation/milestones/{past[0].id}"'):][:800]
    assert "Not submitted" in item and "Overdue" in item
    assert "Week 5 of 26" in page or "Week 5 of 27" in page  # day 30 of a six-month cohort


def test_state_due_date_and_latest_activity_are_shown(incubation, make_client):
    team = incubation.teams[0]
    milestone = incubation.milestone(0, "Design")
    milestone.status, milestone.submitted_at = MilestoneStatus.submitted, utcnow()
    milestone.last_activity, milestone.last_activity_at = "Lee submitted it", utcnow()
    db.session.commit()
    page = make_client(incubation.staff).get(f"/incubation/teams/{team.id}").text
    item = page[page.index(f'/incubation/milestones/{milestone.id}"') - 300:][:1200]
    assert "Awaiting review" in item and "Lee submitted it" in item and "Overdue" not in item
    assert milestone.due_on.strftime("%-d %b %Y") in item


def test_coverage_numbers_chart_and_missing_groups(incubation, make_client):
    team = incubation.teams[0]
    _entry(team, "teachers", 12)
    _entry(team, "teachers", 3)
    _entry(team, "parents", 20)
    _entry(team, "community_members", 7)
    _entry(incubation.teams[1], "students", 99)  # another team's entry counts nowhere here
    db.session.commit()
    page = make_client(incubation.lead(0)).get(f"/incubation/teams/{team.id}").text
    text = _text(page)
    assert "Teachers 2 15" in text
    assert "Students 0 0" in text
    assert "Parents 1 20" in text
    assert "School leaders 0 0" in text
    assert "Community members 1 7" in text
    assert "All groups 4 42" in text
    assert "Still needed for the community-input milestone: Students, School leaders." in text
    assert '<svg role="img"' in page and "Stakeholder input sessions per group" in page
    assert "Teachers: 2 sessions, 15 participants" in page  # the chart's text alternative
    assert f'/incubation/teams/{team.id}/stakeholders"' in page


def test_coaching_hours_and_sessions(incubation, make_client):
    team = incubation.teams[0]
    _session(team, incubation.coach, 90, date(2026, 9, 1))
    _session(team, incubation.coach, 45, date(2026, 9, 20))
    _session(incubation.teams[1], incubation.coach, 600, date(2026, 9, 2))
    db.session.commit()
    text = _text(make_client(incubation.coach).get(f"/incubation/teams/{team.id}").text)
    assert "2.25 hours in 2 sessions" in text  # 135 minutes
    assert "Latest session 20 Sep 2026." in text
    assert re.search(r"The plan asks for \d+ logged sessions?: \d+ to go", text)


def test_empty_team_page_reads_well(incubation, make_client):
    text = _text(make_client(incubation.lead(1)).get(f"/incubation/teams/{incubation.teams[1].id}").text)
    assert "No stakeholder input logged yet." in text
    assert "0 hours in 0 sessions" in text and "No session logged yet." in text
    assert text.count("Not taken") == 3
    assert "Growth shows here once the team has taken the assessment at least twice" in text


def test_growth_across_checkpoints_with_the_chart(incubation, make_client):
    use_readiness(incubation)
    team = incubation.teams[0]
    intake = assessment(incubation, 0, "Applied", summary(incubation, 2.0, 1.5), days_ago=200)
    month3 = assessment(incubation, 0, "Month 3", summary(incubation, 3.0, 2.5), days_ago=10, checkpoint=True)
    page = make_client(incubation.lead(0)).get(f"/incubation/teams/{team.id}").text
    text = _text(page)
    # Intake is the application's first assessment (read, not tied); composites are the domain means.
    assert "Intake Applied Closed (the application's first assessment) 1.75 2" in text
    assert "Month 3 Month 3 Closed 2.75 2" in text
    assert "Month 6 Not taken" in text
    assert "From Intake to Month 3: +1.00 ." in text
    assert "Vision and design principles: Intake 2.00, Month 3 3.00" in page  # the chart's description
    growth = page[page.index('id="growth"'):]
    assert "<svg" in growth and "Team composite by domain over time" in growth
    assert f"/readiness/assessments/{intake.id}" in page and f"/readiness/assessments/{month3.id}" in page


def test_a_coach_sees_the_numbers_but_no_assessment_links(incubation, make_client):
    use_readiness(incubation)
    intake = assessment(incubation, 0, "Intake", summary(incubation, 2.0), days_ago=200)
    page = make_client(incubation.coach).get(f"/incubation/teams/{incubation.teams[0].id}").text
    assert "2.00" in page and f"/readiness/assessments/{intake.id}" not in page


def test_the_outcome_is_shown_once_recorded(incubation, make_client):
    team = incubation.teams[0]
    member_page = make_client(incubation.member(0)).get(f"/incubation/teams/{team.id}").text
    assert "Outcome:" not in member_page and f"/incubation/teams/{team.id}/outcome" not in member_page
    team.outcome, team.outcome_rationale, team.planned_opening_year = (IncubationOutcome.launch,
                                                                       "Strong community support", 2028)
    team.outcome_at = utcnow()
    db.session.commit()
    member_text = _text(make_client(incubation.member(0)).get(f"/incubation/teams/{team.id}").text)
    assert "Outcome: Recommended to launch" in member_text and "Planned opening year: 2028" in member_text
    assert "Strong community support" in member_text and "Change the outcome" not in member_text
    staff_page = make_client(incubation.staff).get(f"/incubation/teams/{team.id}").text
    assert f'/incubation/teams/{team.id}/outcome"' in staff_page


@pytest.mark.parametrize("who", ["other_coach", "other_member", "other_staff", "outside_team"])
def test_others_get_404(incubation, make_incubation_world, make_org, make_client, make_user, grant_role, who):
    other_org = make_org("Elsewhere")
    if who == "other_coach":  # the coach of another cohort of the same organisation
        person = make_incubation_world(incubation.org).coach
    elif who == "other_member":
        person = incubation.member(1)
    elif who == "other_staff":
        person = grant_role(make_user("elsewhere@example.org"), other_org, Role.program_staff)
    else:  # selected, but not in the cohort
        person = incubation.applications[2].team.lead
    client = make_client(person)
    assert client.get(f"/incubation/teams/{incubation.teams[0].id}").status_code == 404
    assert client.get(f"/incubation/teams/{incubation.teams[0].id + 10_000}").status_code == 404


def test_a_signed_out_visitor_is_offered_to_sign_in(incubation, make_client):
    # A page about one object answers 404 to a visitor (as for a missing id), with a sign-in link.
    client = make_client()
    response = client.get(f"/incubation/teams/{incubation.teams[0].id}")
    missing = client.get(f"/incubation/teams/{incubation.teams[0].id + 10_000}")
    assert response.status_code == missing.status_code == 404
    assert "/login" in response.text and "Bayou School" not in response.text


def test_statements_do_not_grow_with_milestones_or_entries(incubation, make_client, count_statements):
    use_readiness(incubation)
    team = incubation.teams[0]
    assessment(incubation, 0, "Intake", summary(incubation, 2.0), days_ago=200)
    client = make_client(incubation.staff)
    url = f"/incubation/teams/{team.id}"
    client.get(url)
    before = count_statements(lambda: client.get(url))
    template = team.milestones[0]
    for n in range(15):
        db.session.add(Milestone(cohort_team_id=team.id, title=f"Extra {n}", due_on=template.due_on + timedelta(days=n),
                                 due_at=template.due_at + timedelta(days=n), position=50 + n))
        _entry(team, "students", n + 1)
        _session(team, incubation.coach, 30, date(2026, 9, 1))
    assessment(incubation, 0, "Month 3", summary(incubation, 3.0), days_ago=5, checkpoint=True)
    db.session.commit()
    after = count_statements(lambda: client.get(url))
    assert after == before


@pytest.mark.parametrize("today, words, number", [
    (date(2026, 8, 31), "Starts in 1 day", None),
    (date(2026, 8, 20), "Starts in 12 days", None),
    (date(2026, 9, 1), "Week 1 of 26", 1),
    (date(2026, 9, 7), "Week 1 of 26", 1),
    (date(2026, 9, 8), "Week 2 of 26", 2),
    (date(2027, 2, 28), "Week 26 of 26", 26),  # the last day (1 Sep + 6 months = 1 Mar)
    (date(2027, 3, 1), "Ended", None),
])
def test_where_the_cohort_stands(today, words, number):
    week = team_page.Week(date(2026, 9, 1), date(2027, 3, 1), today)  # 181 days: 26 weeks, the last one short
    assert (week.words, week.number) == (words, number)
