"""Incubation's scheduled mail: milestone reminders to the teams (7 days before, the day before,
and once overdue), the weekly digest to program staff of what awaits review, and, in the same
hourly sweep, everyone's daily digest (core.digests).

Every notice is sent once whoever runs the sweep and however often: a row of core.notices is
claimed in the transaction that queues the mail (or keeps it for a daily digest), and the
sweep commits in batches, so what was claimed was mailed and what was not is sent next time.

Reminders fall on local days of the organisation's timezone, at REMINDER_HOUR: a milestone due
on day D (due by the end of it) is reminded on D-7 ("due in 7 days"), on D-1 ("due tomorrow")
and on D+1 ("overdue"), from REMINDER_HOUR local; only the latest of those that has come is
sent (a milestone planned late is not also told it is due in 7 days), and a milestone found
late by more than OVERDUE_WITHIN_DAYS is not announced as overdue. Counting local days, not
24-hour periods, keeps the reminder on the right day across a daylight-saving change.

Reminders are claimed per milestone, kind and due date, for the whole team at once
(`claim("incubation.reminder.<kind>", "milestone:<id>:<due_on>", "team")`): when staff shift a
team's dates, the new date gets its reminders (the team learns of the new date), and a date is
never reminded twice. Members who join a team after a reminder went out do not get it.
"""
import logging
from collections import defaultdict
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from incubator.accounts.models import Organisation, User
from incubator.applications.models import Application, Team, TeamMember
from incubator.core import digests, notices
from incubator.core.jobs import fixed_job_id, periodic, run_parts
from incubator.core.notices import SentNotice
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.incubation.models import Cohort, CohortTeam, Milestone
from incubator.incubation.schedule import OVERDUE_WITHIN_DAYS, reminder_day, when_words
from incubator.incubation.staff_digest import send_staff_weekly
from incubator.incubation.states import CohortTeamStatus, MilestoneStatus

log = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(hours=1)
BATCH = 200                # milestones (or people) per commit
KIND_PREFIX = "incubation.reminder."
TEAM = "team"
OPEN = (MilestoneStatus.pending, MilestoneStatus.changes_requested)


def subject_of(milestone_id: int, due_on: date) -> str:
    return f"milestone:{milestone_id}:{due_on.isoformat()}"


# ---- reminders ------------------------------------------------------------------------------

def _claimed(notice_kind: str):
    """SQL: this milestone's reminder of this kind for its due date is claimed already."""
    if db.session.get_bind().dialect.name == "postgresql":
        due_text = sa.func.to_char(Milestone.due_on, "YYYY-MM-DD")
    else:
        due_text = sa.cast(Milestone.due_on, sa.String)
    subject = "milestone:" + sa.cast(Milestone.id, sa.String) + ":" + due_text
    return (sa.select(SentNotice.id).where(SentNotice.kind == notice_kind, SentNotice.subject == subject,
                                           SentNotice.recipient == TEAM).exists())


def owed_reminders(now: datetime) -> list[tuple[int, str]]:
    """(milestone id, kind) of every reminder owed at `now` and not claimed yet, by milestone id:
    open milestones of teams still in their cohort with no outcome recorded. Decided in SQL
    (one statement per distinct local day among the organisations), so a repeated sweep reads
    only what it still has to send."""
    by_day: dict[date, list[int]] = defaultdict(list)
    for org_id, tz_name in db.session.execute(
            sa.select(Organisation.id, Organisation.timezone).where(
                sa.select(Cohort.id).where(Cohort.organisation_id == Organisation.id).exists())):
        by_day[reminder_day(now, tz_name)].append(org_id)
    found: list[tuple[int, str]] = []
    for day, org_ids in by_day.items():
        bounds = {"overdue": (day - timedelta(days=OVERDUE_WITHIN_DAYS), day - timedelta(days=1)),
                  "due_in_1_day": (day, day + timedelta(days=1)),
                  "due_in_7_days": (day + timedelta(days=2), day + timedelta(days=7))}
        selects = []
        for kind, (low, high) in bounds.items():
            notice_kind = KIND_PREFIX + kind
            query = (sa.select(Milestone.id, sa.literal_column(f"'{kind}'", sa.String).label("kind"))
                     .join(CohortTeam, CohortTeam.id == Milestone.cohort_team_id)
                     .join(Cohort, Cohort.id == CohortTeam.cohort_id)
                     .where(Cohort.organisation_id.in_(org_ids), Milestone.status.in_(OPEN),
                            CohortTeam.status == CohortTeamStatus.active, CohortTeam.outcome.is_(None),
                            # Coarse, on the (status, due_at) index; the local day decides.
                            Milestone.due_at <= now + timedelta(days=9),
                            Milestone.due_on <= high, ~_claimed(notice_kind)))
            query = query.where(Milestone.due_on >= low)
            selects.append(query)
        found.extend(db.session.execute(sa.union_all(*selects)).all())
    return sorted(found)


