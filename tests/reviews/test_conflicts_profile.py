"""The reviewer profile: expertise tags and ties; a new tie conflicts at once in the reviewer's
open rounds (and their unsubmitted assignment goes); limits on every field; reviewers only."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.core.audit import AuditEvent
from incubator.extensions import db
from incubator.reviews.models import Assignment, Conflict, ReviewerProfile
from incubator.reviews.states import ConflictSource

URL = "/reviews/profile"


def profile(user) -> ReviewerProfile | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(ReviewerProfile).where(ReviewerProfile.user_id == user.id))


def test_a_reviewer_saves_expertise_neighbourhoods_and_ties(make_client, reviewer):
    client = make_client(reviewer)
    page = client.get(URL)
    assert page.status_code == 200 and "Your reviewer profile" in page.text and "Middle grades" in page.text
    response = client.post(URL, data={"expertise": ["grades:middle", "track:new_school"],
                                      "neighbourhoods": "Treme / Lafitte, Gentilly",
                                      "ties": "Ann Lee\n\n  bayou.org \nann lee\nann@bayou.org"})
    assert response.status_code == 302
    saved = profile(reviewer)
    assert saved.expertise == ["track:new_school", "grades:middle", "neighbourhood:treme-lafitte",
                               "neighbourhood:gentilly"]
    assert saved.ties.splitlines() == ["Ann Lee", "bayou.org", "ann@bayou.org"]
    again = client.get(URL).text
    assert "Ann Lee" in again and "treme lafitte" in again and re.search(r'<input checked[^>]*value="grades:middle"', again)
    assert "review.profile_saved" in db.session.scalars(sa.select(AuditEvent.action)).all()


def test_a_new_tie_removes_access_at_once_in_open_rounds_only(make_client, make_review_world, org, staff):
    world = make_review_world(org, staff)
    closed = make_review_world(org, staff, opens_in=timedelta(days=-9), closes_in=timedelta(days=-1))
    reviewer = world.reviewers[0]
    closed.round.reviewers[0].user_id = reviewer.id
    db.session.commit()
    target = world.applications[2]
    assignment = world.assign(target, reviewer)
    client = make_client(reviewer)
    assert client.get(f"/reviews/assignments/{assignment.id}/declare").status_code == 200
    response = client.post(URL, data={"ties": f"{target.team.members[0].user.email}\n"
                                              f"{closed.applications[0].team.name}"}, follow_redirects=True)
    assert "matches 1 application" in response.text
    conflicts = db.session.scalars(sa.select(Conflict)).all()
    assert [(c.application_id, c.reviewer_id, c.source) for c in conflicts] == [
        (target.id, reviewer.id, ConflictSource.profile)]  # the closed round is left alone
    assert db.session.get(Assignment, assignment.id) is None
    assert client.get(f"/reviews/assignments/{assignment.id}/declare").status_code == 404


LONG = "x" * 201


@pytest.mark.parametrize("data, message", [
    ({"ties": "\n".join(f"person {i}" for i in range(101))}, "at most 100 ties"),
    ({"ties": "\n".join(f"person {i}" for i in range(10_000))}, "far too long"),
    ({"ties": LONG}, "at most 200 characters"),
    ({"ties": "gmail.com"}, "public mail provider"),
    ({"ties": "@Outlook.com"}, "public mail provider"),
    ({"ties": "ann\x00lee"}, "not allowed"),
    ({"ties": "\u202eeel nna"}, "direction overrides"),
    ({"expertise": ["grades:college"]}, "Not a valid choice"),
    ({"expertise": ["x" * 10_000]}, "Not a valid choice"),
    ({"neighbourhoods": ",".join(f"n{i}" for i in range(21))}, "at most 20 neighborhoods"),
    ({"neighbourhoods": "y" * 81}, "at most 80 characters"),
    ({"neighbourhoods": "z" * 5000}, "At most 2,000 characters"),
], ids=range(12))
def test_hostile_profiles_are_refused_and_nothing_is_saved(make_client, reviewer, data, message):
    response = make_client(reviewer).post(URL, data=data)
    assert response.status_code == 422
    assert message.lower() in response.text.lower()
    assert profile(reviewer) is None


def test_only_reviewers_have_a_profile(make_client, staff, applicant):
    for person in (staff, applicant):
        client = make_client(person)
        assert client.get(URL).status_code == 404
        assert client.post(URL, data={"ties": "Ann Lee"}).status_code == 404
        assert profile(person) is None
    visitor = make_client().get(URL)
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]


def test_a_profile_without_csrf_is_refused(make_client, reviewer):
    response = make_client(reviewer).post(URL, data={"ties": "Ann Lee"}, csrf=False)
    assert response.status_code == 400 and profile(reviewer) is None
