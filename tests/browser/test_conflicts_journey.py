"""Conflicts of interest in a real browser, on a phone-sized screen: a reviewer lists a tie in
their profile, confirms no conflict on one application, another declares a conflict and loses
access, a blind round's reviewer goes through the round's list, and staff lift a conflict."""
import re

from playwright.sync_api import expect

from incubator.extensions import db
from incubator.reviews.models import Conflict
from incubator.reviews.states import ConflictSource
from tests.browser.conftest import TIMEOUT_MS, assert_fits_the_width
from tests.reviews.conftest import make_review_world  # noqa: F401  (the fixture)

PHONE = {"width": 390, "height": 800}


def _phone(browser, live_server, sign_in, who):
    context = browser.new_context(base_url=live_server.url, locale="en-US", timezone_id="America/Chicago",
                                  viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, who)
    return context, page


def _fits(page):
    assert_fits_the_width(page)


def test_reviewers_declare_and_staff_lift(page, browser, live_server, sign_in, make_review_world,  # noqa: F811
                                          org, staff):
    world = make_review_world(org, staff, applications=3, reviewers=3)
    blind = make_review_world(org, staff, applications=2, reviewers=1, blind=True)
    first, second, third = world.reviewers
    confirmed = world.assign(world.applications[0], first)
    declared = world.assign(world.applications[1], second)
    blind_assignment = blind.assign(blind.applications[0], blind.reviewers[0])

    # A reviewer lists who they are tied to.
    context, phone = _phone(browser, live_server, sign_in, third)
    phone.goto("/reviews/profile")
    phone.get_by_label("Middle grades (6-8)").check()
    phone.get_by_label("People and organizations you are tied to").fill(
        world.applications[2].team.members[0].user.name)
    phone.get_by_role("button", name="Save your profile").click()
    expect(phone.get_by_text("Your reviewer profile was saved.")).to_be_visible()
    _fits(phone)
    context.close()

    # One confirms no conflict: the team, its members and the school were named first.
    context, phone = _phone(browser, live_server, sign_in, first)
    phone.goto(f"/reviews/assignments/{confirmed.id}/declare")
    expect(phone.get_by_role("heading", name=world.applications[0].team.name)).to_be_visible()
    expect(phone.get_by_text(world.applications[0].school_name)).to_be_visible()
    _fits(phone)
    phone.get_by_label("I have no conflict").check()
    phone.get_by_role("button", name="Confirm").click()
    expect(phone.get_by_text("You may now review this application.")).to_be_visible()
    context.close()

    # Another declares a conflict and loses access at once.
    context, phone = _phone(browser, live_server, sign_in, second)
    phone.goto(f"/reviews/assignments/{declared.id}/declare")
    phone.get_by_label("I have a conflict").check()
    phone.get_by_label(re.compile("What ties you to the team")).fill("I mentor the school leader.")
    phone.get_by_role("button", name="Confirm").click()
    expect(phone.get_by_text("This application was removed from your reviews")).to_be_visible()
    response = phone.goto(f"/reviews/assignments/{declared.id}/declare")
    assert response.status == 404
    context.close()

    # In a blind round, the list of people and organizations comes first.
    context, phone = _phone(browser, live_server, sign_in, blind.reviewers[0])
    phone.goto(f"/reviews/assignments/{blind_assignment.id}/declare")
    expect(phone.get_by_role("heading", name="Before you review: who do you know?")).to_be_visible()
    _fits(phone)
    phone.get_by_label(re.compile(re.escape(blind.applications[1].team.name))).check()
    phone.get_by_role("button", name="I have ticked everyone I know").click()
    expect(phone.get_by_role("heading", name=f"Application #{blind_assignment.id}")).to_be_visible()
    assert blind.applications[0].team.name not in phone.content()
    context.close()

    # Staff see every conflict and lift one.
    sign_in(page, staff)
    page.goto(f"/reviews/rounds/{world.round.id}/conflicts")
    row = page.get_by_role("row").filter(has_text="I mentor the school leader.")
    expect(row).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Lift").click()
    expect(page.get_by_text("Conflict lifted")).to_be_visible()
    db.session.expire_all()
    lifted = db.session.query(Conflict).filter_by(reviewer_id=second.id).one()
    assert lifted.source == ConflictSource.declared and lifted.lifted_at is not None
    assert db.session.query(Conflict).filter_by(reviewer_id=third.id, source=ConflictSource.profile).count() == 1
    assert db.session.query(Conflict).filter_by(reviewer_id=blind.reviewers[0].id,
                                                source=ConflictSource.round_list).count() == 1
