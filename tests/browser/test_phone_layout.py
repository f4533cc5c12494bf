"""Layout on a phone (390 x 844) and with long unbroken names: the page never scrolls sideways,
tables become stacked cards instead of cut-off columns, and the plan form stacks one year per block.

Screenshots are written to the test's tmp_path (or to $LAYOUT_SCREENSHOTS when set), so a person
can look at them.
"""
import os
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from incubator.applications.models import Application, ApplicationRevision, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Question, QuestionKind, Track
from incubator.core.timeutil import utcnow
from incubator.extensions import db

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 700, "height": 1000}
DESKTOP = {"width": 1280, "height": 900}
LONG = "Bayou" + "x" * 195  # 200 characters, no place to break: the longest a school or team name may be
assert len(LONG) == 200

# The page does not scroll sideways, and no table scrolls inside its wrapper (no column is cut off).
OVERFLOW = """() => {
  const doc = document.documentElement;
  const wraps = [...document.querySelectorAll('.table-wrap')]
    .filter(w => w.scrollWidth > w.clientWidth + 1).map(w => w.scrollWidth + ' > ' + w.clientWidth);
  const clipped = e => {
    for (let a = e; a; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.clip !== 'auto' || (s.overflow === 'hidden' && a.getBoundingClientRect().width <= 1)) return true;
    }
    return false;
  };
  const wide = [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !clipped(e))
    .map(e => e.tagName + '.' + e.className).slice(0, 5);
  return {page: doc.scrollWidth, viewport: window.innerWidth, wraps, wide};
}"""


@pytest.fixture
def shots(tmp_path):
    where = Path(os.environ.get("LAYOUT_SCREENSHOTS") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        path = where / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def assert_fits(page):
    page.wait_for_load_state()
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= found["viewport"], f"the page scrolls sideways: {found}"
    assert not found["wraps"], f"a table scrolls inside its wrapper, columns cut off: {found}"
    assert not found["wide"], f"elements stick out of the viewport: {found}"


@pytest.fixture
def challenge(org):
    now = utcnow()
    challenge = Challenge(organisation=org, title="Future " + LONG[7:], slug="future-long", track=Track.new_school,
                          opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=20))
    challenge.questions.append(Question(position=1, kind=QuestionKind.long_text, label="Why " + LONG + "?",
                                        word_limit=300, help_text="Up to 300 words."))
    db.session.add(challenge)
    db.session.commit()
    return challenge


@pytest.fixture
def lead(make_user):
    return make_user("lead@example.org", name=LONG[:120])  # the longest a name may be


@pytest.fixture
def draft(challenge, lead):
    team = Team(name=LONG)
    team.members.append(TeamMember(user=lead, is_lead=True))
    application = Application(challenge=challenge, team=team, school_name=LONG, grades="K-5",
                              neighbourhood=LONG)
    db.session.add(application)
    db.session.commit()
    return application


