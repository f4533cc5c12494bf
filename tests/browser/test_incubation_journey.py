"""Incubation in a real browser: staff make a cohort from the selected teams, the team logs its
stakeholder sessions and hands in evidence, a coach logs a session, staff ask for changes and
then approve, the grid shows it, the team gets the mails, and staff recommend it to launch."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from incubator.accounts.models import Role
from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.incubation.models import CohortTeam, School
from tests.browser.conftest import TIMEOUT_MS, assert_fits_the_width

GROUPS = ("Teachers", "Students", "Parents", "School leaders")


def _world(org, make_user, grant_role):
    now = utcnow()
    lead = make_user("lead@example.org", name="Lee Lead")
    member = make_user("mo@example.org", name="Mo Member")
    coach = grant_role(make_user("cam@example.org", name="Cam Coach"), org, Role.coach)
    challenge = Challenge(organisation=org, title="New Orleans Future of School Challenge", slug="nola-incubation",
                          track=Track.new_school, status=ChallengeStatus.published,
                          opens_at=now - timedelta(days=120), closes_at=now - timedelta(days=90))
    applications = []
    for name, school, people in (("Bayou Learning Lab", "Bayou Community School", (lead, member)),
                                 ("Crescent Makers", "Crescent Makers Academy", ())):
        team = Team(name=name)
        if people:
            team.members += [TeamMember(user=people[0], is_lead=True), TeamMember(user=people[1])]
        else:
            team.members.append(TeamMember(user=make_user("cara@example.org", name="Cara Lead"), is_lead=True))
        applications.append(Application(team=team, challenge=challenge, school_name=school, status=Status.selected,
                                        submitted_at=now - timedelta(days=100), grades="K-5", launch_year=2028,
                                        target_enrollment=320))
    db.session.add_all([challenge, *applications])
    db.session.commit()
    return challenge, lead, member, coach


def _context(browser, live_server, sign_in, who, width=None):
    options = {"viewport": {"width": width, "height": 844}} if width else {}
    context = browser.new_context(base_url=live_server.url, locale="en-US", timezone_id="America/Chicago", **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, who)
    return context, page


def _no_horizontal_overflow(page):
    assert_fits_the_width(page)


def test_a_cohort_from_selection_to_a_launch_recommendation(page, browser, live_server, inbox, sign_in, make_user,
                                                            grant_role, org, staff):
    challenge, lead, member, coach = _world(org, make_user, grant_role)
    today = local(utcnow(), org.timezone).date()
    start = today - timedelta(days=40)

    # Staff make the cohort from the challenge's selected teams, with the coach.
    sign_in(page, staff)
    page.goto("/incubation/")
    page.get_by_role("link", name="Make a cohort").click()
    page.get_by_label("Name").fill("Spring 2027 cohort")
    page.get_by_label("Start date").fill(start.isoformat())
    expect(page.get_by_label("Bayou Community School", exact=False)).to_be_checked()
    page.get_by_label("Cam Coach", exact=False).check()
    page.get_by_role("button", name="Make the cohort").click()
    expect(page.get_by_role("heading", name=re.compile("Spring 2027 cohort"))).to_be_visible()
    grid_url = page.url
    expect(page.get_by_role("link", name="Bayou Community School", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Crescent Makers Academy", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Community input sessions, Bayou Community School: "
                                                    "Not submitted"))).to_be_visible()
    cohort_team = db.session.scalar(db.select(CohortTeam).join(Application).filter(
        Application.school_name == "Bayou Community School"))
    assert cohort_team is not None and len(cohort_team.milestones) == 7

    # The lead logs a session with each of the four groups the community-input milestone needs.
    lead_context, lead_page = _context(browser, live_server, sign_in, lead)
    lead_page.goto(f"/incubation/teams/{cohort_team.id}")
    lead_page.get_by_role("link", name=re.compile("Community input sessions")).first.click()
    milestone_url = lead_page.url
    expect(lead_page.get_by_text(re.compile("Teachers.*Students.*Parents.*School leaders|missing", re.S)).first
           ).to_be_visible()
    lead_page.goto(f"/incubation/teams/{cohort_team.id}/stakeholders")
    for number, group in enumerate(GROUPS, 1):
        lead_page.get_by_text("Log a session with stakeholders").click()
        lead_page.get_by_label("Stakeholder group").select_option(label=group)
        lead_page.get_by_label("Date").fill((today - timedelta(days=number)).isoformat())
        lead_page.get_by_label("Method").select_option(label="Focus group")
        lead_page.get_by_label("Number of participants").fill(str(5 + number))
        lead_page.get_by_label("Key takeaways").fill(f"{group} want a longer school day with more projects.")
        lead_page.get_by_label("What you changed in your design because of it").fill("Added a project block.")
        lead_page.get_by_role("button", name="Log the session").click()
        expect(lead_page.get_by_text(f"{group} want a longer school day").first).to_be_visible()
    expect(lead_page.get_by_text(re.compile("all four", re.I)).first).to_be_visible()

    # ... hands in a summary and submits the milestone.
    lead_page.goto(milestone_url)
    lead_page.get_by_text("Add a text").click()
    lead_page.get_by_label("Text").fill("We heard from 26 people in four focus groups; summary attached below.")
    lead_page.get_by_role("button", name="Add the text").click()
    expect(lead_page.get_by_text("We heard from 26 people").first).to_be_visible()
    lead_page.get_by_role("button", name="Submit for review").click()
    expect(lead_page.get_by_text("Awaiting review").first).to_be_visible()

    # The coach logs a coaching session; the team is told.
    coach_context, coach_page = _context(browser, live_server, sign_in, coach)
    coach_page.goto(f"/incubation/teams/{cohort_team.id}/coaching")
    coach_page.get_by_text("Log a coaching session").click()
    coach_page.get_by_label("Date").fill((today - timedelta(days=2)).isoformat())
    coach_page.get_by_label("Duration").fill("1:30")
    coach_page.get_by_label("Topics").fill("Budget assumptions for year one")
    coach_page.get_by_label("Agreed next steps").fill("Revise the enrollment ramp")
    coach_page.get_by_role("button", name="Log the session").click()
    expect(coach_page.get_by_text("Budget assumptions for year one").first).to_be_visible()
    assert "Budget assumptions" in inbox.body("mo@example.org")

    # Staff ask for changes; the team gets the comment by mail.
    page.goto(milestone_url)
    page.get_by_label("Ask for changes").check()
    page.get_by_label("Comment to the team").fill("Please add what you changed after the parents' session.")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("Changes requested").first).to_be_visible()
    assert "what you changed after the parents" in inbox.body("lead@example.org")

    # The lead adds it and submits again; staff approve; the grid shows it.
    lead_page.goto(milestone_url)
    expect(lead_page.get_by_text("what you changed after the parents").first).to_be_visible()
    lead_page.get_by_text("Add a text").click()
    lead_page.get_by_label("Text").fill("After the parents' session we moved the day's start to 8:30.")
    lead_page.get_by_role("button", name="Add the text").click()
    lead_page.get_by_role("button", name="Submit again").click()
    expect(lead_page.get_by_text("Awaiting review").first).to_be_visible()
    page.goto(milestone_url)
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("Approved").first).to_be_visible()
    assert "Community input sessions" in inbox.body("lead@example.org")
    page.goto(grid_url)
    expect(page.get_by_role("link", name=re.compile("^Community input sessions, Bayou Community School: "
                                                    "Approved"))).to_be_visible()

    # The team's page reads well on a phone.
    phone_context, phone_page = _context(browser, live_server, sign_in, member, width=390)
    phone_page.goto(f"/incubation/teams/{cohort_team.id}")
    expect(phone_page.get_by_text("Community input sessions").first).to_be_visible()
    _no_horizontal_overflow(phone_page)

    # At the end, staff recommend the team to launch; a school record is made and the team told.
    page.goto(f"/incubation/teams/{cohort_team.id}/outcome")
    page.get_by_label("Recommended to launch").check()
    page.get_by_label("Planned opening year").select_option(str(today.year + 2))
    page.get_by_label(re.compile("Rationale|Why", re.I)).first.fill("Strong community input and a sound budget.")
    page.get_by_role("button", name="Save the outcome and email the team").click()
    expect(page.get_by_text("Recommended to launch").first).to_be_visible()
    db.session.expire_all()
    school = db.session.scalar(db.select(School).filter_by(team_id=cohort_team.team_id))
    assert school is not None and school.planned_opening_year == today.year + 2
    assert "Strong community input" in inbox.body("mo@example.org")
    for context in (lead_context, coach_context, phone_context):
        context.close()
