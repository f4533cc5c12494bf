"""When tranches become due (offers area): on acceptance, on their date (a sweep), when their
milestone is approved (the incubation event). Each move goes through grants.lifecycle
(compare-and-set, audited as grants.tranche.due), so a tranche is made due once, whoever
gets there first: a milestone reopened and approved again finds it due already and leaves it."""
from datetime import datetime, timedelta

import sqlalchemy as sa

from incubator.accounts.models import Organisation
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.grants import lifecycle
from incubator.grants.models import Grant, Tranche
from incubator.grants.states import DueCondition, GrantStatus, TrancheStatus
from incubator.incubation.models import CohortTeam, Milestone
from incubator.incubation.states import MilestoneStatus

_ONE_DAY = timedelta(days=1)


def _make_due(tranche: Tranche, *, actor, now: datetime, why: str) -> bool:
    """scheduled -> due. A tranche changed meanwhile is left as it is (the compare-and-set changed
    nothing and recorded nothing), and the others still move."""
    try:
        lifecycle.move_tranche(tranche, TrancheStatus.due, actor=actor, details={"because": why},
                               became_due_at=now)
    except lifecycle.ChangedMeanwhile:
        return False
    return True


def _approved_template_ids(team_id: int) -> set[int]:
    return set(db.session.scalars(
        sa.select(Milestone.template_id).join(CohortTeam, CohortTeam.id == Milestone.cohort_team_id)
        .where(CohortTeam.team_id == team_id, Milestone.status == MilestoneStatus.approved,
               Milestone.template_id.is_not(None))))


def on_acceptance(grant, *, actor, now) -> list:
    """Make due the grant's on-acceptance tranches, and its on-milestone tranches whose milestone
    the grantee's team already has approved. Returns the tranches made due."""
    team = grant.grantee_team
    approved = _approved_template_ids(team.id) if team is not None else set()
    made = []
    for tranche in grant.tranches:
        if TrancheStatus(tranche.status) is not TrancheStatus.scheduled:
            continue
        condition = DueCondition(tranche.condition)
        if condition is DueCondition.on_acceptance:
            why = "accepted"
        elif condition is DueCondition.on_milestone and tranche.template_milestone_id in approved:
            why = "milestone approved before acceptance"
        else:
            continue
        if _make_due(tranche, actor=actor, now=now, why=why):
            made.append(tranche)
    return made


def on_milestone_approved(milestone, *, actor) -> list:
    """Make due the scheduled tranches of accepted grants to the milestone's team that wait for
    this milestone's template item. Called inside the approving transaction."""
    if milestone.template_id is None:
        return []
    team_id = milestone.cohort_team.team_id
    now = milestone.approved_at or utcnow()
    waiting = db.session.scalars(
        sa.select(Tranche).join(Grant, Grant.id == Tranche.grant_id)
        .where(Grant.status == GrantStatus.accepted, Tranche.status == TrancheStatus.scheduled,
               Tranche.condition == DueCondition.on_milestone,
               Tranche.template_milestone_id == milestone.template_id,
               sa.or_(Grant.team_id == team_id, Grant.school.has(team_id=team_id)))
        .order_by(Tranche.id))
    return [t for t in list(waiting)
            if _make_due(t, actor=actor, now=now, why=f"milestone {milestone.id} approved")]


def make_dated_due(now: datetime) -> int:
    """On-date tranches of accepted grants whose local day (the organisation's timezone) has
    begun -> due, as the system. Safe to run twice. Flushes; returns how many."""
    candidates = db.session.execute(
        sa.select(Tranche, Organisation.timezone).join(Grant, Grant.id == Tranche.grant_id)
        .join(Organisation, Organisation.id == Grant.organisation_id)
        .where(Grant.status == GrantStatus.accepted, Tranche.status == TrancheStatus.scheduled,
               Tranche.condition == DueCondition.on_date,
               # A day earlier than any timezone's today: the exact local day is checked below.
               Tranche.due_on <= (now.date() + _ONE_DAY))
        .order_by(Tranche.id)).all()
    made = 0
    for tranche, tz_name in candidates:
        if tranche.due_on <= local(now, tz_name).date() and _make_due(tranche, actor=None, now=now, why="date"):
            made += 1
    return made

