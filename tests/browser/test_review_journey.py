"""Issue 8's acceptance journey, end to end through the real pages: staff set up a round with the
default rubric and assign it automatically; on a phone, reviewers declare no conflict, score and
submit (one declares a conflict and loses access to that application); staff rank by normalized
score, select the top two in a batch, and those teams, and only those, get their email.
Every page the journey loads is checked by axe-core (tests/browser/conftest.py)."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from incubator.accounts.models import Role
from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.reviews.models import Assignment, ReviewRound
from tests.browser.conftest import TIMEOUT_MS, assert_fits_the_width
from tests.reviews.conftest import make_review_world  # noqa: F401  (the fixture)

PHONE = {"width": 390, "height": 844}
SCHOOLS = ("Bywater Academy", "Gentilly Prep", "Algiers Commons", "Mid-City Lab School")
# Every criterion of a school's reviews gets the same point, so its review score is (point - 1) / 4 * 100.
POINT = {"Bywater Academy": 5, "Gentilly Prep": 4, "Algiers Commons": 2, "Mid-City Lab School": 3}


def _world(org, make_user, grant_role):
    """A published challenge closed two days ago, four eligible applications (a lead and a member
    each, every team on its own mail domain) and three reviewers of the organization. No round yet."""
    now = utcnow()
    challenge = Challenge(organisation=org, title="Future of School", slug="review-journey", track=Track.new_school,
                          status=ChallengeStatus.published, opens_at=now - timedelta(days=30),
                          closes_at=now - timedelta(days=2))
    applications = []
    for n, school in enumerate(SCHOOLS):
        team = Team(name=f"Team {school.split()[0]}")
        team.members.append(TeamMember(user=make_user(f"lead{n}@journey-school{n}.org", name=f"Lee Lead {n}"),
                                       is_lead=True))
        team.members.append(TeamMember(user=make_user(f"member{n}@journey-school{n}.org", name=f"Mo Member {n}")))
        applications.append(Application(team=team, challenge=challenge, school_name=school, status=Status.eligible,
                                        submitted_at=now - timedelta(days=3), screened_at=now - timedelta(days=1),
                                        grades="K-5", neighbourhood="Treme",
                                        learner_profiles="Each learner sets goals weekly with an advisor."))
    reviewers = [grant_role(make_user(f"{name.lower()}@journey-reviewers{n}.org", name=f"{name} Reviewer"),
                            org, Role.reviewer) for n, name in enumerate(("Ada", "Ben", "Cleo"))]
    db.session.add_all([challenge, *applications])
    db.session.commit()
    return challenge, applications, reviewers


def _context(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, locale="en-US", timezone_id="America/Chicago", **options)
    context.set_default_timeout(TIMEOUT_MS)
    errors = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


def _fits(page):
    assert_fits_the_width(page)


def _local_input(moment, tz):
    return local(moment, tz).strftime("%Y-%m-%dT%H:%M")


def _assignment_of(page) -> Assignment:
    assignment_id = int(re.search(r"/reviews/assignments/(\d+)", page.url).group(1))
    db.session.expire_all()
    return db.session.get(Assignment, assignment_id)


def _declare_no_conflict(page):
    expect(page.get_by_role("heading", name="Before you review: conflicts of interest")).to_be_visible()
    assignment = _assignment_of(page)
    application = assignment.application
    expect(page.get_by_role("heading", name=application.team.name)).to_be_visible()  # an open round names the team
    expect(page.get_by_text(application.school_name, exact=True)).to_be_visible()
    _fits(page)
    page.get_by_label("I have no conflict").check()
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("You may now review this application.")).to_be_visible()
    return assignment


def _score(page, criteria, school):
    """Score every criterion of the rubric with the school's point and recommend; the live score follows."""
    expect(page.get_by_role("heading", name="Rubric", exact=True)).to_be_visible()
    _fits(page)
    point = POINT[school]
    # The draft autosaves (every second here) while they score; a submit can land during an autosave.
    with page.expect_response(lambda r: r.url.endswith("/autosave") and r.request.method == "POST") as saved:
        for criterion in criteria:
            group = page.get_by_role("group", name=re.compile("^" + re.escape(criterion.title) + r" \(weight"))
            group.get_by_role("radio").nth(point - criterion.scale_lo).check()
    assert saved.value.status == 200, saved.value.text()
    expect(page.locator("[data-live-score]")).to_have_text(str(round((point - 1) / 4 * 100)))
    page.get_by_role("group", name="Recommendation").get_by_label("Yes" if point >= 4 else "Maybe",
                                                                  exact=True).check()
    page.get_by_label("Overall comment (optional)").fill(f"A clear plan for {school}.")


