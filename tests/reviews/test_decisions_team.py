"""What the team sees of a decision: the reviewers' comments (without names) on its
application page when staff share them, and only then; a selected team cannot withdraw and
is told why. Staff's applications list knows the decision statuses; the trail reads them."""
import re

import pytest
import sqlalchemy as sa

from incubator.applications.models import Application
from incubator.applications.states import Status
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import decisions
from incubator.reviews.models import CriterionScore
from incubator.reviews.states import Outcome, ReviewStatus


@pytest.fixture
def reviewed(review_world):
    """The first application with two submitted reviews carrying comments, and one draft."""
    world = review_world
    application = world.applications[0]
    criteria = world.round.criteria
    for reviewer, overall, note, score in ((world.reviewers[0], "Zesty vision, thin budget.", "Growth targets are bold.", 80.0),
                                           (world.reviewers[1], "A calm, credible team.", "", 70.0)):
        assignment = world.assign(application, reviewer, status=ReviewStatus.submitted, score=score,
                                  submitted_at=utcnow(), recommendation="yes", overall_comment=overall)
        assignment.scores.append(CriterionScore(criterion=criteria[0], value=4, comment=note))
        assignment.scores.append(CriterionScore(criterion=criteria[2], value=2, comment=f"Capacity note from {overall[:5]}"))
    world.assign(application, world.reviewers[2], status=ReviewStatus.draft, overall_comment="Unfinished draft thought.")
    db.session.commit()
    return world


def _decide(world, application, outcome, shares_comments):
    decisions.decide(world.round, application, outcome, "Reasons.", actor=world.staff, now=utcnow(),
                     shares_comments=shares_comments)
    db.session.commit()


def test_shared_comments_show_on_the_teams_page_without_reviewers_names(reviewed, make_client):
    application = reviewed.applications[0]
    _decide(reviewed, application, Outcome.waitlist, shares_comments=True)
    page = make_client(application.team.members[1].user).get(f"/applications/{application.id}")
    assert page.status_code == 200 and "Reviewers' comments" in page.text
    for comment in ("Zesty vision, thin budget.", "A calm, credible team.", "Growth targets are bold.",
                    "Capacity note from Zesty", "Capacity note from A cal"):
        assert comment in page.text
    assert "Unfinished draft thought." not in page.text  # only submitted reviews
    for reviewer in reviewed.reviewers:
        assert reviewer.name not in page.text and reviewer.email not in page.text
    # a neutral order: by the text, not by who wrote it or when
    panel = page.text[page.text.index("Reviewers' comments"):]
    assert panel.index("A calm, credible team.") < panel.index("Zesty vision, thin budget.")


def test_comments_stay_hidden_when_not_shared(reviewed, make_client):
    application = reviewed.applications[0]
    _decide(reviewed, application, Outcome.waitlist, shares_comments=False)
    page = make_client(application.team.members[0].user).get(f"/applications/{application.id}")
    assert page.status_code == 200
    assert "Reviewers' comments" not in page.text and "Zesty vision" not in page.text


def test_another_team_never_sees_them(reviewed, make_client):
    application, other = reviewed.applications[0], reviewed.applications[1]
    _decide(reviewed, application, Outcome.waitlist, shares_comments=True)
    outsider = make_client(other.team.members[0].user)
    assert outsider.get(f"/applications/{application.id}").status_code == 404
    own = outsider.get(f"/applications/{other.id}")
    assert own.status_code == 200 and "Zesty vision" not in own.text
    from incubator.reviews.feedback import shared_feedback
    assert shared_feedback(application, other.team.members[0].user) == []
    assert shared_feedback(application, reviewed.staff) == []  # staff read the full reviews elsewhere


def test_a_selected_team_cannot_withdraw_and_is_told_why(review_world, make_client, org):
    org.contact_email = "apply@nsno.org"
    application = review_world.applications[0]
    _decide(review_world, application, Outcome.select, shares_comments=False)
    lead = make_client(application.team.members[0].user)
    detail = lead.get(f"/applications/{application.id}")
    assert "Withdraw the application</a>" not in detail.text
    assert "A selected application cannot be withdrawn" in detail.text
    page = lead.get(f"/applications/{application.id}/withdraw")
    assert page.status_code == 200
    assert "selected this application, and a selected application cannot be withdrawn" in page.text
    assert "apply@nsno.org" in page.text
    assert 'name="confirm"' not in page.text
    refused = lead.post(f"/applications/{application.id}/withdraw", data={"confirm": "y"})
    assert refused.status_code == 409
    assert "a selected application cannot be withdrawn: the selection is final" in refused.text
    assert db.session.scalar(sa.select(Application.status).where(Application.id == application.id)) == Status.selected


def test_a_waitlisted_team_can_still_withdraw(review_world, make_client):
    application = review_world.applications[0]
    _decide(review_world, application, Outcome.waitlist, shares_comments=False)
    lead = make_client(application.team.members[0].user)
    page = lead.get(f"/applications/{application.id}/withdraw")
    assert 'name="confirm"' in page.text
    assert lead.post(f"/applications/{application.id}/withdraw", data={"confirm": "y"}).status_code == 302
    assert db.session.scalar(sa.select(Application.status).where(Application.id == application.id)) == Status.withdrawn


def test_staff_list_filters_by_the_decision_statuses(review_world, make_client, staff):
    first, second, third = review_world.applications
    _decide(review_world, first, Outcome.select, False)
    _decide(review_world, second, Outcome.waitlist, False)
    client = make_client(staff)
    page = client.get(f"/challenges/{review_world.challenge.id}/applications", query_string={"status": "selected"})
    assert page.status_code == 200
    assert first.school_name in page.text and second.school_name not in page.text and third.school_name not in page.text
    for label in ("Advanced: 0", "Selected: 1", "Waitlisted: 1", "Declined: 0"):
        assert label in page.text
    waitlisted = client.get(f"/challenges/{review_world.challenge.id}/applications",
                            query_string={"status": "waitlisted"})
    assert second.school_name in waitlisted.text and first.school_name not in waitlisted.text


def test_the_trail_reads_a_decision(review_world, make_client, admin):
    application = review_world.applications[0]
    _decide(review_world, application, Outcome.select, False)
    decisions.decide(review_world.round, application, Outcome.select, "Even better reasons.",
                     actor=review_world.staff, now=utcnow())
    db.session.commit()
    page = make_client(admin).get("/admin/audit", query_string={"action": "review."})
    sentences = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", s)).strip()
                 for s in re.findall(r'<p class="sentence">(.*?)</p>', page.text, re.S)]
    assert sentences == [
        f"Sam Staff changed the rationale of the decision on {application.school_name} ({application.team.name}) "
        "in Written review",
        f"Sam Staff decided {application.school_name} in Written review: eligible to selected"]
