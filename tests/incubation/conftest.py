"""Fixtures of incubation: a new-school challenge with selected applications (teams of a lead
and a member), a coach of the organisation, and a cohort of those teams made through the
service (so every team has the default template's milestones)."""
from datetime import date, timedelta

import pytest

from incubator.accounts.models import Role
from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import cohorts


class World:
    def __init__(self, org, challenge, applications, staff, coach, cohort):
        self.org, self.challenge, self.applications = org, challenge, applications
        self.staff, self.coach, self.cohort = staff, coach, cohort

    @property
    def teams(self):
        """The cohort's teams (CohortTeam), in the order of the applications."""
        by_application = {t.application_id: t for t in self.cohort.teams}
        return [by_application[a.id] for a in self.applications if a.id in by_application]

    def lead(self, index: int = 0):
        return self.applications[index].team.lead

    def member(self, index: int = 0):
        return next(m.user for m in self.applications[index].team.members if not m.is_lead)

    def milestone(self, index: int = 0, title_starts: str = "Design"):
        return next(m for m in self.teams[index].milestones if m.title.startswith(title_starts))


@pytest.fixture
def make_incubation_world(make_user, grant_role):
    counter = iter(range(1, 10**6))

    def make(org, staff=None, *, teams=2, extra_selected=0, starts_on: date | None = None, length_months=6,
             coach=True):
        n = next(counter)
        now = utcnow()
        staff = staff or grant_role(make_user(f"staff-in{n}@example.org", name=f"Sam Staff {n}"), org,
                                    Role.program_staff)
        challenge = Challenge(organisation=org, title=f"Future of School {n}", slug=f"future-in{n}",
                              track=Track.new_school, status=ChallengeStatus.published,
                              opens_at=now - timedelta(days=120), closes_at=now - timedelta(days=90))
        applications = []
        for a in range(teams + extra_selected):
            team = Team(name=f"Bayou Lab {n}-{a}")
            team.members.append(TeamMember(user=make_user(f"lead{n}-{a}@bayou-in{n}-{a}.org",
                                                          name=f"Lee Lead {n}-{a}"), is_lead=True))
            team.members.append(TeamMember(user=make_user(f"member{n}-{a}@bayou-in{n}-{a}.org",
                                                          name=f"Mo Member {n}-{a}")))
            applications.append(Application(team=team, challenge=challenge, school_name=f"Bayou School {n}-{a}",
                                            status=Status.selected, submitted_at=now - timedelta(days=100),
                                            grades="K-5", launch_year=2028, target_enrollment=300))
        db.session.add_all([challenge, *applications])
        db.session.commit()
        the_coach = (grant_role(make_user(f"coach{n}@example.org", name=f"Cam Coach {n}"), org, Role.coach)
                     if coach else None)
        cohort = cohorts.create_cohort(
            challenge, name=f"Spring cohort {n}", starts_on=starts_on or (now - timedelta(days=30)).date(),
            length_months=length_months, application_ids=[a.id for a in applications[:teams]],
            coach_ids=[the_coach.id] if the_coach else [], actor=staff, now=now)
        db.session.commit()
        return World(org, challenge, applications, staff, the_coach, cohort)

    return make


@pytest.fixture
def incubation(make_incubation_world, org, staff):
    """Two teams in a cohort that started 30 days ago, a coach, and one more selected team outside it."""
    return make_incubation_world(org, staff, teams=2, extra_selected=1)