def _submit(page, button):
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.get_by_text("Review submitted.")).to_be_visible()


def _review_everything(page, criteria, *, next_button: bool):
    """From the queue: open the first unfinished review, declare, score, submit; until none is left.
    With `next_button`, "Submit and next" carries the reviewer from one application to the next."""
    page.get_by_role("link", name="Reviews").first.click()
    expect(page.get_by_role("heading", name="Your reviews")).to_be_visible()
    _fits(page)
    page.get_by_role("link", name=re.compile(r"^Start ")).first.click()
    done = 0
    while True:
        assignment = _declare_no_conflict(page)
        _score(page, criteria, assignment.application.school_name)
        done += 1
        if not next_button:
            _submit(page, "Submit")
            expect(page.get_by_role("heading", name="Your reviews")).to_be_visible()
            start = page.get_by_role("link", name=re.compile(r"^Start "))
            if start.count() == 0:
                break
            start.first.click()
            continue
        _submit(page, "Submit and next")
        if "/reviews/queue" in page.url:
            expect(page.get_by_text("That was your last review to do.")).to_be_visible()
            break
    expect(page.get_by_text(f"{done} of {done} submitted.")).to_be_visible()
    _fits(page)
    return done


def test_staff_set_up_assign_rank_and_select_while_reviewers_score_on_phones(
        app, monkeypatch, browser, live_server, sign_in, inbox, mailbox, org, staff, make_user, grant_role):
    monkeypatch.setitem(app.config, "REVIEW_AUTOSAVE_SECONDS", 1)
    challenge, applications, (ada, ben, cleo) = _world(org, make_user, grant_role)
    tz = challenge.timezone
    office, page, office_errors = _context(browser, live_server)

    # 1. Staff create the round with the default rubric, opening now, closing in a few days, k = 2.
    sign_in(page, staff)
    page.goto(f"/challenges/{challenge.id}/manage")
    page.get_by_role("link", name="Review rounds").click()
    expect(page.get_by_role("heading", name="Review rounds")).to_be_visible()
    page.get_by_role("link", name="New round").click()
    expect(page.get_by_role("heading", name="New review round")).to_be_visible()
    now = utcnow()
    page.get_by_label("Title").fill("Written review")
    page.get_by_label("Opens at").fill(_local_input(now - timedelta(hours=1), tz))
    page.get_by_label("Closes at").fill(_local_input(now + timedelta(days=5), tz))
    page.get_by_label("Reviewers per application").fill("2")
    page.get_by_label(re.compile("^The default rubric")).check()
    page.get_by_role("button", name="Create the round").click()
    expect(page.get_by_text("Created the round Written review with 3 reviewers in its pool and 10 criteria."))\
        .to_be_visible()
    expect(page.get_by_role("heading", name="Written review", exact=True)).to_be_visible()
    page.get_by_role("link", name="Rubric", exact=True).click()
    expect(page.get_by_role("heading", name="Rubric of Written review")).to_be_visible()
    expect(page.get_by_role("heading", name="1. Learning growth")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^10\. "))).to_be_visible()
    review_round = db.session.query(ReviewRound).filter_by(challenge_id=challenge.id).one()
    criteria = list(review_round.criteria)
    assert len(criteria) == 10

    # 2. Staff preview the automatic assignment and apply it; every application has 2 reviewers.
    page.get_by_role("link", name="← Written review").click()
    page.get_by_role("link", name="Assignments", exact=True).first.click()
    expect(page.get_by_role("heading", name="Assignments: Written review")).to_be_visible()
    expect(page.get_by_text("4 applications in this round, 4 with fewer than 2.")).to_be_visible()
    page.get_by_role("link", name="Preview automatic assignment").click()
    expect(page.get_by_role("heading", name="Automatic assignment: Written review")).to_be_visible()
    expect(page.get_by_text("Every application reaches 2 reviewers.")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Apply: add 8 assignments").click()
    expect(page.get_by_text("Assigned 8 new reviews.")).to_be_visible()
    expect(page.get_by_text("4 applications in this round, 0 with fewer than 2.")).to_be_visible()
    for school in SCHOOLS:
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(re.escape(school))))
        expect(row.get_by_text("2 of 2")).to_be_visible()
    for reviewer in (ada, ben, cleo):
        body = inbox.body(reviewer.email)
        assert "Written review" in body and "/reviews/queue" in body, body

    # 3. On phones: Ada and Ben declare no conflict and score everything; Cleo declares a conflict on one.
    phone, reviewer_page, phone_errors = _context(browser, live_server, viewport=PHONE)
    sign_in(reviewer_page, ada)
    assert _review_everything(reviewer_page, criteria, next_button=True) >= 2
    assert not phone_errors, phone_errors
    phone.close()

    phone, reviewer_page, phone_errors = _context(browser, live_server, viewport=PHONE)
    sign_in(reviewer_page, ben)
    assert _review_everything(reviewer_page, criteria, next_button=False) >= 2
    assert not phone_errors, phone_errors
    phone.close()

    phone, reviewer_page, phone_errors = _context(browser, live_server, viewport=PHONE)
    sign_in(reviewer_page, cleo)
    reviewer_page.get_by_role("link", name="Reviews").first.click()
    expect(reviewer_page.get_by_role("heading", name="Your reviews")).to_be_visible()
    reviewer_page.get_by_role("link", name=re.compile(r"^Start ")).first.click()
    expect(reviewer_page.get_by_role("heading", name="Before you review: conflicts of interest")).to_be_visible()
    conflicted = _assignment_of(reviewer_page)
    conflicted_school = conflicted.application.school_name
    reviewer_page.get_by_label("I have a conflict").check()
    reviewer_page.get_by_label(re.compile("What ties you to the team")).fill("I coached their school leader.")
    reviewer_page.get_by_role("button", name="Confirm").click()
    expect(reviewer_page.get_by_text("This application was removed from your reviews")).to_be_visible()
    expect(reviewer_page.get_by_role("heading", name="Your reviews")).to_be_visible()
    expect(reviewer_page.get_by_text(conflicted_school, exact=True)).to_have_count(0)
    for url in (f"/reviews/assignments/{conflicted.id}", f"/reviews/assignments/{conflicted.id}/declare"):
        assert phone.request.get(url).status == 404, url
    response = reviewer_page.goto(f"/reviews/assignments/{conflicted.id}")
    assert response.status == 404
    expect(reviewer_page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert _review_everything(reviewer_page, criteria, next_button=True) >= 1
    expect(reviewer_page.get_by_text(conflicted_school, exact=True)).to_have_count(0)
    assert not phone_errors, phone_errors
    phone.close()

    # 4. Staff rank by normalized score, tick the top two, select them with a rationale, confirm.
    page.goto(f"/reviews/rounds/{review_round.id}")
    page.get_by_role("link", name="Ranking", exact=True).click()
    expect(page.get_by_role("heading", name="Ranking: Written review")).to_be_visible()
    page.get_by_role("link", name="School", exact=True).click()
    expect(page.get_by_role("columnheader", name="School")).to_have_attribute("aria-sort", "ascending")
    page.get_by_role("link", name="Normalized score", exact=True).click()
    expect(page.get_by_role("columnheader", name=re.compile("^Normalized score"))) \
        .to_have_attribute("aria-sort", "descending")
    ranked = page.locator("table.ranking tbody").get_by_role("rowheader")
    expect(ranked).to_have_count(4)
    order = [name.strip() for name in ranked.all_inner_texts()]
    normalized = [float(text) for text in page.locator("table.ranking tbody td.num strong").all_inner_texts()]
    assert len(normalized) == 4 and normalized == sorted(normalized, reverse=True), (order, normalized)
    top_two, others = order[:2], order[2:]
    for school in top_two:
        page.get_by_role("checkbox", name=f"Select {school}").check()
    page.locator("#batch-decisions").get_by_label("Decision", exact=True).select_option(label="Select")
    page.locator("#batch-decisions").get_by_label("Rationale").fill("The strongest growth plans and a sustainable budget.")
    page.get_by_role("button", name="Review the decisions…").click()
    expect(page.get_by_role("heading", name="Confirm the decisions: Written review")).to_be_visible()
    expect(page.get_by_role("heading", name="Select: 2 applications")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Preview of the email"))).to_be_visible()
    preview = page.locator(".mail-preview")
    expect(preview).to_contain_text("Future of School")
    page.get_by_role("button", name="Decide 2 applications and email the teams").click()
    expect(page.get_by_text("Decided 2 applications: selected.")).to_be_visible()
    expect(page.get_by_role("heading", name="Decisions: Written review")).to_be_visible()
    for school in top_two:
        expect(page.get_by_role("row").filter(has_text=school).get_by_role("cell", name="Selected", exact=True))\
            .to_be_visible()
    page.goto(f"/reviews/rounds/{review_round.id}/ranking")
    for school in SCHOOLS:
        decision = "Selected" if school in top_two else "Not decided"
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=school, exact=True))
        expect(row.get_by_text(decision, exact=True)).to_be_visible()

    page.goto(f"/challenges/{challenge.id}/manage")
    page.get_by_role("link", name="Applications", exact=True).click()
    for school in SCHOOLS:
        row = page.get_by_role("row").filter(has_text=school)
        if school in top_two:
            expect(row.get_by_text("Selected", exact=True)).to_be_visible()
        else:
            expect(row.get_by_text("Selected", exact=True)).to_have_count(0)
    assert not office_errors, office_errors
    office.close()

    # 5. The selected teams' members get their decision email, naming their school; the others none.
    inbox.deliver()
    by_school = {a.school_name: a for a in applications}
    for school in top_two:
        for member in by_school[school].team.members:
            body = inbox.body(member.user.email)
            assert school in body or by_school[school].team.name in body, body
    for school in others:
        for member in by_school[school].team.members:
            assert mailbox.to(member.user.email) == [], f"{school} was not selected, yet {member.user.email} got mail"


