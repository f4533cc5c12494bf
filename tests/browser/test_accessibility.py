"""The accessibility check itself: it sees every page a journey loads and fails on a violation."""
from playwright.sync_api import expect

from tests.browser.a11y import AccessibilityAudit

UNLABELLED = """<!doctype html><html lang="en"><head><title>Probe</title></head>
<body><main><h1>Search</h1><form><input type="text" name="q"><button>Go</button></form></main></body></html>"""


def test_the_check_catches_an_unlabelled_input(_chromium, live_server):
    audit = AccessibilityAudit()
    context = _chromium.new_context(base_url=live_server.url)
    audit.watch_context(context)
    page = context.new_page()
    page.route("**/probe", lambda route: route.fulfill(status=200, content_type="text/html", body=UNLABELLED))
    page.goto("/probe")
    audit.capture_context(context)
    context.close()

    violations = audit.check(_chromium, live_server.url)

    assert [v.rule for v in violations] == ["label"]
    assert violations[0].url.endswith("/probe") and "input" in violations[0].targets[0]


def test_the_portal_pages_pass_and_a_form_shown_again_with_errors_is_checked_too(page, a11y, make_user):
    make_user("ari@example.org")
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill("ari@example.org")
    page.get_by_label("Password", exact=True).fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    a11y.capture_context(page.context)

    assert len(a11y.snapshots) == 2, [s.url for s in a11y.snapshots]  # the form, then the form with its error
    assert a11y.check(page.context.browser, page.url.split("/login")[0]) == []


# The four findings of the accessibility review, each as a person with assistive technology meets it.

def _draft(org, lead, *, title="Future of School", published=True):
    from datetime import timedelta

    from incubator.applications.models import Application, Team, TeamMember
    from incubator.challenges.models import Challenge, Question, QuestionKind, Track
    from incubator.challenges.states import ChallengeStatus
    from incubator.core.timeutil import utcnow
    from incubator.extensions import db

    now = utcnow()
    challenge = Challenge(organisation=org, title=title, slug="a11y-future", track=Track.new_school,
                          status=ChallengeStatus.published if published else ChallengeStatus.draft,
                          opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=20))
    challenge.questions += [Question(position=1, kind=QuestionKind.long_text, label="Why here?", word_limit=50),
                            Question(position=2, kind=QuestionKind.yes_no, label="Do you have a facility?")]
    team = Team(name="Bayou Learning Lab")
    team.members.append(TeamMember(user=lead, is_lead=True))
    application = Application(team=team, challenge=challenge, school_name="Bayou Community School")
    db.session.add_all([challenge, team, application])
    db.session.commit()
    return application


