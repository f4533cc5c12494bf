"""Program staff's journey in a real browser: create a challenge and its questions, then
screen a submitted application, export the list, and the team is told why by email."""
from datetime import timedelta

from playwright.sync_api import expect

from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.core.timeutil import utcnow
from incubator.extensions import db


def test_staff_create_a_challenge_then_screen_an_application(page, inbox, sign_in, staff, make_user, org):
    # Staff create a challenge from the dashboard; times are typed in Chicago time.
    sign_in(page, staff)
    page.goto("/dashboard")
    expect(page.get_by_text("No challenges yet")).to_be_visible()
    page.get_by_role("link", name="New challenge").first.click()
    expect(page.get_by_text("America/Chicago").first).to_be_visible()
    page.get_by_label("Title").fill("Future of School 2030")
    page.get_by_label("URL slug").fill("future-2030")
    page.get_by_label("New school").check()
    page.get_by_label("Summary").fill("Design a **new** school.\n\n<script>alert(1)</script>")
    page.get_by_label("Opens at").fill("2030-01-10T09:00")
    page.get_by_label("Closes at").fill("2030-03-01T17:00")
    page.get_by_label("Grant pool (USD)").fill("300,000")
    page.get_by_role("button", name="Create challenge").click()
    expect(page.get_by_role("heading", name="Future of School 2030")).to_be_visible()
    expect(page.get_by_text("1 Mar 2030, 17:00 CST")).to_be_visible()

    # Two questions; the second moves up.
    for label in ("Why this neighbourhood?", "How many founding staff?"):
        page.get_by_role("link", name="Add a question").click()
        page.get_by_label("Kind of answer").select_option("short_text")
        page.get_by_label("Question").fill(label)
        page.get_by_role("button", name="Save question").click()
        expect(page.get_by_text("Question saved.")).to_be_visible()
    page.get_by_role("button", name="Move up").click()
    expect(page.locator("ol.questions li").first).to_contain_text("How many founding staff?")

    # A challenge that is already open, with one submitted application.
    now = utcnow()
    challenge = Challenge(organisation=org, title="Spring Design Challenge", slug="spring-design", track=Track.new_school,
                          opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=20))
    team = Team(name="River Team")
    team.members.append(TeamMember(user=make_user("lead@example.org"), is_lead=True))
    db.session.add(Application(challenge=challenge, team=team, status=Status.submitted, submitted_at=now,
                               school_name="Bayou Academy"))
    db.session.add(Application(challenge=challenge, team=Team(name="Other Team"), status=Status.submitted,
                               submitted_at=now - timedelta(hours=1), school_name="Crescent Prep"))
    db.session.commit()

    page.goto("/challenges/manage")
    page.get_by_role("link", name="Spring Design Challenge").click()
    page.get_by_role("link", name="Applications", exact=True).click()
    page.get_by_label("School or team").fill("bayou")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("link", name="Crescent Prep")).to_have_count(0)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    assert "Bayou Academy" in open(download_info.value.path(), encoding="utf-8-sig").read()

    page.get_by_role("link", name="Bayou Academy").click()
    page.get_by_label("Ineligible").check()
    page.get_by_label("Reason").fill("The school would be outside Orleans Parish.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Marked ineligible.")).to_be_visible()
    assert "outside Orleans Parish" in inbox.body("lead@example.org")
