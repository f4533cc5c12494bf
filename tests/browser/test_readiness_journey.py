"""A team's readiness journey in a real browser: the lead opens an assessment, two members
complete it, the team page shows composites, spread and a disagreement, the lead closes it, staff
add a rating, a retake later shows the growth chart, and the PDF downloads."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from incubator.accounts.models import Role
from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.readiness.models import ChallengeReadiness, Instrument
from incubator.readiness.states import Requirement
from tests.browser.conftest import TIMEOUT_MS, assert_fits_the_width


def _world(org, make_user):
    now = utcnow()
    lead = make_user("lead@example.org", name="Lee Lead")
    ana, ben = make_user("ana@example.org", name="Ana Member"), make_user("ben@example.org", name="Ben Member")
    challenge = Challenge(organisation=org, title="New Orleans Future of School Challenge", slug="nola-readiness",
                          track=Track.new_school, opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=20))
    team = Team(name="Bayou Learning Lab")
    team.members += [TeamMember(user=lead, is_lead=True), TeamMember(user=ana), TeamMember(user=ben)]
    application = Application(team=team, challenge=challenge, school_name="Bayou Community School",
                              status=Status.submitted, submitted_at=now)
    db.session.add(application)
    db.session.flush()
    instrument = db.session.query(Instrument).filter_by(organisation_id=org.id).one()
    db.session.add(ChallengeReadiness(challenge_id=challenge.id, instrument_id=instrument.id,
                                      requirement=Requirement.optional))
    db.session.commit()
    return application, instrument, lead, ana, ben


def _context(browser, live_server, sign_in, who, width=None):
    options = {"viewport": {"width": width, "height": 800}} if width else {}
    context = browser.new_context(base_url=live_server.url, locale="en-US", timezone_id="America/Chicago", **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, who)
    return context, page


def _rate(page, instrument, value_for, *, complete=True):
    for index, item in enumerate(instrument.items):
        page.locator(f'input[name="item-{item.id}"][value="{value_for(index)}"]').check()
    button = "Save and mark my answers complete" if complete else "Save and come back later"
    page.get_by_role("button", name=re.compile(button if complete else "Save and come back")).click()


def _no_horizontal_overflow(page):
    assert_fits_the_width(page)


def test_a_team_rates_itself_staff_add_a_rating_and_growth_shows_after_a_retake(
        page, browser, live_server, inbox, sign_in, make_user, org, staff):
    application, instrument, lead, ana, ben = _world(org, make_user)

    # The lead opens the intake assessment from the application page.
    sign_in(page, lead)
    page.goto(f"/applications/{application.id}")
    page.get_by_role("link", name="Readiness assessments of Bayou Learning Lab").click()
    page.get_by_label("Name of the assessment").fill("Intake")
    page.get_by_role("button", name="Open the assessment").click()
    expect(page.get_by_text("The “Intake” assessment is open.")).to_be_visible()
    assessment_url = page.url

    # Two members rate the team; Ana saves half-way on a phone, comes back and completes.
    ana_context, ana_page = _context(browser, live_server, sign_in, ana, width=390)
    ana_page.goto(assessment_url)
    ana_page.get_by_role("link", name="Rate the team").click()
    first = instrument.items[0]
    expect(ana_page.get_by_role("group", name=first.prompt)).to_be_visible()
    _no_horizontal_overflow(ana_page)
    ana_page.get_by_role("group", name=first.prompt).get_by_label("4 Ready").check()
    ana_page.get_by_role("button", name="Save and come back later").click()
    expect(ana_page.get_by_text("Your answers stay private until you mark them complete.")).to_be_visible()
    expect(ana_page.get_by_role("group", name=first.prompt).get_by_label("4 Ready")).to_be_checked()
    _rate(ana_page, instrument, lambda i: 4 if i == 0 else 3)
    expect(ana_page.get_by_text("Your answers are complete.")).to_be_visible()
    _no_horizontal_overflow(ana_page)
    ana_context.close()
    ben_context, ben_page = _context(browser, live_server, sign_in, ben)
    ben_page.goto(assessment_url + "/rate")
    _rate(ben_page, instrument, lambda i: 1 if i == 0 else 2)
    ben_context.close()

    # The team page shows composites, spread and the disagreement, without names.
    page.goto(assessment_url)
    domain = instrument.domains[0]
    row = page.get_by_role("row", name=re.compile(re.escape(domain.title)))
    # Ana's first domain: (4+3+3)/3 = 3.33, Ben's: (1+2+2)/3 = 1.67 -> composite 2.50, spread 1.67.
    expect(row.first).to_contain_text("2.50")
    expect(row.first).to_contain_text("1.67")
    disagreements = page.locator("#disagree")
    expect(disagreements).to_contain_text(first.prompt)
    expect(disagreements).to_contain_text("Ratings from 1 Exploring to 4 Ready")
    expect(page.locator("#answers")).to_contain_text("Member A")
    expect(page.locator("#answers")).not_to_contain_text("Ana Member")

    # The lead closes it.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close the assessment").click()
    expect(page.get_by_text("The “Intake” assessment is closed.")).to_be_visible()
    expect(page.get_by_role("link", name="Rate the team")).to_have_count(0)

    # Staff see the names and add their rating; the gap shows beside the composite.
    staff_context, staff_page = _context(browser, live_server, sign_in, staff)
    staff_page.goto(assessment_url)
    expect(staff_page.locator("#answers")).to_contain_text("Ana Member")
    staff_page.get_by_role("link", name="Add a staff rating").click()
    for item in instrument.items:
        staff_page.locator(f'input[name="item-{item.id}"][value="3"]').check()
    staff_page.get_by_role("button", name="Save and mark the rating complete").click()
    expect(staff_page.get_by_role("columnheader", name="Gap (staff − team)")).to_be_visible()
    expect(staff_page.get_by_role("row", name=re.compile(re.escape(domain.title))).first).to_contain_text("+0.50")
    staff_context.close()

    # Months later: a retake, and the growth chart appears with its table.
    page.goto(f"/readiness/applications/{application.id}")
    page.get_by_label("Name of the assessment").fill("Month 3")
    page.get_by_role("button", name="Open the assessment").click()
    retake_url = page.url
    for person, value in ((ana, 4), (ben, 3)):
        context, member_page = _context(browser, live_server, sign_in, person)
        member_page.goto(retake_url + "/rate")
        _rate(member_page, instrument, lambda i, value=value: value)
        context.close()
    page.goto(retake_url)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close the assessment").click()
    expect(page.get_by_text("The “Month 3” assessment is closed.")).to_be_visible()
    page.get_by_role("link", name=re.compile("Growth over time")).click()
    chart = page.get_by_role("img", name=re.compile("Team composite by domain over time"))
    expect(chart).to_be_visible()
    expect(page.locator("#growth table")).to_contain_text("Month 3")

    # The PDF is made by the worker and downloads.
    inbox.deliver()
    page.goto(assessment_url)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
