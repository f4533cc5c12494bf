"""The cohort grid as staff and coaches see it: the counts and each cell say what the rows hold,
the next due dates, the plan columns, teams that left, outcomes, the links, who gets 404, and a
number of SQL statements that does not grow with the number of teams."""
from datetime import timedelta

import pytest

from incubator.accounts.models import Role
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import cohorts
from incubator.incubation.models import TemplateMilestone
from incubator.incubation.states import CohortTeamStatus, IncubationOutcome, MilestoneStatus
from tests.incubation.grid_helpers import Page, everything_later, set_state


def url(world) -> str:
    return f"/incubation/cohorts/{world.cohort.id}"


def school(world, index: int) -> str:
    return world.applications[index].school_name


@pytest.fixture
def hand_made(incubation):
    """Everything due in 60 days and not submitted, except: team 0's training approved, team 0's
    community input overdue (due 3 days ago, not submitted), team 1's prototype awaiting review."""
    everything_later(incubation)
    today = utcnow().date()
    set_state(incubation.milestone(0, "Design"), MilestoneStatus.approved, activity="Approved by Sam Staff")
    set_state(incubation.milestone(0, "Community"), MilestoneStatus.pending, due_on=today - timedelta(days=3),
              activity="Evidence added")
    set_state(incubation.milestone(1, "Prototype"), MilestoneStatus.submitted, activity="Submitted by Lee Lead")
    db.session.commit()
    return incubation


def test_the_counts_and_cells_say_what_the_rows_hold(hand_made, make_client):
    world = hand_made
    page = Page(make_client(world.staff).get(url(world)).text)
    assert page.counts == {"on time": 11, "overdue": 1, "awaiting review": 1, "approved": 1}
    assert page.schools[0].startswith(school(world, 0)) and page.schools[1].startswith(school(world, 1))
    assert len(page.columns) == 7 and page.columns[0] == "1. Design-thinking training"

    approved = page.cell(school(world, 0), "Design")
    assert "Approved" in approved["text"] and "Overdue" not in approved["text"]
    assert "Approved by Sam Staff" in approved["text"]
    assert approved["href"] == f"/incubation/milestones/{world.milestone(0, 'Design').id}"
    late = page.cell(school(world, 0), "Community")
    due = world.milestone(0, "Community").due_on
    assert "Not submitted" in late["text"] and "Overdue" in late["text"]
    assert f"Due {due.day} {due:%b}" in late["text"] and "Evidence added" in late["text"]
    waiting = page.cell(school(world, 1), "Prototype")
    assert "Awaiting review" in waiting["text"] and "Submitted by Lee Lead" in waiting["text"]
    assert all("Overdue" not in c["text"] for c in page.row(school(world, 1))["cells"])
    # The row leads to the team's page; every cell is one link to its milestone.
    assert page.row(school(world, 0))["links"][0] == f"/incubation/teams/{world.teams[0].id}"
    hrefs = {c["href"] for row in page.rows for c in row["cells"]}
    assert hrefs == {f"/incubation/milestones/{m.id}" for t in world.teams for m in t.milestones}


def test_the_heading_says_which_cohort_when_and_who_coaches(incubation, make_client):
    text = make_client(incubation.staff).get(url(incubation)).text
    cohort = incubation.cohort
    assert cohort.name in text and incubation.challenge.title in text
    assert f"{cohort.starts_on.day} {cohort.starts_on:%b %Y} to {cohort.ends_on.day} {cohort.ends_on:%b %Y}" in text
    assert "Week 5 of 26" in text  # started 30 days ago
    assert incubation.coach.name in text


def test_a_cohort_not_started_or_ended_says_so(make_incubation_world, org, staff, make_client):
    later = make_incubation_world(org, staff, starts_on=utcnow().date() + timedelta(days=10))
    assert "Not started yet" in make_client(staff).get(url(later)).text
    done = make_incubation_world(org, staff, starts_on=utcnow().date() - timedelta(days=400))
    assert "Ended" in make_client(staff).get(url(done)).text


