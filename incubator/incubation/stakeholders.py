"""The stakeholder input log of a team: who the team heard from (teachers, students, parents,
school leaders, community members), how, and what it changed because of it.

Each change is audited on the team's place in the cohort and noted as the latest activity of
the team's community-input milestone(s). The rule that milestone checks before it is submitted
(every required group has an entry) is `schedule.missing_groups` over `groups_logged`.
"""
import hashlib
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import InvalidRequestError

from incubator.core import audit, permissions
from incubator.core.errors import DomainError
from incubator.core.timeutil import local
from incubator.extensions import db
from incubator.incubation import lifecycle, schedule
from incubator.incubation.models import CohortTeam, StakeholderEntry
from incubator.incubation.states import InputMethod, MilestoneKind, StakeholderGroup

# How long before the cohort's start a session may have taken place (teams often begin
# listening between selection and the first day).
EARLIEST_BEFORE_START = timedelta(days=30)
FIELDS = ("group", "held_on", "method", "participants", "takeaways", "design_changes")


class TeamNotActive(DomainError):
    def __init__(self):
        super().__init__("This team has left the cohort: its logs can be read but no longer changed.")


class DateOutOfRange(DomainError):
    pass


class ChangedMeanwhile(DomainError):
    def __init__(self, what: str = "entry"):
        super().__init__(f"Someone else changed this {what} while you were editing it. "
                         f"Your changes were not saved: here is the {what} as it is now.")


def date_range(cohort_team: CohortTeam, now: datetime) -> tuple[date, date]:
    """The dates a session may have: from 30 days before the cohort's start to today (local)."""
    today = local(now, cohort_team.cohort.timezone).date()
    return cohort_team.cohort.starts_on - EARLIEST_BEFORE_START, today


def check_date(cohort_team: CohortTeam, held_on: date, now: datetime) -> None:
    earliest, latest = date_range(cohort_team, now)
    if held_on > latest:
        raise DateOutOfRange("The date is in the future: log a session once it has taken place.")
    if held_on < earliest:
        raise DateOutOfRange(f"The date is more than 30 days before the cohort started ({earliest:%-d %b %Y} "
                             "is the earliest).")


def fingerprint(values) -> str:
    """A short digest of what an entry (or session) says, carried by the edit form: a save over
    a version someone else has changed meanwhile is refused instead of silently overwriting it."""
    text = "\x1f".join(str(v.value if hasattr(v, "value") else v) for v in values)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def fingerprint_of(entry: StakeholderEntry) -> str:
    return fingerprint(getattr(entry, name) for name in FIELDS)


def _check(values: dict, cohort_team: CohortTeam, now: datetime) -> dict:
    values = {name: values[name] for name in FIELDS}
    values["group"], values["method"] = StakeholderGroup(values["group"]), InputMethod(values["method"])
    if not 1 <= values["participants"] <= 10_000:
        raise DomainError("The number of participants is between 1 and 10,000.")
    if not values["takeaways"]:
        raise DomainError("Write down the key takeaways.")
    check_date(cohort_team, values["held_on"], now)
    return values


def _touch(cohort_team: CohortTeam, activity: str, now: datetime) -> None:
    for milestone in cohort_team.milestones:
        if milestone.kind == MilestoneKind.community_input:
            lifecycle.touch(milestone, activity, now=now)


def add_entry(cohort_team: CohortTeam, *, actor, now: datetime, **values) -> StakeholderEntry:
    """Log a session with one stakeholder group (the team's own work). Flushes.

    :raises NotAllowed: the actor is not on the team
    :raises TeamNotActive: the team has left the cohort
    :raises DateOutOfRange: the date is in the future or long before the cohort started
    """
    permissions.require(actor, "view", cohort_team)
    if not cohort_team.is_active:
        raise TeamNotActive()
    permissions.require(actor, "hand_in", cohort_team)
    values = _check(values, cohort_team, now)
    entry = StakeholderEntry(cohort_team=cohort_team, created_by_id=actor.id, created_at=now, **values)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "incubation.stakeholder_added", cohort_team, entry=entry.id, group=entry.group.label.lower(),
                 held_on=entry.held_on.isoformat(), participants=entry.participants)
    _touch(cohort_team, f"Stakeholder entry: {entry.group.label.lower()}", now)
    return entry