def _contrast(rgb_a, rgb_b) -> float:
    def luminance(rgb):
        channels = [c / 255 for c in rgb]
        channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    high, low = sorted([luminance(rgb_a), luminance(rgb_b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def _rgb(css: str) -> tuple[int, int, int]:
    import re

    return tuple(int(float(n)) for n in re.findall(r"[\d.]+", css)[:3])


def test_an_untouched_plan_form_reports_no_input_as_invalid(page, sign_in, make_user, org):
    lead = make_user("lead@example.org", name="Lee Lead")
    application = _draft(org, lead)
    sign_in(page, lead)
    page.goto(f"/applications/{application.id}/edit")
    plan_inputs = page.locator("table.plan-form input")
    assert plan_inputs.count() == 16
    assert page.locator("[aria-invalid]").count() == 0  # not "None", not "false": absent


def test_tabbing_down_the_edit_form_never_hides_the_focused_field_under_the_save_bar(page, sign_in, make_user, org):
    lead = make_user("lead@example.org", name="Lee Lead")
    application = _draft(org, lead)
    page.set_viewport_size({"width": 1280, "height": 640})
    sign_in(page, lead)
    page.goto(f"/applications/{application.id}/edit")
    hidden = []
    for _ in range(60):
        page.keyboard.press("Tab")
        state = page.evaluate("""() => {
            const el = document.activeElement, bar = document.querySelector('.sticky-actions');
            if (!el || !bar || bar.contains(el) || el === document.body) return null;
            const r = el.getBoundingClientRect(), b = bar.getBoundingClientRect();
            return {name: el.id || el.name || el.textContent.trim().slice(0, 30), covered: r.top >= b.top - 4 && r.top < b.bottom};  // nothing of it shows above the bar
        }""")
        if state and state["covered"]:
            hidden.append(state["name"])
    assert hidden == []


def test_a_plan_cell_error_is_linked_to_its_input_and_the_summary_takes_the_focus(page, sign_in, make_user, org):
    lead = make_user("lead@example.org", name="Lee Lead")
    application = _draft(org, lead)
    sign_in(page, lead)
    page.goto(f"/applications/{application.id}/edit")
    page.get_by_label("Year 2 enrollment").fill("-5")
    page.get_by_role("button", name="Save draft").click()

    cell = page.get_by_label("Year 2 enrollment")
    expect(cell).to_have_attribute("aria-invalid", "true")
    message_id = cell.get_attribute("aria-describedby")
    assert message_id and page.locator(f"#{message_id}").inner_text().strip()
    expect(cell).to_have_accessible_description(page.locator(f"#{message_id}").inner_text().strip())
    expect(page.locator(".error-summary:focus")).to_have_count(1)  # app.js (deferred) moves the focus there
    assert page.locator(".error-summary a[href='#y2_enrollment']").count() == 1


def test_the_invitation_forms_show_an_error_summary_that_takes_the_focus(page, sign_in, make_user, admin, org):
    lead = make_user("lead@example.org", name="Lee Lead")
    application = _draft(org, lead)
    sign_in(page, lead)
    page.goto(f"/applications/teams/{application.team_id}")
    page.get_by_label("Email of the person to invite").fill("not an address")
    page.get_by_role("button", name="Send invitation").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(page.locator(".error-summary:focus")).to_have_count(1)  # app.js (deferred) moves the focus there

    page.context.clear_cookies()
    sign_in(page, admin)
    page.goto(f"/admin/organisations/{org.id}")
    page.get_by_label("Email of the person to invite").fill("not an address")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".error-summary:focus")).to_have_count(1)  # app.js (deferred) moves the focus there


def test_the_focus_ring_and_input_edges_stand_out_at_three_to_one(page, sign_in, make_user, org):
    lead = make_user("lead@example.org", name="Lee Lead")
    application = _draft(org, lead)
    sign_in(page, lead)
    page.goto(f"/applications/{application.id}/edit")
    school = page.get_by_label("School name")
    school.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # keyboard focus, so :focus-visible applies
    ring = _rgb(school.evaluate("el => getComputedStyle(el).outlineColor"))
    page_background = _rgb(page.evaluate("getComputedStyle(document.body).backgroundColor"))
    assert school.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    assert _contrast(ring, page_background) >= 3
    assert _contrast(ring, (255, 255, 255)) >= 3  # on a white panel too
    edge = _rgb(school.evaluate("el => getComputedStyle(el).borderTopColor"))
    assert _contrast(edge, (255, 255, 255)) >= 3 and _contrast(edge, page_background) >= 3


def test_forms_shown_again_with_their_errors_pass_the_check_as_each_role(page, a11y, sign_in, make_user, staff, org):
    # A newcomer's registration with a short, unrepeated password.
    page.goto("/register")
    page.get_by_label("Email", exact=True).fill("not an address")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".error-summary")).to_be_visible()
    # Kept now: its own load may not have fired (and been handed over) before the next goto leaves it.
    a11y.capture_context(page.context)

    # A member's profile with an empty name.
    lead = make_user("lead@example.org", name="Lee Lead")
    sign_in(page, lead)
    page.goto("/account")
    page.get_by_label("Your name").fill("")
    page.get_by_role("button", name="Save the name").click()
    page.wait_for_load_state()

    # Program staff: a challenge without a title or dates, then a question without its text.
    page.context.clear_cookies()
    sign_in(page, staff)
    page.goto("/challenges/new")
    page.get_by_role("button", name="Create challenge").click()
    expect(page.locator(".error-summary")).to_be_visible()
    a11y.capture_context(page.context)
    application = _draft(org, lead, published=False)  # a draft challenge's questions can change
    page.goto(f"/challenges/{application.challenge_id}/questions/new")
    page.get_by_role("button", name="Save question").click()
    expect(page.locator(".error-summary")).to_be_visible()  # the form shown again, before it is captured
    a11y.capture_context(page.context)

    urls = [s.url for s in a11y.snapshots]
    assert any(u.endswith("/register") for u in urls) and any(u.endswith("/challenges/new") for u in urls)
    assert sum("error-summary" in s.html for s in a11y.snapshots) >= 3
