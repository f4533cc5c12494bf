"""A challenge starts as a draft: staff prepare and preview it, publish it when it is complete,
and nobody outside the organization sees it before then."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.applications.models import Application, Team, TeamMember
from incubator.challenges import lifecycle, services
from incubator.challenges.models import Challenge, QuestionKind
from incubator.challenges.states import ChallengeStatus
from incubator.core.audit import AuditEvent
from incubator.core.errors import InvalidTransition
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db


def local_form_time(moment, org):
    return local(moment, org.timezone).strftime("%Y-%m-%dT%H:%M")


def form(org, **overrides):
    now = utcnow()
    data = {"organisation_id": org.id, "title": "Spring Design Challenge", "slug": "spring-design",
            "track": "new_school", "summary_md": "Design a **new** school.", "slots": "3", "grant_pool": "0",
            "planning_grant": "100000",
            # Opens at once: the case that could never get questions before drafts.
            "opens_at": local_form_time(now - timedelta(hours=1), org),
            "closes_at": local_form_time(now + timedelta(days=30), org)}
    data.update(overrides)
    return data


@pytest.fixture
def draft(staff_client, org):
    response = staff_client.post("/challenges/new", data=form(org))
    assert response.status_code == 302
    return db.session.scalar(sa.select(Challenge).filter_by(slug="spring-design"))


@pytest.fixture
def team_client(make_client, applicant):
    team = Team(name="Bayou Lab")
    team.members.append(TeamMember(user=applicant, is_lead=True))
    db.session.add(team)
    db.session.commit()
    client = make_client(applicant)
    client.team = team
    return client


def test_a_new_challenge_is_a_draft_that_staff_are_told_about(staff_client, org):
    response = staff_client.post("/challenges/new", data=form(org), follow_redirects=True)
    assert "as a draft" in response.text and "Publish the challenge" in response.text
    assert db.session.scalar(sa.select(Challenge)).status == ChallengeStatus.draft


def test_nobody_outside_the_organization_sees_a_draft(draft, client, team_client, make_client, make_user, make_org,
                                                      grant_role):
    other_staff = make_client(grant_role(make_user("elsewhere@example.org"), make_org("Elsewhere"), Role.program_staff))
    for visitor in (client, team_client, other_staff):
        assert visitor.get("/challenges/spring-design").status_code == 404
        assert "Spring Design Challenge" not in visitor.get("/challenges/").text
        assert visitor.get(f"/challenges/{draft.id}/preview").status_code == 404
        assert visitor.post(f"/challenges/{draft.id}/publish").status_code == 404
    # Not offered on the team's page, and starting an application for it is the 404 of an unknown id.
    assert "Spring Design Challenge" not in team_client.get(f"/applications/teams/{team_client.team.id}").text
    response = team_client.post(f"/applications/teams/{team_client.team.id}/applications", data={"challenge_id": draft.id})
    assert response.status_code == 404 and "Spring Design Challenge" not in response.text
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0
    db.session.refresh(draft)
    assert draft.status == ChallengeStatus.draft


def test_a_draft_that_opened_already_still_takes_questions_and_new_dates(staff_client, draft, org):
    response = staff_client.post(f"/challenges/{draft.id}/questions/new",
                                 data={"kind": "long_text", "label": "Why this neighborhood?", "word_limit": "300"})
    assert response.status_code == 302
    question = draft.questions[0]
    response = staff_client.post(f"/challenges/{draft.id}/questions/{question.id}/edit",
                                 data={"kind": "long_text", "label": "Why this neighborhood, now?", "word_limit": "250"})
    assert response.status_code == 302
    db.session.refresh(question)
    assert question.label == "Why this neighborhood, now?"

    later = utcnow() + timedelta(days=2)
    response = staff_client.post(f"/challenges/{draft.id}/edit", data=form(org, opens_at=local_form_time(later, org)))
    assert response.status_code == 302
    db.session.refresh(draft)
    assert local_form_time(draft.opens_at, org) == local_form_time(later, org)
    page = staff_client.get(f"/challenges/{draft.id}/manage").text
    assert "Add a question" in page and "questions are locked" not in page


def test_staff_preview_a_draft_as_a_team_would_see_it(staff_client, draft):
    services.add_question(draft, services.QuestionData(kind=QuestionKind.yes_no, label="Do you have a facility?"),
                          actor=draft.organisation.memberships[0].user, now=utcnow())
    db.session.commit()
    page = staff_client.get(f"/challenges/{draft.id}/preview")
    assert page.status_code == 200
    assert "Preview" in page.text and "it is a draft" in page.text
    assert "Spring Design Challenge" in page.text and "<strong>new</strong>" in page.text
    assert "Do you have a facility?" in page.text


def test_publishing_an_incomplete_draft_says_what_is_missing(staff_client, org):
    staff_client.post("/challenges/new", data=form(org, summary_md=""))
    challenge = db.session.scalar(sa.select(Challenge))
    page = staff_client.get(f"/challenges/{challenge.id}/manage").text
    assert "Write the summary" in page and "Add at least one question" in page

    response = staff_client.post(f"/challenges/{challenge.id}/publish", follow_redirects=True)
    assert "cannot be published yet" in response.text
    assert "Write the summary teams read on the public page." in response.text
    assert "Add at least one question for teams to answer." in response.text
    db.session.refresh(challenge)
    assert challenge.status == ChallengeStatus.draft
    assert db.session.scalar(sa.select(AuditEvent).filter_by(action="challenge.published")) is None


def test_a_draft_whose_closing_time_has_passed_cannot_be_published(staff, make_challenge):
    challenge = make_challenge(status=ChallengeStatus.draft, summary_md="Hi", opens_in=-timedelta(days=9),
                               closes_in=-timedelta(minutes=1), questions=[(QuestionKind.yes_no, "Ready?")])
    with pytest.raises(services.NotReadyToPublish) as raised:
        services.publish(challenge, actor=staff, now=utcnow())
    assert raised.value.problems == ["The closing time has passed: move it into the future."]


def test_staff_publish_a_complete_draft_and_teams_see_it(staff_client, staff, draft, client, team_client):
    services.add_question(draft, services.QuestionData(kind=QuestionKind.yes_no, label="Ready?"), actor=staff, now=utcnow())
    db.session.commit()

    response = staff_client.post(f"/challenges/{draft.id}/publish", follow_redirects=True)

    assert "Published Spring Design Challenge. It is open to teams now." in response.text
    db.session.refresh(draft)
    assert draft.status == ChallengeStatus.published
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="challenge.published"))
    assert (event.actor_id, event.object_id, event.from_state, event.to_state) == (staff.id, draft.id, "draft", "published")
    assert client.get("/challenges/spring-design").status_code == 200
    assert "Spring Design Challenge" in client.get("/challenges/").text
    response = team_client.post(f"/applications/teams/{team_client.team.id}/applications", data={"challenge_id": draft.id})
    assert response.status_code == 302
    # Open now: its questions are locked, as before drafts.
    page = staff_client.get(f"/challenges/{draft.id}/manage").text
    assert "questions are locked" in page and "Publish the challenge" not in page


def test_a_published_challenge_stays_hidden_until_it_opens(staff, make_challenge, client):
    challenge = make_challenge(status=ChallengeStatus.draft, slug="autumn", summary_md="Hi",
                               questions=[(QuestionKind.yes_no, "Ready?")])
    services.publish(challenge, actor=staff, now=utcnow())
    db.session.commit()
    assert client.get("/challenges/autumn").status_code == 404
    # Until it opens, its questions may still change.
    services.add_question(challenge, services.QuestionData(kind=QuestionKind.yes_no, label="More?"), actor=staff,
                          now=utcnow())


def test_publishing_twice_is_refused_with_a_message(staff_client, staff, open_challenge):
    response = staff_client.post(f"/challenges/{open_challenge.id}/publish", follow_redirects=True)
    assert "Future of School is already published." in response.text
    with pytest.raises(InvalidTransition):
        services.publish(open_challenge, actor=staff, now=utcnow())


def test_of_two_publishers_only_one_wins(staff, make_challenge):
    challenge = make_challenge(status=ChallengeStatus.draft, summary_md="Hi", questions=[(QuestionKind.yes_no, "Ready?")])
    # Another request published it after this one loaded the row.
    db.session.execute(sa.update(Challenge).where(Challenge.id == challenge.id)
                       .values(status=ChallengeStatus.published).execution_options(synchronize_session=False))
    with pytest.raises(lifecycle.ChangedMeanwhile):
        services.publish(challenge, actor=staff, now=utcnow())
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).filter_by(action="challenge.published")) == 0


def test_reviewers_cannot_preview_or_publish_a_draft(make_client, reviewer, draft):
    reviewer_client = make_client(reviewer)
    assert reviewer_client.post(f"/challenges/{draft.id}/publish").status_code == 404
    assert reviewer_client.get(f"/challenges/{draft.id}/preview").status_code == 404
    db.session.refresh(draft)
    assert draft.status == ChallengeStatus.draft
