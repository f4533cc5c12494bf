"""A pool reviewer rates the round's applications interested / willing / not interested; a
blind round's bid page names no team, member or school; the bids steer the assignment."""
import re

import pytest
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import assignment as services
from incubator.reviews.bids import positions as bid_numbers
from incubator.reviews.models import Conflict, ReviewBid
from incubator.reviews.states import Bid, ConflictSource


@pytest.fixture
def world(make_review_world, org, staff):
    world = make_review_world(org, staff, applications=3, reviewers=2, k=1, blind=True)
    world.round.has_bids = True
    for n, application in enumerate(world.applications):
        application.learner_profiles = f"Every learner keeps a profile {n} " + "with goals " * 60
        application.school_name_identifies_team = True
    db.session.commit()
    return world


def bids(world):
    db.session.expire_all()
    return {(b.application_id, b.reviewer_id): b.bid for b in db.session.scalars(sa.select(ReviewBid))}


def test_a_reviewer_sees_neutral_labels_and_nothing_that_identifies_a_team(make_client, world):
    reviewer = world.reviewers[0]
    page = make_client(reviewer).get(f"/reviews/rounds/{world.round.id}/bids")
    assert page.status_code == 200
    assert [f"Application {n}" for n in (1, 2, 3)] == re.findall(r"<h2>(Application \d+)</h2>", page.text)
    assert "New school" in page.text and "Treme" in page.text and "K-5" in page.text
    for application in world.applications:
        assert application.team.name not in page.text and application.school_name not in page.text
        for member in application.team.members:
            assert member.user.name not in page.text and member.user.email not in page.text
    assert "with goals with goals" in page.text and "with goals " * 60 not in page.text  # cut near 300 characters


def test_a_reviewer_saves_bids_and_changes_them(make_client, world):
    reviewer = world.reviewers[0]
    client = make_client(reviewer)
    url = f"/reviews/rounds/{world.round.id}/bids"
    first, second, third = world.applications
    number = bid_numbers(world.round)  # the neutral numbers the queue shows too
    assert client.post(url, data={f"bid-{number[first.id]}": "interested", f"bid-{number[second.id]}": "not_interested",
                                  f"bid-{number[third.id]}": ""}).status_code == 302
    assert bids(world) == {(first.id, reviewer.id): Bid.interested, (second.id, reviewer.id): Bid.not_interested}
    assert client.post(url, data={f"bid-{number[first.id]}": "", f"bid-{number[second.id]}": "willing"}).status_code == 302
    assert bids(world) == {(second.id, reviewer.id): Bid.willing}
    page = client.get(url)
    n = number[second.id]
    assert re.search(rf'name="bid-{n}" value="willing" id="bid-{n}-willing" checked', page.text)


def test_the_bid_page_numbers_applications_as_the_queue_does_not_in_the_order_they_applied(make_client, world):
    from incubator.reviews.blind import numbers

    page = make_client(world.reviewers[0]).get(f"/reviews/rounds/{world.round.id}/bids").text
    shown = re.findall(r"<h2>Application (\d+)</h2>", page)
    assert sorted(int(n) for n in shown) == sorted(numbers(world.round)[a.id] for a in world.applications)
    assert [int(n) for n in shown] == sorted(int(n) for n in shown)


def test_bids_steer_the_automatic_assignment(world, staff):
    first, second, third = world.applications
    a, b = world.reviewers
    db.session.add_all([ReviewBid(round_id=world.round.id, application_id=first.id, reviewer_id=b.id, bid=Bid.interested),
                        ReviewBid(round_id=world.round.id, application_id=first.id, reviewer_id=a.id,
                                  bid=Bid.not_interested)])
    db.session.commit()
    plan = services.preview(world.round, now=utcnow()).plan
    assert (first.id, b.id) in plan.pairs


def test_a_conflicted_application_is_left_off_the_bid_page(make_client, world):
    reviewer = world.reviewers[0]
    db.session.add(Conflict(application=world.applications[0], reviewer=reviewer, source=ConflictSource.staff))
    db.session.commit()
    client = make_client(reviewer)
    page = client.get(f"/reviews/rounds/{world.round.id}/bids")
    number = bid_numbers(world.round)
    assert sorted(re.findall(r"<h2>(Application \d+)</h2>", page.text)) == sorted(
        f"Application {number[a.id]}" for a in world.applications[1:])
    refused = client.post(f"/reviews/rounds/{world.round.id}/bids",
                          data={f"bid-{number[world.applications[0].id]}": "interested"})
    assert refused.status_code == 422 and bids(world) == {}


@pytest.mark.parametrize("form", [
    {"bid-1": "very_interested"}, {"bid-1": "<script>alert(1)</script>"}, {"bid-x": "willing"},
    {"bid-99": "willing"}, {"bid-0": "willing"}, {"bid-1": ["interested", "willing"]}, {},
    {f"bid-{n}": "willing" for n in range(1, 300)}, {"bid-1": "willing", "bid-2": "x" * 10_000},
])
def test_hostile_bids_save_nothing(make_client, world, form):
    response = make_client(world.reviewers[0]).post(f"/reviews/rounds/{world.round.id}/bids", data=form)
    assert response.status_code == 422
    assert "Nothing was saved" in response.text
    assert bids(world) == {}


def test_who_may_not_bid_gets_404(make_client, world, make_user, grant_role, org, staff, make_review_world):
    url = f"/reviews/rounds/{world.round.id}/bids"
    not_in_pool = grant_role(make_user("np@reviewers7.org"), org, Role.reviewer)
    for person in (not_in_pool, make_user("nobody@example.org")):
        client = make_client(person)
        assert client.get(url).status_code == 404
        assert client.post(url, data={"bid-1": "interested"}).status_code == 404
    assert make_client().get(url).status_code == 404
    no_bids = make_review_world(org, staff, applications=1, reviewers=1)
    assert make_client(no_bids.reviewers[0]).get(f"/reviews/rounds/{no_bids.round.id}/bids").status_code == 404
    assert bids(world) == {}


def test_bids_are_refused_once_the_round_has_closed(make_client, world):
    from datetime import timedelta

    world.round.opens_at = utcnow() - timedelta(days=9)
    world.round.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client = make_client(world.reviewers[0])
    assert "This round has closed" in client.get(f"/reviews/rounds/{world.round.id}/bids").text
    refused = client.post(f"/reviews/rounds/{world.round.id}/bids", data={"bid-1": "interested"})
    assert refused.status_code == 422 and bids(world) == {}


def test_the_queue_offers_the_bid_page_of_a_round_before_anything_is_assigned(make_client, world, make_review_world,
                                                                               org, staff):
    page = make_client(world.reviewers[0]).get("/reviews/queue").text
    assert f'href="/reviews/rounds/{world.round.id}/bids"' in page
    other = make_review_world(org, staff, applications=1, reviewers=1)  # no bids in that round
    assert f"/reviews/rounds/{other.round.id}/bids" not in make_client(other.reviewers[0]).get("/reviews/queue").text
