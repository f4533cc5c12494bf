"""The weekly digest to program staff: on Monday from WEEKLY_HOUR (the organisation's time), what
awaits review (submitted milestones, by cohort and team, with links) and what is overdue, once
per person, organisation and ISO week (core.notices); nothing when nothing awaits review. Run by
the hourly sweep of incubation/jobs.py, through core.digests (mailed, or kept for a daily digest)."""
from datetime import date, datetime

import sqlalchemy as sa

from incubator.accounts.models import Membership, Organisation, Role, User
from incubator.applications.models import Application, Team
from incubator.core import digests, notices
from incubator.core.timeutil import format_local, local, utcnow
from incubator.extensions import db
from incubator.incubation.models import Cohort, CohortTeam, Milestone
from incubator.incubation.states import CohortTeamStatus, MilestoneStatus

WEEKLY_WEEKDAY = 0         # Monday (local), from WEEKLY_HOUR
WEEKLY_HOUR = 7
WEEKLY_KIND = "incubation.staff_weekly"
OPEN = (MilestoneStatus.pending, MilestoneStatus.changes_requested)


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def send_staff_weekly(now: datetime | None = None) -> int:
    """Sweep: on Monday from WEEKLY_HOUR (the organisation's time), each program staff member of
    an organisation with cohorts gets one digest of the milestones awaiting review, by cohort and
    team, and of those overdue; claimed per person, organisation and ISO week. Nothing is sent
    when nothing awaits review. Returns the digests claimed."""
    now = now or utcnow()
    sent = 0
    for organisation in db.session.scalars(sa.select(Organisation).where(
            sa.select(Cohort.id).where(Cohort.organisation_id == Organisation.id).exists()).order_by(Organisation.id)):
        moment = local(now, organisation.timezone)
        if moment.weekday() != WEEKLY_WEEKDAY or moment.hour < WEEKLY_HOUR:
            continue
        sent += _weekly(organisation, now, week_of(moment.date()))
        db.session.commit()
    return sent


def _weekly(organisation: Organisation, now: datetime, week: str) -> int:
    rows = db.session.execute(
        sa.select(Milestone, Cohort.id, Cohort.name, CohortTeam.id, Application.school_name, Team.name)
        .join(CohortTeam, CohortTeam.id == Milestone.cohort_team_id)
        .join(Cohort, Cohort.id == CohortTeam.cohort_id)
        .join(Application, Application.id == CohortTeam.application_id)
        .join(Team, Team.id == CohortTeam.team_id)
        .where(Cohort.organisation_id == organisation.id, CohortTeam.status == CohortTeamStatus.active,
               sa.or_(Milestone.status == MilestoneStatus.submitted,
                      sa.and_(Milestone.status.in_(OPEN), Milestone.due_at <= now)))
        .order_by(Cohort.name, Cohort.id, Application.school_name, CohortTeam.id, Milestone.position,
                  Milestone.id)).all()
    awaiting, overdue = _grouped(rows, MilestoneStatus.submitted, organisation, now), _grouped(rows, None,
                                                                                             organisation, now)
    if not awaiting:
        return 0
    count = sum(len(team["milestones"]) for cohort in awaiting for team in cohort["teams"])
    late = sum(len(team["milestones"]) for cohort in overdue for team in cohort["teams"])
    subject = (f"This week: {count} milestone{'s' if count != 1 else ''} awaiting review"
               + (f", {late} overdue" if late else "") + f" ({organisation.name})")
    staff = list(db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, Membership.role == Role.program_staff,
               User.is_deactivated.is_(False)).distinct().order_by(User.id)))
    sent, outgoing = 0, []
    context = {"organisation": organisation, "awaiting": awaiting, "overdue": overdue, "count": count, "late": late,
               "week": week, "cohorts_url": digests.external_link("incubation.cohorts"),
               "settings_url": digests.settings_url()}
    for person in staff:
        if notices.claim(WEEKLY_KIND, f"organisation:{organisation.id}:{week}", f"user:{person.id}", now=now):
            outgoing.append(digests.Notice(person, subject, "incubation_staff_weekly", WEEKLY_KIND, None,
                                           {**context, "person": person}))
            sent += 1
    digests.notify_many(outgoing, now=now)
    return sent


def _grouped(rows, status, organisation, now) -> list[dict]:
    """[{name, link, teams: [{name, link, milestones: [{title, link, when}]}]}] of the rows that
    await review (`status` submitted) or are overdue (None), in the rows' order."""
    cohorts: dict[int, dict] = {}
    for milestone, cohort_id, cohort_name, cohort_team_id, school, team in rows:
        awaiting = MilestoneStatus(milestone.status) == MilestoneStatus.submitted
        if awaiting != (status == MilestoneStatus.submitted):
            continue
        cohort = cohorts.setdefault(cohort_id, {"name": cohort_name, "teams": {},
                                                "link": digests.external_link("incubation.cohort",
                                                                              cohort_id=cohort_id)})
        entry = cohort["teams"].setdefault(cohort_team_id, {
            "name": school or team, "milestones": [],
            "link": digests.external_link("incubation.team", cohort_team_id=cohort_team_id)})
        if awaiting:
            when = f"submitted {format_local(milestone.submitted_at, organisation.timezone, '%-d %b')}"
        else:
            late = (local(now, organisation.timezone).date() - milestone.due_on).days
            when = f"due {milestone.due_on:%-d %b}, {late} day{'s' if late != 1 else ''} late"
        entry["milestones"].append({"title": milestone.title, "when": when,
                                    "link": digests.external_link("incubation.milestone",
                                                                  milestone_id=milestone.id)})
    return [{**c, "teams": list(c["teams"].values())} for c in cohorts.values()]
