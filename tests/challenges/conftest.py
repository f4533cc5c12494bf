"""Fixtures of the challenges domain: challenges, questions and submitted applications."""
from datetime import timedelta
from itertools import count

import pytest

from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Question, QuestionKind, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.timeutil import utcnow
from incubator.extensions import db


@pytest.fixture
def make_challenge(org):
    numbers = count(1)

    def make(organisation=None, *, opens_in=timedelta(days=7), closes_in=timedelta(days=37), questions=(), **values):
        n = next(numbers)
        now = utcnow()
        challenge = Challenge(
            organisation=organisation or org, title=values.pop("title", f"Challenge {n}"),
            slug=values.pop("slug", f"challenge-{n}"), track=values.pop("track", Track.new_school),
            status=values.pop("status", ChallengeStatus.published),
            opens_at=now + opens_in, closes_at=now + closes_in, **values)
        for position, (kind, label) in enumerate(questions, start=1):
            extra = {"word_limit": 100} if kind == QuestionKind.long_text else {}
            if kind in (QuestionKind.single_choice, QuestionKind.multiple_choice):
                extra = {"choices": ["Yes", "No"]}
            challenge.questions.append(Question(kind=kind, label=label, position=position, **extra))
        db.session.add(challenge)
        db.session.commit()
        return challenge

    return make


@pytest.fixture
def open_challenge(make_challenge):
    """A challenge that opened a week ago and closes in thirty days."""
    return make_challenge(title="Future of School", slug="future-of-school",
                          opens_in=-timedelta(days=7), closes_in=timedelta(days=30))


@pytest.fixture
def make_application(make_user):
    numbers = count(1)

    def make(challenge, *, school_name=None, team_name=None, status=Status.submitted, submitted_at=None,
             members=None, **values):
        n = next(numbers)
        team = Team(name=team_name or f"Team {n}")
        for i, user in enumerate(members or [make_user(f"lead{n}@example.org")]):
            team.members.append(TeamMember(user=user, is_lead=(i == 0)))
        application = Application(
            challenge=challenge, team=team, status=status, school_name=school_name or f"School {n}",
            submitted_at=None if status == Status.draft else (submitted_at or utcnow() - timedelta(hours=n)),
            withdrawn_at=utcnow() if status == Status.withdrawn else None,
            **{"screened_at": utcnow() if status in (Status.eligible, Status.ineligible) else None, **values})
        db.session.add(application)
        db.session.commit()
        return application

    return make


@pytest.fixture
def staff_client(make_client, staff):
    return make_client(staff)
