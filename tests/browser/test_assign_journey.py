"""Assignment in a real browser: staff preview the automatic assignment, apply it (confirming),
see every application with its reviewers, unassign one by hand and assign another; a reviewer
rates applications of a blind round on a phone. Every page is checked by axe-core."""
from datetime import timedelta

from playwright.sync_api import expect

from incubator.accounts.models import Role
from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews.models import Criterion, ReviewRound, RoundReviewer
from tests.browser.conftest import TIMEOUT_MS


def _world(org, make_user, grant_role):
    now = utcnow()
    challenge = Challenge(organisation=org, title="Future of School", slug="assign-journey", track=Track.new_school,
                          status=ChallengeStatus.published, opens_at=now - timedelta(days=30),
                          closes_at=now - timedelta(days=2))
    applications = []
    for n in range(3):
        team = Team(name=f"Bayou Lab {n}")
        team.members.append(TeamMember(user=make_user(f"lead{n}@bayou{n}.org", name=f"Lee Lead {n}"), is_lead=True))
        applications.append(Application(team=team, challenge=challenge, school_name=f"Bayou School {n}",
                                        status=Status.eligible, submitted_at=now - timedelta(days=3),
                                        screened_at=now - timedelta(days=1), grades="6-8",
                                        neighbourhood="Treme", learner_profiles="Each learner sets goals weekly."))
    review_round = ReviewRound(challenge=challenge, title="Written review", opens_at=now - timedelta(days=1),
                               closes_at=now + timedelta(days=7), reviewers_per_application=2, is_blind=True,
                               has_bids=True)
    review_round.criteria.append(Criterion(position=1, title="Learning growth", descriptors=list("12345")))
    reviewers = [grant_role(make_user(f"rae{n}@reviewers{n}.org", name=f"Rae Reviewer {n}"), org, Role.reviewer)
                 for n in range(3)]
    review_round.reviewers += [RoundReviewer(user=r) for r in reviewers]
    db.session.add_all([challenge, *applications, review_round])
    db.session.commit()
    return review_round, applications, reviewers


def test_staff_auto_assign_then_adjust_by_hand(browser, live_server, sign_in, org, staff, make_user, grant_role,
                                               inbox):
    review_round, applications, reviewers = _world(org, make_user, grant_role)
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, staff)
    page.goto(f"/reviews/rounds/{review_round.id}/assignments")
    expect(page.get_by_text("3 with fewer than 2")).to_be_visible()
    page.get_by_role("link", name="Preview automatic assignment").click()
    expect(page.get_by_role("heading", name="Automatic assignment: Written review")).to_be_visible()
    expect(page.get_by_text("Every application reaches 2 reviewers.")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Apply: add 6 assignments").click()
    expect(page.get_by_text("Assigned 6 new reviews.")).to_be_visible()
    expect(page.get_by_text("0 with fewer than 2")).to_be_visible()
    page.get_by_role("link", name="Unassign Rae Reviewer 0 from Bayou School 0").click()
    page.get_by_role("button", name="Unassign").click()
    expect(page.get_by_text("Reviewer unassigned.")).to_be_visible()
    page.get_by_role("link", name="Assign reviewers to Bayou School 0").click()
    page.get_by_label("Rae Reviewer 0").check()
    page.get_by_role("button", name="Assign the chosen reviewers").click()
    expect(page.get_by_text("Assigned 1 reviewer")).to_be_visible()
    page.get_by_role("link", name="Assignments", exact=True).click()
    page.get_by_role("link", name="Assign applications to Rae Reviewer 1").click()
    expect(page.get_by_role("heading", name="Assign applications to Rae Reviewer 1")).to_be_visible()
    expect(page.get_by_text("Conflict of interest")).to_have_count(0)
    context.close()
    for reviewer in reviewers:
        assert "/reviews/queue" in inbox.body(reviewer.email)


def test_a_reviewer_rates_blind_applications_on_a_phone(browser, live_server, sign_in, org, make_user, grant_role):
    review_round, applications, reviewers = _world(org, make_user, grant_role)
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport={"width": 375, "height": 740})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, reviewers[0])
    page.goto(f"/reviews/rounds/{review_round.id}/bids")
    expect(page.get_by_role("heading", name="Application 1")).to_be_visible()
    assert "Bayou" not in page.content() and "Lee Lead" not in page.content()
    page.get_by_role("group", name="Your preference for Application 2").get_by_label("Interested", exact=True).check()
    page.get_by_role("button", name="Save my preferences").click()
    expect(page.get_by_text("Your preferences are saved (1 changed).")).to_be_visible()
    expect(page.get_by_role("group", name="Your preference for Application 2").get_by_label("Interested", exact=True)).to_be_checked()
    context.close()
