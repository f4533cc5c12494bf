"""Moving a milestone or a team's place in a cohort: the transition table, a compare-and-set
in the database, and an audit event with from and to. Every status change goes through here,
as applications/lifecycle.py does for applications."""
from datetime import datetime

import sqlalchemy as sa

from incubator.core import audit
from incubator.core.errors import DomainError
from incubator.extensions import db
from incubator.incubation import states
from incubator.incubation.models import CohortTeam, Milestone
from incubator.incubation.states import CohortTeamStatus, MilestoneStatus


class ChangedMeanwhile(DomainError):
    """Another request changed the row since it was loaded."""

    def __init__(self, what: str = "milestone"):
        super().__init__(f"Someone else changed this {what} a moment ago. Reload it to see where it stands.")


def move_milestone(milestone: Milestone, target: MilestoneStatus, *, actor, now: datetime, activity: str,
                   details: dict | None = None, **values) -> MilestoneStatus:
    """Set the milestone's status to `target` (and the columns in `values`) if it still has the
    status and version that were loaded; record the move (the table names the audit action) and
    the grid's latest activity. Returns the status it had.

    :raises InvalidTransition: the table does not allow the move
    :raises ChangedMeanwhile: the row changed since it was loaded (the caller rolls back)
    """
    previous, version = MilestoneStatus(milestone.status), milestone.version
    action = states.check_milestone(previous, target)
    changed = db.session.execute(
        sa.update(Milestone)
        .where(Milestone.id == milestone.id, Milestone.status == previous, Milestone.version == version)
        .values(status=target, version=version + 1, last_activity_at=now, last_activity=activity[:200], **values)
        .execution_options(synchronize_session="evaluate")
    ).rowcount
    if changed != 1:
        raise ChangedMeanwhile()
    audit.record(actor, action, milestone, from_state=previous, to_state=target, **(details or {}))
    return previous


def touch(milestone: Milestone, activity: str, *, now: datetime) -> None:
    """Note what last happened on a milestone without moving it (evidence added, a comment)."""
    milestone.last_activity_at, milestone.last_activity = now, activity[:200]


def move_cohort_team(cohort_team: CohortTeam, target: CohortTeamStatus, *, actor, action: str,
                     details: dict | None = None, **values) -> CohortTeamStatus:
    """:raises InvalidTransition, ChangedMeanwhile: as move_milestone"""
    previous, version = CohortTeamStatus(cohort_team.status), cohort_team.version
    states.check_cohort_team(previous, target)
    changed = db.session.execute(
        sa.update(CohortTeam)
        .where(CohortTeam.id == cohort_team.id, CohortTeam.status == previous, CohortTeam.version == version)
        .values(status=target, version=version + 1, **values)
        .execution_options(synchronize_session="evaluate")
    ).rowcount
    if changed != 1:
        raise ChangedMeanwhile("team's place in the cohort")
    audit.record(actor, action, cohort_team, from_state=previous, to_state=target, **(details or {}))
    return previous