@pytest.mark.parametrize("viewport", [PHONE, TABLET, DESKTOP], ids=["phone", "tablet", "desktop"])
def test_the_plan_form_fits_a_phone_with_one_year_per_block(page, sign_in, shots, draft, lead, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, lead)
    page.goto(f"/applications/{draft.id}/edit")
    expect(page.get_by_role("heading", name="Four-year financial plan")).to_be_visible()
    shots(page, f"plan-form-{viewport['width']}")
    assert_fits(page)

    # Every figure can be typed without scrolling sideways, and is labeled on screen.
    for year in (1, 2, 3, 4):
        box = page.get_by_label(f"Year {year} operating expenses ($)").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    if viewport is PHONE:
        # One year per block: year 2's first figure sits below year 1's last one.
        year1_last = page.get_by_label("Year 1 operating expenses ($)").bounding_box()
        year2_first = page.get_by_label("Year 2 enrollment").bounding_box()
        assert year2_first["y"] > year1_last["y"] + year1_last["height"]
        label = page.locator(".plan-form tbody td").nth(3).evaluate("c => getComputedStyle(c, '::before').content")
        assert "Operating expenses ($)" in label

    # The figures still save and the coverage is still computed as typed.
    page.get_by_label("Year 1 enrollment").fill("100")
    page.get_by_label("Year 1 public per-pupil revenue ($)").fill("10,000")
    page.get_by_label("Year 1 other revenue ($)").fill("0")
    page.get_by_label("Year 1 operating expenses ($)").fill("1,250,000")
    expect(page.locator('[data-coverage="1"]')).to_have_text("80%")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    assert_fits(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_someone_else_saved_first_table_with_a_long_name_is_not_cut_off(page, sign_in, shots, draft, lead,
                                                                        make_user, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, lead)
    page.goto(f"/applications/{draft.id}/edit")
    # Another member saves first, changing the school name to a long unbroken one.
    other = make_user("member@example.org", name="Mo Member")
    draft.team.members.append(TeamMember(user=other))
    db.session.add(ApplicationRevision(application_id=draft.id, version=draft.version + 1, saved_by_id=other.id,
                                       saved_at=utcnow(), changes=[{"field": "school_name", "label": "School name",
                                                                    "old": LONG, "new": "New" + LONG[3:]}]))
    draft.version += 1
    draft.school_name = "New" + LONG[3:]
    db.session.commit()
    page.get_by_label("School name", exact=True).fill("Mine" + LONG[4:])
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name="Someone else saved first")).to_be_visible()
    shots(page, f"conflict-{viewport['width']}")
    assert_fits(page)
    # Before and after are both on screen.
    expect(page.locator("#conflict").get_by_text("New" + LONG[3:])).to_be_visible()
    box = page.locator("#conflict td", has_text="New" + LONG[3:]).bounding_box()
    assert box["x"] + box["width"] <= viewport["width"]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_staff_applications_list_fits_a_phone(page, sign_in, shots, staff, challenge, lead, make_user, viewport):
    page.set_viewport_size(viewport)
    for n in range(3):
        team = Team(name=f"T{LONG[1:]}" if n == 0 else f"Team {n} of the Seventh Ward")
        team.members.append(TeamMember(user=lead if n == 0 else make_user(), is_lead=True))
        db.session.add(Application(challenge=challenge, team=team, status=Status.submitted,
                                   submitted_at=utcnow() - timedelta(hours=n),
                                   school_name=LONG if n == 0 else f"Crescent Prep {n}"))
    db.session.commit()
    sign_in(page, staff)
    page.goto(f"/challenges/{challenge.id}/applications")
    expect(page.get_by_role("link", name=LONG, exact=True)).to_be_visible()
    shots(page, f"staff-applications-{viewport['width']}")
    assert_fits(page)
    if viewport is PHONE:
        # Each application is a card whose cells say what they are.
        expect(page.locator("main table thead")).not_to_be_in_viewport()
        labels = page.locator("main table tbody tr").first.locator("td").evaluate_all(
            "cells => cells.map(c => getComputedStyle(c, '::before').content)")
        assert all(name in text for name, text in zip(["School", "Team", "Status", "Submitted"], labels)), labels

    # The application itself, also with the long names.
    page.get_by_role("link", name=LONG, exact=True).click()
    expect(page.get_by_role("heading", name="Screening")).to_be_visible()
    shots(page, f"staff-application-{viewport['width']}")
    assert_fits(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_staff_pages_and_the_eligible_team_page_fit_a_phone(page, sign_in, shots, staff, admin, challenge, draft, lead,
                                                            viewport):
    import secrets

    from incubator.applications.models import Attachment

    draft.status, draft.submitted_at, draft.screened_at = Status.eligible, utcnow(), utcnow()
    draft.attachments.append(Attachment(original_filename=LONG + ".pdf", stored_name=secrets.token_hex(20),
                                        content_type="application/pdf", size_bytes=193, sha256="0" * 64))
    db.session.commit()
    page.set_viewport_size(viewport)
    sign_in(page, lead)
    page.goto(f"/applications/{draft.id}")
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    expect(page.get_by_role("cell", name="193 bytes")).to_be_visible()
    shots(page, f"team-application-{viewport['width']}")
    assert_fits(page)
    page.goto("/applications/teams")
    assert_fits(page)

    page.context.clear_cookies()
    sign_in(page, staff)
    for path in ("/dashboard", "/challenges/manage", f"/challenges/{challenge.id}",
                 f"/challenges/{challenge.id}/applications/{draft.id}"):
        page.goto(path)
        shots(page, f"staff{path.replace('/', '-')}-{viewport['width']}")
        assert_fits(page)

    page.context.clear_cookies()
    sign_in(page, admin)
    for path in ("/admin/users", "/admin/organisations", "/admin/audit", "/admin/outbox"):
        page.goto(path)
        shots(page, f"admin{path.replace('/', '-')}-{viewport['width']}")
        assert_fits(page)


def test_the_favicon_loads_without_a_csp_violation(page, live_server):
    page.goto("/login")
    icon = page.locator('link[rel="icon"]')
    assert icon.get_attribute("type") == "image/svg+xml"
    response = page.request.get(icon.get_attribute("href"))
    assert response.ok and response.headers["content-type"].startswith("image/svg+xml")
    # Drawn as an image on the page itself, within the Content-Security-Policy (img-src 'self').
    drawn = page.evaluate("""href => new Promise(done => {
        const img = new Image(); img.onload = () => done(img.naturalWidth); img.onerror = () => done(0); img.src = href;
    })""", icon.get_attribute("href"))
    assert drawn == 32
