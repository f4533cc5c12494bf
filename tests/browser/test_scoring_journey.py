"""A reviewer scores on a phone: the queue, the application above the rubric, the score out of
100 updating as they choose points, the autosave, submitting (confirmed), and the locked review;
staff see it with the reopen form. Every page is checked by axe-core."""
import re

from playwright.sync_api import expect

from incubator.core.timeutil import utcnow
from incubator.extensions import db
from tests.browser.conftest import TIMEOUT_MS, assert_fits_the_width
from tests.reviews.conftest import make_review_world  # noqa: F401  (the fixture)

PHONE = {"width": 390, "height": 844}


def _no_horizontal_overflow(page):
    assert_fits_the_width(page)


def test_a_reviewer_scores_and_submits_on_a_phone(app, browser, live_server, sign_in, make_review_world, org, staff):
    world = make_review_world(org, staff, applications=2, reviewers=1)
    reviewer = world.reviewers[0]
    first = world.assign(world.applications[0], reviewer, declared_at=utcnow())
    world.assign(world.applications[1], reviewer, declared_at=utcnow())
    app.config["REVIEW_AUTOSAVE_SECONDS"] = 1
    try:
        context = browser.new_context(base_url=live_server.url, locale="en-US", timezone_id="America/Chicago",
                                      viewport=PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, reviewer)
        page.get_by_role("link", name="Reviews").first.click()
        expect(page.get_by_role("heading", name="Your reviews")).to_be_visible()
        expect(page.get_by_text("0 of 2 submitted.")).to_be_visible()
        _no_horizontal_overflow(page)
        page.get_by_role("link", name=re.compile(f"Start.*{world.applications[0].school_name}")).click()
        expect(page.get_by_role("heading", name="Rubric")).to_be_visible()
        _no_horizontal_overflow(page)
        growth, finance, capacity = world.round.criteria
        score = page.locator("[data-live-score]")
        page.locator(f"#score-{growth.id}-5").check()
        expect(score).to_have_text("100")
        page.locator(f"#score-{capacity.id}-0").check()
        expect(score).to_have_text("67")  # weights 2 and 1: 100 * 2 / 3
        page.locator(f"#score-{finance.id}-na").check()
        expect(score).to_have_text("67")  # n/a does not count
        page.get_by_label(f"Comment on {growth.title}").fill("Ambitious and specific growth targets.")
        expect(page.locator("[data-autosave-status]")).to_have_text(re.compile(r"Saved at \d\d:\d\d"))
        db.session.expire_all()
        assert db.session.get(type(first), first.id).status == "draft"
        page.get_by_label("Yes").check()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Submit and next").click()
        expect(page).to_have_url(re.compile(r"/reviews/assignments/\d+$"))
        expect(page.get_by_text("Review submitted.")).to_be_visible()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Submit", exact=True).click()  # nothing scored yet: refused, with why
        expect(page.get_by_text("Your review was not saved.")).to_be_visible()
        expect(page.get_by_text(f"Score {growth.title}.")).to_be_visible()
        _no_horizontal_overflow(page)
        page.goto(f"/reviews/assignments/{first.id}")
        expect(page.get_by_text(re.compile("is locked"))).to_be_visible()
        expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
        assert not errors, errors
        context.close()

        office = browser.new_context(base_url=live_server.url, locale="en-US", timezone_id="America/Chicago")
        office.set_default_timeout(TIMEOUT_MS)
        staff_page = office.new_page()
        sign_in(staff_page, staff)
        staff_page.goto(f"/reviews/assignments/{first.id}")
        expect(staff_page.get_by_role("button", name="Reopen the review")).to_be_visible()
        expect(staff_page.get_by_text("Ambitious and specific growth targets.")).to_be_visible()
        office.close()
    finally:
        app.config.pop("REVIEW_AUTOSAVE_SECONDS", None)
