"""Staff's round and rubric pages: creating a round from local times, hostile input refused with a
message and nothing saved, who may reach the pages, the rubric preview, copies, the pool, the demo
seeder and how the trail reads."""
from datetime import datetime, timedelta, timezone

import re

import pytest
import sqlalchemy as sa

from incubator.core import audit_words
from incubator.core.audit import AuditEvent
from incubator.core.timeutil import local
from incubator.extensions import db
from incubator.reviews.models import Assignment, Criterion, CriterionScore, ReviewRound, RoundReviewer
from incubator.reviews.states import ReviewStatus, RoundEntry

FORM = {"title": "Pitch night", "instructions": "Ten minutes each.", "opens_at": "2026-03-06T17:00",
        "closes_at": "2026-03-10T17:00", "reviewers_per_application": "3", "max_load": "", "entry": "advanced",
        "rubric": "default", "copy_from": ""}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def staff_client(make_client, staff):
    return make_client(staff)


def test_staff_create_a_round_from_times_in_the_organizations_zone(staff_client, review_world):
    challenge = review_world.challenge
    page = staff_client.get(f"/reviews/challenges/{challenge.id}/rounds/new")
    assert page.status_code == 200 and "Date and time in America/Chicago" in page.text
    suggested = local(max(challenge.closes_at, review_world.round.closes_at), "America/Chicago") + timedelta(days=1)
    assert f'value="{suggested:%Y-%m-%d}T09:00"' in page.text  # after the last round closes
    response = staff_client.post(f"/reviews/challenges/{challenge.id}/rounds/new", data={**FORM, "is_blind": "y"})
    assert response.status_code == 302
    made = db.session.scalar(sa.select(ReviewRound).where(ReviewRound.title == "Pitch night"))
    assert made.opens_at == datetime(2026, 3, 6, 23, 0, tzinfo=timezone.utc)  # 17:00 CST (UTC-6)
    assert made.closes_at == datetime(2026, 3, 10, 22, 0, tzinfo=timezone.utc)  # 17:00 CDT: summer time from 8 March
    assert made.is_blind and made.entry == RoundEntry.advanced and len(made.criteria) == 10
    edit = staff_client.get(f"/reviews/rounds/{made.id}/edit")
    assert 'value="2026-03-06T17:00"' in edit.text and 'value="2026-03-10T17:00"' in edit.text
    listing = staff_client.get(f"/reviews/challenges/{challenge.id}/rounds")
    assert "Written review" in listing.text and "Pitch night" in listing.text
    manage = staff_client.get(f"/challenges/{challenge.id}/manage")
    assert f'href="/reviews/challenges/{challenge.id}/rounds"' in manage.text


HOSTILE = [
    ({"closes_at": "2026-03-05T17:00"}, "closing time must be after"),
    ({"reviewers_per_application": "0"}, "Between 1 and 50"),
    ({"reviewers_per_application": "99999999999999999999"}, "Between 1 and 50"),
    ({"reviewers_per_application": "²"}, "Reviewers per application"),
    ({"max_load": "0"}, "Between 1 and 10,000"),
    ({"title": "x" * 201}, "at most 200"),
    ({"title": "Line\nbreak"}, "one line"),
    ({"title": "\x00"}, "not allowed"),
    ({"instructions": "x" * 20_001}, "20,000"),
    ({"opens_at": "tomorrow"}, "Opens at"),
    ({"entry": "everything"}, "Not a valid choice"),
    ({"rubric": "copy", "copy_from": "999999"}, "Choose the round"),
]


