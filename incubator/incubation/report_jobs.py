"""The cohort report PDF (grid, stakeholder coverage, coaching hours, outcomes), made by a job on
the `pdf` queue through core.pdf_jobs: the file is named after a fingerprint of what it shows,
so a report of the current data either exists or is being prepared."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from incubator.accounts.models import User
from incubator.applications.models import Application, Team
from incubator.core import pdf_jobs
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.incubation.models import CoachingSession, Cohort, CohortTeam, Milestone, StakeholderEntry
from incubator.incubation.report_pdf import render_report
from incubator.incubation.schedule import Counts, coaching_hours, counts, coverage
from incubator.incubation.states import StakeholderGroup


@dataclass(frozen=True)
class TeamReport:
    cohort_team: CohortTeam
    label: str
    cells: list[Milestone | None]          # one per column of the grid
    coverage: dict[StakeholderGroup, tuple[int, int]]
    sessions: int
    hours: float
    outcome_by: str


@dataclass(frozen=True)
class Report:
    cohort: Cohort
    columns: list[str]
    teams: list[TeamReport]
    counts: Counts
    now: datetime


def team_label(cohort_team: CohortTeam) -> str:
    school, team = cohort_team.application.school_name, cohort_team.team.name
    return f"{school} ({team})" if school and school != team else team


def gather(cohort: Cohort, *, now: datetime) -> Report:
    """What the report shows; five statements whatever the cohort's size."""
    teams = list(db.session.scalars(
        sa.select(CohortTeam).where(CohortTeam.cohort_id == cohort.id).order_by(CohortTeam.id)
        .options(joinedload(CohortTeam.application), joinedload(CohortTeam.team),
                 selectinload(CohortTeam.milestones))))
    entries: dict[int, list[tuple[str, int]]] = {}
    for team_id, group, participants in db.session.execute(
            sa.select(StakeholderEntry.cohort_team_id, StakeholderEntry.group, StakeholderEntry.participants)
            .join(CohortTeam, CohortTeam.id == StakeholderEntry.cohort_team_id)
            .where(CohortTeam.cohort_id == cohort.id)):
        entries.setdefault(team_id, []).append((group, participants))
    coaching = dict(((team_id, (n, minutes)) for team_id, n, minutes in db.session.execute(
        sa.select(CoachingSession.cohort_team_id, sa.func.count(), sa.func.sum(CoachingSession.duration_minutes))
        .join(CohortTeam, CohortTeam.id == CoachingSession.cohort_team_id).where(CohortTeam.cohort_id == cohort.id)
        .group_by(CoachingSession.cohort_team_id))))
    deciders = {u.id: u for u in db.session.scalars(sa.select(User).where(
        User.id.in_({t.outcome_by_id for t in teams if t.outcome_by_id})))} if teams else {}
    # Columns: each title once, in the order of its first position (teams added later may
    # have a plan made from an edited template).
    first_position: dict[str, tuple[int, int]] = {}
    for team in teams:
        for milestone in team.milestones:
            key = (milestone.position, milestone.id)
            first_position[milestone.title] = min(first_position.get(milestone.title, key), key)
    columns = sorted(first_position, key=first_position.get)
    rows = []
    for team in teams:
        by_title = {}
        for milestone in team.milestones:
            by_title.setdefault(milestone.title, milestone)
        sessions, minutes = coaching.get(team.id, (0, 0))
        decider = deciders.get(team.outcome_by_id)
        rows.append(TeamReport(team, team_label(team), [by_title.get(title) for title in columns],
                               coverage(entries.get(team.id, [])), sessions, coaching_hours([minutes or 0]),
                               decider.display_name if decider else ""))
    cells = [(m.status, m.due_at) for team in teams for m in team.milestones]
    return Report(cohort, columns, rows, counts(cells, now), now)


def fingerprint(cohort: Cohort) -> str:
    """A short digest of everything the report shows, and of today's date in the organisation's
    timezone (what is overdue changes with the day); four statements."""
    in_cohort = CohortTeam.cohort_id == cohort.id
    teams = db.session.execute(
        sa.select(CohortTeam.id, CohortTeam.status, CohortTeam.version, CohortTeam.outcome,
                  CohortTeam.planned_opening_year, CohortTeam.outcome_at, CohortTeam.outcome_by_id,
                  Application.school_name, Team.name)
        .join(Application, Application.id == CohortTeam.application_id).join(Team, Team.id == CohortTeam.team_id)
        .where(in_cohort).order_by(CohortTeam.id)).all()
    milestones = db.session.execute(
        sa.select(Milestone.id, Milestone.status, Milestone.version, Milestone.due_on, Milestone.due_at,
                  Milestone.title, Milestone.position)
        .join(CohortTeam, CohortTeam.id == Milestone.cohort_team_id).where(in_cohort).order_by(Milestone.id)).all()
    stakeholders = db.session.execute(
        sa.select(StakeholderEntry.cohort_team_id, StakeholderEntry.group, sa.func.count(),
                  sa.func.sum(StakeholderEntry.participants))
        .join(CohortTeam, CohortTeam.id == StakeholderEntry.cohort_team_id).where(in_cohort)
        .group_by(StakeholderEntry.cohort_team_id, StakeholderEntry.group)
        .order_by(StakeholderEntry.cohort_team_id, StakeholderEntry.group)).all()
    coaching = db.session.execute(
        sa.select(CoachingSession.cohort_team_id, sa.func.count(), sa.func.sum(CoachingSession.duration_minutes))
        .join(CohortTeam, CohortTeam.id == CoachingSession.cohort_team_id).where(in_cohort)
        .group_by(CoachingSession.cohort_team_id).order_by(CoachingSession.cohort_team_id)).all()
    today = local(utcnow(), cohort.timezone).date()
    return pdf_jobs.digest(cohort.id, cohort.created_at, cohort.name, cohort.starts_on, cohort.length_months,
                           cohort.timezone, today,
                           [tuple(r) for r in teams], [tuple(r) for r in milestones],
                           [tuple(r) for r in stakeholders], [tuple(r) for r in coaching])


def report_bytes(cohort: Cohort) -> bytes:
    return render_report(gather(cohort, now=utcnow()), compress=current_app.config.get("PDF_COMPRESSION", True))


REPORT = pdf_jobs.Document("cohort-report", load=lambda cohort_id: db.session.get(Cohort, cohort_id),
                           fingerprint=fingerprint, render=report_bytes)


def render_cohort_report(cohort_id: int, digest: str) -> str:
    """Job (`pdf` queue): make the cohort's report PDF for `digest`, once."""
    return pdf_jobs.make(REPORT, cohort_id, digest)
