"""Who sees what: members see composites and answers without names; staff see names; reviewers
the composite only; another team, another organization's staff and a visitor get 404."""
import re

import pytest

from incubator.accounts.models import Role
from incubator.extensions import db
from tests.readiness.conftest import open_assessment, rate
from tests.reviews.leak_kit import assign_in_round


@pytest.fixture
def closed(make_client, setup):
    lead = make_client(setup.lead)
    assessment = open_assessment(lead, setup.application)
    rate(make_client(setup.members[0]), assessment, lambda i, item: "1", notes={
        setup.instrument.domains[0].id: "Our budget is a guess"})
    rate(make_client(setup.members[1]), assessment, lambda i, item: "4")
    lead.post(f"/readiness/assessments/{assessment.id}/close")
    return assessment


def _urls(setup, assessment):
    a, app_id, c = assessment.id, setup.application.id, setup.challenge.id
    item, domain = setup.instrument.items[0].id, setup.instrument.domains[0].id
    i = setup.instrument.id
    gets = [f"/readiness/applications/{app_id}", f"/readiness/assessments/{a}", f"/readiness/assessments/{a}/rate",
            f"/readiness/assessments/{a}/staff-rating", f"/readiness/assessments/{a}/pdf",
            f"/readiness/challenges/{c}/settings", f"/readiness/challenges/{c}/compare",
            f"/readiness/challenges/{c}/compare.csv", f"/readiness/instruments/{i}",
            f"/readiness/instruments/{i}/items/{item}/edit", f"/readiness/instruments/{i}/domains/{domain}/items/new"]
    posts = [f"/readiness/applications/{app_id}/assessments", f"/readiness/assessments/{a}/rate",
             f"/readiness/assessments/{a}/staff-rating", f"/readiness/assessments/{a}/close",
             f"/readiness/challenges/{c}/settings", f"/readiness/instruments/{i}", f"/readiness/instruments/{i}/domains",
             f"/readiness/instruments/{i}/domains/{domain}", f"/readiness/instruments/{i}/domains/{domain}/move",
             f"/readiness/instruments/{i}/domains/{domain}/remove", f"/readiness/instruments/{i}/items/{item}/move",
             f"/readiness/instruments/{i}/items/{item}/remove", f"/readiness/instruments/{i}/items/{item}/edit",
             f"/readiness/organisations/{setup.challenge.organisation_id}/instruments"]
    return gets, posts


def test_a_member_never_reads_a_teammates_named_answers(make_client, setup, closed):
    page = make_client(setup.members[1]).get(f"/readiness/assessments/{closed.id}").text
    assert "Member A" in page and "Member B" in page
    for person in [setup.lead, setup.members[0]]:
        assert person.name not in page and person.email not in page
    assert "Our budget is a guess" not in page  # a teammate's note is theirs
    own = make_client(setup.members[0]).get(f"/readiness/assessments/{closed.id}").text
    assert "Our budget is a guess" in own  # but their own answers show in full
    assert make_client(setup.members[0]).get(f"/readiness/assessments/{closed.id}/staff-rating").status_code == 404


def test_staff_see_every_answer_set_with_names_and_notes(make_client, setup, closed, staff):
    page = make_client(staff).get(f"/readiness/assessments/{closed.id}").text
    assert setup.members[0].name in page and setup.members[1].name in page and "Our budget is a guess" in page


def test_a_reviewer_sees_the_team_composite_only(make_client, setup, closed, reviewer):
    assign_in_round(reviewer, setup.application)  # (only an assigned reviewer of an open round: reviews)
    client = make_client(reviewer)
    page = re.sub(r"\s+", " ", client.get(f"/readiness/assessments/{closed.id}").text)
    assert "Team composite" in page and "2.50" in page
    assert "Where we disagree" not in page and "Member A" not in page and setup.members[0].name not in page
    assert client.get(f"/readiness/assessments/{closed.id}/pdf").status_code == 404
    assert client.get(f"/readiness/assessments/{closed.id}/staff-rating").status_code == 404


def test_staff_do_not_see_a_draft_applications_assessment(make_client, make_setup, org, staff):
    draft = make_setup(org, submitted=False)
    assessment = open_assessment(make_client(draft.lead), draft.application)
    staff_client = make_client(staff)
    assert staff_client.get(f"/readiness/assessments/{assessment.id}").status_code == 404
    assert staff_client.get(f"/readiness/applications/{draft.application.id}").status_code == 404


def test_outsiders_get_404_on_every_readiness_url(make_client, make_setup, setup, closed, make_org, make_user,
                                                   grant_role):
    other_team = make_setup(setup.challenge.organisation)  # a team applying to the same organization
    other_staff = grant_role(make_user("elsewhere@example.org"), make_org("CityBridge"), Role.program_staff)
    gets, posts = _urls(setup, closed)
    for who in (make_client(other_team.lead), make_client(other_staff)):
        for url in gets:
            assert who.get(url).status_code == 404, url
        for url in posts:
            assert who.post(url, data={"label": "X", "title": "X", "direction": "up"}).status_code == 404, url
    visitor = make_client()
    for url in gets + posts:
        response = visitor.open(url, method="POST" if url in posts and url not in gets else "GET")
        assert response.status_code in (302, 404), url
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]
    db.session.expire_all()
    assert closed.status == "closed"
