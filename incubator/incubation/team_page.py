"""What a team's incubation page shows, read in a fixed number of queries whatever the number of
milestones, log entries or sessions (plain rows where the page needs no objects). Read-only."""
from dataclasses import dataclass
from datetime import date, datetime
from math import ceil

import sqlalchemy as sa

from incubator.core import charts
from incubator.core.timeutil import local
from incubator.extensions import db
from incubator.incubation import coaching as coaching_log, stakeholders
from incubator.incubation.coverage_chart import coverage_chart
from incubator.incubation.models import CohortCoach, CohortTeam, Milestone, School
from incubator.incubation.states import MilestoneKind, MilestoneStatus, StakeholderGroup

# The chart's axis cuts labels at 12 characters; the table beside it names the groups in full.
@dataclass(frozen=True)
class Week:
    """Where the cohort stands on `today` (a local date)."""

    starts_on: date
    ends_on: date
    today: date

    @property
    def total(self) -> int:
        return max(1, ceil((self.ends_on - self.starts_on).days / 7))

    @property
    def number(self) -> int | None:
        """1-based week of the cohort, None before it starts or after it ends."""
        if not self.starts_on <= self.today < self.ends_on:
            return None
        return min((self.today - self.starts_on).days // 7 + 1, self.total)

    @property
    def words(self) -> str:
        if self.today < self.starts_on:
            days = (self.starts_on - self.today).days
            return f"Starts in {days} day{'s' if days != 1 else ''}"
        if self.today >= self.ends_on:
            return "Ended"
        return f"Week {self.number} of {self.total}"


@dataclass
class TimelineItem:
    milestone: Milestone
    is_overdue: bool
    is_past: bool  # due before today (local)

    @property
    def status(self) -> MilestoneStatus:
        return MilestoneStatus(self.milestone.status)


@dataclass
class Coverage:
    rows: list[tuple[StakeholderGroup, int, int]]  # (group, entries, participants), every group in order
    missing: list[StakeholderGroup]  # required groups without an entry

    @property
    def entries(self) -> int:
        return sum(n for _, n, _ in self.rows)

    @property
    def participants(self) -> int:
        return sum(p for _, _, p in self.rows)

    def chart(self, font: str = "Helvetica"):
        return coverage_chart({g: (n, p) for g, n, p in self.rows}, font=font)

    def svg(self):
        description = "; ".join(f"{g.label}: {n} session{'s' if n != 1 else ''}, {p} participant"
                                f"{'s' if p != 1 else ''}" for g, n, p in self.rows)
        return charts.to_svg(self.chart(), description=description)


@dataclass
class Coaching:
    sessions: int
    hours: float
    latest_on: date | None
    required_sessions: int | None  # of the plan's coaching milestone, if it has one


def week_of(cohort, now: datetime) -> Week:
    return Week(cohort.starts_on, cohort.ends_on, local(now, cohort.timezone).date())


def timeline(cohort_team: CohortTeam, today: date, now: datetime) -> list[TimelineItem]:
    """The team's milestones by due date (one query; nothing of their evidence is loaded)."""
    milestones = db.session.scalars(
        sa.select(Milestone).where(Milestone.cohort_team_id == cohort_team.id)
        .order_by(Milestone.due_on, Milestone.position, Milestone.id)).all()
    return [TimelineItem(m, m.is_overdue(now), m.due_on < today) for m in milestones]


def today_index(items: list[TimelineItem]) -> int:
    """Where "today" falls on the timeline: before the first milestone not yet past."""
    return next((i for i, item in enumerate(items) if not item.is_past), len(items))


def coverage(cohort_team: CohortTeam) -> Coverage:
    per_group = stakeholders.coverage_of(cohort_team)
    rows = [(group, entries, people) for group, (entries, people) in per_group.items()]
    return Coverage(rows, stakeholders.missing_of(per_group))


def coaching(cohort_team: CohortTeam, items: list[TimelineItem]) -> Coaching:
    done = coaching_log.summary_of(cohort_team)
    required = next((item.milestone.required_sessions for item in items
                     if item.milestone.kind == MilestoneKind.coaching and item.milestone.required_sessions), None)
    return Coaching(done.sessions, done.hours, done.latest, required)


def coaches(cohort_team: CohortTeam) -> list:
    return [c.user for c in db.session.scalars(
        sa.select(CohortCoach).where(CohortCoach.cohort_id == cohort_team.cohort_id).order_by(CohortCoach.id))]


def school_of(cohort_team: CohortTeam) -> School | None:
    return db.session.scalar(sa.select(School).where(School.cohort_team_id == cohort_team.id))

