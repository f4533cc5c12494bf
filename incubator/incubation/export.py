"""The cohort's milestones as CSV rows: one row per milestone of every team (teams that left
included, with their status), dates and times in the organisation's timezone, overdue as of
now, and the team's outcome. Three statements whatever the cohort's size."""
from datetime import datetime

import sqlalchemy as sa

from incubator.applications.models import Application, Team
from incubator.core.timeutil import format_local, local
from incubator.extensions import db
from incubator.incubation.models import Cohort, CohortTeam, Evidence, Milestone
from incubator.incubation.schedule import is_overdue
from incubator.incubation.states import CohortTeamStatus, IncubationOutcome, MilestoneStatus

HEADER = ["Cohort", "School", "Team", "Team status", "Position", "Milestone", "Required for launch", "Status",
          "Due date", "Overdue", "Submitted at", "Approved at", "Latest activity", "Latest activity at",
          "Evidence", "Outcome", "Planned opening year", "Outcome rationale", "Outcome recorded at"]

TIME_FORMAT = "%Y-%m-%d %H:%M"


def lines(cohort: Cohort, *, now: datetime) -> list[list]:
    """The header and one line per milestone, by team (in the order they joined) then position."""
    tz = cohort.timezone
    evidence = (sa.select(Evidence.milestone_id, sa.func.count().label("n")).join(Milestone)
                .join(CohortTeam, CohortTeam.id == Milestone.cohort_team_id)
                .where(CohortTeam.cohort_id == cohort.id).group_by(Evidence.milestone_id).subquery())
    rows = db.session.execute(
        sa.select(Milestone, CohortTeam, Application.school_name, Team.name, sa.func.coalesce(evidence.c.n, 0))
        .join(CohortTeam, CohortTeam.id == Milestone.cohort_team_id)
        .join(Application, Application.id == CohortTeam.application_id)
        .join(Team, Team.id == CohortTeam.team_id)
        .outerjoin(evidence, evidence.c.milestone_id == Milestone.id)
        .where(CohortTeam.cohort_id == cohort.id)
        .order_by(CohortTeam.id, Milestone.position, Milestone.id)).all()
    out = [HEADER]
    for milestone, team_place, school, team, evidence_count in rows:
        status = MilestoneStatus(milestone.status)
        outcome = IncubationOutcome(team_place.outcome) if team_place.outcome else None
        out.append([
            cohort.name, school or team, team, CohortTeamStatus(team_place.status).label, milestone.position,
            milestone.title, "yes" if milestone.required_for_launch else "no", status.label,
            milestone.due_on.isoformat(), "yes" if is_overdue(status, milestone.due_at, now) else "no",
            _when(milestone.submitted_at, tz), _when(milestone.approved_at, tz), milestone.last_activity or "",
            _when(milestone.last_activity_at, tz), evidence_count,
            outcome.label if outcome else "", team_place.planned_opening_year or "",
            team_place.outcome_rationale or "", _when(team_place.outcome_at, tz)])
    return out


def _when(moment: datetime | None, tz: str | None) -> str:
    return format_local(moment, tz, TIME_FORMAT) if moment else ""


def file_name(cohort: Cohort, *, now: datetime) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in cohort.name.lower())[:60].strip("-") or "cohort"
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"{slug}-{cohort.id}-milestones-{local(now, cohort.timezone):%Y%m%d}.csv"