def test_submitting_while_an_autosave_is_on_its_way_still_submits(app, monkeypatch, browser, live_server, sign_in,
                                                                   make_review_world, org, staff):  # noqa: F811
    """The autosave raises the review's version; a Submit pressed before its answer is back must wait
    for it (and send the new version), not be refused as "changed elsewhere"."""
    monkeypatch.setitem(app.config, "REVIEW_AUTOSAVE_SECONDS", 1)
    world = make_review_world(org, staff, applications=1, reviewers=1)
    assignment = world.assign(world.applications[0], world.reviewers[0], declared_at=utcnow())
    version = assignment.version
    context, page, errors = _context(browser, live_server, viewport=PHONE)
    held = []

    def hold_the_answer(route):
        held.append((route, route.fetch()))  # the server has saved the draft; the page does not know yet

    sign_in(page, world.reviewers[0])
    page.goto(f"/reviews/assignments/{assignment.id}")
    page.route("**/autosave", hold_the_answer)
    for criterion in world.round.criteria:
        page.get_by_role("group", name=re.compile("^" + re.escape(criterion.title))).get_by_role("radio").first.check()
    page.get_by_label("Yes", exact=True).check()
    deadline = utcnow() + timedelta(milliseconds=TIMEOUT_MS)
    while not held and utcnow() < deadline:  # the autosave interval: the one wait this test needs
        page.wait_for_timeout(100)
    assert held, "no autosave was sent"
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).version == version + 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("^Review: "))).to_be_visible()  # still here, waiting
    route, answer = held.pop(0)
    route.fulfill(response=answer)
    expect(page.get_by_text("Review submitted.")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).status == "submitted"
    assert not errors, errors
    context.close()
