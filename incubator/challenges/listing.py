"""Queries behind the list pages: open challenges, a challenge's applications, status counts.

A fixed number of SQL statements whatever the number of applications: one count by
status (which also counts the rows the filters match, so the pager needs no count of
its own) and one page query of narrow rows. Each sort has an index that hands the
database its rows in order (see the indexes after `Application`), so taking a page
never sorts the whole challenge. Later lists of applications (the review ranking)
follow the same shape: `ROW_COLUMNS` plus what they add, `list_counts` for the totals.
"""
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from incubator.applications.models import Application, Team
from incubator.applications.states import Status
from incubator.challenges.models import Challenge
from incubator.challenges.states import ChallengeStatus
from incubator.extensions import db

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Staff see an application once it is submitted; drafts are the team's own work.
STAFF_STATUSES = [Status.submitted, Status.eligible, Status.ineligible, Status.advanced, Status.selected,
                  Status.waitlisted, Status.declined, Status.withdrawn]


def staff_visible():
    """Staff see an application once it was submitted (a draft withdrawn unsent stays private)."""
    return sa.and_(Application.status.in_(STAFF_STATUSES), Application.submitted_at.is_not(None))


SORTS = {
    "submitted": (Application.submitted_at.desc(), Application.id.desc()),
    "submitted_asc": (Application.submitted_at.asc(), Application.id.asc()),
    "school": (sa.func.lower(Application.school_name).asc(), Application.id.asc()),
    "status": (Application.status.asc(), Application.submitted_at.desc(), Application.id.desc()),
}
SORT_LABELS = {"submitted": "Newest submitted", "submitted_asc": "Oldest submitted",
               "school": "School name", "status": "Status"}


@dataclass
class Filters:
    status: str = ""
    q: str = ""
    sort: str = "submitted"

    @classmethod
    def from_args(cls, args) -> "Filters":
        status = args.get("status", "")
        sort = args.get("sort", "submitted")
        return cls(
            status=status if status in {s.value for s in STAFF_STATUSES} else "",
            # Control characters (NUL breaks PostgreSQL text) can never match: drop them.
            q=_CONTROL.sub("", args.get("q") or "").strip()[:200],
            sort=sort if sort in SORTS else "submitted",
        )


def open_challenges_query(now: datetime) -> sa.Select:
    """Challenges accepting applications at `now`, soonest deadline first."""
    return (
        sa.select(Challenge).join(Challenge.organisation).options(contains_eager(Challenge.organisation))
        .where(Challenge.status == ChallengeStatus.published, Challenge.opens_at <= now, Challenge.closes_at > now)
        .order_by(Challenge.closes_at, Challenge.id)
    )


# What a row of the staff list shows: never the long answers, which would be read (and
# sorted, on PostgreSQL) for every row only to be thrown away.
ROW_COLUMNS = (Application.id, Application.school_name, Application.status, Application.submitted_at,
               Team.name.label("team_name"))


def _matches(q: str):
    return sa.or_(Application.school_name.icontains(q, autoescape=True), Team.name.icontains(q, autoescape=True))


def applications_query(challenge: Challenge, filters: Filters) -> sa.Select:
    """The staff-visible applications of `challenge` that match `filters`, in order, as
    rows of `ROW_COLUMNS` (id, school_name, status, submitted_at, team_name)."""
    query = (
        sa.select(*ROW_COLUMNS)
        .join(Team, Team.id == Application.team_id)
        .where(Application.challenge_id == challenge.id, staff_visible())
    )
    if filters.status:
        query = query.where(Application.status == Status(filters.status))
    if filters.q:
        query = query.where(_matches(filters.q))
    return query.order_by(*SORTS[filters.sort])


def list_counts(challenge: Challenge, filters: Filters) -> tuple[dict[Status, int], int]:
    """({status: number of applications}, how many staff-visible ones match `filters`), in one statement.

    The per-status numbers are those of `status_counts` (drafts included, for "still
    drafting"); the second number is the list's total, for the pager.
    """
    counted = sa.select(Application.status, sa.func.count())
    if filters.q:
        counted = (counted.add_columns(sa.func.count(sa.case((_matches(filters.q), 1))))
                   .join(Team, Team.id == Application.team_id))
    else:
        counted = counted.add_columns(sa.func.count())
    rows = db.session.execute(
        counted.where(Application.challenge_id == challenge.id, _counted_in_status())
        .group_by(Application.status))
    counts, matching = {}, {}
    for status, number, matched in rows:
        counts[Status(status)] = number
        matching[Status(status)] = matched
    # Every staff status but withdrawn implies submitted_at (a CHECK constraint), and a withdrawn
    # application is counted above only if it had been submitted: these are the staff-visible rows.
    listed = [Status(filters.status)] if filters.status else STAFF_STATUSES
    return counts, sum(matching.get(status, 0) for status in listed)


def _counted_in_status():
    # A draft withdrawn before it was submitted was never an application anyone saw.
    return sa.or_(Application.status != Status.withdrawn, Application.submitted_at.is_not(None))


def status_counts(challenge_ids: list[int]) -> dict[int, dict[Status, int]]:
    """{challenge id: {status: number of applications}}, in one statement."""
    counts: dict[int, dict[Status, int]] = {cid: {} for cid in challenge_ids}
    if not challenge_ids:
        return counts
    rows = db.session.execute(
        sa.select(Application.challenge_id, Application.status, sa.func.count())
        .where(Application.challenge_id.in_(challenge_ids), _counted_in_status())
        .group_by(Application.challenge_id, Application.status)
    )
    for challenge_id, status, number in rows:
        counts[challenge_id][Status(status)] = number
    return counts