@pytest.mark.parametrize("values, message", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_round_settings_are_refused_with_a_message_and_nothing_saved(staff_client, review_world, values,
                                                                             message):
    before, events = _count(ReviewRound), _count(AuditEvent)
    response = staff_client.post(f"/reviews/challenges/{review_world.challenge.id}/rounds/new",
                                 data={**FORM, **values})
    assert response.status_code == 422
    assert message in response.text
    assert _count(ReviewRound) == before and _count(AuditEvent) == events


def test_the_first_round_cannot_take_advanced_applications(staff_client, make_review_world, org, staff):
    world = make_review_world(org, staff)
    response = staff_client.post(f"/reviews/rounds/{world.round.id}/edit", data=FORM)
    assert response.status_code == 422 and "first round" in response.text
    assert '<a href="#entry">Applications in this round</a>' in response.text  # the summary points at the setting
    assert db.session.get(ReviewRound, world.round.id).entry == RoundEntry.eligible


def test_a_round_of_another_organizations_challenge_cannot_be_made(staff_client, make_review_world, make_org):
    other = make_review_world(make_org("Elsewhere"))
    assert staff_client.get(f"/reviews/challenges/{other.challenge.id}/rounds").status_code == 404
    assert staff_client.post(f"/reviews/challenges/{other.challenge.id}/rounds/new", data=FORM).status_code == 404
    assert _count(ReviewRound) == 1


def test_reviewers_other_staff_and_visitors_cannot_reach_the_round_pages(make_client, review_world, make_user,
                                                                         grant_role, make_org, client):
    other_staff = grant_role(make_user("other-staff@example.org"), make_org("Elsewhere"), "program_staff")
    round_id, criterion_id = review_world.round.id, review_world.round.criteria[0].id
    urls = [f"/reviews/challenges/{review_world.challenge.id}/rounds", f"/reviews/rounds/{round_id}",
            f"/reviews/rounds/{round_id}/rubric", f"/reviews/rounds/{round_id}/edit",
            f"/reviews/rounds/{round_id}/criteria/{criterion_id}/edit"]
    for user in (review_world.reviewers[0], other_staff):
        browser = make_client(user)
        for url in urls:
            assert browser.get(url).status_code == 404, url
        assert browser.post(f"/reviews/rounds/{round_id}/delete").status_code == 404
        assert browser.post(f"/reviews/rounds/{round_id}/pool/{review_world.reviewers[1].id}/remove").status_code == 404
    for url in urls:
        response = client.get(url)
        assert response.status_code in (302, 404) and "Written review" not in response.text
    assert _count(ReviewRound) == 1 and _count(RoundReviewer) == 3


def test_the_rubric_page_previews_every_point_as_reviewers_see_it(staff_client, review_world):
    page = staff_client.get(f"/reviews/rounds/{review_world.round.id}/rubric")
    assert page.status_code == 200
    for c in review_world.round.criteria:
        for value, text in c.points:
            assert f"<strong>{value}</strong>: {text}" in page.text
    assert page.text.count(">n/a</strong>") == 1  # only financial sustainability allows it
    overview = staff_client.get(f"/reviews/rounds/{review_world.round.id}")
    assert overview.status_code == 200 and "Rae Reviewer" in overview.text
    assert "Open: reviewers can score" in overview.text
    buttons = re.search(r'<p class="actions">(.*?)</p>', overview.text, re.S).group(1)
    assert f'href="/reviews/rounds/{review_world.round.id}/rubric">Rubric</a>' in buttons
    hrefs = re.findall(r'href="([^"]+)"', buttons)
    assert hrefs and all(h.startswith(f"/reviews/rounds/{review_world.round.id}/") for h in hrefs
                         if "/mail-templates" not in h), hrefs
    assert f'href="/organisations/{review_world.challenge.organisation_id}/mail-templates"' in buttons


def test_a_criterion_is_added_edited_and_moved_over_http(staff_client, review_world):
    round_id = review_world.round.id
    data = {"title": "Equity", "guidance": "", "weight": "1.5", "scale_lo": "1", "scale_hi": "3",
            "descriptors": "Little\nSome\nStrong", "allows_na": "y"}
    assert staff_client.post(f"/reviews/rounds/{round_id}/criteria/new", data=data).status_code == 302
    made = db.session.scalar(sa.select(Criterion).where(Criterion.title == "Equity"))
    assert made.position == 4 and made.descriptors == ["Little", "Some", "Strong"] and made.allows_na
    edit = staff_client.get(f"/reviews/rounds/{round_id}/criteria/{made.id}/edit")
    assert "Little\nSome\nStrong" in edit.text
    staff_client.post(f"/reviews/rounds/{round_id}/criteria/{made.id}/move", data={"direction": "up"})
    db.session.expire_all()
    assert made.position == 3


@pytest.mark.parametrize("values, message", [
    ({"weight": "0"}, "positive"), ({"weight": "NaN"}, "Enter a number"), ({"weight": "-2"}, "positive"),
    ({"scale_hi": "1"}, "above the lowest"), ({"scale_lo": "0", "scale_hi": "20"}, "at most 11"),
    ({"descriptors": "One\nTwo"}, "Write 3 lines"), ({"title": ""}, "Give the criterion a title"),
    ({"descriptors": "a\x00\nb\nc"}, "not allowed"), ({"scale_lo": "1.5"}, "Lowest point")])
def test_a_hostile_criterion_is_refused(staff_client, review_world, values, message):
    data = {"title": "Equity", "weight": "1", "scale_lo": "1", "scale_hi": "3", "descriptors": "a\nb\nc", **values}
    response = staff_client.post(f"/reviews/rounds/{review_world.round.id}/criteria/new", data=data)
    assert response.status_code == 422 and message in response.text
    assert _count(Criterion) == 3


def test_a_locked_rubric_refuses_changes_with_its_reason(staff_client, review_world):
    assignment = review_world.assign(review_world.applications[0], review_world.reviewers[0], status=ReviewStatus.draft)
    db.session.add(CriterionScore(assignment=assignment, criterion=review_world.round.criteria[0], value=2))
    db.session.commit()
    criterion = review_world.round.criteria[0]
    response = staff_client.post(f"/reviews/rounds/{review_world.round.id}/criteria/{criterion.id}/remove",
                                 follow_redirects=True)
    assert "copy it into a new round instead" in response.text
    assert _count(Criterion) == 3


def test_copying_a_rubric_from_another_organization_answers_404(staff_client, make_review_world, org, staff,
                                                                make_org):
    other = make_review_world(make_org("Elsewhere")).round
    mine = make_review_world(org, staff, rubric=()).round
    response = staff_client.post(f"/reviews/rounds/{mine.id}/rubric/copy", data={"source_round": str(other.id)})
    assert response.status_code == 404
    assert db.session.scalars(sa.select(Criterion).where(Criterion.round_id == mine.id)).all() == []
    page = staff_client.get(f"/reviews/rounds/{mine.id}/rubric")
    assert "Use the default rubric" in page.text and "Elsewhere" not in page.text


def test_an_empty_rubric_takes_the_default_or_a_copy_over_http(staff_client, make_review_world, org, staff):
    source = make_review_world(org, staff).round
    mine = make_review_world(org, staff, rubric=()).round
    staff_client.post(f"/reviews/rounds/{mine.id}/rubric/copy", data={"source_round": str(source.id)})
    assert len(db.session.scalars(sa.select(Criterion).where(Criterion.round_id == mine.id)).all()) == 3
    other = make_review_world(org, staff, rubric=()).round
    staff_client.post(f"/reviews/rounds/{other.id}/rubric/default")
    assert len(db.session.scalars(sa.select(Criterion).where(Criterion.round_id == other.id)).all()) == 10


def test_removing_a_reviewer_says_how_many_assignments_went(staff_client, review_world, make_user, grant_role):
    reviewer = review_world.reviewers[0]
    review_world.assign(review_world.applications[0], reviewer)
    page = staff_client.get(f"/reviews/rounds/{review_world.round.id}")
    assert "Their 1 assignment(s) without a submitted review will be removed too." in page.text
    response = staff_client.post(f"/reviews/rounds/{review_world.round.id}/pool/{reviewer.id}/remove",
                                 follow_redirects=True)
    assert "with 1 assignment(s) that had no submitted review" in response.text
    assert _count(Assignment) == 0
    staff_client.post(f"/reviews/rounds/{review_world.round.id}/pool", data={"reviewer": str(reviewer.id)})
    assert _count(RoundReviewer) == 3
    staff_client.post(f"/reviews/rounds/{review_world.round.id}/pool/{reviewer.id}/max", data={"max_load": "4"})
    assert db.session.scalar(sa.select(RoundReviewer.max_load).where(RoundReviewer.user_id == reviewer.id)) == 4
    response = staff_client.post(f"/reviews/rounds/{review_world.round.id}/pool/{reviewer.id}/max",
                                 data={"max_load": "-3"}, follow_redirects=True)
    assert "Between 0 and 10,000" in response.text
    outsider = make_user("nobody@example.org")
    staff_client.post(f"/reviews/rounds/{review_world.round.id}/pool", data={"reviewer": str(outsider.id)})
    staff_client.post(f"/reviews/rounds/{review_world.round.id}/pool", data={"reviewer": "\x00"})
    assert _count(RoundReviewer) == 3


def test_deleting_a_round_asks_first(staff_client, review_world):
    round_id = review_world.round.id
    page = staff_client.get(f"/reviews/rounds/{round_id}/delete")
    assert page.status_code == 200 and "cannot be undone" in page.text
    assert _count(ReviewRound) == 1
    assert staff_client.post(f"/reviews/rounds/{round_id}/delete").status_code == 302
    assert _count(ReviewRound) == 0


def test_the_demo_seeder_makes_two_rounds_per_demo_challenge_once(app):
    from incubator.core.demo import seed

    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(seed)
        assert result.exit_code == 0, result.output
    made = db.session.scalars(sa.select(ReviewRound).order_by(ReviewRound.challenge_id, ReviewRound.position)).all()
    assert [r.title for r in made] == ["Written review", "Pitch night"] * 2
    written, pitch = made[0], made[1]
    assert sorted(r.user.email for r in written.reviewers) == [f"reviewer{n}@example.org" for n in (1, 2, 3)]
    assert len(written.criteria) == 10 and written.reviewers_per_application in (2, 3)
    assert pitch.is_blind and pitch.entry == RoundEntry.advanced and pitch.opens_at > written.closes_at
    from incubator.core.timeutil import utcnow
    assert written.is_open(utcnow())
    # Only the written round of the Future of School challenge is under way (tests/reviews/test_review_demo.py).
    assert {a.round_id for a in db.session.scalars(sa.select(Assignment))} <= {r.id for r in made
                                                                              if r.title == "Written review"}


def test_every_round_action_reads_as_a_sentence(app, staff_client, review_world, staff):
    round_id = review_world.round.id
    reviewer = review_world.reviewers[0]
    staff_client.post(f"/reviews/rounds/{round_id}/pool/{reviewer.id}/max", data={"max_load": "2"})
    staff_client.post(f"/reviews/rounds/{round_id}/pool/{reviewer.id}/remove")
    staff_client.post(f"/reviews/challenges/{review_world.challenge.id}/rounds/new", data={**FORM, "entry": "eligible"})
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    with app.test_request_context():
        sentences = [str(s) for s in audit_words.sentences(events)]
    assert any("set the own maximum of Rae Reviewer" in s and "to 2" in s for s in sentences), sentences
    assert any("removed Rae Reviewer" in s and "0 open assignment(s) removed" in s for s in sentences), sentences
    assert any("created the review round" in s and "Pitch night (Future of School" in s
               and "/reviews/rounds/" in s for s in sentences), sentences
    recorded = {e.action for e in events}
    assert recorded <= audit_words.known_actions()


def test_the_overview_links_to_every_staff_page_of_the_round(staff_client, review_world):
    page = staff_client.get(f"/reviews/rounds/{review_world.round.id}").text
    for tail in ("assignments", "conflicts", "dashboard", "ranking", "decisions", "rubric"):
        assert f'href="/reviews/rounds/{review_world.round.id}/{tail}"' in page, tail
        assert staff_client.get(f"/reviews/rounds/{review_world.round.id}/{tail}").status_code == 200, tail


def test_two_staff_adding_the_same_reviewer_at_once_get_a_message_not_an_error(staff_client, review_world,
                                                                               monkeypatch):
    from incubator.reviews import rounds

    reviewer = review_world.reviewers[0]
    monkeypatch.setattr(rounds, "member", lambda review_round, user_id: None)  # as if the other had not committed yet
    response = staff_client.post(f"/reviews/rounds/{review_world.round.id}/pool", data={"reviewer": str(reviewer.id)},
                                 follow_redirects=True)
    assert response.status_code == 200 and "Someone else changed this round a moment ago" in response.text
    assert _count(RoundReviewer) == 3


def test_a_long_pool_is_paginated(staff_client, make_review_world, org, staff):
    world = make_review_world(org, staff, reviewers=55)
    first = staff_client.get(f"/reviews/rounds/{world.round.id}")
    assert "Reviewers in the pool (55)" in first.text and "Page 1 of 2" in first.text
    assert first.text.count('/max" class="inline"') == 50
    second = staff_client.get(f"/reviews/rounds/{world.round.id}?page=2")
    assert second.text.count('/max" class="inline"') == 5
    assert staff_client.get(f"/reviews/rounds/{world.round.id}?page=999").text.count('/max" class="inline"') == 5
