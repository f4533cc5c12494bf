"""The staff dashboard panel and the demo challenge."""
from datetime import timedelta

import sqlalchemy as sa

from incubator.applications.states import Status
from incubator.challenges.demo import DEMO_SLUG, seed_challenges
from incubator.challenges.models import Challenge, QuestionKind, Track
from incubator.core.demo import seed_accounts
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db


def test_staff_see_their_challenges_with_counts_by_status(staff_client, open_challenge, make_application, make_org,
                                                          make_challenge):
    make_application(open_challenge)
    make_application(open_challenge)
    make_application(open_challenge, status=Status.ineligible, screening_reason="Out of area")
    make_application(open_challenge, status=Status.draft)
    make_challenge(make_org("Elsewhere"), title="Someone else's challenge", slug="elsewhere")

    page = staff_client.get("/dashboard").text

    assert "Your challenges" in page and "New challenge" in page
    assert "Future of School" in page and "Someone else&#39;s challenge" not in page
    row = page[page.index("Future of School"):page.index("</tr>", page.index("Future of School"))]
    counts = [cell.split(">")[-1] for cell in row.split("</a></td>")[:-1]][-3:]
    assert counts == ["2", "0", "1"]  # submitted, eligible, ineligible


def test_staff_without_challenges_see_an_empty_state_and_the_way_to_start(staff_client):
    page = staff_client.get("/dashboard").text
    assert "No challenges yet" in page and "/challenges/new" in page


def test_people_without_the_staff_role_have_no_challenges_panel(make_client, reviewer, applicant):
    for user in (reviewer, applicant):
        assert "Your challenges" not in make_client(user).get("/dashboard").text


def test_the_demo_challenge_is_open_and_seeding_twice_changes_nothing(app):
    org = seed_accounts()
    seed_challenges(org)
    seed_challenges(org)
    db.session.commit()

    challenge = db.session.scalar(sa.select(Challenge).where(Challenge.slug == DEMO_SLUG))
    # The new-school challenge and a school-transition one, once each.
    assert db.session.scalar(sa.select(sa.func.count(Challenge.id))) == 2
    transition = db.session.scalar(sa.select(Challenge).where(Challenge.slug != DEMO_SLUG))
    assert transition.track == Track.school_transition and transition.is_open(utcnow())
    assert challenge.title == "New Orleans Future of School Challenge" and challenge.track == Track.new_school
    assert challenge.slots == 3 and challenge.planning_grant_cents == 10_000_000
    closes = local(challenge.closes_at, "America/Chicago")
    assert (closes.hour, closes.minute) == (17, 0)
    assert challenge.is_open(utcnow())
    assert timedelta(days=29) < challenge.closes_at - utcnow() <= timedelta(days=31)
    kinds = {q.kind for q in challenge.questions}
    assert len(challenge.questions) >= 5 and len(kinds) >= 5
    assert QuestionKind.long_text in kinds and QuestionKind.multiple_choice in kinds


def test_demo_staff_can_manage_the_demo_challenge(make_client):
    from incubator.core.demo import DEMO_PASSWORD

    org = seed_accounts()
    seed_challenges(org)
    db.session.commit()
    challenge = db.session.scalar(sa.select(Challenge).where(Challenge.slug == DEMO_SLUG))
    client = make_client()
    assert client.post("/login", data={"email": "staff@example.org", "password": DEMO_PASSWORD}).status_code == 302
    assert client.get(f"/challenges/{challenge.id}/manage").status_code == 200
    assert "questions are locked" in client.get(f"/challenges/{challenge.id}/manage").text


def test_staff_list_every_challenge_of_their_organisations_page_by_page(app, staff_client, make_challenge, make_org,
                                                                        monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for n in range(3):
        make_challenge(title=f"Ours {n}", slug=f"ours-{n}")
    make_challenge(make_org("Elsewhere"), title="Theirs", slug="theirs")
    first = staff_client.get("/challenges/manage").text
    second = staff_client.get("/challenges/manage?page=2").text
    assert "Page 1 of 2 (3 in all)" in first
    assert sum(f"Ours {n}" in first + second for n in range(3)) == 3 and "Theirs" not in first + second
    assert 'href="/challenges/manage"' in first  # the nav link


def test_the_staff_list_is_hidden_from_others(make_client, reviewer, applicant):
    for client in (make_client(), make_client(reviewer), make_client(applicant)):
        assert client.get("/challenges/manage").status_code == 404
    assert 'href="/challenges/manage"' not in make_client(applicant).get("/dashboard").text