def test_next_due_lists_the_five_soonest_open_milestones_across_teams(hand_made, make_client):
    world = hand_made
    today = utcnow().date()
    for days, (team, title) in enumerate([(1, "Final"), (0, "Charter"), (1, "Updated"), (0, "Individual"),
                                          (1, "Community"), (0, "Final")], start=5):
        set_state(world.milestone(team, title), MilestoneStatus.pending, due_on=today + timedelta(days=days))
    # Submitted or approved work is not "due", even when its date is near.
    set_state(world.milestone(1, "Design"), MilestoneStatus.submitted, due_on=today + timedelta(days=1))
    db.session.commit()
    listed = Page(make_client(world.staff).get(url(world)).text).next_due
    assert len(listed) == 5
    expected = [("Final showcase", 1), ("Charter application draft", 0), ("Updated four-year", 1),
                ("Individual coaching", 0), ("Community input", 1)]
    for line, (title, team) in zip(listed, expected):
        assert title in line and school(world, team) in line, line
    assert all("Design-thinking" not in line for line in listed)  # the overdue one is counted, not listed


def test_a_team_added_later_with_another_plan_gets_its_own_columns(incubation, make_client):
    world = incubation
    items = db.session.query(TemplateMilestone).filter_by(organisation_id=world.org.id).order_by(
        TemplateMilestone.position).all()
    items[-1].title = "Final showcase in public"
    db.session.add(TemplateMilestone(organisation_id=world.org.id, position=8, title="Board meeting",
                                     due_offset_days=200))
    db.session.commit()
    late_team = cohorts.add_team(world.cohort, world.applications[2], actor=world.staff, now=utcnow())
    db.session.commit()
    page = Page(make_client(world.staff).get(url(world)).text)
    assert page.columns[6:] == ["7. Final showcase", "7. Final showcase in public", "8. Board meeting"]
    old, new = page.row(school(world, 0))["cells"], page.row(school(world, 2))["cells"]
    assert "Not in this team's plan" in old[7]["text"] and "Not in this team's plan" in old[8]["text"]
    assert old[7]["href"] is None and "Not submitted" in old[6]["text"]
    assert "Not in this team's plan" in new[6]["text"]
    assert new[8]["href"] == f"/incubation/milestones/{late_team.milestones[-1].id}"


def _leave(world, index: int):
    team = world.teams[index]
    team.status, team.left_at, team.left_reason = CohortTeamStatus.left, utcnow(), "The founders moved to Houston."
    db.session.commit()


def test_teams_that_left_are_hidden_until_asked_for_then_shown_last_and_marked(make_incubation_world, org, staff,
                                                                                make_client):
    world = make_incubation_world(org, staff, teams=3)
    _leave(world, 0)
    browser = make_client(staff)
    page = Page(browser.get(url(world)).text)
    assert [s.split(" Bayou Lab")[0] for s in page.schools] == [school(world, 1), school(world, 2)]
    assert "1 team has left the cohort and is not shown." in page.html
    assert page.counts["on time"] + page.counts["overdue"] == 14  # the counts leave it out too

    page = Page(browser.get(url(world) + "?left=1").text)
    assert page.schools[-1].startswith(school(world, 0)) and "Left the cohort" in page.schools[-1]
    assert "Left the cohort" not in page.schools[0]
    assert page.counts["on time"] + page.counts["overdue"] == 14  # shown, never counted
    assert "Teams that left the cohort are shown in the grid but not counted." in page.html
    assert all(school(world, 0) not in line for line in page.next_due)


def test_an_outcome_is_shown_in_its_row_and_staff_reach_the_outcome_page(incubation, make_client):
    team, staff_id = incubation.teams[1], incubation.staff.id
    (team.outcome, team.outcome_rationale, team.planned_opening_year, team.outcome_at,
     team.outcome_by_id) = IncubationOutcome.launch, "Ready.", 2028, utcnow(), staff_id
    db.session.commit()
    staff_page = Page(make_client(incubation.staff).get(url(incubation)).text)
    row = staff_page.row(school(incubation, 1))
    assert "Recommended to launch" in row["header"]
    assert f"/incubation/teams/{team.id}/outcome" in row["links"]
    assert f"/incubation/teams/{incubation.teams[0].id}/outcome" in staff_page.row(school(incubation, 0))["links"]
    assert "Recommended to launch" not in staff_page.row(school(incubation, 0))["header"]

    coach_page = Page(make_client(incubation.coach).get(url(incubation)).text)
    row = coach_page.row(school(incubation, 1))
    assert "Recommended to launch" in row["header"] and not any("/outcome" in h for h in row["links"])


