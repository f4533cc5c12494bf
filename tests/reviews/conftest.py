"""Fixtures of review: a challenge with eligible applications (teams of a lead and members),
reviewers of the organisation, and a round with a small weighted rubric and a pool."""
from datetime import timedelta
from decimal import Decimal

import pytest

from incubator.accounts.models import Role
from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews.models import Assignment, Criterion, ReviewRound, RoundReviewer

RUBRIC = (  # title, weight, lo, hi, allows n/a
    ("Learning growth", Decimal(2), 1, 5, False),
    ("Financial sustainability", Decimal(1), 1, 5, True),
    ("Team capacity", Decimal(1), 0, 3, False),
)


class World:
    def __init__(self, challenge, round, applications, reviewers, staff):
        self.challenge, self.round, self.applications = challenge, round, applications
        self.reviewers, self.staff = reviewers, staff

    def assign(self, application, reviewer, **values) -> Assignment:
        assignment = Assignment(round=self.round, application=application, reviewer=reviewer, **values)
        db.session.add(assignment)
        db.session.commit()
        return assignment


@pytest.fixture
def make_review_world(make_user, grant_role):
    counter = iter(range(1, 10**6))

    def make(org, staff=None, *, applications=3, reviewers=3, blind=False, k=2, max_load=None, members=1,
             rubric=RUBRIC, opens_in=timedelta(days=-1), closes_in=timedelta(days=7)):
        n = next(counter)
        now = utcnow()
        challenge = Challenge(organisation=org, title=f"Future of School {n}", slug=f"future-rv{n}",
                              track=Track.new_school, status=ChallengeStatus.published,
                              opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=2))
        made = []
        for a in range(applications):
            team = Team(name=f"Bayou Lab {n}-{a}")
            team.members.append(TeamMember(user=make_user(f"lead{n}-{a}@bayou{n}-{a}.org",
                                                          name=f"Lee Lead {n}-{a}"), is_lead=True))
            for m in range(members):
                team.members.append(TeamMember(user=make_user(f"member{n}-{a}-{m}@bayou{n}-{a}.org",
                                                              name=f"Mo Member {n}-{a}-{m}")))
            made.append(Application(team=team, challenge=challenge, school_name=f"Bayou School {n}-{a}",
                                    status=Status.eligible, submitted_at=now - timedelta(days=3),
                                    screened_at=now - timedelta(days=1), grades="K-5",
                                    neighbourhood="Treme"))
        people = [grant_role(make_user(f"reviewer{n}-{r}@reviewers{r}.org", name=f"Rae Reviewer {n}-{r}"),
                             org, Role.reviewer) for r in range(reviewers)]
        review_round = ReviewRound(challenge=challenge, title="Written review", opens_at=now + opens_in,
                                   closes_at=now + closes_in, reviewers_per_application=k, max_load=max_load,
                                   is_blind=blind)
        for position, (title, weight, lo, hi, allows_na) in enumerate(rubric, start=1):
            review_round.criteria.append(Criterion(
                position=position, title=title, weight=weight, scale_lo=lo, scale_hi=hi, allows_na=allows_na,
                descriptors=[f"{title}: point {value}" for value in range(lo, hi + 1)]))
        for person in people:
            review_round.reviewers.append(RoundReviewer(user=person))
        db.session.add_all([challenge, *made, review_round])
        db.session.commit()
        return World(challenge, review_round, made, people, staff)

    return make


@pytest.fixture
def review_world(make_review_world, org, staff):
    return make_review_world(org, staff)
