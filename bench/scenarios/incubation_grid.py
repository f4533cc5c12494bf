"""The cohort grid: 50 teams x 12 milestones (a template of 12 items) in varied states, with a few
teams that left and a few outcomes recorded, seen by program staff and by the cohort's coach,
filtered and not.

Budget (DESIGN.md section 7): median under 100 ms; the number of SQL statements independent of
the number of teams (compare `--size 5` with the default: the SQL/request column must not move).
"""
from datetime import timedelta

import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.applications.models import Application, Team
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.demo import seed_accounts
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.incubation import schedule
from incubator.incubation.models import Cohort, CohortCoach, CohortTeam, Milestone, TemplateMilestone
from incubator.incubation.states import CohortTeamStatus, IncubationOutcome, MilestoneKind, MilestoneStatus

NAME = "incubation-grid"
SIZE = 50  # teams
MILESTONES = 12
STARTED_DAYS_AGO = 80


def _state(team: int, position: int, due_at, now) -> tuple[MilestoneStatus, str]:
    """Past due: mostly approved, some awaiting review, sent back or late; ahead: mostly not submitted."""
    roll = (team * 7 + position * 3) % 10
    if due_at <= now:
        if roll < 5:
            return MilestoneStatus.approved, "Approved"
        if roll < 7:
            return MilestoneStatus.submitted, "Submitted"
        if roll < 8:
            return MilestoneStatus.changes_requested, "Changes requested"
        return MilestoneStatus.pending, ""
    if roll < 2:
        return MilestoneStatus.submitted, "Submitted early"
    if roll < 4:
        return MilestoneStatus.pending, "Evidence added"
    return MilestoneStatus.pending, ""


def seed(size):
    org = seed_accounts()
    now = utcnow()
    staff = db.session.scalar(sa.select(User).filter_by(email="staff@example.org"))
    coach = db.session.scalar(sa.select(User).filter_by(email="coach@example.org"))
    challenge = Challenge(organisation=org, title="Bench Incubation Challenge", slug="bench-incubation",
                          track=Track.new_school, status=ChallengeStatus.published,
                          opens_at=now - timedelta(days=200), closes_at=now - timedelta(days=150))
    db.session.add(challenge)
    db.session.flush()
    starts_on = local(now - timedelta(days=STARTED_DAYS_AGO), org.timezone).date()
    cohort = Cohort(organisation_id=org.id, challenge_id=challenge.id, name="Bench cohort", starts_on=starts_on,
                    length_months=6, created_by_id=staff.id)
    db.session.add(cohort)
    db.session.flush()
    db.session.add(CohortCoach(cohort_id=cohort.id, user_id=coach.id))
    template_ids = db.session.scalars(
        sa.insert(TemplateMilestone).returning(TemplateMilestone.id, sort_by_parameter_order=True),
        [{"organisation_id": org.id, "position": p, "title": f"Milestone {p:02d}: step {p} of the plan",
          "guidance": "", "evidence_needed": "", "due_offset_days": (p - 1) * 15, "required_for_launch": p % 3 != 0,
          "kind": MilestoneKind.standard, "updated_at": now} for p in range(1, MILESTONES + 1)]).all()
    team_ids = db.session.scalars(sa.insert(Team).returning(Team.id, sort_by_parameter_order=True),
                                  [{"name": f"Design Team {t:03d}", "created_at": now} for t in range(size)]).all()
    application_ids = db.session.scalars(
        sa.insert(Application).returning(Application.id, sort_by_parameter_order=True),
        [{"challenge_id": challenge.id, "team_id": team_id, "status": Status.selected, "version": 1,
          "school_name": f"School {t:03d}", "submitted_at": now - timedelta(days=160), "created_at": now,
          "updated_at": now} for t, team_id in enumerate(team_ids)]).all()
    teams = []
    for t, (team_id, application_id) in enumerate(zip(team_ids, application_ids)):
        row = {"cohort_id": cohort.id, "application_id": application_id, "team_id": team_id,
               "status": CohortTeamStatus.active, "version": 1, "joined_at": now - timedelta(days=STARTED_DAYS_AGO),
               "left_at": None, "left_reason": None, "outcome": None, "outcome_rationale": None,
               "planned_opening_year": None, "outcome_at": None}
        if t % 17 == 16:  # a few teams left the cohort
            row.update(status=CohortTeamStatus.left, left_at=now - timedelta(days=10), left_reason="Moved away.")
        if t % 11 == 5:  # a few outcomes recorded early
            row.update(outcome=IncubationOutcome.launch, outcome_rationale="Ready.", planned_opening_year=2028,
                       outcome_at=now - timedelta(days=1))
        teams.append(row)
    cohort_team_ids = db.session.scalars(
        sa.insert(CohortTeam).returning(CohortTeam.id, sort_by_parameter_order=True), teams).all()
    milestones = []
    for t, cohort_team_id in enumerate(cohort_team_ids):
        for p, template_id in enumerate(template_ids, 1):
            day = schedule.due_on(starts_on, (p - 1) * 15)
            due_at = schedule.due_moment(day, org.timezone)
            status, activity = _state(t, p, due_at, now)
            done = status != MilestoneStatus.pending
            milestones.append({
                "cohort_team_id": cohort_team_id, "template_id": template_id, "position": p,
                "title": f"Milestone {p:02d}: step {p} of the plan", "guidance": "", "evidence_needed": "",
                "required_for_launch": p % 3 != 0, "kind": MilestoneKind.standard, "required_sessions": None,
                "due_on": day, "due_at": due_at, "status": status, "version": 1 + done,
                "submitted_at": due_at - timedelta(days=2) if done else None,
                "approved_at": due_at if status == MilestoneStatus.approved else None,
                "last_activity": activity, "last_activity_at": min(due_at - timedelta(days=1), now) if activity else None,
                "created_at": now})
    for start in range(0, len(milestones), 2_000):
        db.session.execute(sa.insert(Milestone), milestones[start:start + 2_000])
    db.session.commit()


def requests():
    cohort_id = db.session.scalar(sa.select(Cohort.id))
    base = f"/incubation/cohorts/{cohort_id}"
    return [
        ("grid: staff", "staff@example.org", base),
        ("grid: staff, overdue only", "staff@example.org", f"{base}?state=overdue"),
        ("grid: staff, one milestone, with left", "staff@example.org", f"{base}?milestone=4&left=1"),
        ("grid: staff, search a team", "staff@example.org", f"{base}?q=School+01"),
        ("grid: coach", "coach@example.org", base),
        ("grid: coach, awaiting review, required", "coach@example.org", f"{base}?state=awaiting_review&required=1"),
    ]