def test_staff_get_the_cohorts_links_and_a_coach_only_the_grid(incubation, make_client):
    cohort_id = incubation.cohort.id
    staff_links = [f"/incubation/cohorts/{cohort_id}/settings", f"/incubation/cohorts/{cohort_id}/readiness",
                   f"/incubation/cohorts/{cohort_id}/milestones.csv", f"/incubation/cohorts/{cohort_id}/report"]
    text = make_client(incubation.staff).get(url(incubation)).text
    assert all(f'href="{link}"' in text for link in staff_links)
    response = make_client(incubation.coach).get(url(incubation))
    assert response.status_code == 200 and incubation.cohort.name in response.text
    assert not any(f'href="{link}"' in response.text for link in staff_links)
    assert "/outcome" not in response.text


def test_an_empty_cohort_says_so(incubation, make_client):
    for index in (0, 1):
        _leave(incubation, index)
    text = make_client(incubation.staff).get(url(incubation)).text
    assert "No team is in this cohort now." in text and "2 teams have left the cohort" in text
    assert 'class="cohort-grid"' not in text


def test_who_may_not_see_the_grid_gets_404(incubation, make_incubation_world, make_org, make_user, grant_role,
                                           org, make_client):
    other_cohort = make_incubation_world(org, incubation.staff)
    elsewhere = make_org("CityBridge", slug="citybridge")
    other_staff = grant_role(make_user("staff@citybridge.org"), elsewhere, Role.program_staff)
    reviewer = grant_role(make_user("rae@nsno.org"), org, Role.reviewer)
    for person in (other_cohort.coach, incubation.lead(0), incubation.member(1), other_staff, reviewer,
                   make_user("nobody@example.org")):
        assert make_client(person).get(url(incubation)).status_code == 404, person.email
    staff = make_client(incubation.staff)
    assert staff.get("/incubation/cohorts/999999").status_code == 404
    assert staff.get(f"/incubation/cohorts/{10**12}").status_code == 404
    # A coach named on the cohort who no longer holds a role there sees nothing either.
    db.session.delete(incubation.coach.memberships[0])
    db.session.commit()
    assert make_client(incubation.coach).get(url(incubation)).status_code == 404


def test_a_signed_out_visitor_is_offered_to_sign_in_and_learns_nothing(incubation, make_client):
    """Like every page about one object: 404 whether it exists or not, with a link to sign in and come back."""
    visitor = make_client()
    response = visitor.get(url(incubation))
    assert response.status_code == 404 and incubation.cohort.name not in response.text
    assert "/login?next=" in response.text
    assert visitor.get("/incubation/cohorts/999999").status_code == 404


def test_the_number_of_statements_does_not_grow_with_the_teams(make_incubation_world, org, staff, make_client,
                                                               count_statements):
    small = make_incubation_world(org, staff, teams=2)
    large = make_incubation_world(org, staff, teams=10)
    teams = large.teams
    for team in teams[:3]:
        team.outcome, team.outcome_rationale, team.outcome_at = IncubationOutcome.not_recommended, "No.", utcnow()
    set_state(teams[4].milestones[0], MilestoneStatus.approved, activity="Approved")
    db.session.commit()
    _leave(large, 9)
    browser = make_client(staff)
    for args in ("", "?left=1&state=overdue", "?q=bayou&required=1"):
        browser.get(url(small) + args)  # warm: the first request of a client loads more (its session)
        few = count_statements(lambda: browser.get(url(small) + args))
        many = count_statements(lambda: browser.get(url(large) + args))
        assert few == many, (args, few, many)
        assert many <= 10
