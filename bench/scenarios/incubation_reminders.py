"""The incubation reminder sweep over 5,000 milestones (budget: under 2 s a sweep).

417 teams of two (a lead and a member) in 12 cohorts whose start dates are spread over the
last nine months, 12 milestones each, one due every 15 days: the due dates fall from about
nine months ago to six months ahead. A quarter of the milestones are handed in (submitted or
approved), the rest open; one team in 20 left its cohort; one member in 10 takes a daily digest.

Figures:
- the first sweep: every open milestone due within a week owes its reminder, and every one that
  became late in the last two weeks its "overdue" (the day the sweep is switched on);
- the worst case: the same with every late milestone announced, however long ago it was due
  (the two-week limit lifted: about a third of all the milestones owe a reminder at once);
- the same sweep again a minute later (everything claimed: nothing to send, read in SQL);
- the next morning's sweep (the steady state: the reminders whose day came overnight);
- the weekly staff digest and the daily digests of the same hourly sweep.

Each sweep commits its mail to the outbox and queues one RQ job per message (a private Redis),
as in production. `python -m bench -s incubation-reminders` (`--size` sets the milestones).
"""
import statistics
import sys
import time
from datetime import datetime, time as dtime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bench.scenarios._helpers import password_hash
from incubator.accounts.models import User
from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Track
from incubator.challenges.states import ChallengeStatus
from incubator.core.demo import seed_accounts
from incubator.core.digests import NotificationSetting
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.incubation import schedule
from incubator.incubation.models import Cohort, CohortTeam, Milestone
from incubator.incubation.states import CohortTeamStatus, MilestoneStatus

NAME = "incubation-reminders"
SIZE = 5_000        # milestones
PER_TEAM = 12
COHORTS = 12


