"""Grants in a real browser: program staff offer a planning grant in three tranches, the team's
lead reads the award letter and accepts it online, connects the school's bank account through
Stripe's onboarding, finance sets up two-factor sign-in, staff request the first tranche, finance
approves it, the payout job pays it through the Stripe-compatible test server, and the grant
page, the dashboard and the ledger show it; on a phone too."""
import re
from datetime import timedelta

import pyotp
from playwright.sync_api import expect

from incubator.accounts.models import Membership, Role
from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.grants.models import Grant, LedgerEntry
from incubator.grants.states import GrantStatus, TrancheStatus
from tests.browser.conftest import TIMEOUT_MS, assert_fits_the_width
from tests.grants.stripe_fixtures import stripe_app, stripe_server  # noqa: F401,F811  (fixtures)


def _world(org, make_user):
    now = utcnow()
    lead = make_user("lead@example.org", name="Lee Lead")
    member = make_user("mo@example.org", name="Mo Member")
    # A finance user who has not set up two-factor sign-in yet (grant_role would enrol them).
    finance = make_user("fran@example.org", name="Fran Finance")
    db.session.add(Membership(user=finance, organisation=org, role=Role.finance))
    challenge = Challenge(organisation=org, title="New Orleans Future of School Challenge", slug="nola-grants",
                          track=Track.new_school, status=ChallengeStatus.published,
                          opens_at=now - timedelta(days=120), closes_at=now - timedelta(days=90),
                          grant_pool_cents=500_000_00, planning_grant_cents=100_000_00)
    team = Team(name="Bayou Learning Lab")
    team.members += [TeamMember(user=lead, is_lead=True), TeamMember(user=member)]
    application = Application(team=team, challenge=challenge, school_name="Bayou Community School",
                              status=Status.selected, submitted_at=now - timedelta(days=100), grades="K-5",
                              launch_year=2028, target_enrollment=320)
    db.session.add_all([challenge, application])
    db.session.commit()
    return challenge, lead, finance


def _context(browser, live_server, sign_in, who=None, width=None, **signing):
    options = {"viewport": {"width": width, "height": 844}} if width else {}
    context = browser.new_context(base_url=live_server.url, locale="en-US", timezone_id="America/Chicago", **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    if who is not None:
        sign_in(page, who, **signing)
    return context, page


def test_a_planning_grant_from_offer_to_a_paid_tranche(page, browser, live_server, inbox, sign_in, make_user, org,
                                                         staff, stripe_app):
    challenge, lead, finance = _world(org, make_user)
    today = local(utcnow(), org.timezone).date()

    # Program staff offer the planning grant from the challenge's pool: 40/30/30 by default.
    sign_in(page, staff)
    page.goto(f"/grants/challenges/{challenge.id}/pool")
    expect(page.get_by_text(re.compile(r"\$500,000(\.00)?$")).first).to_be_visible()
    page.get_by_role("link", name=re.compile("Offer a planning grant")).first.click()
    expect(page.get_by_label("Amount ($)").first).to_have_value(re.compile("100,?000"))
    page.get_by_label("Offer expires on").fill((today + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Offer the grant").click()
    expect(page.get_by_role("heading", name=re.compile("Planning grant"))).to_be_visible()
    grant = db.session.scalar(db.select(Grant))
    assert grant.status is GrantStatus.offered and [t.amount_cents for t in grant.tranches] == [
        40_000_00, 30_000_00, 30_000_00]
    grant_url = page.url

    # The lead is told, reads the letter (made by a job) and accepts it online.
    assert "/grants/" in inbox.link("lead@example.org")
    lead_context, lead_page = _context(browser, live_server, sign_in, lead)
    lead_page.goto(f"/grants/{grant.id}/accept")
    inbox.deliver()  # the letter job
    lead_page.reload()
    lead_page.get_by_label("Type your full name").fill("Lee Ann Lead")
    lead_page.get_by_label(re.compile("I have read the award letter")).check()
    lead_page.get_by_role("button", name="Accept the planning grant").click()
    expect(lead_page.get_by_text("Lee Ann Lead").first).to_be_visible()
    db.session.expire_all()
    grant = db.session.get(Grant, grant.id)
    assert grant.status is GrantStatus.accepted and len(grant.accepted_letter_sha256) == 64
    assert grant.accepted_letter_sha256 == grant.letter_sha256
    assert grant.tranches[0].status is TrancheStatus.due

    # ... and connects the school's bank account through Stripe's onboarding.
    lead_page.goto(f"/grants/{grant.id}/payee")
    lead_page.get_by_role("button", name="Connect a bank account through Stripe").click()
    lead_page.wait_for_url(re.compile(r"/payee/return"))
    expect(lead_page.get_by_text(re.compile("payouts? (are )?enabled|can be paid|ready to be paid", re.I)).first
           ).to_be_visible()
    lead_context.close()

    # Finance, without two-factor sign-in, is sent to set it up before the finance pages.
    finance_context, finance_page = _context(browser, live_server, sign_in, finance, enrol_first=False)
    finance_page.goto("/grants/finance")
    finance_page.wait_for_url(re.compile(r"/account/two-factor/setup"))
    secret = re.sub(r"\s", "", finance_page.locator(".totp-secret").inner_text())
    expect(finance_page.locator("svg").first).to_be_visible()  # the QR code, drawn inline
    finance_page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    finance_page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(finance_page.get_by_text(re.compile(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}")).first).to_be_visible()
    finance_page.get_by_role("link", name="I have saved them").click()
    finance_page.wait_for_url(re.compile(r"/grants/finance/\d+"))

    # Program staff request the release of the first tranche (due on acceptance).
    page.goto(grant_url)
    page.get_by_role("button", name="Request the release").first.click()
    expect(page.get_by_text("Awaiting approval").first).to_be_visible()

    # Finance approves it (another person than the requester); the payout job pays it.
    finance_page.goto(grant_url)
    finance_page.once("dialog", lambda dialog: dialog.accept())
    finance_page.get_by_role("button", name="Approve the release").click()
    expect(finance_page.get_by_text(re.compile("Approved|Being paid")).first).to_be_visible()
    inbox.deliver()  # the payments queue: a transfer through the test server
    assert len(stripe_app.transfers) == 1
    transfer = next(iter(stripe_app.transfers.values()))
    assert transfer["amount"] == 40_000_00 and transfer["transfer_group"] == f"grant-{grant.id}"
    finance_page.reload()
    expect(finance_page.get_by_text("Paid").first).to_be_visible()
    expect(finance_page.get_by_text(transfer["id"]).first).to_be_visible()  # the ledger line
    line = db.session.scalar(db.select(LedgerEntry))
    assert line.amount_cents == 40_000_00 and line.transfer_id == transfer["id"] and line.approved_by_id == finance.id

    # The dashboard shows the pool and the paid tranche; the ledger exports.
    finance_page.get_by_role("link", name="Finance dashboard").click()
    expect(finance_page.get_by_text(re.compile(r"\$40,000(\.00)?")).first).to_be_visible()
    response = finance_page.request.get(f"/grants/finance/{org.id}/ledger.csv")
    assert response.ok and transfer["id"] in response.text()
    finance_context.close()

    # The lead reads the grant on a phone: the tranche paid, nothing scrolls sideways.
    phone_context, phone = _context(browser, live_server, sign_in, lead, width=390)
    phone.goto(grant_url)
    expect(phone.get_by_text("Paid").first).to_be_visible()
    assert_fits_the_width(phone)
    phone.goto("/grants/")
    assert_fits_the_width(phone)
    phone_context.close()
    assert "paid" in inbox.body("lead@example.org").lower()
