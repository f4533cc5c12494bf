"""Staff move a team's due dates: all its milestones not yet approved by a number of days (a team
that joined late, a holiday), or one milestone to a given day.

A due date is a local day in the organisation's timezone; the moment it becomes late (`due_at`,
UTC) is recomputed from it with `schedule.due_moment`, so a date moved across a daylight-saving
change keeps its local midnight. Each change is a compare-and-set on the date that was shown, so
two staff moving the same dates at once cannot add their shifts up, and an approved milestone
(approval is final) is never moved.
"""
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from incubator.core import audit
from incubator.core.errors import NotAllowed, ValidationFailed
from incubator.extensions import db
from incubator.incubation import schedule
from incubator.incubation.lifecycle import ChangedMeanwhile
from incubator.incubation.models import CohortTeam, Milestone
from incubator.incubation.permissions import staff_of
from incubator.incubation.states import MilestoneStatus

MAX_SHIFT_DAYS = 366
# How long after the cohort's end a date may go (a team given more time, within reason).
AFTER_END = timedelta(days=366)


@dataclass(frozen=True)
class Move:
    milestone: Milestone
    old: date
    new: date


def movable(cohort_team: CohortTeam) -> list[Milestone]:
    """The team's milestones a shift moves: every one not approved."""
    return [m for m in cohort_team.milestones if MilestoneStatus(m.status) != MilestoneStatus.approved]


def plan_stamp(cohort_team: CohortTeam) -> str:
    """A short digest of the team's due dates, carried by the form so a shift applies to the dates shown."""
    text = ";".join(f"{m.id}:{m.due_on.isoformat()}:{m.status}" for m in cohort_team.milestones)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def latest_allowed(cohort_team: CohortTeam) -> date:
    return cohort_team.cohort.ends_on + AFTER_END


def _check_day(cohort_team: CohortTeam, day: date, title: str) -> None:
    cohort = cohort_team.cohort
    if day < cohort.starts_on:
        raise ValidationFailed(f"\u201c{title}\u201d would be due on {day:%-d %B %Y}, before the cohort starts "
                               f"({cohort.starts_on:%-d %B %Y}). Choose a later date or a smaller shift.")
    if day > latest_allowed(cohort_team):
        raise ValidationFailed(f"\u201c{title}\u201d would be due on {day:%-d %B %Y}, more than a year after the "
                               f"cohort ends ({cohort.ends_on:%-d %B %Y}). Choose an earlier date.")


def _apply(moves: list[Move], tz_name: str, *, now: datetime, activity: str) -> None:
    for move in moves:
        changed = db.session.execute(
            sa.update(Milestone)
            .where(Milestone.id == move.milestone.id, Milestone.due_on == move.old,
                   Milestone.status != MilestoneStatus.approved)
            .values(due_on=move.new, due_at=schedule.due_moment(move.new, tz_name), last_activity_at=now,
                    last_activity=activity[:200])
            .execution_options(synchronize_session="evaluate")).rowcount
        if changed != 1:
            raise ChangedMeanwhile()


def shift_team(cohort_team: CohortTeam, days: int, *, actor, now: datetime, stamp: str | None = None) -> list[Move]:
    """Move every milestone of the team that is not approved by `days` (negative: earlier).

    :raises NotAllowed: the actor is not program staff of the cohort's organisation
    :raises ValidationFailed: no shift, more than a year either way, a date before the cohort's
        start or long after its end, or nothing left to move
    :raises ChangedMeanwhile: the dates changed since the page was loaded (the caller rolls back)
    """
    if not staff_of(actor, cohort_team.organisation_id):
        raise NotAllowed("Only program staff can move a team's due dates.")
    if isinstance(days, bool) or not isinstance(days, int) or days == 0 or abs(days) > MAX_SHIFT_DAYS:
        raise ValidationFailed(f"Shift by a whole number of days from -{MAX_SHIFT_DAYS} to {MAX_SHIFT_DAYS}, "
                               "not zero (negative moves the dates earlier).")
    if stamp is not None and stamp != plan_stamp(cohort_team):
        raise ChangedMeanwhile("team's plan")
    moves = [Move(m, m.due_on, m.due_on + timedelta(days=days)) for m in movable(cohort_team)]
    if not moves:
        raise ValidationFailed("Every milestone of this team is approved: there is no due date left to move.")
    for move in moves:
        _check_day(cohort_team, move.new, move.milestone.title)
    word = "later" if days > 0 else "earlier"
    _apply(moves, cohort_team.cohort.timezone, now=now,
           activity=f"Due date moved {abs(days)} day{'s' if abs(days) != 1 else ''} {word}")
    audit.record(actor, "incubation.dates_shifted", cohort_team, days=days, milestones=len(moves),
                 changes=[{"milestone": m.milestone.title, "from": m.old.isoformat(), "to": m.new.isoformat()}
                          for m in moves])
    return moves


def set_due_on(milestone: Milestone, day: date, *, actor, now: datetime, expected: date | None = None) -> Move | None:
    """Give one milestone a new due date (None when it already has it).

    :raises NotAllowed: the actor is not program staff of the cohort's organisation
    :raises ValidationFailed: the milestone is approved, or the date is before the cohort's start
        or long after its end
    :raises ChangedMeanwhile: its date is no longer `expected` (the one the page showed)
    """
    cohort_team = milestone.cohort_team
    if not staff_of(actor, cohort_team.organisation_id):
        raise NotAllowed("Only program staff can move a team's due dates.")
    if MilestoneStatus(milestone.status) == MilestoneStatus.approved:
        raise ValidationFailed(f"\u201c{milestone.title}\u201d is approved, so its due date no longer matters. "
                               "Reopen it first if the team has more to do.")
    if expected is not None and expected != milestone.due_on:
        raise ChangedMeanwhile()
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationFailed("Enter the new due date.")
    _check_day(cohort_team, day, milestone.title)
    if day == milestone.due_on:
        return None
    move = Move(milestone, milestone.due_on, day)
    _apply([move], cohort_team.cohort.timezone, now=now, activity=f"Due date moved to {day:%-d %b %Y}")
    audit.record(actor, "incubation.due_date_set", milestone, due_on_was=move.old.isoformat(),
                 due_on=day.isoformat())
    return move
