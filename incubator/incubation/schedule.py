"""Dates of an incubation, as pure functions (no Flask, no database): when a milestone is due,
whether it is overdue, which reminders are owed, the stakeholder rule, and the cohort's counts.

A milestone is due on a day in the organisation's timezone: the cohort's start date plus the
milestone's offset in days. It is due by the end of that day, so the moment stored (UTC) is the
next local midnight; across a daylight-saving change that moment moves by an hour in UTC, and
the team still sees the same date.

Reminders fall on local days too, at REMINDER_HOUR: a milestone due on day D is reminded on D-7
("due in 7 days"), D-1 ("due tomorrow") and D+1 ("overdue"); only the latest that has come is
owed, and one late by more than OVERDUE_WITHIN_DAYS when first seen is not announced. Counting
local days, not 24-hour periods, keeps a reminder on its day across a daylight-saving change.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from incubator.incubation.states import REQUIRED_GROUPS, MilestoneStatus, StakeholderGroup
from incubator.core.timeutil import end_of_local_day

REMINDER_HOUR = 8  # local time the reminders of a day go out from
# "Overdue" tells a team its milestone has just become late. One late for longer than this when a
# sweep first sees it (a cohort entered with a start date in the past, the sweep switched on
# months into a cohort, a worker down for weeks) is not announced: staff see it on the grid and
# in their weekly digest.
OVERDUE_WITHIN_DAYS = 14


def _zone(tz_name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz_name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def due_on(starts_on: date, offset_days: int) -> date:
    return starts_on + timedelta(days=offset_days)


def due_moment(day: date, tz_name: str | None) -> datetime:
    """The UTC moment a milestone due on local `day` becomes late: the local midnight after it."""
    return end_of_local_day(day, tz_name)


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, kept to the month's last day (31 Aug + 6 months = 28 or 29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = [31, 29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28, 31, 30, 31, 30,
            31, 31, 30, 31, 30, 31][month - 1]
    return date(year, month, min(day.day, last))


def is_overdue(status: MilestoneStatus, due_at: datetime | None, now: datetime) -> bool:
    """Late: still the team's to hand in (not submitted, or sent back) and past its due moment."""
    return due_at is not None and MilestoneStatus(status).is_open and now >= due_at


def reminder_day(now: datetime, tz_name: str) -> date:
    """The last local day whose REMINDER_HOUR has come at `now`."""
    moment = now.astimezone(_zone(tz_name))
    return moment.date() if moment.hour >= REMINDER_HOUR else moment.date() - timedelta(days=1)


def reminder_owed(due: date, day: date) -> str | None:
    """The reminder kind owed on local `day` (its hour come) for a milestone due on `due`
    (`owed_reminders` asks the same of the database, for every milestone at once)."""
    if due < day - timedelta(days=OVERDUE_WITHIN_DAYS):
        return None
    if due < day:  # D + 1 <= day
        return "overdue"
    if due <= day + timedelta(days=1):
        return "due_in_1_day"
    if due <= day + timedelta(days=7):
        return "due_in_7_days"
    return None


def when_words(kind: str, days_left: int) -> str:
    """"due in 7 days", "due tomorrow", "due today" (a day-before reminder that could not go out
    the day before), "overdue"."""
    if kind == "overdue" or days_left < 0:
        return "overdue"
    return {0: "due today", 1: "due tomorrow"}.get(days_left, f"due in {days_left} days")


def missing_groups(entry_groups: Iterable[str]) -> list[StakeholderGroup]:
    """The required stakeholder groups with no entry yet, in the seed's order."""
    have = {StakeholderGroup(g) for g in entry_groups}
    return [g for g in REQUIRED_GROUPS if g not in have]


def coverage(entries: Iterable[tuple[str, int]]) -> dict[StakeholderGroup, tuple[int, int]]:
    """Per group (every group, in order): (entries, participants) from (group, participants) pairs."""
    out = {g: (0, 0) for g in StakeholderGroup}
    for group, participants in entries:
        sessions, people = out[StakeholderGroup(group)]
        out[StakeholderGroup(group)] = (sessions + 1, people + (participants or 0))
    return out


def coaching_hours(minutes: Iterable[int]) -> float:
    return round(sum(m or 0 for m in minutes) / 60, 2)


@dataclass(frozen=True)
class Counts:
    on_time: int
    overdue: int
    awaiting_review: int
    approved: int
    total: int


def counts(cells: Iterable[tuple[MilestoneStatus, datetime | None]], now: datetime) -> Counts:
    """The grid's headline: of (status, due_at) pairs, how many are on time (open and not late),
    overdue, awaiting review (submitted) and approved."""
    on_time = overdue = awaiting = approved = total = 0
    for status, due_at in cells:
        status = MilestoneStatus(status)
        total += 1
        if status == MilestoneStatus.approved:
            approved += 1
        elif status == MilestoneStatus.submitted:
            awaiting += 1
        elif is_overdue(status, due_at, now):
            overdue += 1
        else:
            on_time += 1
    return Counts(on_time=on_time, overdue=overdue, awaiting_review=awaiting, approved=approved, total=total)
