"""What the incubation index and the dashboard show a person: the cohorts they run or coach,
their own team's place in a cohort, and the new-school challenges whose selected teams wait
for a cohort. Read-only queries, a fixed number per page whatever the number of cohorts."""
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from incubator.accounts.models import Membership, Organisation, Role, User
from incubator.applications.models import Application, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.extensions import db
from incubator.incubation.models import Cohort, CohortCoach, CohortTeam, Milestone
from incubator.incubation.states import CohortTeamStatus, MilestoneStatus


def staff_organisation_ids(user) -> list[int] | None:
    """The organisations whose incubation `user` runs; None for an admin (all of them)."""
    if user.is_admin:
        return None
    return user.organisations_with(Role.program_staff)


def runs_incubation(user) -> bool:
    return bool(user.is_admin or user.organisations_with(Role.program_staff))


def staff_cohorts_query(user) -> sa.Select:
    """Cohorts of the organisations the user runs, the latest start first."""
    query = sa.select(Cohort).options(joinedload(Cohort.challenge)).order_by(Cohort.starts_on.desc(), Cohort.id.desc())
    org_ids = staff_organisation_ids(user)
    if org_ids is not None:
        query = query.where(Cohort.organisation_id.in_(org_ids))
    return query


def coached_cohorts(user) -> list[Cohort]:
    """Cohorts the user is named on as a coach while holding the coach or staff role there."""
    allowed = user.organisations_with(Role.coach, Role.program_staff)
    if not allowed:
        return []
    return list(db.session.scalars(
        sa.select(Cohort).options(joinedload(Cohort.challenge)).join(CohortCoach, CohortCoach.cohort_id == Cohort.id)
        .where(CohortCoach.user_id == user.id, Cohort.organisation_id.in_(allowed))
        .order_by(Cohort.starts_on.desc(), Cohort.id.desc())))


def own_places_query(user) -> sa.Select:
    return (sa.select(CohortTeam).options(joinedload(CohortTeam.cohort), joinedload(CohortTeam.application),
                                          joinedload(CohortTeam.team))
            .join(TeamMember, TeamMember.team_id == CohortTeam.team_id)
            .where(TeamMember.user_id == user.id).order_by(CohortTeam.id.desc()))


def own_places(user) -> list[CohortTeam]:
    """The user's teams' places in cohorts (active or left), the latest first."""
    return list(db.session.scalars(own_places_query(user)))


def is_in_a_cohort(user) -> bool:
    first = own_places_query(user).with_only_columns(CohortTeam.id).order_by(None).limit(1)
    return db.session.scalar(first) is not None


@dataclass
class CohortRow:
    cohort: Cohort
    active_teams: int = 0
    left_teams: int = 0
    awaiting_review: int = 0
    overdue: int = 0
    coaches: list[str] = field(default_factory=list)


def cohort_rows(cohorts: list[Cohort], now: datetime) -> list[CohortRow]:
    """Each cohort with its teams (in and left), its coaches and its milestones awaiting review
    and overdue (in three queries for any number of cohorts)."""
    rows = {c.id: CohortRow(c) for c in cohorts}
    if not rows:
        return []
    ids = list(rows)
    for cohort_id, status, n in db.session.execute(
            sa.select(CohortTeam.cohort_id, CohortTeam.status, sa.func.count())
            .where(CohortTeam.cohort_id.in_(ids)).group_by(CohortTeam.cohort_id, CohortTeam.status)):
        if CohortTeamStatus(status) == CohortTeamStatus.active:
            rows[cohort_id].active_teams = n
        else:
            rows[cohort_id].left_teams = n
    open_statuses = [s.value for s in MilestoneStatus if s.is_open]
    for cohort_id, awaiting, overdue in db.session.execute(
            sa.select(CohortTeam.cohort_id,
                      sa.func.count().filter(Milestone.status == MilestoneStatus.submitted),
                      sa.func.count().filter(Milestone.status.in_(open_statuses), Milestone.due_at <= now))
            .join(Milestone, Milestone.cohort_team_id == CohortTeam.id)
            .where(CohortTeam.cohort_id.in_(ids), CohortTeam.status == CohortTeamStatus.active)
            .group_by(CohortTeam.cohort_id)):
        rows[cohort_id].awaiting_review, rows[cohort_id].overdue = awaiting, overdue
    for cohort_id, name, email in db.session.execute(
            sa.select(CohortCoach.cohort_id, User.name, User.email).join(User, User.id == CohortCoach.user_id)
            .where(CohortCoach.cohort_id.in_(ids)).order_by(User.name, User.email)):
        rows[cohort_id].coaches.append(name or email)
    return [rows[c.id] for c in cohorts]


@dataclass
class Waiting:
    challenge: Challenge
    teams: int


def challenges_waiting(user) -> list[Waiting]:
    """New-school challenges of the user's organisations with selected teams in no cohort yet."""
    in_a_cohort = (sa.select(CohortTeam.id).join(Cohort, Cohort.id == CohortTeam.cohort_id)
                   .where(CohortTeam.application_id == Application.id, Cohort.challenge_id == Challenge.id).exists())
    query = (sa.select(Challenge, sa.func.count(Application.id))
             .join(Application, Application.challenge_id == Challenge.id)
             .where(Challenge.track == Track.new_school, Application.status == Status.selected, ~in_a_cohort)
             .group_by(Challenge.id).order_by(Challenge.closes_at.desc(), Challenge.id.desc()))
    org_ids = staff_organisation_ids(user)
    if org_ids is not None:
        query = query.where(Challenge.organisation_id.in_(org_ids))
    return [Waiting(challenge, n) for challenge, n in db.session.execute(query)]


def template_organisations(user) -> list[Organisation]:
    """The organisations whose milestone template the user may edit (an admin: those with a cohort
    or a program-staff member, so the list stays short)."""
    org_ids = staff_organisation_ids(user)
    query = sa.select(Organisation).order_by(Organisation.name)
    if org_ids is None:
        staffed = sa.select(Membership.organisation_id).where(Membership.role == Role.program_staff)
        query = query.where(Organisation.id.in_(staffed))
    else:
        query = query.where(Organisation.id.in_(org_ids))
    return list(db.session.scalars(query))


@dataclass
class Place:
    """A team member's view of their team's incubation, for the index and the dashboard."""

    cohort_team: CohortTeam
    next_title: str | None
    next_due_on: date | None
    overdue: int
    open_count: int


def places_summary(places: list[CohortTeam], now: datetime) -> list[Place]:
    """Per place: the next milestone still to hand in (by due date), and how many are overdue."""
    if not places:
        return []
    ids = [p.id for p in places]
    open_statuses = [s.value for s in MilestoneStatus if s.is_open]
    rows = db.session.execute(
        sa.select(Milestone.cohort_team_id, Milestone.title, Milestone.due_on, Milestone.due_at)
        .where(Milestone.cohort_team_id.in_(ids), Milestone.status.in_(open_statuses))
        .order_by(Milestone.cohort_team_id, Milestone.due_on, Milestone.position, Milestone.id)).all()
    by_place: dict[int, list] = {}
    for row in rows:
        by_place.setdefault(row.cohort_team_id, []).append(row)
    out = []
    for place in places:
        mine = by_place.get(place.id, [])
        coming = [r for r in mine if r.due_at > now]
        nxt = coming[0] if coming else (mine[0] if mine else None)
        out.append(Place(place, nxt.title if nxt else None, nxt.due_on if nxt else None,
                         sum(1 for r in mine if r.due_at <= now), len(mine)))
    return out
