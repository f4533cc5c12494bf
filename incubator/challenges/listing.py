"""Queries behind the list pages: open challenges, a challenge's applications, status counts.

A fixed number of SQL statements whatever the number of applications: one count by
status, one count of the filtered list and one page query that joins the team.
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
STAFF_STATUSES = [Status.submitted, Status.eligible, Status.ineligible, Status.withdrawn]


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


def applications_query(challenge: Challenge, filters: Filters) -> sa.Select:
    query = (
        sa.select(Application)
        .join(Application.team)
        .options(contains_eager(Application.team))
        .where(Application.challenge_id == challenge.id)
    )
    query = query.where(staff_visible())
    if filters.status:
        query = query.where(Application.status == Status(filters.status))
    if filters.q:
        query = query.where(sa.or_(Application.school_name.icontains(filters.q, autoescape=True),
                                   Team.name.icontains(filters.q, autoescape=True)))
    return query.order_by(*SORTS[filters.sort])


def status_counts(challenge_ids: list[int]) -> dict[int, dict[Status, int]]:
    """{challenge id: {status: number of applications}}, in one statement."""
    counts: dict[int, dict[Status, int]] = {cid: {} for cid in challenge_ids}
    if not challenge_ids:
        return counts
    rows = db.session.execute(
        sa.select(Application.challenge_id, Application.status, sa.func.count())
        .where(Application.challenge_id.in_(challenge_ids),
               sa.or_(Application.status != Status.withdrawn, Application.submitted_at.is_not(None)))
        .group_by(Application.challenge_id, Application.status)
    )
    for challenge_id, status, number in rows:
        counts[challenge_id][Status(status)] = number
    return counts
