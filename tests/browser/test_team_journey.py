"""A design team's journey in a real browser: the lead creates a team and invites a member,
the member accepts, both edit the draft, the lead submits, the receipt arrives, the PDF downloads."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from incubator.challenges.models import Challenge, Question, QuestionKind, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from tests.browser.conftest import TIMEOUT_MS

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def open_challenge(org):
    now = utcnow()
    challenge = Challenge(organisation=org, title="New Orleans Future of School Challenge", slug="nola-journey",
                          track=Track.new_school, status=ChallengeStatus.published,
                          opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=20))
    challenge.questions += [
        Question(position=1, kind=QuestionKind.long_text, label="Why this neighbourhood?", word_limit=50, is_required=True),
        Question(position=2, kind=QuestionKind.yes_no, label="Do you have a facility?", is_required=True),
        Question(position=3, kind=QuestionKind.file, label="School model diagram", is_required=True),
    ]
    db.session.add(challenge)
    db.session.commit()
    return challenge


def new_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US", timezone_id="America/Chicago")
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def test_a_team_forms_drafts_together_submits_and_gets_its_receipt_and_pdf(
        page, browser, live_server, inbox, sign_in, make_user, org):
    lead = make_user("lead@example.org", name="Lee Lead")
    make_user("member@example.org", name="Mo Member")
    open_challenge(org)

    # The lead creates a team from the empty dashboard and invites a member.
    sign_in(page, lead)
    page.get_by_role("link", name="Create a team").first.click()
    page.get_by_label("Team name").fill("Bayou Learning Lab")
    page.get_by_role("button", name="Create the team").click()
    expect(page.get_by_role("heading", name="Bayou Learning Lab")).to_be_visible()
    page.get_by_label("Email of the person to invite").fill("member@example.org")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to member@example.org.")).to_be_visible()

    # The member follows the link in the mail, signs in and joins.
    link = inbox.link("member@example.org", r"https?://\S+/applications/invitations/\S+")
    member_context, member_page = new_page(browser, live_server)
    member_page.goto(link)
    member_page.get_by_role("link", name="Sign in to accept").click()
    member_page.get_by_label("Password", exact=True).fill("correct horse battery staple")
    member_page.get_by_role("button", name="Sign in").click()
    member_page.get_by_role("button", name="Join Bayou Learning Lab").click()
    expect(member_page.get_by_text("You joined Bayou Learning Lab.")).to_be_visible()

    # The lead starts the application and fills the school and the plan; coverage shows as typed.
    page.reload()
    expect(page.get_by_role("cell", name="Mo Member member@example.org")).to_be_visible()
    page.get_by_role("button", name="Start an application").click()
    expect(page.get_by_role("heading", name=re.compile("Edit"))).to_be_visible()
    for label, value in [("School name", "Bayou Community School"), ("Grades served", "K-5"),
                         ("Planned launch year", "2028"), ("Target enrollment", "240"), ("Neighborhood", "Mid-City"),
                         ("Learner profiles", "A profile per learner."), ("Personal learning paths", "Weekly paths."),
                         ("Competency-based progression", "Move on at mastery."),
                         ("Flexible learning environments", "Studios.")]:
        page.get_by_label(label, exact=True).fill(value)
    for year in (1, 2, 3, 4):
        page.get_by_label(f"Year {year} enrollment").fill(str(100 * year))
        page.get_by_label(f"Year {year} public per-pupil revenue ($)").fill("10,000")
        page.get_by_label(f"Year {year} other revenue ($)").fill("50000")
        page.get_by_label(f"Year {year} operating expenses ($)").fill(f"{1_250_000 * year}")
    expect(page.locator('[data-coverage="1"]')).to_have_text("80%")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    expect(page.locator('[data-coverage="4"]')).to_have_text("80%")  # computed by the server too

    # The member answers the questions; the word count follows the typing.
    member_page.goto("/applications/teams")
    member_page.get_by_role("link", name="New Orleans Future of School Challenge").click()
    member_page.get_by_role("link", name="Edit the application").click()
    member_page.get_by_label("Why this neighbourhood?").fill("Families in Mid-City asked us for this school")
    expect(member_page.get_by_text("8 of 50 words")).to_be_visible()
    member_page.get_by_label("Yes").check()
    member_page.get_by_role("button", name="Save draft").click()
    expect(member_page.get_by_text("Draft saved.")).to_be_visible()
    member_context.close()

    # The lead uploads the diagram and submits after confirming.
    page.get_by_role("link", name="Back to the application").click()
    page.get_by_label("File").set_input_files({"name": "diagram.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.get_by_label("For").select_option(label="School model diagram")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("diagram.pdf uploaded.")).to_be_visible()
    expect(page.get_by_text("Everything required is filled in.")).to_be_visible()
    page.get_by_role("link", name="Review and submit").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit the application").click()
    expect(page.get_by_text("Application submitted.")).to_be_visible()
    expect(page.get_by_text("being prepared")).to_be_visible()

    # The receipt reaches every member with a link; the PDF job runs; the PDF downloads.
    receipt_link = inbox.link("lead@example.org", r"https?://\S+/applications/\d+")
    assert receipt_link.startswith(live_server.url)
    assert "Bayou Community School" in inbox.body("member@example.org")
    page.goto(receipt_link)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    expect(page.get_by_role("link", name="Edit the application")).to_have_count(0)


def test_a_team_whose_challenge_closed_is_told_so_on_its_draft_and_cannot_submit(page, sign_in, make_user, org):
    from incubator.applications.models import Application, Team, TeamMember

    lead = make_user("lead@example.org", name="Lee Lead")
    now = utcnow()
    challenge = Challenge(organisation=org, title="Spring Design Challenge", slug="spring-closed",
                          track=Track.new_school, status=ChallengeStatus.published, opens_at=now - timedelta(days=30), closes_at=now - timedelta(hours=2))
    team = Team(name="Bayou Learning Lab")
    team.members.append(TeamMember(user=lead, is_lead=True))
    application = Application(team=team, challenge=challenge, school_name="Bayou Community School")
    db.session.add_all([challenge, team, application])
    db.session.commit()

    sign_in(page, lead)
    page.goto(f"/applications/{application.id}/edit")
    notice = page.get_by_role("alert").filter(has_text="Spring Design Challenge has closed")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("can no longer be submitted")
    expect(page.get_by_text("Still missing before you can submit")).to_have_count(0)

    # Saving still keeps the team's work, and says plainly that it will not be submitted.
    page.get_by_label("Neighborhood").fill("Mid-City")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved, but Spring Design Challenge closed at")).to_be_visible()
    expect(page.get_by_label("Neighborhood")).to_have_value("Mid-City")

    page.goto(f"/applications/{application.id}/submit")
    expect(page.get_by_role("heading", name="Spring Design Challenge has closed")).to_be_visible()
    expect(page.get_by_role("button", name="Submit the application")).to_have_count(0)