def seed(size):
    org = seed_accounts()
    now = utcnow()
    today = local(now, org.timezone).date()
    teams = max(1, size // PER_TEAM)
    challenge = Challenge(organisation=org, title="Bench Incubation", slug="bench-incubation", track=Track.new_school,
                          status=ChallengeStatus.published, opens_at=now - timedelta(days=400),
                          closes_at=now - timedelta(days=380))
    db.session.add(challenge)
    db.session.flush()
    user_rows = [{"email": f"{role}{n:05d}@team{n:05d}.org", "name": f"{role.title()} {n}",
                  "password_hash": password_hash(), "is_admin": False, "is_deactivated": False,
                  "email_confirmed_at": now, "created_at": now, "password_changed_at": now}
                 for n in range(teams) for role in ("lead", "member")]
    users = db.session.scalars(sa.insert(User).returning(User.id, sort_by_parameter_order=True), user_rows).all()
    team_ids = db.session.scalars(sa.insert(Team).returning(Team.id, sort_by_parameter_order=True),
                                  [{"name": f"Design Team {n:05d}", "created_at": now} for n in range(teams)]).all()
    db.session.execute(sa.insert(TeamMember), [
        {"team_id": t, "user_id": users[2 * n + k], "is_lead": k == 0, "joined_at": now}
        for n, t in enumerate(team_ids) for k in (0, 1)])
    db.session.execute(sa.insert(NotificationSetting), [
        {"user_id": users[2 * n + 1], "mode": "daily", "updated_at": now} for n in range(0, teams, 10)])
    application_ids = db.session.scalars(sa.insert(Application).returning(Application.id, sort_by_parameter_order=True), [
        {"challenge_id": challenge.id, "team_id": t, "status": Status.selected, "version": 1,
         "school_name": f"School {n:05d}", "submitted_at": now - timedelta(days=390), "created_at": now,
         "updated_at": now} for n, t in enumerate(team_ids)]).all()
    cohort_ids = db.session.scalars(sa.insert(Cohort).returning(Cohort.id, sort_by_parameter_order=True), [
        {"organisation_id": org.id, "challenge_id": challenge.id, "name": f"Cohort {c + 1}",
         "starts_on": today - timedelta(days=270 - 22 * c), "length_months": 6, "created_at": now}
        for c in range(COHORTS)]).all()
    starts = dict(zip(cohort_ids, [today - timedelta(days=270 - 22 * c) for c in range(COHORTS)]))
    cohort_team_rows = []
    for n, (team_id, application_id) in enumerate(zip(team_ids, application_ids)):
        left = n % 20 == 7
        cohort_team_rows.append({
            "cohort_id": cohort_ids[n % COHORTS], "application_id": application_id, "team_id": team_id,
            "status": CohortTeamStatus.left if left else CohortTeamStatus.active, "version": 1, "joined_at": now,
            "left_at": now if left else None, "left_reason": "Moved on" if left else None})
    cohort_team_ids = db.session.scalars(sa.insert(CohortTeam).returning(CohortTeam.id, sort_by_parameter_order=True),
                                         cohort_team_rows).all()
    milestone_rows = []
    for n, cohort_team_id in enumerate(cohort_team_ids):
        starts_on = starts[cohort_team_rows[n]["cohort_id"]]
        for position in range(1, PER_TEAM + 1):
            # Staff shifted some teams' dates by a few days, so every day has milestones due.
            due_on = starts_on + timedelta(days=15 * position + n % 15)
            status = (MilestoneStatus.approved, MilestoneStatus.submitted, MilestoneStatus.pending,
                      MilestoneStatus.pending)[(n + position) % 4]
            if status == MilestoneStatus.pending and position % 7 == 0:
                status = MilestoneStatus.changes_requested
            handed_in = status != MilestoneStatus.pending
            milestone_rows.append({
                "cohort_team_id": cohort_team_id, "position": position, "title": f"Milestone {position}",
                "guidance": "", "evidence_needed": "The plan, and what you learned.", "required_for_launch": True,
                "kind": "standard", "due_on": due_on, "due_at": schedule.due_moment(due_on, org.timezone),
                "status": status, "version": 1, "submitted_at": now - timedelta(days=3) if handed_in else None,
                "approved_at": now - timedelta(days=1) if status == MilestoneStatus.approved else None,
                "last_activity": "", "created_at": now})
    for start in range(0, len(milestone_rows), 5000):
        db.session.execute(sa.insert(Milestone), milestone_rows[start:start + 5000])
    db.session.commit()


def at_local(day, hour, minute=0, *, tz):
    return datetime.combine(day, dtime(hour, minute), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def _timed(func):
    db.session.remove()
    started = time.perf_counter()
    result = func()
    return result, time.perf_counter() - started


def _forget_everything_sent() -> None:
    from incubator.core.digests import DigestItem
    from incubator.core.mail import OutboxMessage
    from incubator.core.notices import SentNotice

    for model in (SentNotice, OutboxMessage, DigestItem):
        db.session.execute(sa.delete(model))
    db.session.commit()


def _outbox_count() -> int:
    from incubator.core.mail import OutboxMessage

    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


def figures(size):
    from incubator.core import digests
    from incubator.incubation import jobs

    total = db.session.scalar(sa.select(sa.func.count()).select_from(Milestone))
    org_tz = db.session.scalar(sa.text("SELECT timezone FROM organisations ORDER BY id LIMIT 1"))
    today = local(utcnow(), org_tz).date()
    # This morning at 09:00 local, a Monday's if today is one (so the weekly digest is owed too).
    morning = jobs.reminder_day(utcnow(), org_tz)
    first_at = at_local(morning, 9, tz=org_tz)
    first_times = []
    for attempt in range(3):  # the machine is shared: the median of three first sweeps, each from nothing sent
        _forget_everything_sent()
        first, took = _timed(lambda: jobs.send_milestone_reminders(first_at))
        first_times.append(took)
    first_time = statistics.median(first_times)
    first_mails = _outbox_count()
    repeats = []
    for minutes in (1, 2, 3, 4, 5):
        _, took = _timed(lambda: jobs.send_milestone_reminders(first_at + timedelta(minutes=minutes)))
        repeats.append(took)
    # The worst case: every late milestone announced (as if the two-week limit were not there).
    limit, jobs.OVERDUE_WITHIN_DAYS = jobs.OVERDUE_WITHIN_DAYS, 10_000
    worst_times = []
    try:
        for attempt in range(3):
            _forget_everything_sent()
            worst, took = _timed(lambda: jobs.send_milestone_reminders(first_at))
            worst_times.append(took)
        worst_mails = _outbox_count()
    finally:
        jobs.OVERDUE_WITHIN_DAYS = limit
    _forget_everything_sent()
    jobs.send_milestone_reminders(first_at)
    first_mails = _outbox_count()
    next_at = first_at + timedelta(days=1)
    following, next_time = _timed(lambda: jobs.send_milestone_reminders(next_at))
    next_mails = _outbox_count() - first_mails
    monday = at_local(today - timedelta(days=today.weekday()) + timedelta(days=7), 7, 30, tz=org_tz)
    weekly, weekly_time = _timed(lambda: jobs.send_staff_weekly(monday))
    digests_sent, digest_time = _timed(lambda: digests.send_daily_digests(next_at + timedelta(hours=1)))
    again, whole_time = _timed(lambda: jobs.send_all(next_at + timedelta(hours=2)))
    print(f"[{NAME}] {total:,} milestones; first sweep {first:,} reminders / {first_mails:,} mails or kept "
          f"notices in {first_time:.2f} s; repeats {', '.join(f'{t * 1000:.0f}' for t in repeats)} ms",
          file=sys.stderr)
    return [
        (f"first sweep over {total:,} milestones: {first:,} reminders claimed, {first_mails:,} mails queued "
         f"(median of 3: {', '.join(f'{t:.2f}' for t in first_times)})", f"{first_time:.2f} s", "under 2 s"),
        (f"worst case, every late milestone announced: {worst:,} reminders, {worst_mails:,} mails "
         f"(median of 3: {', '.join(f'{t:.2f}' for t in worst_times)})", f"{statistics.median(worst_times):.2f} s",
         "under 2 s"),
        ("the same sweep again (all claimed; median of 5)", f"{statistics.median(repeats) * 1000:.0f} ms",
         "under 2 s"),
        (f"the next morning's sweep: {following:,} reminders, {next_mails:,} mails", f"{next_time:.2f} s",
         "under 2 s"),
        (f"weekly staff digest: {weekly} digest(s)", f"{weekly_time * 1000:.0f} ms", "-"),
        (f"daily digests: {digests_sent:,} digests of the kept reminders", f"{digest_time:.2f} s", "-"),
        (f"a whole hourly sweep with nothing new ({sum(again.values())} sent)", f"{whole_time * 1000:.0f} ms",
         "under 2 s"),
    ]


REQUESTS = [("notification settings page", "member00001@team00001.org", "/account/notifications")]