def lock(obj, seen: str | None, current, what: str = "entry") -> None:
    """Reload `obj` (locked until commit on PostgreSQL); refuse if it changed since the actor saw
    the version with fingerprint `seen`, or is gone."""
    try:
        db.session.refresh(obj, with_for_update=True)
    except InvalidRequestError:  # deleted by another request since this one loaded it
        raise ChangedMeanwhile(what) from None
    if seen and seen != current(obj):
        raise ChangedMeanwhile(what)


def edit_entry(entry: StakeholderEntry, *, actor, now: datetime, seen: str | None = None, **values) -> None:
    """Change an entry; `seen` is the fingerprint of the version the actor edited. Flushes.

    :raises NotAllowed, TeamNotActive, DateOutOfRange: as add_entry
    :raises ChangedMeanwhile: someone changed the entry since the actor loaded it
    """
    cohort_team = entry.cohort_team
    permissions.require(actor, "view", entry)
    if not cohort_team.is_active:
        raise TeamNotActive()
    permissions.require(actor, "edit", entry)
    values = _check(values, cohort_team, now)
    lock(entry, seen, fingerprint_of)
    changed = sorted(name for name, value in values.items() if getattr(entry, name) != value)
    if not changed:
        return
    for name, value in values.items():
        setattr(entry, name, value)
    db.session.flush()
    audit.record(actor, "incubation.stakeholder_edited", cohort_team, entry=entry.id,
                 group=entry.group.label.lower(), held_on=entry.held_on.isoformat(), changed=changed)
    _touch(cohort_team, f"Stakeholder entry edited: {entry.group.label.lower()}", now)


def delete_entry(entry: StakeholderEntry, *, actor, now: datetime) -> None:
    """:raises NotAllowed, TeamNotActive: as add_entry"""
    cohort_team = entry.cohort_team
    permissions.require(actor, "view", entry)
    if not cohort_team.is_active:
        raise TeamNotActive()
    permissions.require(actor, "delete", entry)
    audit.record(actor, "incubation.stakeholder_deleted", cohort_team, entry=entry.id,
                 group=entry.group.label.lower(), held_on=entry.held_on.isoformat(),
                 participants=entry.participants)
    _touch(cohort_team, f"Stakeholder entry deleted: {entry.group.label.lower()}", now)
    db.session.delete(entry)
    db.session.flush()


# ---- reading ---------------------------------------------------------------------------------------


def entries(cohort_team: CohortTeam, group: StakeholderGroup | None = None) -> sa.Select:
    """The team's entries, newest first (a select to paginate)."""
    query = (sa.select(StakeholderEntry).where(StakeholderEntry.cohort_team_id == cohort_team.id)
             .order_by(StakeholderEntry.held_on.desc(), StakeholderEntry.id.desc()))
    if group is not None:
        query = query.where(StakeholderEntry.group == group)
    return query


def coverage_of(cohort_team: CohortTeam) -> dict[StakeholderGroup, tuple[int, int]]:
    """Per group, in order: (entries, participants). One query."""
    rows = db.session.execute(sa.select(StakeholderEntry.group, StakeholderEntry.participants)
                              .where(StakeholderEntry.cohort_team_id == cohort_team.id))
    return schedule.coverage((group, participants) for group, participants in rows)


def missing_of(coverage: dict[StakeholderGroup, tuple[int, int]]) -> list[StakeholderGroup]:
    return schedule.missing_groups(group for group, (count, _) in coverage.items() if count)


def groups_in_words(groups) -> str:
    """"teachers", "teachers and parents", "teachers, students and parents"."""
    words = [g.label.lower() for g in groups]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"