def send_milestone_reminders(now: datetime | None = None, *, batch: int = BATCH) -> int:
    """Sweep: send every owed milestone reminder to each member of the team (through
    core.digests.notify: mailed now, or kept for a daily digest), each once per milestone, kind
    and due date. Commits every `batch` milestones; a sweep that fails half-way has sent what
    it committed, and the next one sends the rest. Returns the reminders claimed."""
    now = now or utcnow()
    owed = owed_reminders(now)
    sent = 0
    for start in range(0, len(owed), batch):
        sent += _remind(owed[start:start + batch], now)
        db.session.commit()
    return sent


def _remind(owed: list[tuple[int, str]], now: datetime) -> int:
    kinds = dict(owed)
    rows = db.session.execute(
        sa.select(Milestone, CohortTeam, Cohort, Organisation, Application.school_name, Team.name)
        .join(CohortTeam, CohortTeam.id == Milestone.cohort_team_id)
        .join(Cohort, Cohort.id == CohortTeam.cohort_id)
        .join(Organisation, Organisation.id == Cohort.organisation_id)
        .join(Application, Application.id == CohortTeam.application_id)
        .join(Team, Team.id == CohortTeam.team_id)
        .where(Milestone.id.in_(list(kinds))).order_by(Milestone.id)).all()
    team_ids = {cohort_team.team_id for _, cohort_team, *_ in rows}
    members: dict[int, list[User]] = defaultdict(list)
    for team_id, user in db.session.execute(
            sa.select(TeamMember.team_id, User).join(User, User.id == TeamMember.user_id)
            .where(TeamMember.team_id.in_(team_ids), User.is_deactivated.is_(False))
            .order_by(TeamMember.team_id, TeamMember.is_lead.desc(), User.id)):
        members[team_id].append(user)
    # Still owed as read (nothing changed since the candidates were read), then claimed at once.
    rows = [row for row in rows if MilestoneStatus(row[0].status) in OPEN
            and row[1].status == CohortTeamStatus.active]
    won = notices.claim_many([(KIND_PREFIX + kinds[m.id], subject_of(m.id, m.due_on)) for m, *_ in rows], TEAM, now=now)
    sent, outgoing = 0, []
    for milestone, cohort_team, cohort, organisation, school_name, team_name in rows:
        kind = kinds[milestone.id]
        if (KIND_PREFIX + kind, subject_of(milestone.id, milestone.due_on)) not in won:
            continue  # another sweep sent it meanwhile
        subject, context = reminder_mail(milestone, kind, organisation, school_name or team_name, now)
        outgoing += [digests.Notice(person, subject, "incubation_reminder", KIND_PREFIX + kind, organisation.reply_to,
                                    {**context, "person": person}) for person in members[cohort_team.team_id]]
        sent += 1
    digests.notify_many(outgoing, now=now)
    return sent


def reminder_mail(milestone: Milestone, kind: str, organisation: Organisation, school: str,
                  now: datetime) -> tuple[str, dict]:
    """The subject and the template's values of one reminder."""
    today = local(now, organisation.timezone).date()
    days = (milestone.due_on - today).days
    subject = f"{milestone.title} is {when_words(kind, days)} ({school})"
    return subject, {"milestone": milestone, "reminder": kind, "school": school, "organisation": organisation,
                     "due": f"{milestone.due_on:%A %-d %B %Y}", "days_left": days,
                     "link": digests.external_link("incubation.milestone", milestone_id=milestone.id),
                     "settings_url": digests.settings_url()}


# ---- the hourly sweep -------------------------------------------------------------------------

def send_all(now: datetime | None = None) -> dict[str, int]:
    """Reminders, the staff's weekly digest, then the daily digests (so that a reminder kept
    this hour can go out in today's digest). Each part commits its own work; a part that fails
    does not stop the others, and the first failure is raised at the end."""
    return run_parts("Incubation sweep", (("reminders", send_milestone_reminders), ("staff weekly", send_staff_weekly),
                                          ("daily digests", digests.send_daily_digests)), now or utcnow())


def _job_id() -> str:
    return fixed_job_id("incubation-reminders")


@periodic("default")
def start_sweep() -> None:
    """A worker serving `default` starts the hourly sweep (half a minute after it starts)."""
    schedule_sweep(timedelta(seconds=30))


def schedule_sweep(delay: timedelta = SWEEP_EVERY) -> None:
    """Schedule the sweep; scheduling it again only moves the one sweep (a fixed job id)."""
    from incubator.core.jobs import queue

    queue("default").enqueue_in(delay, sweep, job_id=_job_id())


def sweep() -> dict[str, int]:
    """Job: send what is owed now, then schedule the next sweep (even when this one failed)."""
    try:
        counts = send_all()
    finally:
        schedule_sweep()
    if any(counts.values()):
        log.info("Incubation sweep: %s", ", ".join(f"{n} {name}" for name, n in counts.items()))
    return counts
