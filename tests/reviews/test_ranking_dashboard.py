"""The round dashboard (progress, reminders), one application's reviews, and who may see them."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.core.audit import AuditEvent
from incubator.core.notices import SentNotice
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews.states import Recommendation, ReviewStatus
from tests.reviews.test_ranking_pages import submit


@pytest.fixture
def progress_world(make_review_world, org, staff):
    """Reviewer 0: two assigned, one submitted. Reviewer 1: one draft. Reviewer 2: nothing assigned."""
    world = make_review_world(org, staff, applications=2, reviewers=3)
    a0, a1 = world.applications
    r0, r1, _ = world.reviewers
    submit(world, a0, r0, (4, 4, 2), Recommendation.yes, comment="Clear plan for growth")
    world.assign(a1, r0)
    world.assign(a0, r1, status=ReviewStatus.draft)
    return world


def reviewer_row(page, name):
    start = page.text.index(name)
    return page.text[start:page.text.index("</tr>", start)]


def test_the_dashboard_shows_progress_per_reviewer_and_application(make_client, progress_world):
    page = make_client(progress_world.staff).get(f"/reviews/rounds/{progress_world.round.id}/dashboard")
    assert page.status_code == 200
    r0, r1, r2 = progress_world.reviewers
    # assigned, submitted, drafts
    assert re.findall(r'<td class="num">(\d+)</td>', reviewer_row(page, r0.name))[:3] == ["2", "1", "0"]
    assert re.findall(r'<td class="num">(\d+)</td>', reviewer_row(page, r1.name))[:3] == ["1", "0", "1"]
    assert "Remind" in reviewer_row(page, r0.name) and "All done" in reviewer_row(page, r2.name)
    assert "Remind everyone with unfinished reviews" in page.text
    assert "badge-failed" not in page.text and "overdue</span>" not in page.text  # the round is still open


def test_overdue_once_the_round_has_closed(make_client, progress_world):
    progress_world.round.opens_at = utcnow() - timedelta(days=10)
    progress_world.round.closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = make_client(progress_world.staff).get(f"/reviews/rounds/{progress_world.round.id}/dashboard")
    assert 'badge-failed">1</span>' in reviewer_row(page, progress_world.reviewers[0].name)
    assert "overdue</span>" in page.text


def test_remind_one_reviewer_sends_one_mail_once_a_day(make_client, progress_world, mailbox, run_jobs):
    client = make_client(progress_world.staff)
    r0 = progress_world.reviewers[0]
    url = f"/reviews/rounds/{progress_world.round.id}/remind"
    response = client.post(url, data={"reviewer_ids": str(r0.id)})
    assert response.status_code == 302
    assert "Reminder sent to 1 reviewer" in client.get(response.location).text
    again = client.post(url, data={"reviewer_ids": str(r0.id)}, follow_redirects=True)
    assert "already reminded today" in again.text
    run_jobs(["mail"])
    mails = mailbox.to(r0.email)
    assert len(mails) == 1 and "1 review" in mails[0]["Subject"]
    assert progress_world.round.title in mailbox.body(mails[0])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SentNotice)) == 1
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "review.reminded"))
    assert event is not None and event.details["reminded"] == 1


def test_remind_everyone_skips_those_who_are_done(make_client, progress_world, mailbox, run_jobs):
    client = make_client(progress_world.staff)
    client.post(f"/reviews/rounds/{progress_world.round.id}/remind", data={"everyone": "1"})
    run_jobs(["mail"])
    r0, r1, r2 = progress_world.reviewers
    assert sorted(m["To"] for m in mailbox.messages) == sorted([r0.email, r1.email])


@pytest.mark.parametrize("data", [{}, {"reviewer_ids": "abc"}, {"reviewer_ids": "-4"}, {"reviewer_ids": "9" * 40},
                                  {"reviewer_ids": ["1"] * 5000}])
def test_remind_with_hostile_input_sends_nothing(make_client, progress_world, data):
    client = make_client(progress_world.staff)
    response = client.post(f"/reviews/rounds/{progress_world.round.id}/remind", data=data, follow_redirects=True)
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SentNotice)) == 0


def test_remind_needs_a_csrf_token(make_client, progress_world):
    response = make_client(progress_world.staff).post(f"/reviews/rounds/{progress_world.round.id}/remind",
                                                      data={"everyone": "1"}, csrf=False)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SentNotice)) == 0


def test_the_application_page_shows_every_review_with_names(make_client, progress_world):
    a0 = progress_world.applications[0]
    page = make_client(progress_world.staff).get(f"/reviews/rounds/{progress_world.round.id}/applications/{a0.id}")
    assert page.status_code == 200
    r0, r1, _ = progress_world.reviewers
    assert r0.name in page.text and r1.name in page.text
    assert "Clear plan for growth" in page.text and "On learning growth" in page.text
    # Criterion means over the one submitted review: 4.00, 4.00, 2.00
    assert page.text.count(">4.00<") == 2 and ">2.00<" in page.text


def test_an_application_of_another_challenge_is_404(make_client, progress_world, make_review_world, org, staff):
    other = make_review_world(org, staff, applications=1, reviewers=1)
    response = make_client(staff).get(
        f"/reviews/rounds/{progress_world.round.id}/applications/{other.applications[0].id}")
    assert response.status_code == 404


def _urls(world):
    rid, aid = world.round.id, world.applications[0].id
    return [f"/reviews/rounds/{rid}/ranking", f"/reviews/rounds/{rid}/ranking?all=1", f"/reviews/rounds/{rid}/ranking.csv",
            f"/reviews/rounds/{rid}/dashboard", f"/reviews/rounds/{rid}/applications/{aid}",
            f"/reviews/rounds/{rid}/summary.pdf", f"/reviews/rounds/{rid}/agreement"]


def test_reviewers_other_organisations_and_signed_out_visitors_get_404(
        make_client, progress_world, make_org, make_user, grant_role):
    other_org = make_org("Elsewhere Schools")
    outsiders = [progress_world.reviewers[0],  # a reviewer of this very round
                 grant_role(make_user("other-staff@example.org", name="Otto Other"), other_org, Role.program_staff),
                 None]
    for person in outsiders:
        client = make_client(person)
        for url in _urls(progress_world):
            assert client.get(url).status_code == 404, (person, url)
        for url in (f"/reviews/rounds/{progress_world.round.id}/remind",
                    f"/reviews/rounds/{progress_world.round.id}/summary.pdf"):
            assert client.post(url, data={"everyone": "1"}).status_code == 404, (person, url)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SentNotice)) == 0


def test_a_missing_round_is_404(make_client, staff):
    client = make_client(staff)
    for url in ("/reviews/rounds/999999/ranking", f"/reviews/rounds/{2**40}/dashboard",
                "/reviews/rounds/1/applications/99999999999"):
        assert client.get(url).status_code == 404


def test_the_agreement_page_shows_alpha_per_criterion(make_client, make_review_world, org, staff):
    from tests.reviews.test_ranking_pages import submit
    world = make_review_world(org, staff, applications=3, reviewers=2)
    # Two reviewers agree exactly on every criterion of three different applications: alpha 1.
    for application, values in zip(world.applications, [(5, 4, 3), (3, 2, 1), (1, 1, 0)]):
        for reviewer in world.reviewers:
            submit(world, application, reviewer, values)
    page = make_client(staff).get(f"/reviews/rounds/{world.round.id}/agreement")
    assert page.status_code == 200
    for criterion in world.round.criteria:
        assert criterion.title in page.text
    assert page.text.count(">1.00<") == 4  # the review score and the three criteria
    assert "Reviewers agree strongly" in page.text and "Krippendorff" in page.text


def test_agreement_is_not_defined_with_one_review_per_application(make_client, make_review_world, org, staff):
    from tests.reviews.test_ranking_pages import submit
    world = make_review_world(org, staff, applications=2, reviewers=2)
    submit(world, world.applications[0], world.reviewers[0], (5, 4, 3))
    submit(world, world.applications[1], world.reviewers[1], (1, 1, 0))
    page = make_client(staff).get(f"/reviews/rounds/{world.round.id}/agreement")
    assert "Not enough overlapping reviews to tell" in page.text and ">1.00<" not in page.text
