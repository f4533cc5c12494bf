"""Program staff's journey in a real browser: create a challenge and its questions, then
screen a submitted application, export the list, and the team is told why by email; and
prepare a draft challenge, preview it and publish it, unseen by teams until then."""
from datetime import timedelta

from playwright.sync_api import expect

from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.timeutil import local, utcnow
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
                          status=ChallengeStatus.published, opens_at=now - timedelta(days=3),
                          closes_at=now + timedelta(days=20))
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


def test_staff_prepare_a_draft_preview_it_and_publish_it(page, sign_in, staff, applicant, org):
    team = Team(name="Bayou Lab")
    team.members.append(TeamMember(user=applicant, is_lead=True))
    db.session.add(team)
    db.session.commit()
    chicago = lambda moment: local(moment, org.timezone).strftime("%Y-%m-%dT%H:%M")  # noqa: E731

    # A challenge that opens at once: as a draft it can still get its questions.
    sign_in(page, staff)
    page.goto("/challenges/new")
    page.get_by_label("Title").fill("Summer Design Challenge")
    page.get_by_label("URL slug").fill("summer-design")
    page.get_by_label("New school").check()
    page.get_by_label("Summary").fill("Design a school for **your** neighborhood.")
    page.get_by_label("Opens at").fill(chicago(utcnow() - timedelta(hours=1)))
    page.get_by_label("Closes at").fill(chicago(utcnow() + timedelta(days=30)))
    page.get_by_role("button", name="Create challenge").click()
    expect(page.get_by_text("as a draft")).to_be_visible()
    expect(page.get_by_text("Add at least one question for teams to answer.")).to_be_visible()

    page.get_by_role("link", name="Add a question").click()
    page.get_by_label("Kind of answer").select_option("short_text")
    page.get_by_label("Question").fill("Why this neighborhood?")
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_text("Question saved.")).to_be_visible()
    expect(page.get_by_text("Add at least one question")).to_have_count(0)

    # The preview is the page a team will see.
    page.get_by_role("link", name="Preview as a team sees it").click()
    expect(page.get_by_text("This is the page teams will see")).to_be_visible()
    expect(page.get_by_role("heading", name="Summer Design Challenge")).to_be_visible()
    expect(page.get_by_text("Why this neighborhood?")).to_be_visible()
    expect(page.locator(".summary strong")).to_have_text("your")

    # Before publishing, a team finds nothing.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, applicant)
    assert page.goto("/challenges/summer-design").status == 404
    page.goto("/challenges/")
    expect(page.get_by_text("Summer Design Challenge")).to_have_count(0)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, staff)
    page.goto("/challenges/manage")
    page.get_by_role("link", name="Summer Design Challenge").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Publish the challenge").click()
    expect(page.get_by_text("Published Summer Design Challenge. It is open to teams now.")).to_be_visible()
    expect(page.get_by_text("questions are locked")).to_be_visible()

    # Now the team sees it and can start its application.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, applicant)
    page.goto("/challenges/")
    page.get_by_role("link", name="Summer Design Challenge").click()
    page.get_by_role("button", name="Start Bayou Lab's application").click()
    expect(page.get_by_text("Application to Summer Design Challenge started.")).to_be_visible()
